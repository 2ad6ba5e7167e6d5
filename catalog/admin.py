"""Staff screens for the catalog; products are soft-deleted, never removed."""

from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from catalog.models import Category, Product
from common.admin import export_as_csv


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "description", "products_count")
    search_fields = ("name", "description")
    actions = (export_as_csv,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Category]:
        return super().get_queryset(request).annotate(products_count=Count("products"))

    @admin.display(description="products", ordering="products_count")
    def products_count(self, obj: Category) -> int:
        return obj.products_count


@admin.action(description="Soft delete selected products")
def soft_delete_products(model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Product]) -> None:
    """Flag instead of delete, so orders that reference the products keep them."""
    updated = queryset.filter(is_deleted=False).update(is_deleted=True, updated_at=timezone.now())
    model_admin.message_user(request, f"Soft-deleted {updated} product(s).", messages.SUCCESS)


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "category", "unit_price", "stock", "is_deleted", "updated_at")
    list_filter = ("is_deleted", "category")
    list_select_related = ("category",)
    search_fields = ("code", "name", "category__name")
    autocomplete_fields = ("category",)
    readonly_fields = ("created_at", "updated_at")
    actions = (export_as_csv, soft_delete_products)

    def has_delete_permission(self, request: HttpRequest, obj: Product | None = None) -> bool:
        """Hard deletes would break order history; the soft-delete action replaces them."""
        return False
