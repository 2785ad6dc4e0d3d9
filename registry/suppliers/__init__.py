"""Supplier profiles: what policy teams search when they commission."""
