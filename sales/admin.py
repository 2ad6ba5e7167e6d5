"""Staff screens for teams, agents and orders.

Orders are shown read-only, with their lines inline: every order write must
recompute totals and reserve or release stock, and that happens only in the
service layer (``sales.services``), reached through the REST API and the CSV
import. A plain admin form would bypass both, so the admin offers no add or
change for orders or lines; deleting goes through ``order_delete``, which
returns the units to stock.
"""

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from common.admin import export_as_csv
from sales.models import Agent, Order, OrderLine, Team
from sales.services import order_delete


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "agents_count")
    search_fields = ("name",)
    actions = (export_as_csv,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Team]:
        return super().get_queryset(request).annotate(agents_count=Count("agents"))

    @admin.display(description="agents", ordering="agents_count")
    def agents_count(self, obj: Team) -> int:
        return obj.agents_count


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "role", "team", "user")
    list_filter = ("role", "team")
    list_select_related = ("team", "user")
    search_fields = ("code", "name", "team__name", "user__username")
    autocomplete_fields = ("team", "user")
    actions = (export_as_csv,)


class ReadOnlyInlineMixin:
    """Lines change only together with their order's totals, so the inline only shows them."""

    def has_add_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        return False


class OrderLineInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = OrderLine
    extra = 0
    fields = ("product", "quantity", "unit_price", "discount", "line_total")
    readonly_fields = ("line_total",)
    autocomplete_fields = ("product",)


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "ordered_at",
        "customer",
        "agent",
        "region",
        "payment_method",
        "subtotal",
        "shipping_cost",
        "total_amount",
    )
    list_filter = ("region", "payment_method", "agent__role", "agent__team")
    list_select_related = ("customer", "agent")
    search_fields = ("code", "customer__name", "customer__code", "customer__email", "agent__name", "agent__code")
    autocomplete_fields = ("customer", "agent", "membership")
    readonly_fields = ("subtotal", "total_amount", "created_at", "updated_at")
    date_hierarchy = "ordered_at"
    fieldsets = (
        (None, {"fields": ("code", "ordered_at", "customer", "membership", "agent")}),
        ("Delivery and payment", {"fields": ("region", "payment_method")}),
        ("Totals", {"fields": ("subtotal", "shipping_cost", "total_amount")}),
        ("Timestamps", {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )
    inlines = (OrderLineInline,)
    actions = (export_as_csv,)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: Order) -> None:
        order_delete(order=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        """The bulk "delete selected" action, one service call per order so each returns its stock."""
        for order in queryset:
            order_delete(order=order)
