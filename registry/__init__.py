"""The Participation Framework Registry."""
