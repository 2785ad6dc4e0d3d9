"""Files people upload (framework documents, tender documents): checked by their content, kept
under a random name, written durably, and verified against the rows that record them
(`registry files verify`). Each domain keeps its own table of what the files are."""

import asyncio
import hashlib
import io
import os
import re
import uuid
import zipfile
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from litestar.datastructures import UploadFile

from registry.errors import RuleBroken


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


class DocumentRejected(RuleBroken):
    """The file cannot be kept; the message says why, in words for the person who chose it."""

    field = "file"


@dataclass(frozen=True)
class StoredFile:
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    storage_key: str


@asynccontextmanager
async def stored(data: bytes, filename: str, files_dir: Path) -> AsyncIterator[StoredFile]:
    """Check the file by its content and write it under a random name, durably (`write_durably`),
    before the block records it: a row is committed only for a file already safe on the disk. If
    the block fails, the file is removed again, so nothing is left behind."""
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
    # In a thread: flushing 20 MB to the disk can take a while, and other requests go on meanwhile.
    path = await asyncio.to_thread(write_durably, files_dir, stored_file.storage_key, data)
    try:
        yield stored_file
    except BaseException:
        path.unlink(missing_ok=True)
        raise
PARTIAL_SUFFIX = ".partial"


def write_durably(directory: Path, name: str, data: bytes) -> Path:
    """Write `data` to `directory/name` so that it survives a crash or power loss once this returns:
    to a temporary file beside it, flushed to the disk (fsync), renamed into place, and the
    directory's new entry flushed too. A failure at any step leaves neither file behind."""
    if not directory.is_dir():
        directory.mkdir(parents=True, exist_ok=True)
        _flush_directory(directory.parent)
    final = directory / name
    partial = directory / f".{name}{PARTIAL_SUFFIX}"
    try:
        with open(partial, "xb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, final)
        _flush_directory(directory)
    except BaseException:
        partial.unlink(missing_ok=True)
        final.unlink(missing_ok=True)
        raise
    return final


def _flush_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


@dataclass(frozen=True)
class RecordedFile:
    """A row that says a file is kept: what it is, for the report, and the SHA-256 it must have."""

    description: str  # "framework document 3"
    storage_key: str
    sha256: str


@dataclass
class FilesReport:
    checked: int = 0
    missing: list[RecordedFile] = field(default_factory=list)
    changed: list[tuple[RecordedFile, str]] = field(default_factory=list)  # and the file's own SHA-256
    unrecorded: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not (self.missing or self.changed or self.unrecorded)


def verify_files(files_dir: Path, recorded: list[RecordedFile]) -> FilesReport:
    """Compare the files directory with the rows that record its files: rows without a file, files
    whose SHA-256 is not their row's, and files without a row (an unfinished write's temporary file
    among them)."""
    report = FilesReport(checked=len(recorded))
    present = {path.name for path in files_dir.iterdir() if path.is_file()} if files_dir.is_dir() else set()
    for row in sorted(recorded, key=lambda row: row.description):
        if row.storage_key not in present:
            report.missing.append(row)
            continue
        digest = _sha256_of(files_dir / row.storage_key)
        if digest != row.sha256:
            report.changed.append((row, digest))
    report.unrecorded = sorted(present - {row.storage_key for row in recorded})
    return report


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


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
