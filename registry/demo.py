"""Loads the demo data set in fixtures/ (fictional organisations and people), idempotently: records
that already exist are left as they are, so the command can run on every start."""

import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from registry import clock

from registry.accounts import service as accounts
from registry.accounts import two_factor
from registry.accounts.passwords import hash_password
from registry.accounts.tables import OrganisationKind, Role, User
from registry.dates import LONDON
from registry.settings import PROJECT_ROOT

FIXTURES_DIR = PROJECT_ROOT / "fixtures"
DEMO_PASSWORD = "participation-demo-2026"


@dataclass(frozen=True)
class DemoSignIn:
    email: str
    full_name: str
    organisation: str
    roles: tuple[str, ...]
    is_organisation_admin: bool = False
    two_factor: bool = False  # signs in with a code after the password: `registry demo-code EMAIL` prints it


def _read(directory: Path, name: str) -> list[dict]:
    return json.loads((directory / name).read_text(encoding="utf-8"))


async def load_fixtures(directory: Path = FIXTURES_DIR) -> list[DemoSignIn]:
    from registry.app import register_hooks  # the demo moves frameworks through every stage, as the app does

    register_hooks()
    _SIGNED_IN.clear()
    _SUPPLIER_USERS.clear()
    organisations = {}
    for row in _read(directory, "organisations.json"):
        organisation = await accounts.find_organisation(row["legal_name"])
        if organisation is None:
            organisation = await accounts.create_organisation(
                kind=OrganisationKind(row["kind"]),
                legal_name=row["legal_name"],
                registration_number=row.get("registration_number"),
                organisation_type=row.get("organisation_type"),
                size=row.get("size"),
                is_demo=True,
            )
        organisations[organisation.legal_name] = organisation

    sign_ins = []
    demo_password_hash = await hash_password(DEMO_PASSWORD)  # one hash: every demo account shares the password
    for row in _read(directory, "users.json"):
        user = await User.objects().where(User.email == accounts.normalise_email(row["email"])).first()
        if user is None:
            user = await accounts.create_user(
                email=row["email"],
                full_name=row["full_name"],
                organisation=organisations[row["organisation"]],
                roles=[Role(role) for role in row["roles"]],
                password_hash=demo_password_hash,
                email_confirmed=True,
                is_organisation_admin=row.get("is_organisation_admin", False),
                is_demo=True,
            )
        if "two_factor_secret" in row and user.is_demo and not await two_factor.enrolled(user.id):
            # A fixed secret, so that `registry demo-code` can say the code (development only: production refuses demo accounts).
            await two_factor.enrol_with_secret(user.id, row["two_factor_secret"])
        sign_ins.append(DemoSignIn(
            row["email"], row["full_name"], row["organisation"], tuple(row["roles"]), row.get("is_organisation_admin", False),
            two_factor="two_factor_secret" in row,
        ))
    await _load_profiles(directory, organisations)
    await _load_frameworks(directory, organisations)
    await _load_engagements(directory, organisations)
    from registry.directory import index

    await index.rebuild()  # records loaded before the directory existed are left as they were: index them too
    return sign_ins


_SIGNED_IN: dict[str, object] = {}  # email -> CurrentUser, for one load (cleared at its start)


async def _signed_in(email: str):
    from registry.accounts.auth import load_user

    if email not in _SIGNED_IN:
        user = await User.objects().get(User.email == email)
        _SIGNED_IN[email] = (await load_user(user.id))[0]
    return _SIGNED_IN[email]


async def _load_profiles(directory: Path, organisations: dict) -> None:
    from registry.suppliers import service as suppliers

    for row in _read(directory, "profiles.json"):
        organisation = organisations[row.pop("organisation")]
        if await suppliers.profile_of(organisation.id) is not None:
            continue
        user = await _supplier_user(organisation)
        defaults = {"trading_name": "", "address_line_1": "", "address_line_2": "", "town": "", "postcode": "", "website": ""}
        taxonomy_lists = ("regions", "engagement_methods", "groups", "languages", "accessible_formats")
        values = {**defaults, **row, **{name: tuple(row.get(name, ())) for name in taxonomy_lists}}
        await suppliers.save(user, suppliers.Profile(**values))


async def _load_frameworks(directory: Path, organisations: dict) -> None:
    from datetime import date

    from registry.frameworks import service as frameworks
    from registry.frameworks.regimes import Regime
    from registry.frameworks.tables import Framework, State
    from registry.interest import service as interest

    for row in _read(directory, "frameworks.json"):
        officer = await _signed_in(row["officer"])
        if await Framework.exists().where((Framework.title == row["title"]) & (Framework.authority == officer.organisation_id)):
            continue
        # A framework that has been through earlier stages is created back then, on a clock set to the past.
        past = clock.ControlledClock()
        real_clock = clock.use(past) if "rfi" in row else None
        if real_clock:
            past.set(real_clock.now() - timedelta(days=row["rfi"]["opened_days_ago"] + 7))
        start_date = date.fromisoformat(row["start_date"]) if "start_date" in row else (real_clock.now() - timedelta(days=row["start_days_ago"])).date()
        framework = await frameworks.create(officer, frameworks.Details(
            title=row["title"], summary=row["summary"], description=row["description"], estimated_value=row["estimated_value"],
            start_date=start_date, duration_months=row["duration_months"], regime=Regime(row["regime"]),
            call_off_routes=tuple(row["call_off_routes"]), contact_name=row["contact"]["name"], contact_email=row["contact"]["email"],
            contact_telephone=row["contact"]["telephone"], cpv_codes=tuple(row["cpv_codes"]),
            community_benefits=row.get("community_benefits", ""),
        ), reference=row["reference"])  # the README's tour names it
        for lot in row["lots"]:
            await frameworks.save_lot(officer, framework.reference, number=None, **lot)
        if "eligible_authorities" in row:  # who may call off, besides the framework's own authority
            entitled = row["eligible_authorities"]
            await frameworks.set_eligible_authorities(
                officer, framework.reference, organisations=[organisations[name].id for name in entitled.get("registered", [])],
                others=[(other["name"], other["identifier"]) for other in entitled.get("others", [])],
            )
        if row["publish"]:
            await frameworks.move(officer, framework.reference, State.PIN_PUBLISHED)
        for organisation_name, lots in row["interest"].items():
            await interest.register(await _supplier_user(organisations[organisation_name]), framework.reference, lot_numbers=lots)
        if real_clock:
            await _run_rfi(officer, framework.reference, row["rfi"], past, real_clock)
        if "criteria" in row:
            await _write_criteria(officer, framework.reference, row["criteria"])
        if "conflicts" in row and "itt" not in row:  # prepared, for the tour's officer to publish the invitation to tender
            await _assess_conflicts(officer, framework.reference, row["conflicts"])
        if "award" in row:
            await _run_to_live(officer, framework.reference, row, organisations, past, real_clock.now())
        elif "itt" in row:
            await _run_tendering(officer, framework.reference, row, organisations, past, real_clock.now())
        if real_clock:
            clock.use(real_clock)


def _days_ago(now, days: float):
    return now - timedelta(days=days)


def _at_midday(moment):
    """Deadlines at midday UK time on their day, as an officer would set them."""
    return moment.astimezone(LONDON).replace(hour=12, minute=0, second=0, microsecond=0).astimezone(moment.tzinfo)


async def _run_tendering(officer, reference: str, row: dict, organisations: dict, past, now) -> None:
    """Publish the invitation, submit the suppliers' tenders, open them, and start evaluation, each
    on its day in the past; or, while the tender deadline is ahead, only publish and tender."""
    from registry.evaluation import service as evaluation
    from registry.evaluation.service import Mark
    from registry.frameworks import service as frameworks
    from registry.frameworks.tables import State

    framework, by_title = await _publish_itt(officer, reference, row["itt"], row["conflicts"], past, now)
    for organisation_name, tender in row["tenders"].items():
        supplier = await _supplier_user(organisations[organisation_name])
        await _submit_tender(supplier, reference, tender["lot"], by_title, tender["answers"], tender["price"], draft=tender.get("draft", False))
    if "opened_days_ago" not in row["itt"]:  # its tender deadline is still ahead: it stays open for tenders
        return
    await _open_tenders(officer, reference, row, past, now)
    panel = row["evaluation"]
    lot = (await frameworks.lots(framework.id))[0]
    assignments = {}
    for email in panel["panel"]:
        evaluator = await _signed_in(email)
        assignments[email] = (evaluator, await evaluation.assign(officer, reference, lot.number, evaluator.id))
    past.set(_days_ago(now, panel["started_days_ago"]))
    await frameworks.move(officer, reference, State.EVALUATION)
    bidders = {b["supplier"]: b["tender_id"] for b in await evaluation.bidders(lot.id)}
    for email, scored in panel["scores"].items():
        evaluator, assignment = assignments[email]
        await evaluation.declare(evaluator, assignment.id, conflicted=False, details="")
        for organisation_name, marks in scored.items():
            given = [Mark(by_title[title].id, str(value), reason) for title, (value, reason) in marks.items()]
            await evaluation.save_marks(evaluator, assignment.id, bidders[organisation_name], given, submit=True)


_SUPPLIER_USERS: dict[int, str] = {}  # organisation id -> the email of its user who does its demo work


async def _supplier_user(organisation):
    """A supplier organisation's first admin, signed in (profiles, interest and tenders are its work)."""
    if organisation.id not in _SUPPLIER_USERS:
        first = await (
            User.select(User.email).where(User.organisation == organisation.id)
            .order_by(User.is_organisation_admin, ascending=False).order_by(User.id).first()
        )
        _SUPPLIER_USERS[organisation.id] = first["email"]
    return await _signed_in(_SUPPLIER_USERS[organisation.id])


async def _assess_conflicts(officer, reference: str, assessed: dict) -> None:
    """The conflicts assessment before the tender notice (Procurement Act 2023 s.83; PCSR 2015 reg. 24):
    the people named, each officer's declaration (none, unless the fixtures give one) and the confirmation."""
    from registry.conflicts import service as conflicts
    from registry.frameworks import service as frameworks

    for named in assessed["named"]:
        person = await conflicts.name_person(officer, reference, name=named["name"], role=named["role"], organisation=named["organisation"])
        await conflicts.record(officer, reference, f"named-{person.id}", conflict=named["conflict"], details=named["details"], mitigation=named["mitigation"])
    emails = {row["id"]: row["email"] for row in await User.select(User.id, User.email)}
    for person in (await conflicts.assessment_of(await frameworks.get(reference))).people:
        if person.declared:
            continue
        given = assessed["declarations"].get(emails.get(int(person.key.removeprefix("user-"))), {})
        await conflicts.record(
            officer, reference, person.key, conflict=given.get("conflict", False),
            details=given.get("details", "No interests in any supplier in this market."), mitigation=given.get("mitigation", ""),
        )
    await conflicts.confirm_reviewed(officer, reference)


async def _publish_itt(officer, reference: str, itt: dict, conflicts: dict, past, now):
    """Publish the invitation to tender on its day; the framework and its criteria by title."""
    from registry.criteria import invitation
    from registry.criteria.service import criteria_of
    from registry.frameworks import service as frameworks

    past.set(_days_ago(now, itt["published_days_ago"]))
    await _assess_conflicts(officer, reference, conflicts)
    await invitation.publish(
        officer, reference, clarification_deadline=_at_midday(_days_ago(now, itt["clarification_deadline_days_ago"])),
        tender_deadline=_at_midday(_days_ago(now, itt["tender_deadline_days_ago"])),
    )
    # The suppliers tender two days before the deadline; while it is still ahead, a day ago.
    past.set(min(_days_ago(now, itt["tender_deadline_days_ago"] + 2), _days_ago(now, 1)))
    framework = await frameworks.get(reference)
    return framework, {c.title: c for c in await criteria_of(framework.id)}


async def _submit_tender(supplier, reference: str, lot: int, by_title: dict, answers: dict, price: str, *, draft: bool = False) -> None:
    """A tender written through the tender service, and submitted unless it is a `draft` (some of its
    answers, its price, no declarations: for the tour to finish)."""
    from registry.tenders import service as tenders

    await tenders.save_selection(supplier, reference, lot, {c.id: ("yes", "") for c in by_title.values() if c.kind == "selection"})
    for title, text in answers.items():
        await tenders.save_quality_answer(supplier, reference, lot, by_title[title].id, text)
    await tenders.save_price(supplier, reference, lot, price)
    if draft:
        return
    await tenders.save_declarations(supplier, reference, lot, list(tenders.DECLARATIONS))
    space = await tenders.workspace(supplier, reference, lot)
    if "core_supplier_information" in tenders.task_problems(space):  # under the Procurement Act 2023
        await tenders.save_core_information(supplier, reference, lot, _demo_ppon(supplier.organisation_id), f"DEMO{supplier.organisation_id:04d}")
    await tenders.submit(supplier, reference, lot)


def _demo_ppon(organisation_id: int) -> str:
    """A PPON of the Central Digital Platform's form for a demo organisation (registry.suppliers.service.PPON_FORM)."""
    return f"PDMO-{1000 + organisation_id:04d}-DEMO"


async def _open_tenders(officer, reference: str, row: dict, past, now) -> None:
    from registry.tenders import opening

    past.set(_days_ago(now, row["itt"]["opened_days_ago"]))
    await opening.request(officer, reference)
    await opening.confirm(await _signed_in(row["second_officer"]), reference)


REASONS = {  # on the default scale of 0 to 4
    4: "Excellent: a full, specific answer with strong evidence.",
    3: "Good: a clear approach with evidence.",
    2: "Acceptable: meets the requirement, with limited evidence.",
    1: "Weak: does not show how the requirement would be met.",
}


async def _run_to_live(officer, reference: str, row: dict, organisations: dict, past, now) -> None:
    """Take a framework from its invitation to tender to live, each step on its day in the past:
    tenders, opening, two evaluators' marks, moderation, award proposals and approval, the
    standstill period and the appointments."""
    from registry.award import service as award
    from registry.conflicts import service as conflicts
    from registry.evaluation import service as evaluation
    from registry.evaluation.service import Mark
    from registry.frameworks import service as frameworks
    from registry.frameworks.tables import State
    from registry.settings import Settings

    settings = Settings()
    framework, by_title = await _publish_itt(officer, reference, row["itt"], row["conflicts"], past, now)
    selection = [c for c in by_title.values() if c.kind == "selection"]
    approach, team = [c for c in by_title.values() if c.kind == "quality"]
    for organisation_name, tender in row["tenders"].items():
        supplier = await _supplier_user(organisations[organisation_name])
        for lot, bid in tender["lots"].items():
            await _submit_tender(supplier, reference, int(lot), by_title, {approach.title: tender["approach"], team.title: tender["team"]}, bid["price"])
    await _open_tenders(officer, reference, row, past, now)

    def marks_for(organisation_name: str, lot: int) -> list:
        scores = row["tenders"][organisation_name]["lots"][str(lot)]["scores"]
        return [Mark(c.id, "pass", "Insurer named.") for c in selection] + [
            Mark(criterion.id, str(score), REASONS[score]) for criterion, score in zip((approach, team), scores, strict=True)
        ]

    second = await _signed_in(row["second_officer"])
    lots = await frameworks.lots(framework.id)
    panel = row["evaluation"]
    evaluators = [await _signed_in(email) for email in panel["panel"]]
    assignments = [(evaluator, await evaluation.assign(officer, reference, lot.number, evaluator.id)) for lot in lots for evaluator in evaluators]
    past.set(_days_ago(now, panel["started_days_ago"]))
    await frameworks.move(officer, reference, State.EVALUATION)
    bidders = {lot.number: await evaluation.bidders(lot.id) for lot in lots}
    lot_of = {lot.id: lot.number for lot in lots}
    for evaluator, assignment in assignments:
        await evaluation.declare(evaluator, assignment.id, conflicted=False, details="")
        for bidder in bidders[lot_of[assignment.lot]]:
            await evaluation.save_marks(evaluator, assignment.id, bidder["tender_id"], marks_for(bidder["supplier"], lot_of[assignment.lot]), submit=True)
    past.set(_days_ago(now, panel["moderated_days_ago"]))
    await frameworks.move(officer, reference, State.MODERATION)
    await conflicts.confirm_reviewed(officer, reference)  # reviewed with the panel's declarations, before the award decision
    for lot in lots:
        for bidder in bidders[lot.number]:
            await evaluation.save_consensus(officer, reference, lot.number, bidder["tender_id"], marks_for(bidder["supplier"], lot.number))
        await evaluation.complete_moderation(officer, reference, lot.number)

    from registry.tenders import core_information

    for waiting in await core_information.unconfirmed(framework):  # under the Procurement Act 2023: checked on the platform
        await core_information.confirm(officer, reference, waiting["tender_id"])
    dates = row["award"]
    for lot in lots:
        past.set(_days_ago(now, dates["proposed_days_ago"]))
        _, lot_award = await award.lot_award(officer, reference, lot.number, settings.abnormally_low_share)
        chosen = lot_award.results.default_choice()
        flagged = [t.supplier for t in lot_award.results.tenders if t.tender_id in chosen and t.abnormally_low]
        note = (
            f"We asked {', '.join(flagged)} for a breakdown of the price: it reflects lower overheads and volunteer time, "
            "and covers the sample engagement in full." if flagged else None
        )
        await award.propose(officer, reference, lot.number, chosen, reason=None, low_price_note=note, abnormally_low_share=settings.abnormally_low_share)
        past.set(_days_ago(now, dates["approved_days_ago"]))
        await award.approve(second, reference, lot.number)
    past.set(_days_ago(now, dates["notified_days_ago"]))
    await award.notify_bidders(officer, reference, zone=settings.zone, abnormally_low_share=settings.abnormally_low_share)
    past.set(_days_ago(now, dates["appointed_days_ago"]))
    await award.appoint(officer, reference, zone=settings.zone)


async def _load_engagements(directory: Path, organisations: dict) -> None:
    """Engagements under the live framework at every stage, each step taken on its day in the past."""
    from registry.engagements import service as engagements
    from registry.engagements.tables import Engagement
    from registry.frameworks.tables import Framework, Lot

    real_clock = clock.current()
    now = real_clock.now()
    past = clock.ControlledClock()
    clock.use(past)
    try:
        for row in _read(directory, "engagements.json"):
            commissioner = await _signed_in(row["commissioner"])
            if await Engagement.exists().where((Engagement.title == row["title"]) & (Engagement.buyer == commissioner.organisation_id)):
                continue
            framework = await Framework.objects().get(Framework.title == row["framework"])
            lot = await Lot.objects().get((Lot.framework == framework.id) & (Lot.number == row["lot"]))
            past.set(_days_ago(now, row["created_days_ago"]))
            engagement = await engagements.create_brief(commissioner, engagements.Brief(
                lot_id=lot.id, title=row["title"], objectives=row["objectives"], groups=tuple(row["groups"]), regions=tuple(row["regions"]),
                participants_target=row["participants_target"], methods=tuple(row["methods"]), budget_pence=row["budget"] * 100,
                starts_on=_starts_on(row, now),
                ends_on=(now - timedelta(days=row.get("completed_days_ago", row["created_days_ago"] - 120))).date(),
            ))
            reference = engagement.reference
            if "direct_award" in row:
                award = row["direct_award"]
                past.set(_days_ago(now, award["days_ago"]))
                await engagements.direct_award(
                    commissioner, reference, supplier_id=organisations[award["supplier"]].id, price_pence=award["price"] * 100, reason=award.get("reason"),
                )
            if "competition" in row:
                await _run_competition(commissioner, reference, row["competition"], organisations, past, now)
            if "delivery_started_days_ago" in row:
                past.set(_days_ago(now, row["delivery_started_days_ago"]))
                await engagements.start_delivery(commissioner, reference)
            if "completed_days_ago" in row:
                past.set(_days_ago(now, row["completed_days_ago"]))
                await engagements.complete(commissioner, reference, reach=row["reach"], deliverables=row["deliverables"])
            if "review" in row:
                review = row["review"]
                past.set(_days_ago(now, row["completed_days_ago"] - 2))
                await engagements.review(commissioner, reference, ratings={m: review[m] for m in ("quality", "timeliness", "inclusion", "value")}, comments=review["comments"])
                if "reply" in review:
                    past.set(_days_ago(now, row["completed_days_ago"] - 5))
                    supplier = await _supplier_user(await _organisation_of(reference))
                    await engagements.reply(supplier, reference, text=review["reply"])
            if "cancelled_days_ago" in row:
                past.set(_days_ago(now, row["cancelled_days_ago"]))
                await engagements.cancel(commissioner, reference, reason=row["cancel_reason"])
    finally:
        clock.use(real_clock)


def _starts_on(row: dict, now):
    """When the engagement's contract starts: the day its delivery started, if it has; otherwise two
    weeks after the brief, and for a mini-competition no sooner than a week after its response
    deadline (the work starts once the supplier is chosen)."""
    if "delivery_started_days_ago" in row:
        return _days_ago(now, row["delivery_started_days_ago"]).date()
    starts = _days_ago(now, row["created_days_ago"] - 14)
    if "competition" in row:
        starts = max(starts, _days_ago(now, row["competition"]["deadline_days_ago"] - 7))
    return starts.date()


async def _organisation_of(reference: str):
    from registry.accounts.tables import Organisation
    from registry.engagements.tables import Engagement

    engagement = await Engagement.objects().get(Engagement.reference == reference)
    return await Organisation.objects().get(Organisation.id == engagement.supplier)


async def _run_competition(commissioner, reference: str, competition: dict, organisations: dict, past, now) -> None:
    """A mini-competition: criteria and deadline, invitations, the suppliers' answers, and (once the
    deadline has passed) scores and the award."""
    from registry.criteria.service import criteria_of
    from registry.engagements import service as engagements

    deadline = _days_ago(now, competition["deadline_days_ago"]).replace(hour=12, minute=0, second=0, microsecond=0)
    # Each criterion refines one of the lot's published award criteria: [wording, weight, the framework's criterion's title].
    engagement = await engagements.for_buyer(commissioner, reference)
    published = {c.title: c.id for c in await criteria_of(engagement.framework)}
    await engagements.set_up_competition(
        commissioner, reference, criteria=[(published[title], name, weight) for name, weight, title in competition["criteria"]],
        price_weight=competition["price_weight"], deadline=deadline,
    )
    await engagements.invite(commissioner, reference)
    past.set(min(deadline, now) - timedelta(days=2))
    for name, answer in competition["responses"].items():
        supplier = await _supplier_user(organisations[name])
        if "decline" in answer:
            await engagements.decline(supplier, reference, reason=answer["decline"])
        else:
            await engagements.respond(supplier, reference, proposal=answer["proposal"], price_pence=answer["price"] * 100)
    if "award" not in competition:
        return
    past.set(deadline + timedelta(days=1))
    criteria = await engagements.criteria_of((await engagements.for_buyer(commissioner, reference)).id)
    from registry.engagements.tables import Invitation

    for name, scores in competition["scores"].items():
        invitation = await Invitation.objects().get(
            (Invitation.engagement.reference == reference) & (Invitation.organisation == organisations[name].id)
        )
        marks = {criterion.id: (score, "") for criterion, score in zip(criteria, scores, strict=True)}
        await engagements.record_scores(commissioner, reference, invitation.id, marks)
    past.set(_days_ago(now, competition["awarded_days_ago"]))
    winner = await Invitation.objects().get(
        (Invitation.engagement.reference == reference) & (Invitation.organisation == organisations[competition["award"]].id)
    )
    await engagements.award_competition(commissioner, reference, invitation_id=winner.id, reason=competition.get("reason"))


async def _run_rfi(officer, reference: str, rfi: dict, past, real_clock) -> None:
    """Open the request for information in the past, let suppliers answer it, and close it (when it
    has a closing day in the past) or leave it open until its closing day to come."""
    from registry.frameworks import service as frameworks
    from registry.frameworks.tables import State
    from registry.surveys import service as surveys

    now = real_clock.now()
    past.set(now - timedelta(days=rfi["opened_days_ago"]))
    if "closed_days_ago" in rfi:
        closes_at = now - timedelta(days=rfi["closed_days_ago"])
    else:
        closes_at = (now + timedelta(days=rfi["closes_in_days"])).replace(hour=17, minute=0, second=0, microsecond=0)
    survey = await surveys.save_survey(officer, reference, title=rfi["title"], introduction=rfi["introduction"], opens_at=None, closes_at=closes_at)
    sections = rfi.get("sections") or [{"title": "Your work", "questions": rfi["questions"]}]
    asked = []  # (section, question) in order
    for written in sections:
        section = await surveys.add_section(officer, survey.id, written["title"])
        for question in written["questions"]:
            asked.append((section, await surveys.add_question(officer, survey.id, section.id, _question_spec(question))))
    await surveys.open_rfi(officer, reference)
    for organisation_name, response in rfi.get("responses", {}).items():
        past.set(now - timedelta(days=response["days_ago"]))
        supplier = await _supplier_user(await _organisation_named(organisation_name))
        unknown = set(response["answers"]) - {question.text for _, question in asked}
        if unknown:
            raise ValueError(f"demo RFI answers of {organisation_name} to questions that are not asked: {sorted(unknown)}")
        for section_id in dict.fromkeys(section.id for section, _ in asked):
            given = {}
            for section, question in asked:
                if section.id == section_id and question.text in response["answers"]:
                    answer = response["answers"][question.text]
                    given[question.id] = (answer if isinstance(answer, list) else [str(answer)], "")
            if given:
                result = await surveys.save_section(supplier, reference, section_id, given)
                if result.errors:
                    raise ValueError(f"demo RFI answers of {organisation_name}: {result.errors}")
        if response.get("submit"):
            await surveys.submit(supplier, reference)
    if "closed_days_ago" in rfi:
        past.set(now - timedelta(days=rfi["closed_days_ago"] - 1))
        await frameworks.move(officer, reference, State.RFI_CLOSED)


def _question_spec(question: str | dict):
    """A question of the request for information: plain text is a long-text question."""
    from registry.surveys.service import QuestionSpec
    from registry.surveys.tables import QuestionKind

    if isinstance(question, str):
        return QuestionSpec(QuestionKind.LONG_TEXT, question)
    return QuestionSpec(
        QuestionKind(question["kind"]), question["text"], help_text=question.get("help_text", ""), required=question.get("required", True),
        options=tuple(question.get("options", ())), minimum=question.get("minimum"), maximum=question.get("maximum"),
    )


async def _organisation_named(legal_name: str):
    organisation = await accounts.find_organisation(legal_name)
    if organisation is None:
        raise ValueError(f"the demo data names an organisation that is not in organisations.json: {legal_name}")
    return organisation


async def _write_criteria(officer, reference: str, written: dict) -> None:
    from registry.criteria import service as criteria
    from registry.criteria.service import CriterionSpec
    from registry.criteria.tables import DEFAULT_SCALE, CriterionKind

    await criteria.save_scheme(officer, reference, quality_share=written["quality_share"], scale=list(DEFAULT_SCALE))
    for item in written["selection"]:
        await criteria.save_criterion(officer, reference, None, CriterionSpec(CriterionKind.SELECTION, item["title"], item["guidance"]))
    for item in written["quality"]:
        await criteria.save_criterion(officer, reference, None, CriterionSpec(
            CriterionKind.QUALITY, item["title"], item["guidance"], weight=item["weight"],
            minimum_score=item.get("minimum_score"), word_limit=item.get("word_limit"),
        ))
    price = written["price"]
    await criteria.save_criterion(officer, reference, None, CriterionSpec(CriterionKind.PRICE, price["title"], price["guidance"]))
