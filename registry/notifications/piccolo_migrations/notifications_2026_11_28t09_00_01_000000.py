from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-28T09:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "Tender receipts and withdrawals queued before: sealed under their framework"


async def mark_tender_emails() -> None:
    """Receipts and withdrawals queued before this column existed get their framework's mark."""
    from registry.notifications.tables import Notification

    rows = await Notification.select(Notification.id, Notification.subject).where(
        Notification.subject.like("% lot %: tender received") | Notification.subject.like("% lot %: tender withdrawn")
    )
    for row in rows:
        reference = row["subject"].split(" ", 1)[0]
        await Notification.update({Notification.sealed_under: f"tenders:{reference}"}).where(Notification.id == row["id"])


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="notifications", description=DESCRIPTION
    )
    manager.add_raw(mark_tender_emails)
    return manager
