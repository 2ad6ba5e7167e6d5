"""Reads of the catalog."""

from django.db.models import QuerySet

from catalog.models import Category, Product


def category_list() -> QuerySet[Category]:
    return Category.objects.all()


def product_list(*, include_deleted: bool = False) -> QuerySet[Product]:
    """Products with their category; soft-deleted ones only when asked for."""
    products = Product.objects.select_related("category")
    return products if include_deleted else products.active()
