"""CSV for spreadsheets: ``?format=csv`` on every analytics route gives a header row and one line per row.

The view decides what a row is (``csv_table(data)`` returning the header and
the rows), so a nested report like the metrics flattens the way a spreadsheet
reads it. Numbers are written as the JSON shows them.
"""

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from rest_framework.renderers import BaseRenderer


class AnalyticsCsvRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: dict | None = None) -> bytes:
        view = (renderer_context or {}).get("view")
        header, rows = view.csv_table(data)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(_cells(row) for row in rows)
        return out.getvalue().encode(self.charset)


def envelope_table(data: dict, columns: Sequence[str]) -> tuple[Sequence[str], Iterable[Sequence[Any]]]:
    """The ``results`` of a ``{"count", "results"}`` envelope, one line per result."""
    return columns, ([row.get(column) for column in columns] for row in data["results"])


def _cells(row: Sequence[Any]) -> list[str]:
    return ["" if value is None else str(value).lower() if isinstance(value, bool) else str(value) for value in row]
