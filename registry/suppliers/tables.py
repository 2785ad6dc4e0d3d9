from piccolo.columns import Array, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table

from registry.accounts.tables import Organisation


class SupplierProfile(Table):
    organisation = ForeignKey(references=Organisation, null=False, unique=True, on_delete=OnDelete.cascade)
    trading_name = Varchar(length=200, default="")
    description = Text(default="")
    address_line_1 = Varchar(length=200, default="")
    address_line_2 = Varchar(length=200, default="")
    town = Varchar(length=100, default="")
    postcode = Varchar(length=10, default="")
    website = Varchar(length=300, default="")
    regions = Array(base_column=Varchar(length=60), default=list)
    engagement_methods = Array(base_column=Varchar(length=60), default=list)
    groups = Array(base_column=Varchar(length=60), default=list)
    languages = Array(base_column=Varchar(length=60), default=list)
    accessible_formats = Array(base_column=Varchar(length=60), default=list)
    capacity = Integer(null=True, default=None)  # engagements the supplier can run at once
    # The organisation's shared address for published notices: England's contract award and contract
    # details notices give each supplier's contact email (Procurement Regulations 2024 regs. 27(2)(e)(ii)
    # and 32(2)(g)(ii)); no one's own address is published instead (registry.award.suppliers_named)
    notices_email = Varchar(length=254, default="")
    ppon = Varchar(length=20, default="")  # the Central Digital Platform's identifier for it (service.PPON_FORM); "" until given
    updated_at = Timestamptz()
