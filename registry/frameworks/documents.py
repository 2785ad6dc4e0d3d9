"""Documents attached to a framework: the type is decided by the file's content, never its name;
files are stored outside the web root under a random name and served as downloads. Every file is
on the disk for good before the row that records it is committed (tenders' documents are stored the
same way), and `registry files verify` checks the files against their rows."""

from dataclasses import asdict
from pathlib import Path

from registry import clock
from registry.accounts.auth import CurrentUser
from registry.audit import service as audit
from registry.frameworks import lifecycle, stages
from registry.frameworks.service import FrameworkError, for_officer
from registry.frameworks.tables import Document, State
from registry.files.storage import DocumentRejected, RecordedFile, stored

# What a framework's document may be, from OCDS's documentType code list (its code and its title there).
DOCUMENT_TYPES = {
    "biddingDocuments": "Bidding documents",
    "technicalSpecifications": "Technical specifications",
    "evaluationCriteria": "Evaluation criteria",
    "eligibilityCriteria": "Eligibility criteria",
    "contractDraft": "Contract draft",
    "contractSchedule": "Contract schedules",
    "marketStudies": "Market studies",
    "needsAssessment": "Needs assessment",
    "conflictOfInterest": "Conflict of interest",
    "illustration": "Illustrations",
}
DEFAULT_DOCUMENT_TYPE = "biddingDocuments"


async def recorded_files() -> list[RecordedFile]:
    """The framework documents' rows (the tenders package adds its own: registry.cli)."""
    rows = await Document.select(Document.id, Document.storage_key, Document.sha256)
    return [RecordedFile(f"framework document {row['id']}", row["storage_key"], row["sha256"]) for row in rows]


def read_document_type(form) -> tuple[str, dict[str, str]]:
    """The kind of document the officer says it is (a documentType code), and what is wrong with it."""
    chosen = str(form.get("document_type") or DEFAULT_DOCUMENT_TYPE)  # the select always sends one; a bare post gets the default
    if chosen not in DOCUMENT_TYPES:
        return chosen, {"document_type": "Select what kind of document it is"}
    return chosen, {}


async def attach(
    user: CurrentUser, reference: str, *, title: str, filename: str, data: bytes, files_dir: Path, document_type: str = DEFAULT_DOCUMENT_TYPE,
) -> Document:
    """Keep a document of the framework. Once the framework is published, the document is too: on
    its page, and in the open data as a release of its own."""
    if document_type not in DOCUMENT_TYPES:
        raise FrameworkError("Select what kind of document it is")
    framework = await for_officer(user, reference)
    if framework.state in lifecycle.lifecycle_of(framework).finished:
        raise FrameworkError("Documents cannot be added to a cancelled or expired framework")
    try:
        async with stored(data, filename, files_dir) as file:
            async with audit.action("attach"):
                document = Document(
                    framework=framework.id, title=title, document_type=document_type, uploaded_at=clock.now(), uploaded_by=user.id, **asdict(file),
                )
                await document.save()
                await audit.record(
                    "document.attached", actor=user.actor, object_type="framework", object_id=reference,
                    payload={"title": title, "filename": document.filename, "sha256": document.sha256, "bytes": len(data), "type": document_type},
                )
                if framework.state != State.DRAFT:  # a draft's documents are published with its first notice
                    await stages.document_published.run(framework, document)  # its OCDS release
    except DocumentRejected as rejected:
        raise FrameworkError(str(rejected)) from None
    return document


async def for_framework(framework_id: int) -> list[Document]:
    return await Document.objects().where(Document.framework == framework_id).order_by(Document.uploaded_at)


async def find(framework_id: int, document_id: int) -> Document | None:
    return await Document.objects().where((Document.framework == framework_id) & (Document.id == document_id)).first()


def read(document: Document, files_dir: Path) -> bytes:
    return (files_dir / document.storage_key).read_bytes()
