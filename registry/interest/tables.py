from piccolo.columns import Array, Boolean, ForeignKey, Integer, OnDelete, Timestamptz, Varchar
from piccolo.table import Table

from registry.accounts.tables import Organisation
from registry.frameworks.tables import Framework


class ExpressionOfInterest(Table):
    """One row per supplier and framework; withdrawing and registering again reuse it."""

    organisation = ForeignKey(references=Organisation, null=False, on_delete=OnDelete.cascade)
    framework = ForeignKey(references=Framework, null=False, on_delete=OnDelete.cascade)
    all_lots = Boolean(default=True)
    lot_numbers = Array(base_column=Integer(), default=list)
    registered_at = Timestamptz()
    registered_by = Integer(null=True, default=None)
    withdrawn_at = Timestamptz(null=True, default=None)


class SupplierCalendar(Table):
    """The secret address of a supplier's calendar of the frameworks it follows."""

    organisation = ForeignKey(references=Organisation, null=False, unique=True, on_delete=OnDelete.cascade)
    token = Varchar(length=64, unique=True, index=True)
