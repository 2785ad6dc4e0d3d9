from piccolo.columns import ForeignKey, Integer, OnDelete, Text, Varchar
from piccolo.table import Table

from registry.accounts.tables import Organisation


class DirectoryEntry(Table):
    """What the directory searches for one supplier organisation, copied from its organisation and
    profile by registry.directory.index. The full-text index over it is the database's own: an FTS5
    table kept in step by triggers (SQLite), or a generated tsvector column with a GIN index
    (PostgreSQL); see the app's raw migration."""

    organisation = ForeignKey(references=Organisation, null=False, unique=True, on_delete=OnDelete.cascade)
    name = Varchar(length=200)
    trading_name = Varchar(length=200, default="")
    size = Varchar(length=10, null=True, default=None)
    description = Text(default="")
    methods = Text(default="")  # the engagement methods' names
    terms = Text(default="")  # the names of the groups, regions, languages and accessible formats
    capacity = Integer(null=True, default=None)


class DirectoryTag(Table):
    """One code of one taxonomy (or the organisation's size) that a supplier has: what the directory's
    filters and facet counts are built from (registry.directory.listing)."""

    organisation = ForeignKey(references=Organisation, null=False, on_delete=OnDelete.cascade, index=True)
    taxonomy = Varchar(length=30)
    code = Varchar(length=60)
