"""Uploaded documents are on the disk for good before their row is committed, a failed write leaves
nothing behind, and `registry files verify` finds any file and row that do not match."""

import hashlib
import os

import pytest

from registry.frameworks import documents
from registry.frameworks.tables import Document
from registry.tenders import service as tenders
from registry.tenders.tables import TenderDocument
from tests.support import officer_and_supplier
from tests.test_cli import run_registry
from tests.test_frameworks import draft_with_lots
from tests.tendering import open_for_tenders, registered

PDF = b"%PDF-1.4\nTerms of reference\n%%EOF\n"


class DiskFailure(OSError):
    pass


def fail_at(monkeypatch, step: str, events: list) -> None:
    """Make one step of writing a file fail as a failing disk would: the file's fsync, its rename
    into place, or the directory's fsync (an fsync of a directory is told apart by its descriptor)."""
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(descriptor: int) -> None:
        is_directory = os.path.isdir(f"/proc/self/fd/{descriptor}")
        events.append("fsync directory" if is_directory else "fsync file")
        if step == ("fsync directory" if is_directory else "fsync file"):
            raise DiskFailure(5, "Input/output error")
        real_fsync(descriptor)

    def replace(source, target) -> None:
        events.append("rename")
        if step == "rename":
            raise DiskFailure(5, "Input/output error")
        real_replace(source, target)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)


async def attach(officer, framework, settings):
    return await documents.attach(officer, framework.reference, title="Terms", filename="terms.pdf", data=PDF, files_dir=settings.files_dir)


@pytest.mark.parametrize("step", ["fsync file", "rename", "fsync directory"])
async def test_a_document_whose_write_fails_leaves_no_file_and_no_row(database, settings, monkeypatch, step):
    officer, _ = await officer_and_supplier()
    framework = await draft_with_lots(officer)
    settings.files_dir.mkdir(parents=True)
    events: list = []
    fail_at(monkeypatch, step, events)
    with pytest.raises(DiskFailure):
        await attach(officer, framework, settings)
    assert step in events, "the write reached the failing step"
    assert await Document.count() == 0
    assert list(settings.files_dir.iterdir()) == []


async def test_a_document_is_flushed_to_the_disk_and_renamed_into_place_before_its_row_commits(database, settings, monkeypatch):
    officer, _ = await officer_and_supplier()
    framework = await draft_with_lots(officer)
    settings.files_dir.mkdir(parents=True)
    events: list = []
    fail_at(monkeypatch, "none", events)
    real_save = Document.save

    def save(self, *args, **kwargs):
        events.append("row")
        assert (settings.files_dir / self.storage_key).read_bytes() == PDF
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(Document, "save", save)
    document = await attach(officer, framework, settings)
    assert events == ["fsync file", "rename", "fsync directory", "row"]
    assert [path.name for path in settings.files_dir.iterdir()] == [document.storage_key]


async def test_a_document_whose_row_cannot_be_stored_leaves_no_file(database, settings, controlled_clock, monkeypatch):
    officer, supplier = await officer_and_supplier()
    framework, _ = await open_for_tenders(officer, controlled_clock)
    await registered(supplier, framework.reference)

    async def refuse(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(tenders.audit, "record", refuse)
    with pytest.raises(RuntimeError):
        await tenders.attach_document(supplier, framework.reference, 1, title="Method", filename="method.pdf", data=PDF, files_dir=settings.files_dir)
    assert await TenderDocument.count() == 0
    assert list(settings.files_dir.iterdir()) == []


async def test_files_verify_names_missing_changed_and_unrecorded_files(database, database_url, settings, controlled_clock):
    officer, supplier = await officer_and_supplier()
    framework, _ = await open_for_tenders(officer, controlled_clock)
    await registered(supplier, framework.reference)
    kept = await attach(officer, framework, settings)
    lost = await documents.attach(officer, framework.reference, title="Lost", filename="lost.pdf", data=PDF + b"1", files_dir=settings.files_dir)
    changed = await tenders.attach_document(
        supplier, framework.reference, 1, title="Method", filename="method.pdf", data=PDF + b"2", files_dir=settings.files_dir,
    )
    env = {"REGISTRY_DATABASE_URL": database_url, "REGISTRY_FILES_DIR": str(settings.files_dir)}

    intact = run_registry("files", "verify", env=env)
    assert intact.returncode == 0, intact.stderr
    assert intact.stdout == f"3 documents checked in {settings.files_dir}: every file is present and matches its SHA-256.\n"

    (settings.files_dir / lost.storage_key).unlink()
    (settings.files_dir / changed.storage_key).write_bytes(PDF + b"tampered")
    (settings.files_dir / "0123abcd").write_bytes(b"left behind")
    broken = run_registry("files", "verify", env=env)
    assert broken.returncode == 1
    tampered = hashlib.sha256(PDF + b"tampered").hexdigest()
    assert broken.stdout.splitlines() == [
        f"missing: framework document {lost.id} ({lost.storage_key}) has no file",
        f"changed: tender document {changed.id} ({changed.storage_key}): the file's SHA-256 is {tampered}, the row's {changed.sha256}",
        "unrecorded: 0123abcd is a file without a row",
    ]
    assert broken.stderr.strip().splitlines()[-1] == (
        f"registry: 3 documents checked in {settings.files_dir}: 1 missing, 1 changed, 1 file without a row"
    )
    assert kept.storage_key not in broken.stdout
