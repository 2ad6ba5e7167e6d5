"""CSV output of segment members, for a spreadsheet."""

import csv
from collections.abc import Iterable, Iterator

from rest_framework.renderers import BaseRenderer

# A cell starting with one of these is a formula to a spreadsheet; a leading quote keeps it text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    if value is None:
        return ""
    text = str(value)
    return f"'{text}" if isinstance(value, str) and text.startswith(_FORMULA_START) else text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(*, header: list[str], rows: Iterable[list[object]]) -> Iterator[str]:
    """The header and each row as CSV text, produced lazily so large exports stream."""
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow([_cell(value) for value in row])


class CSVRenderer(BaseRenderer):
    """Chosen by ``?format=csv`` or ``Accept: text/csv``; the view streams the rows itself."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        rows = data if isinstance(data, list) else [data]
        header = list(rows[0]) if rows and isinstance(rows[0], dict) else []
        lines = csv_lines(
            header=header, rows=([row.get(key) for key in header] for row in rows if isinstance(row, dict))
        )
        return "".join(lines).encode(self.charset)
