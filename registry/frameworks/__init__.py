"""Frameworks, their lots and notices, and the one state machine every stage goes through."""
