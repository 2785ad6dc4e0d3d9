"""The web shell: templates, static assets, error pages and the start page."""
