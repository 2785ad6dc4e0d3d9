"""A mini-competition's arithmetic: each response's quality score, price score, total and rank.

Quality = Σ criterion weight × score ÷ 5; price score = price weight × lowest price ÷ the response's
price. Each is rounded to two decimal places and the total is the sum of the rounded scores."""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

SCALE_MAX = 5
RULES = (
    f"Each criterion is scored from 0 to {SCALE_MAX}. Quality score: the sum, over the criteria, of the criterion's weight × score ÷ {SCALE_MAX}.",
    "Price score: the price weight × the lowest price received ÷ the response's price.",
    "Each score is rounded to two decimal places; the total is the sum of the rounded scores.",
    "Where totals are equal, the response with the higher quality score ranks higher, then the lower price.",
)


@dataclass(frozen=True)
class Response:
    """A response to score: its price, and its scores so far by criterion id."""

    invitation_id: int
    supplier: str
    price_pence: int
    scores: dict[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Ranked:
    invitation_id: int
    supplier: str
    price_pence: int
    quality: Decimal
    price_score: Decimal
    total: Decimal
    rank: int


def _two_places(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def quality_score(weights: dict[int, int], scores: dict[int, int]) -> Decimal:
    return _two_places(sum((Decimal(weight) * scores[criterion] / SCALE_MAX for criterion, weight in weights.items()), Decimal(0)))


def price_score(price_weight: int, lowest_pence: int, price_pence: int) -> Decimal:
    return _two_places(Decimal(price_weight) * lowest_pence / price_pence)


def rank(responses: list[Response], weights: dict[int, int], price_weight: int) -> tuple[list[Ranked], list[Response]]:
    """The responses scored on every criterion, best first, and those not yet fully scored. The
    lowest price is the lowest of all the responses, scored or not."""
    if not responses:
        return [], []
    lowest = min(response.price_pence for response in responses)
    complete = [r for r in responses if all(criterion in r.scores for criterion in weights)]
    incomplete = [r for r in responses if r not in complete]
    scored = []
    for response in complete:
        quality = quality_score(weights, response.scores)
        price = price_score(price_weight, lowest, response.price_pence)
        scored.append((quality + price, quality, price, response))
    scored.sort(key=lambda item: (-item[0], -item[1], item[3].price_pence, item[3].supplier))
    ranked = [
        Ranked(r.invitation_id, r.supplier, r.price_pence, quality, price, total, position)
        for position, (total, quality, price, r) in enumerate(scored, start=1)
    ]
    return ranked, incomplete
