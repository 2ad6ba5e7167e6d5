"""Staff screens for customers, their memberships and segments with their history."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from common.admin import export_as_csv
from customers.criteria import CriteriaError, criteria_parse
from customers.models import Customer, Membership, RefreshReason, Segment, SegmentChange, SegmentSnapshot
from customers.services import segment_create, segment_delete, segment_refresh, segment_update


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("number", "tier", "start_date", "end_date")
    show_change_link = True


class SegmentMemberFilter(admin.SimpleListFilter):
    """Customers in a segment as of its last refresh (the members its history was computed from)."""

    title = "segment (as of its last refresh)"
    parameter_name = "segment"

    def lookups(self, request, model_admin):
        return list(Segment.objects.order_by("name").values_list("pk", "name"))

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        if not self.value().isdigit():
            return queryset.none()
        return queryset.filter(segment_memberships__segment_id=int(self.value()))


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "email", "gender", "region", "phone", "created_at")
    list_filter = ("region", "gender", "created_at", SegmentMemberFilter)
    search_fields = ("code", "name", "email", "phone")
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("code", "name", "email", "phone")}),
        ("Profile", {"fields": ("gender", "date_of_birth", "address", "region")}),
        ("Timestamps", {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )
    inlines = (MembershipInline,)
    actions = (export_as_csv,)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("number", "customer", "tier", "start_date", "end_date", "created_at")
    list_filter = ("tier", "start_date")
    list_select_related = ("customer",)
    search_fields = ("number", "customer__name", "customer__code", "customer__email")
    autocomplete_fields = ("customer",)
    readonly_fields = ("created_at", "updated_at")
    date_hierarchy = "start_date"
    actions = (export_as_csv,)


def criteria_summary(criteria: dict) -> str:
    """Criteria as a sentence a person reads at a glance."""
    try:
        rules = criteria_parse(criteria)
    except CriteriaError as exc:
        return f"Invalid criteria: {exc}"
    orders = f"at least {rules.min_orders}" if rules.max_orders is None else f"{rules.min_orders} to {rules.max_orders}"
    parts = [f"Orders: {orders}"]
    if rules.min_revenue is not None or rules.max_revenue is not None:
        low = f"{rules.min_revenue:,.2f}" if rules.min_revenue is not None else "0.00"
        parts.append(
            f"Revenue: {low} to {rules.max_revenue:,.2f}"
            if rules.max_revenue is not None
            else f"Revenue: at least {low}"
        )
    if rules.categories:
        parts.append("Categories: " + ", ".join(rules.categories))
    if rules.regions:
        parts.append("Regions: " + ", ".join(rules.regions))
    if rules.start_date or rules.end_date:
        start = rules.start_date.isoformat() if rules.start_date else "the first order"
        end = rules.end_date.isoformat() if rules.end_date else "today"
        parts.append(f"Ordered: {start} to {end}")
    return " · ".join(parts)


@admin.action(description="Refresh selected segments now")
def refresh_segments(model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Segment]) -> None:
    moved = 0
    for segment_id in queryset.values_list("pk", flat=True):
        moved += segment_refresh(segment_id=segment_id, reason=RefreshReason.MANUAL).snapshot is not None
    model_admin.message_user(
        request, f"Refreshed {queryset.count()} segment(s); {moved} moved and got a new snapshot.", messages.SUCCESS
    )


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    list_display = ("name", "criteria_readable", "customers_count", "total_revenue", "refreshed_at", "links")
    search_fields = ("name", "description")
    readonly_fields = (
        "criteria_readable",
        "customers_count",
        "total_revenue",
        "refreshed_at",
        "history_line",
        "links",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("name", "description")}),
        ("Criteria", {"fields": ("criteria", "criteria_readable")}),
        (
            "As of the last refresh",
            {"fields": ("customers_count", "total_revenue", "refreshed_at", "history_line", "links")},
        ),
        ("Timestamps", {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )
    actions = (refresh_segments, export_as_csv)

    @admin.display(description="criteria")
    def criteria_readable(self, segment: Segment) -> str:
        return criteria_summary(segment.criteria)

    @admin.display(description="members and history")
    def links(self, segment: Segment) -> str:
        if segment.pk is None:
            return "-"
        customers = reverse("admin:customers_customer_changelist") + f"?segment={segment.pk}"
        snapshots = reverse("admin:customers_segmentsnapshot_changelist") + f"?segment__id__exact={segment.pk}"
        changes = reverse("admin:customers_segmentchange_changelist") + f"?segment__id__exact={segment.pk}"
        api = reverse("segment-customers", kwargs={"pk": segment.pk})
        return format_html(
            '<a href="{}">Members</a> · <a href="{}">CSV</a> · <a href="{}">History</a> · <a href="{}">Changes</a>',
            customers,
            f"{api}?format=csv",
            snapshots,
            changes,
        )

    def save_model(self, request: HttpRequest, obj: Segment, form, change: bool) -> None:
        # Through the services, so a save refreshes the segment and new criteria start a new history line.
        criteria = criteria_parse(form.cleaned_data.get("criteria"))
        if change:
            segment_update(segment=obj, name=obj.name, description=obj.description, criteria=criteria)
            return
        created = segment_create(name=obj.name, description=obj.description, criteria=criteria).segment
        obj.pk = created.pk
        obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: Segment) -> None:
        segment_delete(segment=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Segment]) -> None:
        for segment in queryset:
            segment_delete(segment=segment)


class _ReadOnlyHistoryAdmin(admin.ModelAdmin):
    """History is written by refreshes only."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(SegmentSnapshot)
class SegmentSnapshotAdmin(_ReadOnlyHistoryAdmin):
    list_display = (
        "taken_at",
        "segment",
        "line",
        "reason",
        "customers_count",
        "total_revenue",
        "entered_count",
        "left_count",
    )
    list_filter = ("segment", "reason")
    list_select_related = ("segment",)
    date_hierarchy = "taken_at"
    actions = (export_as_csv,)


@admin.register(SegmentChange)
class SegmentChangeAdmin(_ReadOnlyHistoryAdmin):
    list_display = ("at", "segment", "customer", "direction")
    list_filter = ("segment", "direction")
    list_select_related = ("segment", "customer")
    search_fields = ("customer__name", "customer__code", "customer__email")
    date_hierarchy = "at"
    actions = (export_as_csv,)
