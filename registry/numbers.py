"""Numbers as people type them."""


def is_whole_number(text: str) -> bool:
    """Digits 0-9 only, at most 18 of them: what int() reads and every integer column holds.
    (str.isdigit is true of "²" and "①" too, which int() refuses: a server error where it was trusted.)"""
    return text.isascii() and text.isdigit() and len(text) <= 18
