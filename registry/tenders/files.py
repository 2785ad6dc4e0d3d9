"""The tender documents' files, for `registry files verify` (registry.files.storage)."""

from registry.files.storage import RecordedFile
from registry.tenders.tables import TenderDocument


async def recorded_files() -> list[RecordedFile]:
    rows = await TenderDocument.select(TenderDocument.id, TenderDocument.storage_key, TenderDocument.sha256)
    return [RecordedFile(f"tender document {row['id']}", row["storage_key"], row["sha256"]) for row in rows]
