"""Building blocks for tests of the tender stages: a framework walked, through the real service
functions, to the point a test needs."""

from datetime import UTC, datetime, timedelta

from registry import clock
from registry.criteria import invitation
from registry.criteria import service as criteria
from registry.criteria.service import CriterionSpec
from registry.criteria.tables import CriterionKind
from registry.frameworks import service as frameworks
from registry.frameworks.tables import State
from registry.interest import service as interest
from registry.surveys import service as surveys
from registry.surveys.service import QuestionSpec
from registry.surveys.tables import QuestionKind
from tests.test_frameworks import draft_with_lots

START = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)
CLARIFICATION_DEADLINE = START + timedelta(days=40)
TENDER_DEADLINE = START + timedelta(days=50, hours=3)  # 12:00 UK time, 23 March 2027
PIN_PUBLISHED = START - timedelta(days=15)


class FixedClock:
    """A clock that does not tick, for tests at an exact instant."""

    def __init__(self, moment: datetime):
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


async def rfi_closed(officer, controlled_clock, lots: int = 2, *, conflicts_assessment: bool = True):
    """A framework whose request for information has run and closed; the clock is at START + 30 days.
    Its prior information notice came out at PIN_PUBLISHED, 45 days before the invitation to tender
    can be (at least 40 days: the minimum tendering period is then the shortest in either regime).
    Its conflicts assessment is prepared, as the tender notice needs, unless `conflicts_assessment` is false."""
    controlled_clock.set(PIN_PUBLISHED)
    framework = await draft_with_lots(officer, lots=lots)
    await frameworks.move(officer, framework.reference, State.PIN_PUBLISHED)
    controlled_clock.set(START)
    survey = await surveys.save_survey(officer, framework.reference, title="Market questions", introduction="", opens_at=None, closes_at=START + timedelta(days=21))
    section = await surveys.add_section(officer, survey.id, "About you")
    await surveys.add_question(officer, survey.id, section.id, QuestionSpec(QuestionKind.SHORT_TEXT, "Your name"))
    await surveys.open_rfi(officer, framework.reference)
    controlled_clock.set(START + timedelta(days=30))
    framework = await frameworks.move(officer, framework.reference, State.RFI_CLOSED)
    if conflicts_assessment:
        await conflicts_assessed(officer, framework.reference)
    return framework


async def add_criteria(officer, reference: str) -> dict:
    """Selection, two quality criteria (60/40) and the price, for every lot."""
    await criteria.save_scheme(officer, reference, quality_share=60, scale=["Unacceptable", "Poor", "Acceptable", "Good", "Excellent"])
    found = {}
    found["insurance"] = await criteria.save_criterion(officer, reference, None, CriterionSpec(
        CriterionKind.SELECTION, "Do you hold public liability insurance of at least £5 million?", "Pass: yes, with the insurer named."))
    found["approach"] = await criteria.save_criterion(officer, reference, None, CriterionSpec(
        CriterionKind.QUALITY, "Reaching seldom-heard groups", "Describe your approach, with examples.", weight=60, minimum_score=2, word_limit=100))
    found["team"] = await criteria.save_criterion(officer, reference, None, CriterionSpec(
        CriterionKind.QUALITY, "Your team", "Who would do the work.", weight=40, word_limit=100))
    found["price"] = await criteria.save_criterion(officer, reference, None, CriterionSpec(
        CriterionKind.PRICE, "Price for the sample engagement", "Your total price, excluding VAT."))
    return found


async def conflicts_assessed(officer, reference: str) -> None:
    """Everyone acting declares no conflict, and the officer confirms the assessment (Procurement Act
    2023 s.83; PCSR 2015 reg. 24), as the tender notice and the later key moves need."""
    from registry.conflicts import service as conflicts

    framework = await frameworks.get(reference)
    for person in (await conflicts.assessment_of(framework)).people:
        if not person.declared:
            await conflicts.record(officer, reference, person.key, conflict=False)
    await conflicts.confirm_reviewed(officer, reference)


async def open_for_tenders(officer, controlled_clock, lots: int = 2):
    framework = await rfi_closed(officer, controlled_clock, lots=lots)
    found = await add_criteria(officer, framework.reference)
    framework = await invitation.publish(
        officer, framework.reference, clarification_deadline=CLARIFICATION_DEADLINE, tender_deadline=TENDER_DEADLINE,
    )
    return framework, found


async def complete_draft(supplier, reference: str, lot: int, found: dict, *, price: str = "45000") -> None:
    from registry.tenders import service as tenders

    await tenders.save_selection(supplier, reference, lot, {found["insurance"].id: ("yes", "Insured with Example Mutual")})
    await tenders.save_quality_answer(supplier, reference, lot, found["approach"].id, "We go where people already are.")
    await tenders.save_quality_answer(supplier, reference, lot, found["team"].id, "A team of six facilitators.")
    await tenders.save_price(supplier, reference, lot, price)
    await tenders.save_declarations(supplier, reference, lot, list(tenders.DECLARATIONS))


async def registered(supplier, reference: str) -> None:
    await interest.register(supplier, reference, lot_numbers=None)


def frozen_at(moment: datetime):
    """Use a clock stopped at `moment`; returns the previous clock, to put back."""
    return clock.use(FixedClock(moment))


async def colleague(officer, email: str, roles):
    """Another user of the officer's authority."""
    from registry.accounts.tables import User
    from tests.support import current, make_user

    user = await make_user(email=email, roles=roles)
    await User.update({User.organisation: officer.organisation_id}).where(User.id == user.id)
    return await current(user)


async def opened(officer, controlled_clock, *, bidders: int = 3, lots: int = 2, before_submitting=None):
    """A framework whose tenders (one per bidder, on lot 1) have been opened by two officers;
    `before_submitting(supplier, reference, n)`, when given, runs on each draft before it is sent.
    Returns the framework, its criteria, the bidding suppliers and the second officer."""
    from registry.accounts.tables import OrganisationKind, Role
    from registry.tenders import opening
    from registry.tenders import service as tenders
    from tests.support import current, make_user

    framework, found = await open_for_tenders(officer, controlled_clock, lots=lots)
    suppliers = []
    for n in range(bidders):
        supplier = await current(await make_user(email=f"bids{n}@bidder{n}.example", roles=(Role.SUPPLIER,), kind=OrganisationKind.SUPPLIER))
        await registered(supplier, framework.reference)
        await complete_draft(supplier, framework.reference, 1, found, price=str(40000 + 5000 * n))
        if before_submitting is not None:
            await before_submitting(supplier, framework.reference, n)
        await tenders.submit(supplier, framework.reference, 1)
        suppliers.append(supplier)
    second = await colleague(officer, "second.officer@authority.example", (Role.PROCUREMENT_OFFICER,))
    await conflicts_assessed(officer, framework.reference)  # a new officer acting declares before the next move
    controlled_clock.set(TENDER_DEADLINE + timedelta(minutes=5))
    await opening.request(officer, framework.reference)
    await opening.confirm(second, framework.reference)
    return framework, found, suppliers, second
