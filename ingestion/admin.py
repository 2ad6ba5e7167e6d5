"""Staff screens for imports: the refresh log and the "Import CSV" page.

Jobs are written only by ``ingestion.services`` (the worker records progress,
counts and errors), so the log is read-only here: no add, change or delete.
A new job starts from the "Import CSV" page, which hands the upload to
``import_job_start_from_upload`` exactly as the API does.
"""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import widgets
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from common.admin import export_as_csv
from common.exceptions import ApplicationError
from ingestion.loaders import ERROR_LIMIT
from ingestion.models import ImportJob, ImportKind, ImportStatus
from ingestion.readers import PRODUCT_COLUMNS, SALES_COLUMNS, Column
from ingestion.services import import_job_start_from_upload

# Seconds between reloads of an unfinished job's page; the template reads it.
REFRESH_SECONDS = 2


def _columns_help(label: str, columns: tuple[Column, ...]) -> str:
    """One kind's header, from the reader's own column list so the page never drifts from it."""
    required = ", ".join(column.name for column in columns if column.required)
    optional = ", ".join(column.name for column in columns if not column.required)
    return f"{label}: {required}" + (f" (optional: {optional})" if optional else "") + "."


class ImportCsvForm(forms.Form):
    kind = forms.ChoiceField(
        choices=ImportKind.choices,
        initial=ImportKind.SALES,
        widget=widgets.AdminRadioSelect(attrs={"class": "radiolist inline"}),
        help_text="Sales rows are order lines; rows sharing an Order ID form one order.",
    )
    file = forms.FileField(
        label="CSV file",
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Built here, not at import time, so the limit follows the settings of the running site.
        limit_mb = settings.IMPORT_MAX_UPLOAD_BYTES / (1024 * 1024)
        self.fields["file"].help_text = format_html(
            "{}<br>{}<br>{}",
            _columns_help("Sales", SALES_COLUMNS),
            _columns_help("Products", PRODUCT_COLUMNS),
            f"Header names are case- and space-insensitive (snake_case works too). UTF-8, up to {limit_mb:,.0f} MB.",
        )


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "kind",
        "source",
        "status",
        "rows_total",
        "rows_processed",
        "rows_created",
        "rows_updated",
        "rows_rejected",
        "errors_link",
        "created_by",
        "completed_at",
    )
    # The CSV export keeps plain values: the page's link column is left out of it.
    export_fields = tuple(name for name in list_display if name != "errors_link")
    list_filter = ("status", "kind")
    list_select_related = ("created_by",)
    search_fields = ("source", "id")
    date_hierarchy = "created_at"
    actions = (export_as_csv,)
    fieldsets = (
        (None, {"fields": ("id", "kind", "source", "file_path", "status", "created_by")}),
        (
            "Progress",
            {"fields": ("progress", "rows_total", "rows_processed", "rows_created", "rows_updated", "rows_rejected")},
        ),
        ("Timing", {"fields": ("created_at", "requeued_at", "started_at", "heartbeat_at", "completed_at")}),
        ("Errors", {"fields": ("error", "row_errors")}),
    )
    # Every field is display-only; the raw ``errors`` JSON is shown as the ``row_errors`` table instead.
    readonly_fields = (
        "id",
        "kind",
        "source",
        "file_path",
        "status",
        "created_by",
        "progress",
        "rows_total",
        "rows_processed",
        "rows_created",
        "rows_updated",
        "rows_rejected",
        "created_at",
        "requeued_at",
        "started_at",
        "heartbeat_at",
        "completed_at",
        "error",
        "row_errors",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ImportJob | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ImportJob | None = None) -> bool:
        return False

    def has_import_permission(self, request: HttpRequest) -> bool:
        """Starting an import creates a job, so it takes the model's add permission (managers, superusers)."""
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.add_{opts.model_name}")

    @admin.display(description="progress")
    def progress(self, obj: ImportJob) -> str:
        if obj.rows_total is None:
            if obj.status == ImportStatus.QUEUED:
                return "Waiting for a worker."
            return f"{obj.rows_processed:,} rows read; total not known yet."
        percent = 100 if obj.rows_total == 0 else obj.rows_processed * 100 // obj.rows_total
        return f"{obj.rows_processed:,} of {obj.rows_total:,} rows ({percent}%)"

    @admin.display(description="errors")
    def errors_link(self, obj: ImportJob) -> SafeString | str:
        """From the log straight to what went wrong: the job's row errors, or its failure message."""
        change_url = reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
            args=[obj.pk],
            current_app=self.admin_site.name,
        )
        if obj.status == ImportStatus.FAILED:
            return format_html('<a href="{}#import-status">Failed: see why</a>', change_url)
        if obj.errors:
            count = obj.rows_rejected or len(obj.errors)
            return format_html(
                '<a href="{}#row-errors">{} row error{}</a>', change_url, f"{count:,}", "" if count == 1 else "s"
            )
        return "—"

    @admin.display(description="row errors")
    def row_errors(self, obj: ImportJob) -> SafeString | str:
        if not obj.errors:
            return "None."
        # format_html_join escapes each value: messages quote the file's own (untrusted) cells.
        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((error.get("row", ""), error.get("column", ""), error.get("message", "")) for error in obj.errors),
        )
        note = (
            format_html("<p class='help'>Only the first {} errors are kept.</p>", f"{ERROR_LIMIT:,}")
            if len(obj.errors) >= ERROR_LIMIT
            else ""
        )
        return format_html(
            '<table class="import-row-errors" id="row-errors"><thead><tr><th scope="col">Row</th>'
            '<th scope="col">Column</th><th scope="col">Message</th></tr></thead><tbody>{}</tbody></table>{}',
            body,
            note,
        )

    def get_urls(self) -> list[URLPattern]:
        opts = self.opts
        import_url = path(
            "import/",
            self.admin_site.admin_view(self.import_csv_view),
            name=f"{opts.app_label}_{opts.model_name}_import",
        )
        # First, so the admin's catch-all ``<path:object_id>/`` does not take "import/".
        return [import_url, *super().get_urls()]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        extra_context = {**(extra_context or {}), "has_import_permission": self.has_import_permission(request)}
        return super().changelist_view(request, extra_context)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra_context = {**(extra_context or {}), "refresh_seconds": REFRESH_SECONDS}
        return super().change_view(request, object_id, form_url, extra_context)

    def import_csv_view(self, request: HttpRequest) -> HttpResponse:
        """Upload a CSV and queue its import; then follow the job on its own page."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            form = ImportCsvForm(request.POST, request.FILES)
            if form.is_valid():
                try:
                    job = import_job_start_from_upload(
                        kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"], created_by=request.user
                    )
                except ApplicationError as exc:
                    form.add_error(exc.field if exc.field in form.fields else None, exc.message)
                else:
                    self.message_user(
                        request, f"Import queued: {job.source}. This page follows its progress.", messages.SUCCESS
                    )
                    change_url = reverse(
                        f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
                        args=[job.pk],
                        current_app=self.admin_site.name,
                    )
                    return HttpResponseRedirect(change_url)
        else:
            form = ImportCsvForm()
        context = {
            **self.admin_site.each_context(request),
            "title": "Import CSV",
            "opts": self.opts,
            "form": form,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/ingestion/importjob/import_csv.html", context)
