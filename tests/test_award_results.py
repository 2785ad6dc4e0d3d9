"""A lot's results, computed by the database: the formulas against hand-computed examples, gating,
ties, abnormally low prices, and a property test that the ranking does not depend on the order the
tenders were entered."""

import random
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from registry import clock, db
from registry.award import results
from registry.award.tables import AwardProposal
from registry.criteria import service as criteria
from registry.evaluation.tables import ModeratedScore
from registry.tenders.tables import Tender, TenderSubmission
from tests.awarding import SHARE, Bid, in_moderation, lot

# Scale 0 to 4, quality 60% / price 40%; "Reaching seldom-heard groups" weight 60 with minimum 2,
# "Your team" weight 40. So quality = (approach/4 × 60 + team/4 × 40) / 100 × 60 = 9 × approach + 6 × team points.
HAND_COMPUTED = [
    Bid("Alpha", "40000", approach=4, team=3),  # quality 54.00, price 30000/40000 × 40 = 30.00, total 84.00
    Bid("Beta", "50000", approach=4, team=4),  # quality 60.00, price 24.00, total 84.00: ties Alpha, wins on quality
    Bid("Gamma", "30000", approach=2, team=2),  # quality 30.00, price 40.00 (the lowest compliant price), total 70.00
    Bid("Delta", "10000", approach=3, team=3, insurance=False),  # excluded: failed the selection question; its price does not count
    Bid("Epsilon", "35000", approach=1, team=4),  # excluded: 1 is under the minimum of 2
    Bid("Zeta", "45000", approach=3, team=2),  # quality 39.00, price 26.666… → 26.67, total 65.67
]


async def lot_results(walked, number=1, share=SHARE):
    return await results.for_lot(await lot(walked, number), await criteria.scheme_of(walked.framework.id), share)


async def test_scores_ranks_and_exclusions_match_the_hand_computed_example(database, controlled_clock):
    walked = await in_moderation(controlled_clock, HAND_COMPUTED)
    found = await lot_results(walked)

    ranked = [(t.supplier, t.rank, str(t.quality), str(t.price_score), str(t.total)) for t in found.compliant]
    assert ranked == [
        ("Beta", 1, "60.00", "24.00", "84.00"),
        ("Alpha", 2, "54.00", "30.00", "84.00"),
        ("Gamma", 3, "30.00", "40.00", "70.00"),
        ("Zeta", 4, "39.00", "26.67", "65.67"),
    ]
    assert found.lowest_price_pence == 3_000_000  # Delta's £10,000 is excluded, so it does not set the price scale
    excluded = {t.supplier: t for t in found.excluded}
    assert set(excluded) == {"Delta", "Epsilon"}
    assert excluded["Delta"].reasons == ("Failed the selection question “Do you hold public liability insurance of at least £5 million?”",)
    assert excluded["Epsilon"].reasons == ("Scored 1 out of 4 on “Reaching seldom-heard groups”, under the minimum of 2",)
    assert excluded["Epsilon"].rank is None and excluded["Epsilon"].total is None and str(excluded["Epsilon"].quality) == "33.00"
    assert [t.supplier for t in found.tenders][-2:] == ["Delta", "Epsilon"]  # ranked first, then the excluded
    assert not found.flagged and found.median_price_pence == Decimal(4_250_000)  # median of 30, 40, 45 and 50 thousand
    beta = found.compliant[0]
    assert [(m.title, m.score, m.passed) for m in beta.marks] == [
        ("Do you hold public liability insurance of at least £5 million?", None, True),
        ("Reaching seldom-heard groups", 4, None),
        ("Your team", 4, None),
    ]
    assert beta.marks[1].rationale == "Consensus on approach for Beta."
    assert found.default_choice() == [walked.tenders[(name, 1)] for name in ("Beta", "Alpha", "Gamma", "Zeta")]


async def test_the_lot_is_computed_in_one_query(database, controlled_clock, monkeypatch):
    walked = await in_moderation(controlled_clock, HAND_COMPUTED)
    the_lot, scheme = await lot(walked, 1), await criteria.scheme_of(walked.framework.id)
    queries = []
    original = results.LotModeration.raw

    def counting_raw(sql, *args):
        queries.append(sql)
        return original(sql, *args)

    monkeypatch.setattr(results.LotModeration, "raw", counting_raw)
    found = await results.for_lot(the_lot, scheme, SHARE)
    assert len(found.tenders) == 6 and len(queries) == 1 and "RANK() OVER" in queries[0]


async def test_a_price_under_the_share_of_the_median_is_flagged_abnormally_low(database, controlled_clock):
    walked = await in_moderation(controlled_clock, HAND_COMPUTED)
    at_default = await lot_results(walked)
    assert not at_default.flagged  # 0.7 × £42,500 = £29,750, and the lowest is £30,000
    stricter = await lot_results(walked, share=0.75)  # 0.75 × £42,500 = £31,875
    assert [t.supplier for t in stricter.flagged] == ["Gamma"]
    assert stricter.compliant[2].rank == 3  # flagged, not excluded: the officer investigates


async def test_an_odd_number_of_prices_has_the_middle_one_as_median(database, controlled_clock):
    walked = await in_moderation(controlled_clock, [Bid("Alpha", "20000"), Bid("Beta", "40000"), Bid("Gamma", "45000")])
    found = await lot_results(walked)
    assert found.median_price_pence == Decimal(4_000_000) and [t.supplier for t in found.flagged] == ["Alpha"]  # under £28,000


async def test_a_tender_without_a_valid_price_is_excluded_with_the_reason(database, controlled_clock):
    walked = await in_moderation(controlled_clock, [Bid("Alpha", "20000"), Bid("Beta", "40000")])
    await TenderSubmission.update({TenderSubmission.price_pence: None}).where(TenderSubmission.tender == walked.tenders[("Beta", 1)])
    found = await lot_results(walked)
    assert [t.supplier for t in found.compliant] == ["Alpha"] and found.excluded[0].reasons == ("The tender has no valid price",)


async def test_a_missing_consensus_is_reported(database, controlled_clock):
    walked = await in_moderation(controlled_clock, [Bid("Alpha", "20000"), Bid("Beta", "40000", team=None)])
    found = await lot_results(walked)
    assert [(t.supplier, t.missing) for t in found.incomplete] == [("Beta", ("Your team",))]


# --- Property: the ranking does not depend on the order the tenders were entered -------------------


def hundredths(value: Fraction) -> int:
    """A number of points in hundredths, halves rounded up."""
    return int((Decimal(value.numerator) * 100 / Decimal(value.denominator)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def oracle(specs: list[tuple[str, int, int, bool, int]]) -> dict[str, tuple]:
    """The same rules in plain Python, with exact fractions: supplier -> (rank, quality, price score, total)."""
    compliant = [s for s in specs if s[3] and s[1] >= 2]
    lowest = min((s[4] for s in compliant), default=None)
    scored = {}
    for name, approach, team, insurance, price in specs:
        quality = hundredths(Fraction((60 * approach + 40 * team) * 60, 4 * 100))
        if (name, approach, team, insurance, price) in compliant:
            price_score = hundredths(Fraction(lowest * 40, price))
            scored[name] = [None, quality, price_score, quality + price_score]
        else:
            scored[name] = [None, quality, None, None]
    for name, values in scored.items():
        if values[3] is not None:
            values[0] = 1 + sum(1 for other in scored.values() if other[3] is not None and (other[3], other[1]) > (values[3], values[1]))
    return {name: tuple(values) for name, values in scored.items()}


async def enter_in_order(walked, specs, order) -> None:
    """Replace the lot's tenders with `specs`, entered in `order` (so their ids follow it)."""
    the_lot = await lot(walked, 1)
    organisations = {name: user.organisation_id for name, user in walked.suppliers.items()}
    now = clock.now()
    async with db.transaction():  # one commit, not dozens: the test stays quick
        await Tender.delete().where(Tender.lot == the_lot.id)
        for index in order:
            name, approach, team, insurance, price = specs[index]
            tender = Tender(framework=walked.framework.id, lot=the_lot.id, organisation=organisations[name], status="submitted", created_at=now, updated_at=now)
            await tender.save()
            await TenderSubmission.insert(TenderSubmission(tender=tender.id, number=1, content="{}", sha256="0" * 64, price_pence=price, received_at=now))
            for key, value in (("insurance", insurance), ("approach", approach), ("team", team)):
                row = ModeratedScore(tender=tender.id, criterion=walked.found[key].id, rationale="", moderated_by=walked.officer.id, moderated_at=now)
                if key == "insurance":
                    row.passed = value
                else:
                    row.score = value
                await row.save()


async def test_ranking_does_not_depend_on_the_order_tenders_were_entered(database, controlled_clock):
    names = ["Alpha", "Beta", "Gamma", "Delta", "Epsilon", "Zeta"]
    walked = await in_moderation(controlled_clock, [Bid(name, "10000") for name in names])
    assert not await AwardProposal.exists()
    generator = random.Random(20270323)
    for _ in range(12):
        specs = [
            (name, generator.randint(0, 4), generator.randint(0, 4), generator.random() > 0.15, generator.choice([2_500_000, 3_000_000, 3_333_333, 4_000_000, 4_500_000, 5_000_000, 6_000_000]))
            for name in names
        ]
        expected = oracle(specs)
        seen = []
        for order in (list(range(len(specs))), list(reversed(range(len(specs)))), generator.sample(range(len(specs)), len(specs))):
            await enter_in_order(walked, specs, order)
            found = await lot_results(walked)
            by_supplier = {t.supplier: (t.rank, int(t.quality * 100), None if t.price_score is None else int(t.price_score * 100), None if t.total is None else int(t.total * 100)) for t in found.tenders}
            assert by_supplier == expected, (specs, order)
            seen.append([t.supplier for t in found.tenders])
        assert seen[0] == seen[1] == seen[2]  # even the listed order (ties by name) is the same
