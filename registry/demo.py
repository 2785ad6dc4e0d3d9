"""Loads the demo data set in fixtures/ (fictional organisations and people), idempotently: records
that already exist are left as they are, so the command can run on every start."""

import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from registry import clock

from registry.accounts import service as accounts
from registry.accounts.passwords import hash_password
from registry.accounts.tables import OrganisationKind, Role, User
from registry.settings import PROJECT_ROOT

FIXTURES_DIR = PROJECT_ROOT / "fixtures"
DEMO_PASSWORD = "participation-demo-2026"


@dataclass(frozen=True)
class DemoSignIn:
    email: str
    full_name: str
    organisation: str
    roles: tuple[str, ...]


def _read(directory: Path, name: str) -> list[dict]:
    return json.loads((directory / name).read_text(encoding="utf-8"))


async def load_fixtures(directory: Path = FIXTURES_DIR) -> list[DemoSignIn]:
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
        if not await User.exists().where(User.email == accounts.normalise_email(row["email"])):
            await accounts.create_user(
                email=row["email"],
                full_name=row["full_name"],
                organisation=organisations[row["organisation"]],
                roles=[Role(role) for role in row["roles"]],
                password_hash=demo_password_hash,
                email_confirmed=True,
                is_organisation_admin=row.get("is_organisation_admin", False),
                is_demo=True,
            )
        sign_ins.append(DemoSignIn(row["email"], row["full_name"], row["organisation"], tuple(row["roles"])))
    await _load_profiles(directory, organisations)
    await _load_frameworks(directory, organisations)
    return sign_ins


async def _signed_in(email: str):
    from registry.accounts.auth import load_user

    user = await User.objects().get(User.email == email)
    return (await load_user(user.id))[0]


async def _load_profiles(directory: Path, organisations: dict) -> None:
    from registry.suppliers import service as suppliers

    for row in _read(directory, "profiles.json"):
        organisation = organisations[row.pop("organisation")]
        if await suppliers.profile_of(organisation.id) is not None:
            continue
        user = await _signed_in((await User.select(User.email).where(User.organisation == organisation.id).first())["email"])
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
        framework = await frameworks.create(officer, frameworks.Details(
            title=row["title"], summary=row["summary"], description=row["description"], estimated_value=row["estimated_value"],
            start_date=date.fromisoformat(row["start_date"]), duration_months=row["duration_months"], regime=Regime(row["regime"]),
            call_off_routes=tuple(row["call_off_routes"]),
        ))
        for lot in row["lots"]:
            await frameworks.save_lot(officer, framework.reference, number=None, **lot)
        if row["publish"]:
            await frameworks.move(officer, framework.reference, State.PIN_PUBLISHED)
        for organisation_name, lots in row["interest"].items():
            supplier_email = (await User.select(User.email).where(User.organisation == organisations[organisation_name].id).first())["email"]
            await interest.register(await _signed_in(supplier_email), framework.reference, lot_numbers=lots)
        if real_clock:
            await _run_rfi(officer, framework.reference, row["rfi"], past, real_clock)
        if "criteria" in row:
            await _write_criteria(officer, framework.reference, row["criteria"])
        if "itt" in row:
            await _run_tendering(officer, framework.reference, row, organisations, past, real_clock.now())
        if real_clock:
            clock.use(real_clock)


def _days_ago(now, days: float):
    return now - timedelta(days=days)


async def _run_tendering(officer, reference: str, row: dict, organisations: dict, past, now) -> None:
    """Publish the invitation, submit the suppliers' tenders, open them, and start evaluation, each
    on its day in the past."""
    from registry.criteria import invitation
    from registry.criteria.service import criteria_of
    from registry.evaluation import service as evaluation
    from registry.evaluation.service import Mark
    from registry.frameworks import service as frameworks
    from registry.frameworks.tables import State
    from registry.tenders import opening
    from registry.tenders import service as tenders

    itt = row["itt"]
    past.set(_days_ago(now, itt["published_days_ago"]))
    await invitation.publish(
        officer, reference, clarification_deadline=_days_ago(now, itt["clarification_deadline_days_ago"]),
        tender_deadline=_days_ago(now, itt["tender_deadline_days_ago"]),
    )
    framework = await frameworks.get(reference)
    by_title = {c.title: c for c in await criteria_of(framework.id)}
    past.set(_days_ago(now, itt["tender_deadline_days_ago"] + 2))
    for organisation_name, tender in row["tenders"].items():
        supplier = await _signed_in((await User.select(User.email).where(User.organisation == organisations[organisation_name].id).first())["email"])
        lot = tender["lot"]
        await tenders.save_selection(supplier, reference, lot, {c.id: ("yes", "") for c in by_title.values() if c.kind == "selection"})
        for title, text in tender["answers"].items():
            await tenders.save_quality_answer(supplier, reference, lot, by_title[title].id, text)
        await tenders.save_price(supplier, reference, lot, tender["price"])
        await tenders.save_declarations(supplier, reference, lot, list(tenders.DECLARATIONS))
        await tenders.submit(supplier, reference, lot)
    past.set(_days_ago(now, itt["opened_days_ago"]))
    await opening.request(officer, reference)
    await opening.confirm(await _signed_in(row["second_officer"]), reference)
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


async def _run_rfi(officer, reference: str, rfi: dict, past, real_clock) -> None:
    """Open the request for information in the past and close it now."""
    from registry.frameworks import service as frameworks
    from registry.frameworks.tables import State
    from registry.surveys import service as surveys
    from registry.surveys.service import QuestionSpec
    from registry.surveys.tables import QuestionKind

    now = real_clock.now()
    past.set(now - timedelta(days=rfi["opened_days_ago"]))
    survey = await surveys.save_survey(
        officer, reference, title=rfi["title"], introduction=rfi["introduction"], opens_at=None, closes_at=now - timedelta(days=rfi["closed_days_ago"]),
    )
    section = await surveys.add_section(officer, survey.id, "Your work")
    for text in rfi["questions"]:
        await surveys.add_question(officer, survey.id, section.id, QuestionSpec(QuestionKind.LONG_TEXT, text))
    await surveys.open_rfi(officer, reference)
    past.set(now - timedelta(days=rfi["closed_days_ago"] - 1))
    await frameworks.move(officer, reference, State.RFI_CLOSED)


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
