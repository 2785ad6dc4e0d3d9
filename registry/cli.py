"""The `registry` command line: serve, migrate, load-fixtures, demo-code, create-user, deactivate-user, reactivate-user,
audit, notifications, files, backup, restore."""

import argparse
import logging
import asyncio
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC
from pathlib import Path

from pydantic import ValidationError

from registry import db, logs
from registry.accounts import service as accounts
from registry.accounts.passwords import hash_password
from registry.accounts.tables import Organisation, Role
from registry.audit import service as audit
from registry.db import migrations
from registry.db.engine import redact
from registry.settings import Settings


class CommandError(Exception):
    """A problem the user can fix; printed as one line, exit status 1."""


COMMAND_LINE = audit.Actor.system("command_line")  # who the audit log says acted, for commands that change accounts


@asynccontextmanager
async def database(settings: Settings) -> AsyncIterator[None]:
    engine = db.create_engine(settings.database_url)
    db.bind(engine)
    try:
        await db.connect(engine, pool_size=2)
    except db.DatabaseUnreachable as error:
        raise CommandError(str(error)) from None
    try:
        yield
    finally:
        await db.disconnect(engine)


async def migrate(settings: Settings, args: argparse.Namespace) -> None:
    async with database(settings):
        applied = await migrations.apply()
        await db.analyze()
    print(f"Database is up to date ({applied} migration(s) applied).")


async def load_fixtures(settings: Settings, args: argparse.Namespace) -> None:
    from registry.demo import DEMO_PASSWORD, load_fixtures

    if settings.is_production:
        raise CommandError("refusing to load demo fixtures in production (REGISTRY_ENVIRONMENT=production)")
    outbox = logging.getLogger("registry.outbox")
    level, outbox.level = outbox.level, logging.WARNING  # the demo's hundreds of queued emails would hide the sign-ins below
    try:
        async with database(settings):
            await migrations.apply()
            async with db.transaction():  # all of the demo or none of it; and one commit instead of thousands
                sign_ins = await load_fixtures()
            await db.analyze()
    finally:
        outbox.setLevel(level)
    print(f"Demo data loaded. Every demo account's password is: {DEMO_PASSWORD}")
    print("The emails the demo's steps queued are in the outbox: sign in as the admin and open /admin/outbox.")
    print("Officials (marked *) then enter a two-factor code, which `.venv/bin/registry demo-code EMAIL` prints.")
    width = max(len(s.email) for s in sign_ins)
    for sign_in in sign_ins:
        roles = ", ".join(sign_in.roles)
        if "supplier" in sign_in.roles:
            roles += " (organisation admin)" if sign_in.is_organisation_admin else " (team member)"
        print(f"  {sign_in.email:<{width}}  {roles + (' *' if sign_in.two_factor else ''):<34} {sign_in.organisation}")


async def demo_code(settings: Settings, args: argparse.Namespace) -> None:
    """The code a demo official's authenticator would show now: the demo's secrets are fixed (fixtures/users.json)."""
    from registry.accounts import two_factor
    from registry.accounts.tables import User

    if settings.is_production:
        raise CommandError("refusing to show two-factor codes in production (REGISTRY_ENVIRONMENT=production)")
    async with database(settings):
        user = await User.objects().where(User.email == accounts.normalise_email(args.email)).first()
        if user is None or not user.is_demo:
            raise CommandError(f"{args.email} is not a demo account: only the demo's codes can be shown")
        secret = await two_factor.secret_of(user.id)
    if secret is None:
        raise CommandError(f"{user.email} has no authenticator set up")
    print(two_factor.code_at(secret))


async def create_user(settings: Settings, args: argparse.Namespace) -> None:
    async with database(settings):
        organisation = await accounts.find_organisation(args.organisation)
        if organisation is None:
            names = await Organisation.select(Organisation.legal_name).output(as_list=True)
            raise CommandError(f"no organisation called {args.organisation!r}; known: {', '.join(sorted(names)) or 'none'}")
        password_hash = await hash_password(args.password) if args.password else None
        try:
            user = await accounts.create_user(
                email=args.email,
                full_name=args.name,
                organisation=organisation,
                roles=args.role,
                password_hash=password_hash,
                email_confirmed=True,
            )
        except accounts.AccountError as error:
            raise CommandError(str(error)) from None
    print(f"Created {user.email} ({', '.join(user.roles)}) in {organisation.legal_name}.")


async def deactivate_user(settings: Settings, args: argparse.Namespace) -> None:
    from registry.accounts import deactivation

    async with database(settings):
        user = await _user_called(args.email)
        try:
            done = await deactivation.deactivate(actor=COMMAND_LINE, user_id=user.id, by=deactivation.By.COMMAND_LINE, zone=settings.zone)
        except accounts.AccountError as error:
            raise CommandError(str(error)) from None
    print(f"Deactivated {done.user.email}: {done.sessions_ended} session(s) ended, {done.tokens_revoked} API token(s) revoked; they have been emailed.")


async def reactivate_user(settings: Settings, args: argparse.Namespace) -> None:
    from registry.accounts import deactivation

    async with database(settings):
        user = await _user_called(args.email)
        try:
            user = await deactivation.reactivate(actor=COMMAND_LINE, user_id=user.id, by=deactivation.By.COMMAND_LINE, zone=settings.zone)
        except accounts.AccountError as error:
            raise CommandError(str(error)) from None
    print(f"Reactivated {user.email}; they have been emailed. Their old API tokens stay revoked.")


async def _user_called(email: str):
    from registry.accounts import deactivation

    user = await deactivation.find_by_email(email)
    if user is None:
        raise CommandError(f"no account has the email address {email!r}")
    return user


async def audit_verify(settings: Settings, args: argparse.Namespace) -> None:
    print(await verified_audit_log(settings, args.checkpoints))


async def verified_audit_log(settings: Settings, checkpoints_source: str | None = None) -> str:
    """What the audit log's verification found, if the whole chain verifies with the audit keys and
    matches every checkpoint (those stored, and those of `checkpoints_source`: a file or address of
    the published checkpoints, kept elsewhere)."""
    from registry.audit import checkpoints

    document = None
    if checkpoints_source is not None:
        try:
            document = checkpoints.load_document(checkpoints_source)
        except checkpoints.NotACheckpointsFile as error:
            raise CommandError(f"{checkpoints_source} cannot be checked against: {error}") from None
    async with database(settings):
        try:
            found = await checkpoints.verify_log(document)
        except checkpoints.NotACheckpointsFile as error:
            raise CommandError(f"{checkpoints_source} cannot be checked against: {error}") from None
    result = found.verification
    if not result.ok:
        lines = [
            f"audit log broken at event {problem.sequence}: {problem.text}" if problem.sequence is not None else f"audit log: {problem.text}"
            for problem in result.problems
        ]
        lines[0] += f" ({result.checked} events verified before it)"
        raise CommandError("\nregistry: ".join(lines))
    return "\n".join([f"Audit log intact: {result.checked} events verified.", *_anchoring(found, checkpoints_source)])


def _anchoring(found, checkpoints_source: str | None) -> list[str]:
    """How far the verified log is anchored: its hashing, and the checkpoints it matches."""
    result = found.verification
    lines = []
    if result.unkeyed:
        lines.append(
            f"Events 1 to {result.unkeyed} are from before keyed hashing (plain SHA-256): the keyed events after them, "
            "and the checkpoints, hold them."
        )
    if result.key_ids:
        lines.append(f"Keyed with: {', '.join(sorted(result.key_ids))}.")
    sources = f"{found.stored} stored here" + (f", {found.from_file} in {checkpoints_source}" if checkpoints_source else "")
    newest = result.newest_anchor
    if newest is None:
        if result.last_sequence:
            lines.append("No checkpoint yet: nothing shows whether events were cut from the end of the log.")
        return lines
    since = result.last_sequence - newest.sequence
    lines.append(
        f"Matches every checkpoint ({sources}); the newest covers event {newest.sequence}, made "
        f"{newest.made_at.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC; {since} event{'' if since == 1 else 's'} since."
    )
    return lines


async def audit_checkpoint(settings: Settings, args: argparse.Namespace) -> None:
    from registry.audit import checkpoints

    async with database(settings):
        made = await checkpoints.checkpoint(checkpoints.REQUESTED)
    if made is None:
        print("The audit log is empty: no checkpoint made.")
        return
    print(f"Checkpoint made: event {made.sequence}, hash {made.hash}, signed with key {made.key_id}.")


async def files_verify(settings: Settings, args: argparse.Namespace) -> None:
    from registry.frameworks import documents
    from registry.tenders import files as tender_files
    from registry.files import storage

    async with database(settings):
        recorded = await documents.recorded_files() + await tender_files.recorded_files()
    report = await asyncio.to_thread(storage.verify_files, settings.files_dir, recorded)
    for row in report.missing:
        print(f"missing: {row.description} ({row.storage_key}) has no file")
    for row, digest in report.changed:
        print(f"changed: {row.description} ({row.storage_key}): the file's SHA-256 is {digest}, the row's {row.sha256}")
    for name in report.unrecorded:
        print(f"unrecorded: {name} is a file without a row")
    checked = f"{report.checked} document{'s' if report.checked != 1 else ''} checked in {settings.files_dir}"
    if report.intact:
        print(f"{checked}: every file is present and matches its SHA-256.")
        return
    unrecorded = f"{len(report.unrecorded)} file{'s' if len(report.unrecorded) != 1 else ''} without a row"
    raise CommandError(f"{checked}: {len(report.missing)} missing, {len(report.changed)} changed, {unrecorded}")


def backup_database(settings: Settings, args: argparse.Namespace) -> None:
    from registry.db import backup

    try:
        written = backup.backup(settings, Path(args.path), force=args.force)
    except backup.BackupError as error:
        raise CommandError(str(error)) from None
    print(f"Backup of {redact(settings.database_url)} written to {written} ({written.stat().st_size:,} bytes).")


async def restore_database(settings: Settings, args: argparse.Namespace) -> None:
    from registry.db import backup

    try:
        await backup.restore(settings, Path(args.path), replace=args.replace)
    except backup.BackupError as error:
        raise CommandError(str(error)) from None
    print(f"Restored {Path(args.path).absolute()} into {redact(settings.database_url)}.")
    print(await verified_audit_log(settings))


async def send_notifications(settings: Settings, args: argparse.Namespace) -> None:
    from registry.interest.reminders import queue_due_reminders
    from registry.notifications.service import deliver_pending

    if not settings.smtp_url:
        raise CommandError("REGISTRY_SMTP_URL is not set: there is no mail server to send to")
    async with database(settings):
        reminders = await queue_due_reminders(settings.reminder_days, settings.zone)
        sent, failed = await deliver_pending(settings.smtp_url, settings.mail_from, limit=10_000, host=settings.mail_host)
    print(f"{reminders} reminder(s) queued; {sent} message(s) sent, {failed} to retry later.")


def serve(settings: Settings, args: argparse.Namespace) -> None:
    import uvicorn

    from registry.app import RefusedToStart, create_app

    host = args.host or settings.host
    port = args.port or settings.port
    workers = args.workers or settings.workers
    try:
        create_app(settings)  # fails fast on an unsafe configuration, before binding the port
    except RefusedToStart as error:
        raise CommandError(str(error)) from None

    async def check_database() -> None:
        async with database(settings):
            if settings.applies_migrations_on_start:
                await migrations.apply()  # once here, so that several workers do not race

    asyncio.run(check_database())
    print(f"Participation Framework Registry: serving on http://{host}:{port} ({db.kind()}, {workers} worker(s))", flush=True)
    level = "WARNING" if args.quiet else "INFO"
    logs.configure(settings.logs_as, level)
    uvicorn.run(
        "registry.app:create_served_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=logs.config(settings.logs_as, level),  # applied again in each worker process
        log_level=level.lower(),
        access_log=False,  # the registry writes its own, with the request id (registry.web.request_id)
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,
        http="registry.web.server:GuardedHttpToolsProtocol",  # deadlines for headers and body (REGISTRY_HEADER_TIMEOUT_SECONDS, …)
        timeout_keep_alive=settings.keep_alive_seconds,
        proxy_headers=False,  # the app reads the client's address itself (registry.web.client, REGISTRY_TRUST_FORWARDED_FOR)
        server_header=False,
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="registry", description="Participation Framework Registry")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve_parser = commands.add_parser("serve", help="serve the registry over HTTP")
    serve_parser.add_argument("--host", help="address to listen on (default REGISTRY_HOST or 127.0.0.1)")
    serve_parser.add_argument("--port", type=int, help="port to listen on (default REGISTRY_PORT or 8000)")
    serve_parser.add_argument("--workers", type=int, help="worker processes (default REGISTRY_WORKERS or 1)")
    serve_parser.add_argument("--quiet", action="store_true", help="log warnings only")
    serve_parser.set_defaults(handler=serve)

    migrate_parser = commands.add_parser("migrate", help="apply database migrations")
    migrate_parser.set_defaults(handler=migrate)

    fixtures_parser = commands.add_parser("load-fixtures", help="load the demo data set (not in production)")
    fixtures_parser.set_defaults(handler=load_fixtures)

    demo_code_parser = commands.add_parser(
        "demo-code", help="print a demo official's current two-factor code (development only)",
        description="Print the 6-digit code a demo account's authenticator app would show now, for signing in to the demo. "
        "Only for accounts loaded by `registry load-fixtures`; refused in production.",
    )
    demo_code_parser.add_argument("email", metavar="EMAIL")
    demo_code_parser.set_defaults(handler=demo_code)

    user_parser = commands.add_parser("create-user", help="create a user in an existing organisation")
    user_parser.add_argument("--email", required=True)
    user_parser.add_argument("--name", required=True, help="full name")
    user_parser.add_argument("--organisation", required=True, help="the organisation's legal name")
    user_parser.add_argument("--role", required=True, action="append", choices=[r.value for r in Role], help="repeat for several roles")
    user_parser.add_argument("--password", help="omit to let the user set one by password reset")
    user_parser.set_defaults(handler=create_user)
    deactivate_parser = commands.add_parser(
        "deactivate-user", help="switch an account off: its sessions end and its API tokens are revoked at once",
        description="Deactivate the account with this email address: it is signed out everywhere, its API tokens and "
        "unused emailed links stop working, and it can no longer sign in or reset its password. What it did stays, in its "
        "name. The user is emailed, and so are the other procurement officers of an official's authority. The last admin "
        "of the service or of an organisation with other people is refused.",
    )
    deactivate_parser.add_argument("email", metavar="EMAIL")
    deactivate_parser.set_defaults(handler=deactivate_user)
    reactivate_parser = commands.add_parser("reactivate-user", help="switch a deactivated account on again (its old API tokens stay revoked)")
    reactivate_parser.add_argument("email", metavar="EMAIL")
    reactivate_parser.set_defaults(handler=reactivate_user)
    audit_parser = commands.add_parser("audit", help="the audit log")
    audit_commands = audit_parser.add_subparsers(dest="audit_command", required=True, metavar="AUDIT_COMMAND")
    verify_parser = audit_commands.add_parser(
        "verify",
        help="recompute the hash chain with the audit keys and check it against the checkpoints; exit 1 naming each problem",
        description="Recompute the audit log's hash chain with the audit keys (REGISTRY_AUDIT_KEY, REGISTRY_AUDIT_OLD_KEYS) and check "
        "it against the signed checkpoints stored in the database, and against those of --checkpoints when given: a copy of "
        "/open-data/audit-checkpoints.json kept elsewhere, or its address. Exit status 1, naming each problem: missing events, "
        "a segment whose hashes do not match under the key (recomputed without it), a checkpoint the log no longer matches "
        "(rewritten with the key), events cut from the end after a checkpoint, a checkpoint altered or deleted.",
    )
    verify_parser.add_argument("--checkpoints", metavar="FILE_OR_URL", help="published checkpoints kept outside this database")
    verify_parser.set_defaults(handler=audit_verify)
    checkpoint_parser = audit_commands.add_parser(
        "checkpoint", help="sign and store the log's head now (the server does it itself every REGISTRY_AUDIT_CHECKPOINT_HOURS)",
    )
    checkpoint_parser.set_defaults(handler=audit_checkpoint)
    notifications_parser = commands.add_parser("notifications", help="the email outbox")
    notifications_commands = notifications_parser.add_subparsers(dest="notifications_command", required=True, metavar="NOTIFICATIONS_COMMAND")
    send_parser = notifications_commands.add_parser("send", help="queue due reminders and send the outbox once (for cron)")
    send_parser.set_defaults(handler=send_notifications)

    files_parser = commands.add_parser("files", help="the uploaded documents (REGISTRY_FILES_DIR)")
    files_commands = files_parser.add_subparsers(dest="files_command", required=True, metavar="FILES_COMMAND")
    files_verify_parser = files_commands.add_parser(
        "verify", help="check every document's file against its row; exit 1 naming each that does not match",
        description="Check the files in REGISTRY_FILES_DIR against the database's document rows: rows without a file, files "
        "whose SHA-256 differs from their row's, and files without a row (an unfinished write's temporary file among them). "
        "Exit status 1 if any is found. Run it after restoring a backup, with the files directory restored beside it.",
    )
    files_verify_parser.set_defaults(handler=files_verify)

    backup_parser = commands.add_parser(
        "backup",
        help="write a consistent backup of the database, while the service runs",
        description="Write a consistent backup of the database set by REGISTRY_DATABASE_URL while the service may be running: "
        "on SQLite a copy of the database file (SQLite's online backup API), on PostgreSQL a pg_dump custom-format archive "
        "(pg_dump must be on PATH). The file is readable by its owner only. Uploaded documents (REGISTRY_FILES_DIR) are not "
        "in the database: back that directory up as well.",
    )
    backup_parser.add_argument("path", metavar="PATH", help="the backup file to write; its directory must exist")
    backup_parser.add_argument("--force", action="store_true", help="overwrite PATH if it exists (it is replaced only once the new backup is complete)")
    backup_parser.set_defaults(handler=backup_database)

    restore_parser = commands.add_parser(
        "restore",
        help="restore a backup made by `registry backup`, then verify the audit log",
        description="Restore a backup made by `registry backup` into the database set by REGISTRY_DATABASE_URL, on the same "
        "engine: on SQLite the database file is replaced (atomically); on PostgreSQL pg_restore replaces the backup's tables "
        "in one transaction. Stop the service first: on SQLite a running service would go on using the replaced file. A database that already has tables is refused unless --replace is given. "
        "Then the audit log's hash chain is verified, as by `registry audit verify`: exit status 1 if it does not verify. "
        "Run `registry migrate` afterwards if the backup is from an older version.",
    )
    restore_parser.add_argument("path", metavar="PATH", help="the backup file")
    restore_parser.add_argument("--replace", action="store_true", help="replace the contents of a database that is not empty")
    restore_parser.set_defaults(handler=restore_database)
    return parser


def publish_as(settings: Settings) -> None:
    """What a command publishes says what the server's pages say (registry.app's lifespan does the
    same): the public address in links, emails and open data, the ocid prefix and the publisher,
    and the audit log's keys. Releases are never changed once stored, so they must be right the
    first time."""
    from registry.opendata import ocds
    from registry import links

    from registry.audit import keys as audit_keys

    links.configure(settings.base_url)
    ocds.configure(settings)
    audit_keys.configure(audit_keys.from_settings(settings))


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as error:
        for problem in error.errors():
            name = "REGISTRY_" + "_".join(str(part) for part in problem["loc"]).upper()
            print(f"registry: {name}: {problem['msg']}", file=sys.stderr)
        return 1
    logs.configure(settings.logs_as)  # every command logs as the server does: JSON in production
    publish_as(settings)
    handler: Callable = args.handler
    try:
        result = handler(settings, args)
        if asyncio.iscoroutine(result):
            asyncio.run(result)
    except CommandError as error:
        print(f"registry: {error}", file=sys.stderr)
        return 1
    return 0
