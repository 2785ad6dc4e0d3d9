from piccolo.columns import JSON, Integer, Timestamptz, Varchar
from piccolo.table import Table


class AuditEvent(Table):
    """Append-only: the database itself refuses UPDATE and DELETE (see the migration's triggers)."""

    sequence = Integer(unique=True, index=True)
    occurred_at = Timestamptz()
    actor_id = Integer(null=True, default=None)
    actor_email = Varchar(length=254, null=True, default=None, index=True)
    actor_roles = Varchar(length=200, default="")
    action = Varchar(length=80, index=True)
    object_type = Varchar(length=60, index=True)
    object_id = Varchar(length=400, null=True, default=None)  # room for a route with its parameters
    request_id = Varchar(length=64, null=True, default=None)
    payload = JSON(default="{}")
    previous_hash = Varchar(length=64)
    hash = Varchar(length=64)
    key_id = Varchar(length=32, null=True, default=None)  # the HMAC key's id; None: plain SHA-256, from before keyed hashing


class AuditCheckpoint(Table):
    """The log's head (its last event's sequence number and hash) at a moment, signed and published
    at /open-data/audit-checkpoints.json. Append-only, as the events are."""

    sequence = Integer(index=True)
    hash = Varchar(length=64)
    made_at = Timestamptz()
    reason = Varchar(length=40)  # why it was made (daily, tenders_opened, ...): kept here, never published
    signing_key_id = Varchar(length=32)
    signature = Varchar(length=100)  # Ed25519, base64
