"""Separation of duties (docs/security.md, finding 12): an admin only asks for the roles that give
power over tenders; someone else approves; an officer an admin appointed lately cannot take part in
opening tenders or approving an award. The attack this stops: an admin makes two procurement
officer accounts for addresses it controls and uses them to open the tenders and read every price."""

import json
from datetime import timedelta

import pytest

from registry.accounts import duties
from registry.accounts import service as accounts
from registry.accounts.tables import Organisation, OrganisationKind, Role, RoleGrant, User
from registry.audit.tables import AuditEvent
from registry.award import service as award
from registry.home.service import home
from registry.notifications.tables import Notification
from registry.tenders import opening
from registry.errors import Refused
from tests.awarding import Bid, in_moderation, officers, user
from tests.support import csrf_from, current, post_form, sign_in
from tests.tendering import TENDER_DEADLINE, conflicts_assessed, open_for_tenders


async def events(action: str) -> list[AuditEvent]:
    return await AuditEvent.objects().where(AuditEvent.action == action).order_by(AuditEvent.sequence)


async def emails_to(address: str) -> list[Notification]:
    return await Notification.objects().where(Notification.recipient == address)


async def authority_with_admin(*, officer: bool = True):
    authority = await accounts.create_organisation(kind=OrganisationKind.AUTHORITY, legal_name="Department for Testing")
    admin = await user("admin@authority.example", (Role.ADMIN,), authority)
    genuine = await user("officer@authority.example", (Role.PROCUREMENT_OFFICER,), authority) if officer else None
    return authority, admin, genuine


async def test_an_admin_only_asks_for_an_officer_role_and_the_authoritys_officer_decides(database):
    authority, admin, genuine = await authority_with_admin()
    shadow, waiting = await accounts.create_authority_user(
        admin=admin.actor, email="shadow@authority.example", full_name="Shadow One", organisation_id=authority.id,
        roles=[Role.PROCUREMENT_OFFICER, Role.COMMISSIONER],
    )
    assert waiting == {Role.PROCUREMENT_OFFICER}
    assert (await User.objects().get(User.id == shadow.id)).roles == ["commissioner"]  # the unguarded role at once
    assert [e.subject for e in await emails_to(genuine.email)] == ["Approve or refuse: Shadow One given the procurement officer role"]

    assert await duties.waiting_for(admin) == []  # the admin who asked cannot approve: the authority has an officer
    [section] = [s for s in await home(genuine) if s.title == "Role requests"]
    assert [t.text for t in section.tasks] == ["Shadow One (Department for Testing): the procurement officer role"]
    [grant] = await duties.waiting_for(genuine)
    assert (grant.user_email, grant.role, grant.asked_by) == ("shadow@authority.example", Role.PROCUREMENT_OFFICER, "Admin")
    with pytest.raises(duties.GrantError, match="You cannot decide this request"):
        await duties.decide(admin, grant.id, approve=True)
    [refused] = await events("user.role_grant_decision_refused")
    assert refused.actor_email == admin.email

    await duties.decide(genuine, grant.id, approve=True)
    assert sorted((await User.objects().get(User.id == shadow.id)).roles) == ["commissioner", "procurement_officer"]
    assert [e.subject for e in await emails_to(shadow.email)][-1] == "You are now a procurement officer"
    [approved] = await events("user.role_grant_approved")
    assert approved.actor_email == genuine.email and json.loads(approved.payload)["role"] == "procurement_officer"
    with pytest.raises(duties.GrantError, match="already been decided"):
        await duties.decide(genuine, grant.id, approve=False)


async def test_the_two_shadow_officers_attack_fails_at_the_first_step_that_needs_a_genuine_officer(client, database, controlled_clock):
    """The admin makes two officer accounts for itself and tries to open the tenders with them."""
    authority, admin, genuine = await authority_with_admin()
    framework, _ = await open_for_tenders(genuine, controlled_clock)
    await sign_in(client, admin.email)
    for name in ("one", "two"):
        created = await post_form(client, "/admin/users/new", {
            "full_name": f"Shadow {name}", "email": f"shadow.{name}@authority.example", "organisation_id": authority.id,
            "roles": ["procurement_officer"],
        })
        assert created.status_code == 303
    listing = await client.get(created.headers["location"])
    assert "The procurement officer role waits for approval" in listing.text
    assert "procurement officer (waiting for approval)" in listing.text
    grants = await RoleGrant.objects().order_by(RoleGrant.id)
    page = await client.get("/role-requests")
    assert page.status_code == 200 and "There are no role requests waiting for you" in page.text
    for grant in grants:  # the admin approving its own requests: refused, audited, nothing given
        token = csrf_from((await client.get("/admin/users/new")).text)
        answer = await client.post(f"/role-requests/{grant.id}/approve", data={"_csrf_token": token})
        assert answer.status_code == 400 and "You cannot decide this request" in answer.text
    assert len(await events("user.role_grant_decision_refused")) == 2

    shadows = await User.objects().where(User.email.like("shadow.%")).order_by(User.id)
    assert [s.roles for s in shadows] == [[], []]
    controlled_clock.set(TENDER_DEADLINE + timedelta(hours=1))
    for shadow in shadows:  # signed in as the shadow accounts, nothing of the tenders is theirs to open
        with pytest.raises(Exception, match="permission|officer"):
            await opening.request(await current(shadow), framework.reference)
    assert not await opening.is_opened(framework.id)
    # The authority's genuine officer was told of both requests.
    assert len([e for e in await emails_to(genuine.email) if e.subject.startswith("Approve or refuse")]) == 2


async def test_for_an_authority_without_officers_a_second_admin_approves(database):
    authority, admin, _ = await authority_with_admin(officer=False)
    second_admin = await user("second.admin@authority.example", (Role.ADMIN,), authority)
    first, _ = await accounts.create_authority_user(
        admin=admin.actor, email="first.officer@authority.example", full_name="First Officer", organisation_id=authority.id,
        roles=[Role.PROCUREMENT_OFFICER],
    )
    assert await duties.waiting_for(admin) == []
    assert [e.subject for e in await emails_to(second_admin.email)] == ["Approve or refuse: First Officer given the procurement officer role"]
    [grant] = await duties.waiting_for(second_admin)
    await duties.decide(second_admin, grant.id, approve=True)
    assert (await User.objects().get(User.id == first.id)).roles == ["procurement_officer"]


async def test_an_admin_role_is_approved_by_another_admin_never_by_an_officer(database):
    authority, admin, genuine = await authority_with_admin()
    second_admin = await user("second.admin@authority.example", (Role.ADMIN,), authority)
    colleague = await user("colleague@authority.example", (Role.COMMISSIONER,), authority)
    _, waiting = await accounts.change_roles(admin=admin.actor, user_id=colleague.id, roles=[Role.COMMISSIONER, Role.ADMIN])
    assert waiting == {Role.ADMIN}
    assert await duties.waiting_for(genuine) == []
    [grant] = await duties.waiting_for(second_admin)
    await duties.decide(second_admin, grant.id, approve=False)
    assert (await User.objects().get(User.id == colleague.id)).roles == ["commissioner"]
    assert [json.loads(e.payload)["role"] for e in await events("user.role_grant_refused")] == ["admin"]


async def test_unticking_a_waiting_role_withdraws_it_and_removing_a_role_is_immediate(database):
    authority, admin, genuine = await authority_with_admin()
    colleague = await user("colleague@authority.example", (Role.COMMISSIONER, Role.EVALUATOR), authority)
    _, waiting = await accounts.change_roles(admin=admin.actor, user_id=colleague.id, roles=[Role.EVALUATOR, Role.PROCUREMENT_OFFICER])
    assert waiting == {Role.PROCUREMENT_OFFICER}
    assert (await User.objects().get(User.id == colleague.id)).roles == ["evaluator"]  # commissioner removed at once
    _, waiting = await accounts.change_roles(admin=admin.actor, user_id=colleague.id, roles=[Role.EVALUATOR])
    assert waiting == set()
    assert await duties.waiting_for(genuine) == []
    assert len(await events("user.role_grant_withdrawn")) == 1


async def authority_of(officer) -> Organisation:
    return await Organisation.objects().get(Organisation.id == officer.organisation_id)


async def appointed_lately(authority_id: int, admin, approver, email: str):
    """An officer an admin asked for and `approver` approved just now."""
    made, _ = await accounts.create_authority_user(
        admin=admin.actor, email=email, full_name="New Officer", organisation_id=authority_id, roles=[Role.PROCUREMENT_OFFICER],
    )
    [grant] = [g for g in await duties.waiting_for(approver) if g.user_id == made.id]
    await duties.decide(approver, grant.id, approve=True)
    return await current(made)


async def test_an_officer_an_admin_appointed_lately_cannot_take_part_in_opening_tenders(database, controlled_clock):
    officer, second = await officers()
    admin = await user("admin@authority.example", (Role.ADMIN,), await authority_of(officer))
    framework, _ = await open_for_tenders(officer, controlled_clock)
    controlled_clock.set(TENDER_DEADLINE + timedelta(hours=1))
    newcomer = await appointed_lately(officer.organisation_id, admin, officer, "new.officer@authority.example")
    with pytest.raises(opening.OpeningError, match="You cannot take part in opening tenders until .*less than 14 days ago"):
        await opening.request(newcomer, framework.reference)
    [refused] = await events("tenders.opening_refused")
    assert refused.actor_email == newcomer.email
    await opening.request(officer, framework.reference)
    with pytest.raises(opening.OpeningError, match="You cannot take part in opening tenders"):
        await opening.confirm(newcomer, framework.reference)
    assert not await opening.is_opened(framework.id)
    await opening.confirm(second, framework.reference)  # officers the service's operator set up take part at once
    assert await opening.is_opened(framework.id)


async def test_an_officer_an_admin_appointed_lately_cannot_approve_an_award_until_the_cooling_off_ends(database, controlled_clock):
    walked = await in_moderation(controlled_clock, [Bid("Alpha", "40000"), Bid("Beta", "50000")], lots=1)
    admin = await user("admin@authority.example", (Role.ADMIN,), await authority_of(walked.officer))
    newcomer = await appointed_lately(walked.officer.organisation_id, admin, walked.second, "new.officer@authority.example")
    await conflicts_assessed(walked.officer, walked.reference)  # acting in the award decision: declares first (Procurement Act 2023 s.81)
    _, lot_award = await award.lot_award(walked.officer, walked.reference, 1, 0.7)
    await award.propose(walked.officer, walked.reference, 1, lot_award.results.default_choice(), reason=None, low_price_note=None, abnormally_low_share=0.7)
    with pytest.raises(Refused, match="You cannot approve an award until"):
        await award.approve(newcomer, walked.reference, 1)
    [refused] = await events("award.refused")
    assert refused.actor_email == newcomer.email and "less than 14 days ago" in json.loads(refused.payload)["reason"]
    controlled_clock.advance(timedelta(days=14))
    await award.approve(newcomer, walked.reference, 1)
