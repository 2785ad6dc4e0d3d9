"""Open data: OCDS releases and records of every published step, CSV downloads and the open-data page."""
