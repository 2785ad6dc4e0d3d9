"""Email addresses as people type them."""


def is_email_address(text: str) -> bool:
    """A name, "@", and a domain with a dot in it; no spaces; at most 254 characters (what an email
    column holds). Whether mail reaches it is for the confirmation email to find out."""
    local, _, domain = text.partition("@")
    return bool(local) and "." in domain and " " not in text and len(text) <= 254
