"""What an officer may withhold from the award letters, per regime, and how a letter says so.

The letters tell every bidder about the tenders to be appointed: each criterion's consensus score
and its reasons (England: the assessment summary, Procurement Regulations 2024 reg. 31(2)(e) and
(3); Scotland: the characteristics and relative advantages of the successful tender, PCSR 2015
reg. 85(2)(d)(ii)). Before the letters are sent, an officer may withhold a part whose disclosure
would prejudice a supplier's commercial interests, giving the reason; the letter then says that it
is withheld and why, in its place.

- England: the authority need not disclose information under the Act that is sensitive commercial
  information (a trade secret, or information whose disclosure would be likely to prejudice anyone's
  commercial interests) where there is an overriding public interest in withholding it; it then
  tells those who would have received it that information is withheld, and on which ground
  (Procurement Act 2023 s.94(1)(b), (2) and (3)). Any part of the summary may be withheld: a
  criterion's reasons or its score.
- Scotland: the authority may withhold information about the award decision whose release would
  prejudice the legitimate commercial interests of an economic operator (PCSR 2015 reg. 56(4)).
  That reaches the characteristics and relative advantages of the successful tender (reg. 56(3)(c)),
  so a criterion's reasons may be withheld; the score of each supplier to become party to the
  framework is in the notice of the award decision (reg. 85(2)(c)), and no provision read for this
  change lets it be withheld: a score stays."""

from dataclasses import dataclass

from registry.award.tables import WithheldPart
from registry.frameworks.regimes import Regime


@dataclass(frozen=True)
class WithholdingRules:
    source: str  # the provision that allows withholding, as officers and bidders read it
    parts: tuple[WithheldPart, ...]  # what may be withheld
    score_stays: str = ""  # why a score may not be withheld, where it may not


RULES = {
    Regime.ENGLAND: WithholdingRules(source="Procurement Act 2023 s.94(1)(b)", parts=(WithheldPart.RATIONALE, WithheldPart.SCORE)),
    Regime.SCOTLAND: WithholdingRules(
        source="PCSR 2015 reg. 56(4)", parts=(WithheldPart.RATIONALE,),
        score_stays=(
            "A score cannot be withheld: the notice of the award decision gives the score of each supplier to become party "
            "to the framework (PCSR 2015 reg. 85(2)(c)); only a criterion's reasons may be withheld (reg. 56(4))"
        ),
    ),
}

PART_NAMES = {WithheldPart.RATIONALE: "reasoning", WithheldPart.SCORE: "score"}


def withheld_text(reason: str) -> str:
    """What a letter says in place of a withheld part."""
    return f"Withheld: commercially sensitive ({reason})"


def withheld_marks(marks: list[dict], withheld: dict[tuple[int, str], str]) -> list[dict]:
    """A tender's marks as the letters give them: each withheld part (by criterion and part) left out,
    with the reason in `rationale_withheld` or `score_withheld`. The letter never holds the withheld text."""
    shown = []
    for mark in marks:
        mark = dict(mark)
        for part in WithheldPart:
            reason = withheld.get((mark["criterion_id"], str(part)))
            if reason is not None:
                mark[str(part)] = None
                mark[f"{part}_withheld"] = reason
        shown.append(mark)
    return shown
