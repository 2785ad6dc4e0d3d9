"""Reference data shared by every domain: the taxonomies suppliers and frameworks are described by."""
