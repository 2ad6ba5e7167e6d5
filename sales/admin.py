"""Staff screens for teams, agents and orders.

Every order write must recompute totals and reserve or release stock, which
only the service layer (``sales.services``) does. So the order admin never
saves the form or its line formset itself: add, change and delete hand the
cleaned data to ``order_create``, ``order_update`` and ``order_delete``, and a
refusal from them (short stock, a foreign membership) comes back as a message.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from common.admin import export_as_csv
from common.exceptions import ApplicationError
from sales.models import Agent, Order, OrderLine, Team
from sales.services import order_create, order_delete, order_update

ORDER_FIELDS = ("customer", "agent", "membership", "ordered_at", "region", "payment_method", "shipping_cost")


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


class OrderLineForm(forms.ModelForm):
    unit_price = forms.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, help_text="Blank: the product's price."
    )

    class Meta:
        model = OrderLine
        fields = ("product", "quantity", "unit_price", "discount")


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    form = OrderLineForm
    extra = 1
    fields = ("product", "quantity", "unit_price", "discount", "line_total")
    readonly_fields = ("line_total",)
    autocomplete_fields = ("product",)


class OrderForm(forms.ModelForm):
    code = forms.CharField(max_length=64, required=False, help_text="External id; generated when left blank.")

    class Meta:
        model = Order
        fields = ("code", *ORDER_FIELDS)


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
    form = OrderForm
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

    def get_readonly_fields(self, request: HttpRequest, obj: Order | None = None) -> tuple[str, ...]:
        # The code is the CSV's external id: set once, then fixed.
        return (*self.readonly_fields, "code") if obj else self.readonly_fields

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ApplicationError as exc:
            # The service refused (and rolled back) the write; say why on the same page.
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request: HttpRequest, obj: Order, form: forms.ModelForm, change: bool) -> None:
        """Saving waits for the lines: ``save_related`` writes order and lines in one service call."""

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: list, change: bool) -> None:
        lines = [
            {key: line_form.cleaned_data.get(key) for key in ("product", "quantity", "unit_price", "discount")}
            for formset in formsets
            for line_form in formset.forms
            if line_form.cleaned_data and not line_form.cleaned_data.get("DELETE")
        ]
        fields = {name: form.cleaned_data.get(name) for name in ORDER_FIELDS}
        fields["region"] = fields["region"] or None  # blank: the customer's region
        if change:
            order = order_update(order=form.instance, lines=lines, **fields)
        else:
            order = order_create(code=form.cleaned_data.get("code") or None, lines=lines, **fields)
        form.instance.pk, form.instance.code = order.pk, order.code
        for formset in formsets:
            # The admin's change message reads these; the service, not the formset, saved the lines.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def delete_model(self, request: HttpRequest, obj: Order) -> None:
        order_delete(order=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        """The bulk "delete selected" action, one service call per order so each returns its stock."""
        for order in queryset:
            order_delete(order=order)
