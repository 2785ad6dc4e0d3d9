"""A browser's family and system, from its User-Agent header, in words a person recognises on their
sessions page ("Firefox on Windows"). Only the family: versions and devices change too often to be
worth keeping, and a User-Agent can say anything, so it is never shown as sent."""

import re

# Checked in order: many browsers name the ones they are built on as well (Edge says Chrome and
# Safari; Chrome says Safari), so the most specific comes first.
BROWSERS = (
    ("Edge", re.compile(r"\bEdg(e|A|iOS)?/")),
    ("Opera", re.compile(r"\b(OPR|Opera)/")),
    ("Samsung Internet", re.compile(r"\bSamsungBrowser/")),
    ("Firefox", re.compile(r"\b(Firefox|FxiOS)/")),
    ("Chrome", re.compile(r"\b(Chrome|CriOS|Chromium)/")),
    ("Safari", re.compile(r"\bVersion/[\d.]+.*\bSafari/")),
    ("curl", re.compile(r"^curl/")),
    ("Python", re.compile(r"^python-(requests|httpx)/|^Python-urllib/")),
)
SYSTEMS = (
    ("Android", re.compile(r"\bAndroid\b")),
    ("iOS", re.compile(r"\b(iPhone|iPad|iPod)\b")),
    ("Windows", re.compile(r"\bWindows\b")),
    ("ChromeOS", re.compile(r"\bCrOS\b")),
    ("macOS", re.compile(r"\bMac OS X\b|\bMacintosh\b")),
    ("Linux", re.compile(r"\bLinux\b")),
)
UNKNOWN = "Unknown browser"


def browser_family(user_agent: str) -> str:
    user_agent = user_agent[:512]
    browser = next((name for name, pattern in BROWSERS if pattern.search(user_agent)), None)
    system = next((name for name, pattern in SYSTEMS if pattern.search(user_agent)), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or (f"A browser on {system}" if system else UNKNOWN)
