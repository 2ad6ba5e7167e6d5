"""Reads of the catalog."""

from django.db.models import QuerySet

from catalog.models import Category, Product


def category_list() -> QuerySet[Category]:
    return Category.objects.all()


def product_list(*, include_deleted: bool = False) -> QuerySet[Product]:
    """Products with their category; soft-deleted ones only when asked for."""
    products = Product.objects.select_related("category")
    return products if include_deleted else products.active()


def category_names() -> list[str]:
    return list(Category.objects.order_by("name").values_list("name", flat=True))


def category_names_present(*, names: tuple[str, ...]) -> set[str]:
    """Those of ``names`` that are the name of a category."""
    return set(Category.objects.filter(name__in=names).values_list("name", flat=True))
