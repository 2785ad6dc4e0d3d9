"""What a table that records an uploaded file keeps of it (registry.files.storage.StoredFile, and
who uploaded it when): framework documents and tender documents alike list this mixin first."""

from piccolo.columns import Integer, Timestamptz, Varchar


class StoredFileColumns:
    title = Varchar(length=200)
    filename = Varchar(length=200)
    content_type = Varchar(length=120)
    size_bytes = Integer()
    sha256 = Varchar(length=64)
    storage_key = Varchar(length=100, unique=True)  # the file's name in REGISTRY_FILES_DIR
    uploaded_at = Timestamptz()
    uploaded_by = Integer(null=True, default=None)
