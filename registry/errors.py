"""The refusals every domain raises, one class each, so that one mapping turns them into answers:
`Refused` is 403 on a page (recorded in the audit log) and on the API (web.api.checked). Domains
subclass only where the subclass adds meaning."""


class Refused(PermissionError):
    """The user may not see or do this."""
