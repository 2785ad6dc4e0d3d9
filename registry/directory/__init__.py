"""The accredited-supplier directory: search and profile pages for the suppliers appointed to live frameworks."""
