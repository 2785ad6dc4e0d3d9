"""Documents attached to a framework: the type is decided by the file's content, never its name;
files are stored outside the web root under a random name and served as downloads."""

import hashlib
import io
import re
import uuid
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from litestar.datastructures import UploadFile

from registry import clock, db
from registry.accounts.auth import CurrentUser
from registry.audit import service as audit
from registry.frameworks.service import FrameworkError, check_officer, get
from registry.frameworks.tables import Document, State

MAX_BYTES = 20 * 1024 * 1024
KINDS = {
    "pdf": ("application/pdf", "PDF"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word (DOCX)"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel (XLSX)"),
    "odt": ("application/vnd.oasis.opendocument.text", "OpenDocument text (ODT)"),
    "csv": ("text/csv", "CSV"),
}
ALLOWED_WORDS = "a PDF, DOCX, XLSX, ODT or CSV file"
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"


def sniff(data: bytes) -> str | None:
    """The kind of document the bytes are, or None when they are none of the allowed kinds."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
                if "word/document.xml" in names and "[Content_Types].xml" in names:
                    return "docx"
                if "xl/workbook.xml" in names and "[Content_Types].xml" in names:
                    return "xlsx"
                if "mimetype" in names:
                    # Read only as many bytes as the answer needs: the entry may inflate to gigabytes (a zip bomb).
                    with archive.open("mimetype") as entry:
                        if entry.read(len(ODT_MIMETYPE) + 2).strip() == ODT_MIMETYPE:
                            return "odt"
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError):  # broken, truncated, encrypted or oddly compressed
            return None
        return None
    if b"\x00" in data:
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "csv"


def safe_filename(filename: str, kind: str) -> str:
    stem = Path(filename.replace("\\", "/")).name.rsplit(".", 1)[0]
    stem = re.sub(r"[^A-Za-z0-9._ -]+", "", stem).strip(" .") or "document"
    return f"{stem[:80]}.{kind}"


class DocumentRejected(ValueError):
    """The file cannot be kept; the message says why, in words for the person who chose it."""


@dataclass(frozen=True)
class StoredFile:
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    storage_key: str


@contextmanager
def stored(data: bytes, filename: str, files_dir: Path) -> Iterator[StoredFile]:
    """Check the file by its content and write it under a random name; if the block that records
    it fails, the file is removed again, so nothing is left behind."""
    if not data:
        raise DocumentRejected("The selected file is empty")
    if len(data) > MAX_BYTES:
        raise DocumentRejected("The selected file must be smaller than 20 MB")
    kind = sniff(data)
    if kind is None:
        raise DocumentRejected(f"The selected file must be {ALLOWED_WORDS}")
    stored_file = StoredFile(
        filename=safe_filename(filename, kind), content_type=KINDS[kind][0], size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(), storage_key=uuid.uuid4().hex,
    )
    files_dir.mkdir(parents=True, exist_ok=True)
    path = files_dir / stored_file.storage_key
    path.write_bytes(data)
    try:
        yield stored_file
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def read_upload(form) -> tuple[str, UploadFile | None, dict[str, str]]:
    """The title and file of a document upload form, and what is wrong with them."""
    title = str(form.get("title") or "").strip()
    upload = form.get("file")
    errors = {}
    if not title:
        errors["title"] = "Enter a title for the document"
    elif len(title) > 200:
        errors["title"] = "Title must be 200 characters or fewer"
    if not isinstance(upload, UploadFile) or not upload.filename:
        errors["file"] = "Select a file"
        upload = None
    return title, upload, errors


async def attach(user: CurrentUser, reference: str, *, title: str, filename: str, data: bytes, files_dir: Path) -> Document:
    framework = await get(reference)
    if framework is None:
        raise FrameworkError(f"There is no framework {reference}")
    check_officer(user, framework)
    if framework.state in (State.CANCELLED, State.EXPIRED):
        raise FrameworkError("Documents cannot be added to a cancelled or expired framework")
    try:
        with stored(data, filename, files_dir) as file:
            async with db.transaction():
                document = Document(framework=framework.id, title=title, uploaded_at=clock.now(), uploaded_by=user.id, **asdict(file))
                await document.save()
                await audit.record(
                    "document.attached", actor=user.actor, object_type="framework", object_id=reference,
                    payload={"title": title, "filename": document.filename, "sha256": document.sha256, "bytes": len(data)},
                )
    except DocumentRejected as rejected:
        raise FrameworkError(str(rejected)) from None
    return document


async def for_framework(framework_id: int) -> list[Document]:
    return await Document.objects().where(Document.framework == framework_id).order_by(Document.uploaded_at)


async def find(framework_id: int, document_id: int) -> Document | None:
    return await Document.objects().where((Document.framework == framework_id) & (Document.id == document_id)).first()


def read(document: Document, files_dir: Path) -> bytes:
    return (files_dir / document.storage_key).read_bytes()
