from enum import StrEnum

from piccolo.columns import BigInt, Boolean, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table

from registry.accounts.tables import Organisation
from registry.files.columns import StoredFileColumns
from registry.frameworks.tables import Framework, Lot


class TenderStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"


class Tender(Table):
    """A supplier organisation's tender for one lot. The working draft lives here; what was sent
    lives in TenderSubmission, sealed until the tenders are opened."""

    framework = ForeignKey(references=Framework, null=False, on_delete=OnDelete.cascade)
    lot = ForeignKey(references=Lot, null=False, on_delete=OnDelete.cascade)
    organisation = ForeignKey(references=Organisation, null=False, on_delete=OnDelete.cascade)
    status = Varchar(length=20, choices=TenderStatus, default=TenderStatus.DRAFT)
    draft = Text(default="{}")  # JSON: selection, quality, price, declarations
    created_at = Timestamptz()
    updated_at = Timestamptz()


class TenderDocument(StoredFileColumns, Table):
    """A file attached to a tender. Once part of a submission it is never deleted, only taken off the draft.
    `priced`: the supplier says it contains prices, so it is kept from the quality evaluators with the
    price (registry.tenders.sealing)."""

    tender = ForeignKey(references=Tender, null=False, on_delete=OnDelete.cascade)
    removed_at = Timestamptz(null=True, default=None)
    priced = Boolean(default=False)


class TenderSubmission(Table):
    """What a supplier sent, exactly: the canonical JSON, its SHA-256 and the server's time of receipt.
    Each is kept; the newest one that is neither superseded nor withdrawn counts."""

    tender = ForeignKey(references=Tender, null=False, on_delete=OnDelete.cascade)
    number = Integer()
    content = Text()
    sha256 = Varchar(length=64, index=True)
    price_pence = BigInt(null=True, default=None)  # the content's price, for scoring in SQL; sealed like the rest
    received_at = Timestamptz()
    submitted_by = Integer(null=True, default=None)
    superseded_at = Timestamptz(null=True, default=None)
    withdrawn_at = Timestamptz(null=True, default=None)

    @classmethod
    def counting(cls):
        """The condition that picks the submissions that count: neither superseded nor withdrawn."""
        return cls.superseded_at.is_null() & cls.withdrawn_at.is_null()


class TenderOpening(Table):
    """The formal opening of a framework's tenders: one procurement officer requests, another confirms."""

    framework = ForeignKey(references=Framework, null=False, unique=True, on_delete=OnDelete.cascade)
    requested_by = Integer()
    requested_at = Timestamptz()
    confirmed_by = Integer(null=True, default=None)
    confirmed_at = Timestamptz(null=True, default=None)


class CoreInformationCheck(Table):
    """A procurement officer's record that a tender's supplier has shared its core supplier information
    through the Central Digital Platform, under the PPON and share code recorded here (Procurement
    Regulations 2024 reg. 6; registry.tenders.core_information). One for the submission that counts.
    `obtained_later`: the tender did not carry them, and the officer obtained them after the tendering
    period because the platform was not working (reg. 7(1)-(3))."""

    submission = ForeignKey(references=TenderSubmission, null=False, unique=True, on_delete=OnDelete.cascade)
    ppon = Varchar(length=20, default="")
    share_code = Varchar(length=40, default="")
    obtained_later = Boolean(default=False)
    checked_by = Integer()
    checked_at = Timestamptz()
