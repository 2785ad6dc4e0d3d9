from piccolo.columns import Text, Timestamptz, Varchar
from piccolo.table import Table


class Release(Table, tablename="ocds_release"):
    """One OCDS release, stored in the transaction that publishes its step. Releases are never
    changed or deleted (the database refuses both): a correction is a new release with a new id."""

    ocid = Varchar(length=200, index=True)
    release_id = Varchar(length=200, unique=True)
    date = Timestamptz(index=True)
    tags = Varchar(length=200)  # JSON: the release's tag array
    data = Text()  # JSON: the release itself
