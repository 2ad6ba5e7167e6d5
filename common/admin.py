"""Admin pieces every app shares: the site's titles and the CSV export action."""

import csv
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import lookup_field
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.http import HttpRequest, StreamingHttpResponse

# The one place the admin's titles are set (login page, every header, the index).
admin.site.site_header = "Sales Analytics administration"
admin.site.site_title = "Sales Analytics admin"
admin.site.index_title = "Sales Analytics"

EXPORT_CHUNK_SIZE = 2000


class _Echo:
    """A write-only file for ``csv.writer`` that hands each row back instead of storing it."""

    def write(self, value: str) -> str:
        return value


def export_columns(model_admin: admin.ModelAdmin) -> list[Any]:
    """The admin's ``export_fields`` if it names them, else its ``list_display`` entries that name a model
    field or a callable (a column that renders HTML for the page, such as a link, belongs out of the export)."""
    columns: list[Any] = []
    for name in getattr(model_admin, "export_fields", None) or model_admin.list_display:
        if callable(name):
            columns.append(name)
            continue
        if name in ("action_checkbox", "__str__"):
            continue
        try:
            model_admin.model._meta.get_field(name)
        except FieldDoesNotExist:
            if not callable(getattr(model_admin, name, None)) and not callable(getattr(model_admin.model, name, None)):
                continue
        columns.append(name)
    return columns


def _column_name(column: Any) -> str:
    return column if isinstance(column, str) else column.__name__


def _render(value: Any) -> str:
    """CSV text for one value: related objects as ``str``, dates in ISO 8601, ``None`` empty."""
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def export_rows(
    model_admin: admin.ModelAdmin, queryset: Iterable[models.Model], columns: list[Any]
) -> Iterator[list[str]]:
    """The header row, then one row per record, computed lazily so big exports stream."""
    yield [_column_name(column) for column in columns]
    for obj in queryset:
        yield [_render(lookup_field(column, obj, model_admin)[2]) for column in columns]


@admin.action(description="Export selected rows as CSV")
def export_as_csv(
    model_admin: admin.ModelAdmin, request: HttpRequest, queryset: models.QuerySet
) -> StreamingHttpResponse:
    """Stream the selected rows so a large selection never sits in memory at once."""
    columns = export_columns(model_admin)
    writer = csv.writer(_Echo())
    rows = export_rows(model_admin, queryset.iterator(chunk_size=EXPORT_CHUNK_SIZE), columns)
    response = StreamingHttpResponse((writer.writerow(row) for row in rows), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{model_admin.model._meta.model_name}-export.csv"'
    return response
