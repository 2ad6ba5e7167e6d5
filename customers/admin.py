"""Staff screens for customers and their memberships."""

from django.contrib import admin

from common.admin import export_as_csv
from customers.models import Customer, Membership


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("number", "tier", "start_date", "end_date")
    show_change_link = True


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "email", "gender", "region", "phone", "created_at")
    list_filter = ("region", "gender", "created_at")
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
