import email
import email.policy
import re
import uuid

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import assert_accessible, sign_in

NEW_PASSWORD = "a long and memorable pass phrase"


def emailed_link(inbox, base_url: str, recipient: str, path_prefix: str, subject_part: str = "Confirm your email address") -> str:
    """The link in the email the person received (the SMTP server the live server sends to)."""
    message = email.message_from_string(inbox.wait_for(recipient, subject_part), policy=email.policy.default)
    text = message.get_body(preferencelist=("plain",)).get_content()
    return base_url + re.search(rf"https?://[^\s/]+({path_prefix}\S+)", text).group(1)


def outbox_hides_the_link(browser: Browser, base_url: str, recipient: str) -> None:
    """The admin sees the message in the outbox, but not its one-time link."""
    context = browser.new_context()
    admin = context.new_page()
    sign_in(admin, base_url, "admin@civic-participation.example")
    admin.goto(base_url + "/admin/outbox")
    assert_accessible(admin)
    card = admin.locator(".govuk-summary-card", has_text=recipient).first
    expect(card).to_contain_text("[link hidden")
    assert "/confirm-email/" not in card.inner_text()
    context.close()


def test_a_supplier_registers_confirms_signs_in_and_out(page: Page, browser: Browser, live_server: str, screenshots, smtp_inbox):
    email = f"founder-{uuid.uuid4().hex[:8]}@new-supplier.example"
    page.goto(live_server + "/")
    page.get_by_role("link", name="Register your organisation").click()
    expect(page).to_have_title("Register your organisation – Participation Framework Registry")
    assert_accessible(page)

    page.get_by_label("Legal name").fill("Riverside Listening Project CIC")
    page.get_by_role("button", name="Register").click()
    expect(page).to_have_title(re.compile(r"^Error: Register your organisation"))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Select the type of organisation")
    expect(summary).to_contain_text("Enter your full name")
    expect(page.get_by_label("Legal name")).to_have_value("Riverside Listening Project CIC")
    assert_accessible(page)
    page.screenshot(path=str(screenshots / "register-errors.png"), full_page=True)
    summary.get_by_role("link", name="Enter your full name").click()
    expect(page.get_by_label("Full name")).to_be_focused()

    page.get_by_label("Community interest company").check()
    page.get_by_label("Micro").check()
    page.get_by_label("Full name").fill("Nadia Rahman")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Create a password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    assert_accessible(page)

    outbox_hides_the_link(browser, live_server, email)
    page.goto(emailed_link(smtp_inbox[0], live_server, email, "/confirm-email/"))
    assert_accessible(page)
    page.get_by_role("button", name="Confirm email address").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your home")  # signed in by confirming, with the first steps
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Your email address is confirmed and you are signed in")
    assert_accessible(page)
    page.get_by_role("link", name="Sign out").click()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, live_server, email, NEW_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your home")  # a new supplier's next steps
    expect(page.locator("main")).to_contain_text("Your organisation has not started a tender.")
    assert_accessible(page)
    page.get_by_role("link", name="Your account").first.click()
    expect(page.locator(".govuk-summary-list")).to_contain_text("Riverside Listening Project CIC")
    assert_accessible(page)
    page.get_by_role("link", name="Your organisation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("People in your organisation")
    assert_accessible(page)

    page.get_by_role("link", name="Sign out").click()
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You have signed out")
    page.goto(live_server + "/account")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=%2Faccount$"))


def test_a_failed_sign_in_shows_the_error_summary_and_works_by_keyboard(page: Page, live_server: str):
    page.goto(live_server + "/sign-in")
    page.get_by_label("Email address").focus()
    page.keyboard.type("officer@civic-participation.example")
    page.keyboard.press("Tab")
    page.keyboard.type("not the password at all")
    page.keyboard.press("Enter")
    expect(page).to_have_title("Error: Sign in – Participation Framework Registry")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Enter the email address and password for your account")
    expect(page.get_by_label("Email address")).to_have_value("officer@civic-participation.example")
    expect(page.get_by_label("Password", exact=True)).to_have_value("")
    assert_accessible(page)


def test_every_signed_in_page_is_accessible(page: Page, live_server: str):
    sign_in(page, live_server, "admin@civic-participation.example")
    for path in ("/account", "/account/password", "/account/api-tokens", "/admin/users", "/admin/users/new", "/admin/audit", "/admin/outbox", "/password-reset", "/sign-out"):
        page.goto(live_server + path)
        assert page.locator("h1").count() == 1, path
        assert_accessible(page)
    page.goto(live_server + "/admin/users")
    page.get_by_role("link", name=re.compile("Aileen Murray")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change roles for Aileen Murray")
    assert_accessible(page)
    page.goto(live_server + "/account/api-tokens")
    page.get_by_label("Token name").fill("Browser test export")
    page.get_by_role("button", name="Create token").click()
    expect(page.locator("#api-token")).to_have_text(re.compile(r"^pfr_"))
    assert_accessible(page)


def test_a_new_official_sets_up_two_factor_sign_in_and_the_admin_resets_it_when_the_phone_is_lost(
    page: Page, browser: Browser, live_server: str, smtp_inbox
):
    official = f"analyst-{uuid.uuid4().hex[:8]}@civic-participation.example"
    admin = browser.new_context().new_page()
    sign_in(admin, live_server, "admin@civic-participation.example")
    admin.goto(live_server + "/admin/users/new")
    admin.get_by_label("Full name").fill("Eilidh Ross")
    admin.get_by_label("Email address").fill(official)
    admin.get_by_label("Contracting authority").select_option(label="Department for Civic Participation")
    admin.get_by_label("Evaluator").check()
    admin.get_by_role("button", name="Add user").click()
    expect(admin.locator(".govuk-notification-banner")).to_contain_text("The evaluator role waits for approval")

    officer = browser.new_context().new_page()  # separation of duties: one of the authority's officers approves the role
    sign_in(officer, live_server, "officer@civic-participation.example")
    officer.goto(live_server + "/role-requests")
    assert_accessible(officer)
    officer.get_by_role("button", name="Approve Eilidh Ross as evaluator").click()
    expect(officer.locator(".govuk-notification-banner")).to_contain_text("Request approved")

    page.goto(emailed_link(smtp_inbox[0], live_server, official, "/password-reset/", "Your account"))
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save password").click()
    page.goto(live_server + "/sign-in")
    page.get_by_label("Email address").fill(official)
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor sign-in")  # nothing else before it
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    page.goto(live_server + "/home")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=%2Fhome$"))  # the password alone opens no page

    assert sign_in(page, live_server, official, NEW_PASSWORD)  # reads the key, enters the code, keeps the recovery codes
    expect(page.get_by_role("heading", level=1)).to_have_text("Your home")
    page.goto(live_server + "/account")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Two-factor sign-in")
    page.goto(live_server + "/account/two-factor")
    assert_accessible(page)
    expect(page.locator("main")).to_contain_text("You have 10 recovery codes left")

    admin.goto(live_server + "/admin/users")
    admin.get_by_role("link", name=re.compile("Eilidh Ross")).click()
    admin.get_by_role("button", name="Reset two-factor sign-in").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Reset two-factor sign-in for Eilidh Ross")
    assert_accessible(admin)
    admin.get_by_role("button", name="Reset two-factor sign-in").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Two-factor sign-in reset")
    assert_accessible(admin)
    smtp_inbox[0].wait_for(official, "Your two-factor sign-in was reset")

    page.goto(live_server + "/account")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=%2Faccount$"))  # signed out everywhere
