"""How many more engagements a supplier can take on: the capacity its profile states, less the
engagements it has awarded or in delivery."""

from piccolo.query.functions.aggregate import Count

from registry.engagements.tables import ACTIVE_STATES, Engagement


async def active_counts(organisation_ids: list[int]) -> dict[int, int]:
    """Each organisation's engagements that use its capacity (awarded or in delivery); 0 for none."""
    if not organisation_ids:
        return {}
    counts = await _active_by_supplier(Engagement.supplier.is_in(list(organisation_ids)))
    return {organisation_id: counts.get(organisation_id, 0) for organisation_id in organisation_ids}


async def active_counts_of_all() -> dict[int, int]:
    """Every organisation's engagements that use its capacity, for those with any (one statement,
    however many suppliers: the directory's availability asks it of all of them)."""
    return await _active_by_supplier(Engagement.supplier.is_not_null())


async def _active_by_supplier(which) -> dict[int, int]:
    rows = await (
        Engagement.select(Engagement.supplier, Count(Engagement.id, alias="active"))
        .where(which & Engagement.state.is_in([str(state) for state in ACTIVE_STATES]))
        .group_by(Engagement.supplier)
    )
    return {row["supplier"]: row["active"] for row in rows}


def places_left(capacity: int | None, active: int) -> int | None:
    """Engagements the supplier can still take on; None when its profile does not say its capacity."""
    if capacity is None:
        return None
    return max(capacity - active, 0)
