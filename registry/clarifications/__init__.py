"""Clarification questions: suppliers ask while the invitation to tender is open; the authority
answers and publishes each answer to every bidder without the asker's name."""
