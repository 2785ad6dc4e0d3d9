import re
import uuid

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import assert_accessible, sign_in
from tests.browser.test_accounts_journeys import NEW_PASSWORD, emailed_link


def test_a_new_supplier_completes_its_profile_registers_interest_and_is_emailed(page: Page, browser: Browser, live_server: str, smtp_inbox):
    inbox, _ = smtp_inbox
    email = f"lead-{uuid.uuid4().hex[:8]}@listening-post.example"
    page.goto(live_server + "/register")
    page.get_by_label("Legal name").fill("Listening Post Research Ltd")
    page.get_by_label("Private limited company").check()
    page.get_by_label("Small").check()
    page.get_by_label("Full name").fill("Iona MacDonald")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Create a password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Register").click()
    page.goto(emailed_link(inbox, live_server, email, "/confirm-email/"))  # the real SMTP server got it
    page.get_by_role("button", name="Confirm email address").click()
    sign_in(page, live_server, email, NEW_PASSWORD)

    page.get_by_role("link", name="Your profile").click()
    assert_accessible(page)
    page.get_by_role("button", name="Create the profile").click()
    page.get_by_label("Website (optional)").fill("not a website")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Describe your organisation")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the website address in full")
    assert_accessible(page)
    page.get_by_label("About your organisation").fill("We run citizens' panels and peer research with young people.")
    page.get_by_label("Website (optional)").fill("https://listening-post.example")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_label("Fife").check()  # one short page for each kind of answer
    assert_accessible(page)
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_label("Citizens' panels").check()
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_label("Children and young people (seldom heard)").check()
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_label("British Sign Language").check()
    page.get_by_label("Easy Read").check()
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_label("How many engagements can you run at once?").fill("4")
    page.get_by_role("button", name="Save and go back to your profile").click()
    expect(page.locator("main")).to_contain_text("Fife")
    expect(page.locator("main")).to_contain_text("British Sign Language")
    assert_accessible(page)

    page.goto(live_server + "/frameworks")
    page.get_by_role("link", name="Public Participation Services Framework 2027").click()  # its notice just published
    reference = page.url.rsplit("/", 1)[1]
    page.get_by_role("button", name="Register interest").click()
    assert_accessible(page)
    page.get_by_label("Only some lots").check()
    page.get_by_role("checkbox", name=re.compile(r"Lot 1:")).check()
    page.get_by_role("button", name="Register interest").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("interest is registered")
    assert_accessible(page)

    officer = browser.new_context().new_page()
    sign_in(officer, live_server, "officer@civic-participation.example")
    officer.goto(f"{live_server}/manage/frameworks/{reference}/interest")
    expect(officer.get_by_role("cell", name="Listening Post Research Ltd")).to_be_visible()
    assert_accessible(officer)
    officer.goto(f"{live_server}/manage/frameworks/{reference}/amend")
    officer.get_by_label("What has changed").fill("The start date has moved")
    officer.get_by_label("Year").fill("2028")
    officer.get_by_role("button", name="Publish the amended notice").click()
    message = inbox.wait_for(email, "prior information notice has been amended")
    assert "The start date has moved" in message
