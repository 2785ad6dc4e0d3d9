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
