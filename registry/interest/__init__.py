"""Expressions of interest: suppliers following a framework and its lots."""
