"""Staff screens for RFM runs: read-only records of what each run found."""

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from analytics.rfm.models import RfmRun, RfmRunSegment
from common.admin import export_as_csv


class RfmRunSegmentInline(admin.TabularInline):
    model = RfmRunSegment
    fields = ("name", "customers_count", "total_revenue", "cluster", "r_score", "f_score", "m_score")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(RfmRun)
class RfmRunAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "status",
        "algorithm",
        "start_date",
        "end_date",
        "reference_date",
        "customers_count",
        "segments_count",
        "silhouette_score",
        "davies_bouldin_index",
        "created_at",
        "completed_at",
    )
    list_filter = ("status", "algorithm", "reference_date")
    date_hierarchy = "created_at"
    list_select_related = ("created_by",)
    readonly_fields = [field.name for field in RfmRun._meta.fields]
    inlines = (RfmRunSegmentInline,)
    actions = (export_as_csv,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[RfmRun]:
        return super().get_queryset(request).annotate(segments_count=Count("segments"))

    @admin.display(description="segments", ordering="segments_count")
    def segments_count(self, obj: RfmRun) -> int:
        return obj.segments_count

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Runs are started from the API or run_rfm, which queue and compute them.
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
