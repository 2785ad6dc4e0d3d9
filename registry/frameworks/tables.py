from enum import StrEnum

from piccolo.columns import Array, Date, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table

from registry.accounts.tables import Organisation
from registry.files.columns import StoredFileColumns
from registry.frameworks.regimes import Regime


class State(StrEnum):
    DRAFT = "draft"
    PIN_PUBLISHED = "pin_published"
    RFI_OPEN = "rfi_open"
    RFI_CLOSED = "rfi_closed"
    ITT_PUBLISHED = "itt_published"
    TENDERS_CLOSED = "tenders_closed"
    TENDERS_OPENED = "tenders_opened"
    EVALUATION = "evaluation"
    MODERATION = "moderation"
    AWARD_APPROVED = "award_approved"
    STANDSTILL = "standstill"
    LIVE = "live"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class Procedure(StrEnum):
    """The procedure a framework follows (registry.frameworks.lifecycle.LIFECYCLES)."""

    STANDARD = "standard"


class CallOffRoute(StrEnum):
    DIRECT_AWARD = "direct_award"
    MINI_COMPETITION = "mini_competition"


class NoticeKind(StrEnum):
    """What a notice is; its name, code and source under each regime: registry.frameworks.notices."""

    MARKET_ENGAGEMENT = "market_engagement"  # England: the preliminary market engagement notice (UK2), when the RFI opens
    PIN = "pin"
    TENDER = "tender"
    AWARD = "award"  # England: the contract award notice (UK6), published when the bidders are told
    CANCELLATION = "cancellation"
    CONTRACT_DETAILS = "contract_details"  # England: the contract details notice (UK7), at appointment
    CONTRACT_CHANGE = "contract_change"  # an amendment once the framework is live: UK10 (England), modification notice (Scotland)


class Framework(Table):
    reference = Varchar(length=40, unique=True, index=True)
    title = Varchar(length=200)
    summary = Varchar(length=600, default="")
    description = Text(default="")
    authority = ForeignKey(references=Organisation, null=False)
    estimated_value = Integer(null=True, default=None)  # whole pounds sterling
    start_date = Date(null=True, default=None)
    duration_months = Integer(null=True, default=None)
    regime = Varchar(length=20, choices=Regime, default=Regime.SCOTLAND)
    call_off_routes = Array(base_column=Varchar(length=30), default=list)
    state = Varchar(length=30, choices=State, default=State.DRAFT, index=True)
    procedure = Varchar(length=30, default=Procedure.STANDARD)  # its stages and moves: registry.frameworks.lifecycle.LIFECYCLES
    rfi_closes_at = Timestamptz(null=True, default=None)
    clarification_deadline = Timestamptz(null=True, default=None)
    tender_deadline = Timestamptz(null=True, default=None)
    standstill_ends_at = Timestamptz(null=True, default=None)
    contact_name = Varchar(length=200, default="")  # the contact point the notices and the open data give
    contact_email = Varchar(length=254, default="")
    contact_telephone = Varchar(length=30, default="")
    cpv_codes = Array(base_column=Varchar(length=8), default=list)  # CPV 2008 codes, eight digits (registry.reference.cpv)
    # Procurement Reform (Scotland) Act 2014 s.25(3): the community benefit requirements the contract
    # notice summarises, or the reasons for including none (registry.frameworks.community_benefits)
    community_benefits = Text(default="")
    community_benefits_none_reason = Text(default="")
    created_at = Timestamptz()
    updated_at = Timestamptz()


class Lot(Table):
    framework = ForeignKey(references=Framework, null=False, on_delete=OnDelete.cascade)
    number = Integer()
    title = Varchar(length=200)
    scope = Text(default="")
    subject = Varchar(length=60, null=True, default=None)  # a lot_subjects code
    max_suppliers = Integer(null=True, default=None)
    estimated_value = Integer(null=True, default=None)  # whole pounds sterling: what call-offs under the lot may spend


class StageChange(Table):
    """Each move of a framework from one state to the next: the framework's timeline."""

    framework = ForeignKey(references=Framework, null=False, on_delete=OnDelete.cascade)
    from_state = Varchar(length=30)
    to_state = Varchar(length=30)
    changed_at = Timestamptz(index=True)
    actor_id = Integer(null=True, default=None)
    note = Text(null=True, default=None)


class Notice(Table):
    """A published statement about a framework. An amendment is a new version; old ones stay readable."""

    framework = ForeignKey(references=Framework, null=False, on_delete=OnDelete.cascade)
    kind = Varchar(length=20, choices=NoticeKind)
    version = Integer()
    title = Varchar(length=200)
    body = Text()
    change_summary = Text(null=True, default=None)
    published_at = Timestamptz()
    published_by = Integer(null=True, default=None)


class Document(StoredFileColumns, Table):
    """A file attached to a framework. The content lives outside the web root under `storage_key`."""

    framework = ForeignKey(references=Framework, null=False, on_delete=OnDelete.cascade)
    document_type = Varchar(length=40, default="biddingDocuments")  # from OCDS's documentType code list (documents.DOCUMENT_TYPES)


class EligibleAuthority(Table):
    """A contracting authority entitled to award call-offs under the framework (Procurement Act 2023
    s.45(5)(f); Public Contracts (Scotland) Regulations 2015 reg. 34(4)): a registered authority
    (`organisation`), or one named by the officer with its identifier when it is not registered. The
    framework's own authority is always entitled and is not listed here."""

    framework = ForeignKey(references=Framework, null=False, on_delete=OnDelete.cascade)
    organisation = ForeignKey(references=Organisation, null=True, default=None)
    name = Varchar(length=200)
    identifier = Varchar(length=100, default="")  # how it is known when not registered: e.g. its register number
