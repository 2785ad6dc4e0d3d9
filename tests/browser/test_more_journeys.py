"""Journeys through pages that had HTTP tests only: an officer naming who may use a framework and
stating its community benefits (finding a CPV code without JavaScript on the way); a supplier giving
its core supplier information on a tender under the Procurement Act 2023, turning two-factor sign-in
off and signing another browser out; an organisation's admin and the service admin managing people;
and the public reading a call-off's award notice and a UK4 tender notice."""

import re
import uuid
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import TWO_FACTOR_SECRETS, add_demo_frameworks, assert_accessible, set_clock, sign_in, two_factor_code

OFFICER = "officer@civic-participation.example"

ENGLAND_OPEN_FOR_TENDERS = {  # a Procurement Act 2023 framework open for tenders, which the demo has none of
    "reference": "PF-JOURNEY-E01",
    "officer": "officer@northmoor.example",
    "title": "Northmoor Community Insight Framework 2027",
    "summary": "Suppliers to run resident surveys and focus groups for Northmoor's services.",
    "description": "Representative resident surveys, focus groups and community conversations, procured under the Procurement Act 2023.",
    "estimated_value": 600000,
    "start_date": "2027-09-01",
    "duration_months": 36,
    "regime": "england",
    "call_off_routes": ["direct_award"],
    "contact": {"name": "Northmoor Council procurement", "email": "procurement@northmoor.example", "telephone": "0161 496 0000"},
    "cpv_codes": ["79311000"],
    "lots": [{"title": "Resident research", "scope": "Surveys and focus groups with Northmoor's residents.", "subject": "research-and-evaluation",
              "max_suppliers": 3, "estimated_value": 600000}],
    "publish": True,
    "interest": {"Kinship Research Co-operative": [1]},
    "rfi": {"title": "Resident research: market questions", "introduction": "Tell us about your resident research.",
            "questions": ["How do you reach residents who do not usually answer surveys?"], "opened_days_ago": 45, "closed_days_ago": 25},
    "criteria": {
        "quality_share": 60,
        "selection": [{"title": "Do you hold public liability insurance of at least £5 million?", "guidance": "Pass: yes, with the insurer named."}],
        "quality": [{"title": "Reaching every resident", "guidance": "How your samples and recruitment reach seldom-heard residents.",
                     "weight": 100, "minimum_score": 2, "word_limit": 300}],
        "price": {"title": "Price for the sample survey", "guidance": "Your total price, excluding VAT, for the sample survey."},
    },
    "conflicts": {"declarations": {}, "named": []},  # the assessment before the tender notice: no one declares a conflict
    "itt": {"published_days_ago": 10, "clarification_deadline_days_ago": -7, "tender_deadline_days_ago": -21},
    "tenders": {},
}


def test_an_officer_names_who_may_use_a_framework_and_states_its_community_benefits_with_cpv_codes_found_without_javascript(
    page: Page, browser: Browser, live_server: str
):
    set_clock(live_server, None)  # today, whatever an earlier journey left: the demo's tender deadline is ahead
    sign_in(page, live_server, OFFICER)
    page.goto(f"{live_server}/manage/frameworks/PF-DEMO-006")  # its request for information is open: the list may still change
    page.get_by_role("link", name="Who may use the framework").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Who may use the framework")
    assert_accessible(page)
    page.get_by_label("Northmoor Council").check()
    authority = page.get_by_role("group", name="Authority 1 (optional)")
    authority.get_by_label("Name").fill("Highland Community Health Partnership")
    page.get_by_role("button", name="Save").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter how Highland Community Health Partnership is identified")
    expect(page.locator("#other_1_identifier-error")).to_contain_text("Enter how Highland Community Health Partnership is identified")
    expect(authority.get_by_label("Name")).to_have_value("Highland Community Health Partnership")
    expect(page.get_by_label("Northmoor Council")).to_be_checked()
    assert_accessible(page)
    authority.get_by_label("Identifier").fill("SC512345")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(f"{live_server}/manage/frameworks/PF-DEMO-006")
    page.get_by_role("link", name="View the public page").click()
    entitled = page.locator("#eligible-authorities")
    expect(entitled).to_contain_text("Northmoor Council")
    expect(entitled).to_contain_text("Highland Community Health Partnership (SC512345)")
    assert_accessible(page)

    # The same officer, in a browser without JavaScript: the CPV picker is a page of its own.
    context = browser.new_context(storage_state=page.context.storage_state(), java_script_enabled=False)
    plain = context.new_page()
    plain.goto(f"{live_server}/manage/frameworks/PF-DEMO-007")  # open for tenders: its tender notice states the community benefits
    plain.get_by_role("link", name="Amend the notice").click()
    with context.expect_page() as opened:
        plain.get_by_role("link", name="Search the CPV list (opens in new tab)").click()
    picker = opened.value
    picker.get_by_label("Search by words or by the code's first digits").fill("event")
    picker.get_by_role("button", name="Search").click()
    expect(picker).to_have_title(re.compile(r"^Search results for event – Find CPV codes"))
    code = picker.get_by_role("row", name=re.compile(r"\bEvent services\b")).first.get_by_role("cell").first.inner_text()
    assert code == "79952000-2"
    picker.close()
    plain.get_by_label("Other CPV codes (optional)").fill(code)
    plain.get_by_label("Estimated value").fill("4500000")  # now a Scottish procurement of £4m or more
    plain.get_by_label("What has changed").fill("The estimated value is revised to include event services")
    plain.get_by_role("button", name="Publish the amended notice").click()
    summary = plain.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Summarise the community benefit requirements, or give the reasons for including none")
    expect(plain.locator("#community_benefits-error")).to_contain_text("Procurement Reform (Scotland) Act 2014 s.25(3)")
    expect(plain.get_by_label("Estimated value")).to_have_value("4500000")
    expect(plain.get_by_label("Other CPV codes (optional)")).to_have_value(code)
    reasons = "The work is a small research team's, delivered remotely: no training or sub-contracting requirement fits it."
    plain.get_by_label("Reasons for including no community benefit requirements").fill(reasons)
    plain.get_by_role("button", name="Publish the amended notice").click()
    expect(plain).to_have_url(f"{live_server}/frameworks/PF-DEMO-007")
    expect(plain.locator("main")).to_contain_text(f"None: {reasons}")
    expect(plain.locator("main")).to_contain_text("79952000-2")
    context.close()

    # What the browser without JavaScript showed, scanned by axe-core (which needs JavaScript): the
    # picker's results, and the amendment refused again when both answers are taken out.
    page.goto(f"{live_server}/reference/cpv?q=event")
    assert_accessible(page)
    page.goto(f"{live_server}/manage/frameworks/PF-DEMO-007/amend")
    expect(page.get_by_label("Reasons for including no community benefit requirements")).to_have_value(reasons)
    page.get_by_label("Reasons for including no community benefit requirements").fill("")
    page.get_by_label("What has changed").fill("No community benefits stated")
    page.get_by_role("button", name="Publish the amended notice").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Summarise the community benefit requirements")
    assert_accessible(page)


def test_a_supplier_gives_its_core_supplier_information_turns_two_factor_sign_in_off_and_signs_out_another_browser(
    page: Page, browser: Browser, live_server: str, tmp_path: Path
):
    set_clock(live_server, None)
    add_demo_frameworks(live_server, [ENGLAND_OPEN_FOR_TENDERS], tmp_path)
    email = "office@kinshipcoop.example"  # Kinship Research Co-operative, interested in the framework's lot
    assert not sign_in(page, live_server, email)  # suppliers choose two-factor sign-in for themselves
    page.get_by_role("link", name="Your profile").click()
    page.get_by_role("link", name="Change central digital platform").click()
    assert_accessible(page)
    page.get_by_label("Public Procurement Organisation Number (PPON) (optional)").fill("pkin 4821 coop")
    notices_email = page.get_by_label("Email address for published notices (optional)")
    notices_email.fill("tenders at kinshipcoop")
    page.get_by_role("button", name="Save and go back to your profile").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Enter an email address in the correct format, like tenders@example.org")
    expect(notices_email).to_have_value("tenders at kinshipcoop")  # what was typed is kept, the PPON too
    expect(page.get_by_label("Public Procurement Organisation Number (PPON) (optional)")).to_have_value("pkin 4821 coop")
    assert_accessible(page)
    notices_email.fill("Tenders@KinshipCoop.example")
    page.get_by_role("button", name="Save and go back to your profile").click()
    expect(page.locator("main")).to_contain_text("PKIN-4821-COOP")
    expect(page.locator("main")).to_contain_text("tenders@kinshipcoop.example")  # the shared address award notices will publish

    page.goto(f"{live_server}/frameworks/{ENGLAND_OPEN_FOR_TENDERS['reference']}")
    page.get_by_role("link", name="Prepare your tender").click()
    page.get_by_role("link", name="Start your tender for lot 1").click()
    assert_accessible(page)
    page.get_by_role("link", name="Core supplier information").click()
    expect(page.get_by_label("Your organisation's Public Procurement Organisation Number (PPON)")).to_have_value("PKIN-4821-COOP")  # from the profile
    page.get_by_label("Share code").fill("X!")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the share code as the Central Digital Platform shows it")
    expect(page.locator("#share_code-error")).to_contain_text("letters and digits, 4 to 40 of them")
    expect(page.get_by_label("Share code")).to_have_value("X!")
    assert_accessible(page)
    page.get_by_label("Share code").fill("KIN-2027-4821")
    page.get_by_role("button", name="Save and continue").click()
    task = page.locator(".govuk-task-list__item", has_text="Core supplier information")
    expect(task).to_contain_text("Completed")

    page.goto(live_server + "/account")
    page.get_by_role("link", name="Turn on two-factor sign-in").click()
    TWO_FACTOR_SECRETS[email] = page.locator("#two-factor-key").inner_text().replace(" ", "")
    page.get_by_label("Code", exact=True).fill(two_factor_code(email))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    page.get_by_role("link", name="I have kept my recovery codes: continue").click()
    page.get_by_role("link", name="Manage two-factor sign-in").click()
    off_code = page.get_by_label("Code from your authenticator app, or a recovery code")
    off_code.fill("12345")
    page.get_by_role("button", name="Turn off two-factor sign-in").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the 6-digit code your authenticator app shows now, or one of your recovery codes")
    expect(page.locator("#off_code-error")).to_contain_text("Enter the 6-digit code your authenticator app shows now")
    expect(off_code).to_have_value("12345")
    assert_accessible(page)
    off_code.fill(two_factor_code(email))
    page.get_by_role("button", name="Turn off two-factor sign-in").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Two-factor sign-in is off")
    assert_accessible(page)

    elsewhere = browser.new_context().new_page()
    assert not sign_in(elsewhere, live_server, email)  # the password alone again
    page.goto(live_server + "/account")
    page.get_by_role("link", name="See your signed-in sessions and sign out of any of them").click()
    expect(page.get_by_role("table")).to_contain_text("This browser")
    expect(page.locator("table tbody tr")).to_have_count(2)
    assert_accessible(page)
    page.get_by_role("button", name=re.compile(r"^Sign out .+ at ")).click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Signed out of 1 other session.")
    expect(page.locator("table tbody tr")).to_have_count(1)
    elsewhere.goto(live_server + "/account")
    expect(elsewhere).to_have_url(re.compile(r"/sign-in\?next=%2Faccount$"))
    elsewhere.context.close()


def test_an_organisation_admin_promotes_and_removes_colleagues_and_the_service_admin_deactivates_and_reactivates_one(
    page: Page, browser: Browser, live_server: str
):
    run = uuid.uuid4().hex[:8]
    sign_in(page, live_server, "hello@newroots.example")
    page.get_by_role("link", name="Your organisation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("People in your organisation")
    page.get_by_label("Full name").fill("Amira Haddad")
    page.get_by_label("Email address").fill(f"amira-{run} at newroots.example")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter an email address in the correct format, like name@example.com")
    expect(page.locator("#email-error")).to_contain_text("Enter an email address in the correct format")
    expect(page.get_by_label("Email address")).to_have_value(f"amira-{run} at newroots.example")
    expect(page.get_by_label("Full name")).to_have_value("Amira Haddad")
    assert_accessible(page)
    for name, email in (("Amira Haddad", f"amira-{run}@newroots.example"), ("Callum Reid", f"callum-{run}@newroots.example")):
        page.get_by_label("Full name").fill(name)
        page.get_by_label("Email address").fill(email)
        page.get_by_role("button", name="Send invitation").click()
        expect(page.locator(".govuk-notification-banner")).to_contain_text(f"We have emailed {email}")

    page.get_by_role("link", name=re.compile(r"^Make admin\s*: Amira Haddad$")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Make Amira Haddad an administrator of New Roots Participation")
    assert_accessible(page)
    page.get_by_role("button", name="Make them an administrator").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(f"amira-{run}@newroots.example is now an administrator")
    expect(page.get_by_role("row", name=re.compile("Amira Haddad"))).to_contain_text("Amira Haddad (admin)")

    page.get_by_role("link", name="Remove Callum Reid").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Remove Callum Reid from New Roots Participation")
    assert_accessible(page)
    page.get_by_role("button", name="Remove from your organisation").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(f"callum-{run}@newroots.example has been removed")
    expect(page.get_by_role("row", name=re.compile("Callum Reid"))).to_contain_text("Removed")
    assert_accessible(page)

    admin = browser.new_context().new_page()
    sign_in(admin, live_server, "admin@civic-participation.example")
    admin.goto(live_server + "/admin/users")
    admin.get_by_role("link", name=re.compile("^Amira Haddad")).click()
    admin.get_by_role("button", name="Deactivate account").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Deactivate Amira Haddad's account")
    assert_accessible(admin)
    admin.get_by_role("button", name="Deactivate account").click()
    expect(admin.locator(".govuk-notification-banner")).to_contain_text(f"Account deactivated for amira-{run}@newroots.example")
    assert_accessible(admin)
    admin.get_by_role("link", name=re.compile("^Amira Haddad")).click()
    expect(admin.locator("main")).to_contain_text("Deactivated: they cannot sign in.")
    admin.get_by_role("button", name="Reactivate account").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Reactivate Amira Haddad's account")
    assert_accessible(admin)
    admin.get_by_role("button", name="Reactivate account").click()
    expect(admin.locator(".govuk-notification-banner")).to_contain_text(f"Account reactivated for amira-{run}@newroots.example")
    admin.context.close()


def test_the_public_reads_a_call_off_award_notice_and_a_uk4_tender_notice(page: Page, live_server: str):
    page.goto(live_server + "/frameworks")
    page.get_by_role("link", name="Community Engagement Services Framework 2026").click()
    call_offs = page.locator("#call-off-notices + ul")
    call_off = call_offs.get_by_role("link").first
    title = call_off.inner_text().split(": ", 1)[1]
    call_off.click()
    expect(page).to_have_url(re.compile(r"/frameworks/PF-DEMO-001/call-off-notices/PF-DEMO-001-E\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Contract award notice (call-off)")
    expect(page.locator("main")).to_contain_text(title)
    expect(page.locator(".govuk-summary-list")).to_contain_text("Supplier")
    assert_accessible(page)

    page.goto(live_server + "/frameworks")
    page.get_by_role("link", name="Northmoor Resident Participation Framework 2026").click()
    page.get_by_role("link", name=re.compile(r"^UK4 tender notice, version 1")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("UK4 tender notice, version 1")
    expect(page.locator("main")).to_contain_text("Procurement Act 2023 s.21")
    assert_accessible(page)
