"""The README's screenshots: the start page and the directory, from a running server with the demo
data (`make run`), taken with Debian's Chromium.

    .venv/bin/python docs/screenshots.py http://127.0.0.1:8000 docs/images
"""
import sys
from playwright.sync_api import sync_playwright
base = sys.argv[1]; out = sys.argv[2]
with sync_playwright() as p:
    browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
    page = browser.new_page(viewport={"width": 1100, "height": 1000})
    page.goto(base + "/")
    page.screenshot(path=f"{out}/start-page.png", full_page=False)
    page.goto(base + "/suppliers?q=young&seed=2026")
    page.screenshot(path=f"{out}/directory.png", full_page=False)
    browser.close()
