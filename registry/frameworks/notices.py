"""The notices each regime publishes, as its law names them: for each kind of notice the registry
publishes (tables.NoticeKind), its name, its code where the law gives one, the provision that requires
it, and how its OCDS release says what it is. Every page, email, calendar entry and release that
names a notice asks here (`notice_type`), so that an England framework's tender notice is the
"UK4 tender notice" everywhere and a Scottish one's the "contract notice".

England's codes are those of the Procurement Act 2023 notices as Find a Tender publishes them (the
Cabinet Office's "Changes to published notices", find-tender.service.gov.uk). Find a Tender's OCDS
gives each notice's document a `documentType` and, through the Cabinet Office's UK extension
(cabinetoffice/ocds_uk_extension), a `noticeType` with the code. The registry declares no UK
extension (it depends on nine others the registry does not publish), so the code goes in the
document's title, and the documentType is the standard 1.1.5 code nearest Find a Tender's: docs/regimes.md,
"The notices of each regime"."""

from dataclasses import dataclass

from registry.frameworks.regimes import Regime
from registry.frameworks.tables import NoticeKind


@dataclass(frozen=True)
class NoticeType:
    name: str  # as the law names it, in sentence case: "tender notice"
    source: str  # the provision that requires it
    document_type: str  # OCDS 1.1.5 documentType of the notice's document
    code: str = ""  # England: the notice's code on Find a Tender ("UK4")

    @property
    def title(self) -> str:
        """How a page or a release heads it: "UK4 tender notice", "Contract notice"."""
        return f"{self.code} {self.name}" if self.code else self.name[0].upper() + self.name[1:]

    @property
    def in_sentence(self) -> str:
        """As a sentence names it after "the": "UK4 tender notice", "contract notice"."""
        return f"{self.code} {self.name}" if self.code else self.name

    @property
    def described(self) -> str:
        """Its title and source, for officers and the public: "UK4 tender notice (Procurement Act 2023 s.21)"."""
        return f"{self.title} ({self.source})"


NOTICES: dict[Regime, dict[NoticeKind, NoticeType]] = {
    Regime.ENGLAND: {
        # s.17(1): an authority that carries out preliminary market engagement publishes a notice of it
        # before the tender notice (or says in the tender notice why not, s.17(2)); the RFI is that engagement.
        NoticeKind.MARKET_ENGAGEMENT: NoticeType("preliminary market engagement notice", "Procurement Act 2023 s.17", "plannedProcurementNotice", "UK2"),
        NoticeKind.PIN: NoticeType("planned procurement notice", "Procurement Act 2023 s.15", "plannedProcurementNotice", "UK3"),
        NoticeKind.TENDER: NoticeType("tender notice", "Procurement Act 2023 s.21", "tenderNotice", "UK4"),
        NoticeKind.AWARD: NoticeType("contract award notice", "Procurement Act 2023 s.50", "awardNotice", "UK6"),
        NoticeKind.CONTRACT_DETAILS: NoticeType("contract details notice", "Procurement Act 2023 s.53", "contractNotice", "UK7"),
        NoticeKind.CONTRACT_CHANGE: NoticeType("contract change notice", "Procurement Act 2023 s.75", "contractNotice", "UK10"),
        NoticeKind.CANCELLATION: NoticeType("procurement termination notice", "Procurement Act 2023 s.55", "cancellationDetails", "UK12"),
    },
    Regime.SCOTLAND: {
        NoticeKind.PIN: NoticeType("prior information notice", "Public Contracts (Scotland) Regulations 2015 reg. 48", "plannedProcurementNotice"),
        NoticeKind.TENDER: NoticeType("contract notice", "Public Contracts (Scotland) Regulations 2015 reg. 49", "tenderNotice"),
        NoticeKind.AWARD: NoticeType("contract award notice", "Public Contracts (Scotland) Regulations 2015 reg. 50", "awardNotice"),
        NoticeKind.CONTRACT_CHANGE: NoticeType("modification notice", "Public Contracts (Scotland) Regulations 2015 reg. 72", "contractNotice"),
        # No notice of its own for an abandoned procurement was found in PCSR 2015 (docs/regimes.md says what
        # was read): the registry still publishes one, so that the contract notice does not look open.
        NoticeKind.CANCELLATION: NoticeType("cancellation notice", "Public Contracts (Scotland) Regulations 2015: no notice of its own", "cancellationDetails"),
    },
}


def notice_type(regime: str, kind: str) -> NoticeType:
    return NOTICES[Regime(regime)][NoticeKind(kind)]


def publishes(regime: str, kind: NoticeKind) -> bool:
    """Whether the regime has that notice at all (Scotland has no preliminary market engagement notice)."""
    return kind in NOTICES[Regime(regime)]


def titles(regime: str) -> dict[str, str]:
    """Each kind's title under the regime, for templates that list notices."""
    return {str(kind): notice.title for kind, notice in NOTICES[Regime(regime)].items()}
