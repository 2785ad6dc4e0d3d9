"""The directory copies organisations, profiles and appointments: its entry for an organisation is
refreshed whenever its profile is saved or it is appointed, in the same transaction (registered by
registry.app.register_hooks)."""

from registry.award import service as award
from registry.directory import index
from registry.suppliers import service as suppliers


def register() -> None:
    suppliers.profile_saved.register(index.refresh)
    award.supplier_appointed.register(index.refresh)
