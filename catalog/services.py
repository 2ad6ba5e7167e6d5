"""Writes to the catalog: categories, products and their stock."""

from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from catalog.models import Category, Product
from common.codes import generate_code
from common.exceptions import InsufficientStock
from common.services import record_create, record_update


def category_create(*, name: str, description: str = "") -> Category:
    return record_create(model=Category, data={"name": name, "description": description})


def category_update(*, category: Category, **data: Any) -> Category:
    return record_update(instance=category, data=data)


def category_delete(*, category: Category) -> None:
    """Refused with a conflict (ProtectedError) while products belong to the category."""
    category.delete()


def product_create(*, code: str | None = None, **data: Any) -> Product:
    return record_create(model=Product, data={"code": code or generate_code(prefix="PRD"), **data})


def product_update(*, product: Product, **data: Any) -> Product:
    return record_update(instance=product, data=data)


def product_soft_delete(*, product: Product) -> Product:
    """Products are never hard-deleted: old orders keep pointing at them."""
    return record_update(instance=product, data={"is_deleted": True})


@transaction.atomic
def stock_reserve(*, quantities: dict[int, int]) -> None:
    """Take ``quantities`` (product id → units) out of stock, all or nothing.

    Each conditional UPDATE locks its row and re-checks ``stock >= qty`` after
    the lock, so concurrent reservations for the last units can never drive
    stock negative; ids are taken in order so two orders cannot deadlock.
    """
    now = timezone.now()
    for product_id in sorted(quantities):
        quantity = quantities[product_id]
        if quantity <= 0:
            continue
        taken = Product.objects.filter(pk=product_id, stock__gte=quantity).update(
            stock=F("stock") - quantity, updated_at=now
        )
        if not taken:
            available = Product.objects.filter(pk=product_id).values_list("stock", flat=True).first() or 0
            raise InsufficientStock(
                f"Insufficient stock for product {product_id}: {quantity} requested, {available} available.",
                field="lines",
                extra={"product": product_id, "requested": quantity, "available": available},
            )


@transaction.atomic
def stock_release(*, quantities: dict[int, int]) -> None:
    """Put units back in stock (an order shrank or was deleted)."""
    now = timezone.now()
    for product_id in sorted(quantities):
        quantity = quantities[product_id]
        if quantity > 0:
            Product.objects.filter(pk=product_id).update(stock=F("stock") + quantity, updated_at=now)
