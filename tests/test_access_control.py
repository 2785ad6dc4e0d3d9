"""Every route, requested as every role and anonymously, against a declared table. A new route
without a decision here fails the test."""

import re
from datetime import date

import pytest
from litestar.routes import HTTPRoute

from registry.accounts import service
from registry.accounts.passwords import hash_password
from registry.accounts.tables import OrganisationKind, Role, User
from registry.accounts.auth import load_user
from registry.app import create_app
from registry.frameworks import service as frameworks
from registry.frameworks.regimes import Regime
from registry.frameworks.tables import State
from registry.opendata.ocds import ocid_for
from tests.conftest import app_client
from tests.support import sign_in

PASSWORD = "access matrix pass phrase"
ROLES = ["anonymous", "supplier", "procurement_officer", "evaluator", "commissioner", "admin"]
NOT_CHECKED_HERE = ("/static/", "/assets/", "/schema")  # files and the OpenAPI document: public, tested elsewhere


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


def signed_in(status: int, anonymous: int = 303) -> dict[str, int]:
    return {**everyone(status), "anonymous": anonymous}


def only(roles: tuple[str, ...], status: int) -> dict[str, int]:
    return {role: (status if role in roles else 403) for role in ROLES} | {"anonymous": 303}


def api_only(roles: tuple[str, ...], status: int) -> dict[str, int]:
    return only(roles, status) | {"anonymous": 401}


OFFICIALS = ("procurement_officer", "evaluator", "commissioner", "admin")
OFFICER = ("procurement_officer",)

EXPECTED: dict[str, dict[str, int]] = {
    "GET /": everyone(200),
    "GET /accessibility": everyone(200),
    "GET /privacy": everyone(200),
    "GET /cookies": everyone(200),
    "GET /feedback": everyone(200),
    "POST /feedback": everyone(400),
    "GET /healthz": everyone(200),
    "GET /readyz": everyone(200),
    "GET /sign-in": everyone(200),
    "POST /sign-in": everyone(400),
    # The second step of signing in answers a browser with no password entered by sending it back to the first.
    "GET /sign-in/code": everyone(303),
    "POST /sign-in/code": everyone(303),
    "GET /sign-in/set-up-two-factor": everyone(303),
    "POST /sign-in/set-up-two-factor": everyone(303),
    "GET /account/two-factor": signed_in(200),
    "POST /account/two-factor": {**signed_in(400), **dict.fromkeys(OFFICIALS, 303)},  # officials have it on already: back to its page
    "POST /account/two-factor/recovery-codes": {**signed_in(303), **dict.fromkeys(OFFICIALS, 400)},  # only once it is on: a code is needed
    "POST /account/two-factor/turn-off": {**signed_in(303), **dict.fromkeys(OFFICIALS, 400)},  # only once it is on: a code is needed
    "POST /admin/users/{user_id:int}/two-factor-reset": only(("admin",), 200),  # the confirmation page first
    # The officer is no colleague of anyone here; a service admin resets anyone's but their own.
    "POST /organisation/users/{user_id:int}/two-factor-reset": {**signed_in(403), "admin": 200},
    "GET /sign-out": signed_in(200),
    "POST /sign-out": everyone(200),
    "GET /register": everyone(200),
    "POST /register": everyone(400),
    "GET /confirm-email/{token:str}": everyone(400),
    "POST /confirm-email/{token:str}": everyone(400),
    "GET /password-reset": everyone(200),
    "POST /password-reset": everyone(400),
    "GET /password-reset/{token:str}": everyone(400),
    "POST /password-reset/{token:str}": everyone(400),
    "GET /account": signed_in(200),
    "GET /home": signed_in(200),
    "GET /account/password": signed_in(200),
    "POST /account/password": signed_in(400),
    "GET /account/api-tokens": only(OFFICIALS, 200),
    "POST /account/api-tokens": only(OFFICIALS, 400),
    "POST /account/api-tokens/{token_id:int}/revoke": only(OFFICIALS, 404),
    "GET /account/sessions": signed_in(200),
    "POST /account/sessions/{session_id:int}/end": signed_in(404),  # no such session of theirs
    "POST /account/sessions/end-others": everyone(303),  # back to the list (anonymous: to sign in)
    "GET /api/me": signed_in(200, anonymous=401),
    # The JSON API: 401 (never a redirect) when not signed in; a POST of a form is a malformed request (400)
    "GET /api/v1/frameworks": everyone(200),
    "POST /api/v1/frameworks": api_only(OFFICER, 400),
    "GET /api/v1/frameworks/{reference:str}": everyone(200),
    "POST /api/v1/frameworks/{reference:str}/lots": api_only(OFFICER, 400),
    "GET /api/v1/frameworks/{reference:str}/notices": everyone(200),
    "GET /api/v1/frameworks/{reference:str}/notices/{kind:str}/{version:int}": everyone(200),
    "GET /api/v1/interests": api_only(("supplier",), 200),
    "POST /api/v1/frameworks/{reference:str}/interest": api_only(("supplier",), 400),
    "DELETE /api/v1/frameworks/{reference:str}/interest": api_only(("supplier",), 422),  # no interest to withdraw
    "GET /api/v1/frameworks/{reference:str}/survey": api_only(("supplier", "procurement_officer"), 404),  # no survey yet
    "GET /api/v1/frameworks/{reference:str}/survey/responses": api_only(("supplier", "procurement_officer"), 404),
    "GET /api/v1/frameworks/{reference:str}/criteria": api_only(OFFICER, 200),  # public once the tender notice publishes them
    "GET /api/v1/frameworks/{reference:str}/clarifications": everyone(200),
    "GET /api/v1/tenders": api_only(("supplier",), 200),
    "GET /api/v1/frameworks/{reference:str}/tenders": signed_in(403, anonymous=401),  # sealed: not opened
    "GET /api/v1/frameworks/{reference:str}/tenders/{tender_id:int}": signed_in(403, anonymous=401),
    "GET /api/v1/evaluations": api_only(("evaluator",), 200),
    "GET /api/v1/evaluations/{assignment_id:int}": signed_in(403, anonymous=401),
    "GET /api/v1/frameworks/{reference:str}/moderation/{lot:int}": api_only(OFFICER, 404),  # not in moderation
    "GET /api/v1/frameworks/{reference:str}/appointments": everyone(200),
    "GET /api/v1/suppliers": everyone(200),
    "GET /api/v1/suppliers/{organisation_id:int}": everyone(404),
    "GET /api/v1/engagements": api_only(("supplier", "commissioner"), 200),
    "GET /api/v1/engagements/{reference:str}": api_only(("supplier", "commissioner"), 404),
    "GET /organisation/users": only(("supplier",), 200),
    "POST /organisation/users": only(("supplier",), 400),
    "GET /organisation/users/{user_id:int}/remove": only(("supplier",), 404),  # the user asked for is not of the supplier's organisation
    "POST /organisation/users/{user_id:int}/remove": only(("supplier",), 404),
    "GET /organisation/users/{user_id:int}/admin": only(("supplier",), 404),
    "POST /organisation/users/{user_id:int}/admin": only(("supplier",), 404),
    "GET /admin/users": only(("admin",), 200),
    "GET /admin/users/new": only(("admin",), 200),
    "POST /admin/users/new": only(("admin",), 400),
    "GET /admin/users/{user_id:int}": only(("admin",), 200),
    "POST /admin/users/{user_id:int}": only(("admin",), 400),
    "GET /role-requests": only(("procurement_officer", "admin"), 200),
    "POST /role-requests/{grant_id:int}/approve": only(("procurement_officer", "admin"), 400),
    "POST /role-requests/{grant_id:int}/refuse": only(("procurement_officer", "admin"), 400),
    "GET /admin/users/{user_id:int}/deactivate": only(("admin",), 200),  # the check before deactivating
    "POST /admin/users/{user_id:int}/deactivate": only(("admin",), 303),  # not confirmed: back to the check
    "GET /admin/users/{user_id:int}/reactivate": only(("admin",), 303),  # the user is active: back to their page
    "POST /admin/users/{user_id:int}/reactivate": only(("admin",), 303),
    "GET /admin/audit": only(("admin",), 200),
    "GET /reports": only(("procurement_officer", "commissioner"), 200),
    "GET /reports/frameworks/{reference:str}": only(("procurement_officer", "commissioner"), 200),
    "GET /reports/frameworks/{reference:str}/engagements.csv": only(("procurement_officer", "commissioner"), 200),
    "GET /admin/outbox": only(("admin",), 200),
    # Engagements: the matrix authority has none, and the supplier no invitations (each one asked for does not exist)
    "GET /commissioning": only(("commissioner",), 200),
    "GET /commissioning/new": only(("commissioner",), 200),
    "POST /commissioning/new": only(("commissioner",), 400),
    "GET /commissioning/{reference:str}": only(("commissioner",), 404),
    "GET /commissioning/{reference:str}/brief": only(("commissioner",), 404),
    "POST /commissioning/{reference:str}/brief": only(("commissioner",), 404),
    "POST /commissioning/{reference:str}/invite": only(("commissioner",), 404),
    "POST /commissioning/{reference:str}/start": only(("commissioner",), 404),
    "GET /commissioning/{reference:str}/direct-award": only(("commissioner",), 404),
    "POST /commissioning/{reference:str}/direct-award": only(("commissioner",), 404),
    "GET /commissioning/{reference:str}/competition": only(("commissioner",), 404),
    "POST /commissioning/{reference:str}/competition": only(("commissioner",), 404),
    "GET /commissioning/{reference:str}/responses": only(("commissioner",), 404),
    "GET /commissioning/{reference:str}/responses/{invitation_id:int}": only(("commissioner",), 404),
    "POST /commissioning/{reference:str}/responses/{invitation_id:int}/scores": only(("commissioner",), 404),
    "POST /commissioning/{reference:str}/award": only(("commissioner",), 404),
    "GET /commissioning/{reference:str}/complete": only(("commissioner",), 404),
    "POST /commissioning/{reference:str}/complete": only(("commissioner",), 404),
    "GET /commissioning/{reference:str}/cancel": only(("commissioner",), 404),
    "POST /commissioning/{reference:str}/cancel": only(("commissioner",), 404),
    "GET /commissioning/{reference:str}/review": only(("commissioner",), 404),
    "POST /commissioning/{reference:str}/review": only(("commissioner",), 404),
    "GET /organisation/engagements": only(("supplier",), 200),
    "GET /organisation/engagements/{reference:str}": only(("supplier",), 404),
    "POST /organisation/engagements/{reference:str}/accept": only(("supplier",), 404),
    "POST /organisation/engagements/{reference:str}/decline": only(("supplier",), 404),
    "POST /organisation/engagements/{reference:str}/respond": only(("supplier",), 404),
    "POST /organisation/engagements/{reference:str}/reply": only(("supplier",), 404),
    "GET /account/notifications": signed_in(200),
    "POST /account/notifications": everyone(303),
    # Frameworks, managed by the procurement officers of their authority
    "GET /manage/frameworks": only(OFFICER, 200),
    "GET /manage/frameworks/new": only(OFFICER, 200),
    "POST /manage/frameworks/new": only(OFFICER, 400),
    "GET /manage/frameworks/{reference:str}": only(OFFICER, 200),
    "GET /manage/frameworks/{reference:str}/details": only(OFFICER, 303),  # published: amend instead
    "POST /manage/frameworks/{reference:str}/details": only(OFFICER, 400),
    "GET /manage/frameworks/{reference:str}/lots/new": only(OFFICER, 200),
    "POST /manage/frameworks/{reference:str}/lots/new": only(OFFICER, 400),
    "GET /manage/frameworks/{reference:str}/lots/{number:int}": only(OFFICER, 200),
    "POST /manage/frameworks/{reference:str}/lots/{number:int}": only(OFFICER, 400),
    "POST /manage/frameworks/{reference:str}/lots/{number:int}/remove": only(OFFICER, 400),
    "GET /manage/frameworks/{reference:str}/check": only(OFFICER, 200),
    "POST /manage/frameworks/{reference:str}/stage": only(OFFICER, 400),
    "GET /manage/frameworks/{reference:str}/amend": only(OFFICER, 200),
    "POST /manage/frameworks/{reference:str}/amend": only(OFFICER, 400),
    "GET /manage/frameworks/{reference:str}/cancel": only(OFFICER, 200),
    "POST /manage/frameworks/{reference:str}/cancel": only(OFFICER, 400),
    "GET /manage/frameworks/{reference:str}/interest": only(OFFICER, 200),
    "GET /manage/frameworks/{reference:str}/interest.csv": only(OFFICER, 200),
    "GET /manage/frameworks/{reference:str}/documents": only(OFFICER, 200),
    "POST /manage/frameworks/{reference:str}/documents": only(OFFICER, 400),
    "GET /manage/frameworks/{reference:str}/eligible-authorities": only(OFFICER, 200),
    "POST /manage/frameworks/{reference:str}/eligible-authorities": only(OFFICER, 303),
    "GET /frameworks/{reference:str}/documents/{document_id:int}": everyone(404),  # no such document
    "GET /manage/frameworks/{reference:str}/rfi": only(OFFICER, 200),
    "GET /manage/frameworks/{reference:str}/rfi/details": only(OFFICER, 200),
    "POST /manage/frameworks/{reference:str}/rfi/details": only(OFFICER, 400),
    "POST /manage/frameworks/{reference:str}/rfi/sections": only(OFFICER, 404),  # no survey yet
    "GET /manage/frameworks/{reference:str}/rfi/questions/new": only(OFFICER, 404),
    "POST /manage/frameworks/{reference:str}/rfi/questions/new": only(OFFICER, 404),
    "POST /manage/frameworks/{reference:str}/rfi/questions/{question_id:int}/move": only(OFFICER, 404),
    "POST /manage/frameworks/{reference:str}/rfi/questions/{question_id:int}/remove": only(OFFICER, 404),
    "POST /manage/frameworks/{reference:str}/rfi/new-version": only(OFFICER, 404),
    "POST /manage/frameworks/{reference:str}/rfi/open": only(OFFICER, 400),  # no questions yet
    "GET /manage/frameworks/{reference:str}/rfi/preview": only(OFFICER, 404),
    "GET /manage/frameworks/{reference:str}/rfi/analysis": only(OFFICER, 404),
    "POST /manage/frameworks/{reference:str}/rfi/reasoned": only(OFFICER, 404),
    "POST /manage/frameworks/{reference:str}/rfi/reasoned/publish": only(OFFICER, 404),
    "GET /manage/frameworks/{reference:str}/rfi/responses.csv": only(OFFICER, 404),
    # Assessment criteria and the invitation to tender (the matrix framework is not yet open for tenders)
    "GET /manage/frameworks/{reference:str}/criteria": only(OFFICER, 200),
    "GET /manage/frameworks/{reference:str}/criteria/scheme": only(OFFICER, 200),
    "POST /manage/frameworks/{reference:str}/criteria/scheme": only(OFFICER, 400),
    "GET /manage/frameworks/{reference:str}/criteria/new": only(OFFICER, 200),
    "POST /manage/frameworks/{reference:str}/criteria/new": only(OFFICER, 400),
    "GET /manage/frameworks/{reference:str}/criteria/{criterion_id:int}": only(OFFICER, 404),
    "POST /manage/frameworks/{reference:str}/criteria/{criterion_id:int}": only(OFFICER, 404),
    "POST /manage/frameworks/{reference:str}/criteria/{criterion_id:int}/remove": only(OFFICER, 404),
    "GET /manage/frameworks/{reference:str}/criteria/weights": only(OFFICER, 200),
    "POST /manage/frameworks/{reference:str}/criteria/weights": only(OFFICER, 400),  # no quality criteria yet
    "GET /manage/frameworks/{reference:str}/itt": only(OFFICER, 200),
    "POST /manage/frameworks/{reference:str}/itt": only(OFFICER, 400),
    # Tenders received: sealed from everyone (the officer too) until opened
    "GET /manage/frameworks/{reference:str}/tenders": only(OFFICER, 200),
    "POST /manage/frameworks/{reference:str}/tenders/opening/request": only(OFFICER, 400),
    "POST /manage/frameworks/{reference:str}/tenders/opening/confirm": only(OFFICER, 400),
    "GET /manage/frameworks/{reference:str}/tenders/opening-report": signed_in(403),
    "GET /manage/frameworks/{reference:str}/tenders/{tender_id:int}": signed_in(403),
    "GET /manage/frameworks/{reference:str}/tenders/{tender_id:int}/documents/{sha256:str}": signed_in(403),
    "POST /manage/frameworks/{reference:str}/tenders/{tender_id:int}/core-information": signed_in(403),
    # The conflicts assessment: internal, the framework's own officers only (no one has declared in the matrix yet)
    "GET /manage/frameworks/{reference:str}/conflicts": only(OFFICER, 200),
    "GET /manage/frameworks/{reference:str}/conflicts/people/{person:str}": only(OFFICER, 404),
    "POST /manage/frameworks/{reference:str}/conflicts/people/{person:str}": only(OFFICER, 404),
    "POST /manage/frameworks/{reference:str}/conflicts/people": only(OFFICER, 400),
    "POST /manage/frameworks/{reference:str}/conflicts/confirm": only(OFFICER, 400),  # the officers have not declared
    # Evaluation panels and moderation (the matrix framework is not at those stages)
    "GET /manage/frameworks/{reference:str}/evaluation": only(OFFICER, 200),
    "POST /manage/frameworks/{reference:str}/evaluation/assign": only(OFFICER, 400),
    "POST /manage/frameworks/{reference:str}/evaluation/assignments/{assignment_id:int}/remove": only(OFFICER, 400),
    "GET /manage/frameworks/{reference:str}/evaluation/moderation/{lot:int}": only(OFFICER, 404),
    "GET /manage/frameworks/{reference:str}/evaluation/moderation/{lot:int}/tenders/{tender_id:int}": only(OFFICER, 404),
    "POST /manage/frameworks/{reference:str}/evaluation/moderation/{lot:int}/tenders/{tender_id:int}": only(OFFICER, 404),
    "GET /manage/frameworks/{reference:str}/evaluation/moderation/{lot:int}/complete": only(OFFICER, 404),
    "POST /manage/frameworks/{reference:str}/evaluation/moderation/{lot:int}/complete": only(OFFICER, 404),
    # An evaluator's own assignments (none in the matrix: each one asked for is someone else's)
    "GET /evaluation": only(("evaluator",), 200),
    "GET /evaluation/{assignment_id:int}": signed_in(403),
    "POST /evaluation/{assignment_id:int}/declaration": signed_in(403),
    "GET /evaluation/{assignment_id:int}/tenders/{tender_id:int}": signed_in(403),
    "POST /evaluation/{assignment_id:int}/tenders/{tender_id:int}": signed_in(403),
    "GET /evaluation/{assignment_id:int}/tenders/{tender_id:int}/documents/{sha256:str}": signed_in(403),
    # Results, award, standstill and appointment (the matrix framework is long before them): the pages
    # say so, every action is refused, and there are no letters or challenges to find
    "GET /manage/frameworks/{reference:str}/award": only(OFFICER, 200),
    "GET /manage/frameworks/{reference:str}/award/lots/{lot:int}": only(OFFICER, 200),
    "POST /manage/frameworks/{reference:str}/award/lots/{lot:int}/propose": only(OFFICER, 400),
    "POST /manage/frameworks/{reference:str}/award/lots/{lot:int}/approve": only(OFFICER, 400),
    "GET /manage/frameworks/{reference:str}/award/lots/{lot:int}/debriefs/{tender_id:int}": only(OFFICER, 404),
    "POST /manage/frameworks/{reference:str}/award/lots/{lot:int}/withholdings": only(OFFICER, 400),
    "POST /manage/frameworks/{reference:str}/award/lots/{lot:int}/withholdings/{withholding_id:int}/disclose": only(OFFICER, 404),
    "POST /manage/frameworks/{reference:str}/award/notify": only(OFFICER, 400),
    "GET /manage/frameworks/{reference:str}/award/challenges": only(OFFICER, 200),
    "POST /manage/frameworks/{reference:str}/award/challenges": only(OFFICER, 400),
    "POST /manage/frameworks/{reference:str}/award/challenges/{challenge_id:int}/resolve": only(OFFICER, 404),
    "POST /manage/frameworks/{reference:str}/award/appoint": only(OFFICER, 400),
    "GET /frameworks/{reference:str}/debrief/{lot:int}": only(("supplier",), 404),  # a bidder's own letter only
    # A supplier's own tenders (none: the matrix framework is not open for tenders)
    "GET /frameworks/{reference:str}/tenders": only(("supplier",), 404),
    "GET /frameworks/{reference:str}/tenders/{lot:int}": only(("supplier",), 404),
    "GET /frameworks/{reference:str}/tenders/{lot:int}/selection": only(("supplier",), 404),
    "POST /frameworks/{reference:str}/tenders/{lot:int}/selection": only(("supplier",), 404),
    "GET /frameworks/{reference:str}/tenders/{lot:int}/quality/{criterion_id:int}": only(("supplier",), 404),
    "POST /frameworks/{reference:str}/tenders/{lot:int}/quality/{criterion_id:int}": only(("supplier",), 404),
    "GET /frameworks/{reference:str}/tenders/{lot:int}/price": only(("supplier",), 404),
    "POST /frameworks/{reference:str}/tenders/{lot:int}/price": only(("supplier",), 404),
    "GET /frameworks/{reference:str}/tenders/{lot:int}/declarations": only(("supplier",), 404),
    "POST /frameworks/{reference:str}/tenders/{lot:int}/declarations": only(("supplier",), 404),
    "GET /frameworks/{reference:str}/tenders/{lot:int}/core-information": only(("supplier",), 404),
    "POST /frameworks/{reference:str}/tenders/{lot:int}/core-information": only(("supplier",), 404),
    "GET /frameworks/{reference:str}/tenders/{lot:int}/documents": only(("supplier",), 404),
    "POST /frameworks/{reference:str}/tenders/{lot:int}/documents": only(("supplier",), 404),
    "GET /frameworks/{reference:str}/tenders/{lot:int}/documents/{document_id:int}": only(("supplier",), 404),
    "POST /frameworks/{reference:str}/tenders/{lot:int}/documents/{document_id:int}/remove": only(("supplier",), 404),
    "GET /frameworks/{reference:str}/tenders/{lot:int}/check": only(("supplier",), 404),
    "POST /frameworks/{reference:str}/tenders/{lot:int}/submit": only(("supplier",), 404),
    "GET /frameworks/{reference:str}/tenders/{lot:int}/withdraw": only(("supplier",), 404),
    "POST /frameworks/{reference:str}/tenders/{lot:int}/withdraw": only(("supplier",), 404),
    "GET /frameworks/{reference:str}/tenders/{lot:int}/receipts/{number:int}": only(("supplier",), 404),
    "GET /frameworks/{reference:str}/tenders/{lot:int}/receipts/{number:int}/content.json": only(("supplier",), 404),
    "GET /frameworks/{reference:str}/tenders/{lot:int}/verify": only(("supplier",), 404),
    "POST /frameworks/{reference:str}/tenders/{lot:int}/verify": only(("supplier",), 404),
    # Published frameworks are public
    "GET /frameworks": everyone(200),
    "GET /frameworks/{reference:str}": everyone(200),
    "GET /frameworks/{reference:str}/notices/{kind:str}/{version:int}": everyone(200),
    "GET /frameworks/{reference:str}/call-off-notices/{engagement:str}": everyone(404),  # public; the matrix's framework has no call-off
    "GET /frameworks/{reference:str}/calendar.ics": everyone(200),
    "GET /open-data/calendar.ics": everyone(200),
    "GET /reference/cpv": everyone(200),  # the CPV list, searched: reference data for the officers' picker
    # Open data: public (the matrix framework's prior information notice is its one release)
    "GET /open-data": everyone(200),
    "GET /open-data/ocds/releases.json": everyone(200),
    "GET /open-data/ocds/records/{ocid_file:str}": everyone(200),
    "GET /open-data/appointed-suppliers.csv": everyone(200),
    "GET /open-data/notices.csv": everyone(200),
    "GET /open-data/engagements.csv": everyone(200),
    "GET /open-data/audit-checkpoints.json": everyone(200),
    "GET /calendar/{feed:str}": everyone(404),  # only a supplier's secret address works
    # Suppliers (the matrix framework has no request for information open)
    "GET /frameworks/{reference:str}/rfi": only(("supplier",), 404),
    "GET /frameworks/{reference:str}/rfi/sections/{section_id:int}": only(("supplier",), 404),
    "POST /frameworks/{reference:str}/rfi/sections/{section_id:int}": only(("supplier",), 404),
    "GET /frameworks/{reference:str}/rfi/check": only(("supplier",), 404),
    "POST /frameworks/{reference:str}/rfi/submit": only(("supplier",), 404),
    # Clarification questions open with the invitation to tender: the page explains that (and to
    # register interest first); asking is refused
    "GET /frameworks/{reference:str}/clarifications": only(("supplier",), 200),
    "POST /frameworks/{reference:str}/clarifications": only(("supplier",), 400),
    "GET /manage/frameworks/{reference:str}/clarifications": only(OFFICER, 200),
    "GET /manage/frameworks/{reference:str}/clarifications/{clarification_id:int}": only(OFFICER, 404),
    "POST /manage/frameworks/{reference:str}/clarifications/{clarification_id:int}": only(OFFICER, 404),
    "GET /frameworks/{reference:str}/interest": only(("supplier",), 200),
    "POST /frameworks/{reference:str}/interest": only(("supplier",), 400),
    "POST /frameworks/{reference:str}/interest/withdraw": only(("supplier",), 400),
    "GET /organisation/frameworks": only(("supplier",), 200),
    "GET /organisation/profile": only(("supplier",), 200),
    "GET /organisation/profile/edit": only(("supplier",), 303),
    "GET /organisation/profile/{part:str}": only(("supplier",), 404),
    "POST /organisation/profile/{part:str}": only(("supplier",), 404),
    # The supplier directory: a search without a seed is sent to one with its own (a redirect); no one is appointed here
    "GET /suppliers": everyone(303),
    "GET /suppliers/{organisation_id:int}": everyone(404),
}


def app_routes(app) -> list[str]:
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or route.path.startswith(NOT_CHECKED_HERE):
            continue
        for method in sorted(route.methods - {"OPTIONS", "HEAD"}):
            found.append(f"{method} {route.path}")
    return found


def test_every_route_has_an_access_decision(settings):
    routes = app_routes(create_app(settings))
    undeclared = [route for route in routes if route not in EXPECTED]
    assert not undeclared, f"routes without an entry in the access-control table: {undeclared}"
    stale = [route for route in EXPECTED if route not in routes]
    assert not stale, f"entries for routes that no longer exist: {stale}"


async def seed_users() -> dict[str, int]:
    password_hash = await hash_password(PASSWORD)
    supplier_org = await service.create_organisation(kind=OrganisationKind.SUPPLIER, legal_name="Matrix Supplier Ltd")
    authority = await service.create_organisation(kind=OrganisationKind.AUTHORITY, legal_name="Matrix Council")
    ids = {}
    for role in ROLES[1:]:
        user = await service.create_user(
            email=f"{role}@matrix.example", full_name=role.replace("_", " ").title(),
            organisation=supplier_org if role == "supplier" else authority,
            roles=[Role(role)], password_hash=password_hash, email_confirmed=True,
        )
        ids[role] = user.id
    await User.update({User.is_organisation_admin: True}).where(User.id == ids["supplier"])
    officer = (await load_user(ids["procurement_officer"]))[0]
    framework = await frameworks.create(officer, frameworks.Details(
        title="Matrix framework", summary="For the access matrix", description="A framework.", estimated_value=1000,
        start_date=date(2027, 6, 1), duration_months=12, regime=Regime.SCOTLAND, call_off_routes=("direct_award",),
    ))
    await frameworks.save_lot(officer, framework.reference, number=None, title="Lot one", scope="All of it", subject=None, max_suppliers=3)
    await frameworks.move(officer, framework.reference, State.PIN_PUBLISHED)
    ids["reference"] = framework.reference
    return ids


def concrete(path: str, ids: dict) -> str:
    path = path.replace("{token:str}", "no-such-token").replace("{token_id:int}", "999999").replace("{session_id:int}", "999999").replace("{feed:str}", "no-such-feed.ics")
    path = path.replace("{reference:str}", ids["reference"]).replace("{number:int}", "1").replace("{kind:str}", "pin").replace("{version:int}", "1").replace("{document_id:int}", "999999").replace("{question_id:int}", "999999").replace("{section_id:int}", "999999").replace("{clarification_id:int}", "999999")
    path = path.replace("{criterion_id:int}", "999999").replace("{lot:int}", "1").replace("{tender_id:int}", "999999").replace("{sha256:str}", "0" * 64).replace("{assignment_id:int}", "999999").replace("{challenge_id:int}", "999999").replace("{invitation_id:int}", "999999").replace("{grant_id:int}", "999999")
    path = path.replace("{organisation_id:int}", "999999").replace("{withholding_id:int}", "999999").replace("{ocid_file:str}", ocid_for(ids["reference"]) + ".json")
    path = path.replace("{engagement:str}", ids["reference"] + "-E999").replace("{person:str}", "user-999999")
    return path.replace("{user_id:int}", str(ids["procurement_officer"]))


async def csrf_token(client) -> str:
    page = await client.get("/sign-in")
    return re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)


@pytest.mark.parametrize("role", ROLES)
async def test_each_role_gets_the_declared_status_on_every_route(database, settings, role):
    ids = await seed_users()
    routes = sorted(app_routes(create_app(settings)), key=lambda r: r == "POST /sign-out")  # signing out last
    async with app_client(settings) as client:
        if role != "anonymous":
            signed = await sign_in(client, f"{role}@matrix.example", PASSWORD)  # with a code, for the officials
            assert signed.status_code == 303 and not signed.headers["location"].startswith("/sign-in")
        mismatches = []
        token = await csrf_token(client)  # the CSRF cookie, and so its token, lasts the whole session
        for route in routes:
            method, path = route.split(" ", 1)
            url = concrete(path, ids)
            if method == "GET":
                response = await client.get(url, headers={"Accept": "text/html"})
            else:
                response = await client.request(method, url, data={"_csrf_token": token}, headers={"Accept": "text/html"})
            expected = EXPECTED[route][role]
            if response.status_code != expected:
                mismatches.append(f"{route}: expected {expected}, got {response.status_code}")
        assert not mismatches, f"as {role}:\n" + "\n".join(mismatches)
