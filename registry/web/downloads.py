"""Helpers for files people download."""

from litestar import Response

CSV = "text/csv"  # Litestar adds "; charset=utf-8" to every text type
BYTE_ORDER_MARK = "\ufeff"  # without it, Excel reads UTF-8 as the local code page: "£" becomes "Â£", dashes and quotes garble


def csv_file(content: str, filename: str, headers: dict[str, str] | None = None) -> Response:
    """A CSV download: UTF-8 with a byte-order mark, saved under `filename`."""
    return Response(
        BYTE_ORDER_MARK + content, media_type=CSV, headers={**(headers or {}), "Content-Disposition": f'attachment; filename="{filename}"'},
    )
