"""Writes to teams, agents and orders; orders keep totals and stock right."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from analytics.rollups import order_touch, rollups_refresh
from analytics.services import data_version_bump
from catalog.models import Product
from catalog.services import stock_release, stock_reserve
from common.codes import generate_code
from common.exceptions import ApplicationError
from common.money import compute_line_total
from common.services import record_create, record_update
from customers.models import Customer, Membership
from customers.services import segments_refresh_after_order_write
from sales.models import Agent, Order, OrderLine, Team


def team_create(*, name: str) -> Team:
    return record_create(model=Team, data={"name": name})


def team_update(*, team: Team, **data: Any) -> Team:
    return record_update(instance=team, data=data)


def team_delete(*, team: Team) -> None:
    """Refused with a conflict while agents belong to the team."""
    team.delete()


def agent_create(*, code: str | None = None, **data: Any) -> Agent:
    return record_create(model=Agent, data={"code": code or generate_code(prefix="AGT"), **data})


def agent_update(*, agent: Agent, **data: Any) -> Agent:
    return record_update(instance=agent, data=data)


def agent_delete(*, agent: Agent) -> None:
    """Refused with a conflict while orders reference the agent."""
    agent.delete()


# Order amounts are stored with 14 digits, 2 of them decimals.
MAX_AMOUNT = Decimal(10) ** 12


@dataclass(frozen=True)
class PricedLine:
    product: Product
    quantity: int
    unit_price: Decimal
    discount: Decimal
    line_total: Decimal


def _price_lines(*, lines: list[dict[str, Any]], allowed_deleted: set[int]) -> list[PricedLine]:
    """Default each line's price to the product's and compute its total; one line per product."""
    if not lines:
        raise ApplicationError("An order needs at least one line.", field="lines")
    seen: set[int] = set()
    priced = []
    for line in lines:
        product: Product = line["product"]
        if product.pk in seen:
            raise ApplicationError(f"Product {product.pk} appears on more than one line.", field="lines")
        seen.add(product.pk)
        if product.is_deleted and product.pk not in allowed_deleted:
            raise ApplicationError(f"Product {product.pk} has been deleted and cannot be ordered.", field="lines")
        quantity = int(line["quantity"])
        if quantity <= 0:
            raise ApplicationError("Quantity must be greater than zero.", field="lines")
        unit_price = line.get("unit_price")
        unit_price = product.unit_price if unit_price is None else Decimal(unit_price)
        discount = Decimal(line.get("discount") or 0)
        if not Decimal(0) <= discount <= Decimal(1):
            raise ApplicationError("Discount must be between 0 and 1.", field="lines")
        line_total = compute_line_total(quantity=quantity, unit_price=unit_price, discount=discount)
        if line_total >= MAX_AMOUNT:
            raise ApplicationError(
                f"The line for product {product.pk} exceeds the largest amount stored.", field="lines"
            )
        priced.append(PricedLine(product, quantity, unit_price, discount, line_total))
    return priced


def _check_membership(*, customer: Customer, membership: Membership | None) -> None:
    if membership is not None and membership.customer_id != customer.pk:
        raise ApplicationError("The membership belongs to another customer.", field="membership")


def _apply_totals(*, order: Order, priced: list[PricedLine]) -> None:
    order.subtotal = sum((line.line_total for line in priced), Decimal("0.00"))
    order.total_amount = order.subtotal + order.shipping_cost
    if order.total_amount >= MAX_AMOUNT:
        raise ApplicationError("The order total exceeds the largest amount stored.", field="lines")


@transaction.atomic
def order_create(
    *,
    customer: Customer,
    lines: list[dict[str, Any]],
    agent: Agent | None = None,
    membership: Membership | None = None,
    ordered_at: datetime | None = None,
    region: str | None = None,
    payment_method: str = "",
    shipping_cost: Decimal = Decimal("0"),
    code: str | None = None,
) -> Order:
    """Create an order with its lines, reserving stock for every line or failing whole (409)."""
    _check_membership(customer=customer, membership=membership)
    priced = _price_lines(lines=lines, allowed_deleted=set())
    stock_reserve(quantities={line.product.pk: line.quantity for line in priced})
    order = Order(
        code=code or generate_code(prefix="ORD"),
        customer=customer,
        agent=agent,
        membership=membership,
        ordered_at=ordered_at or timezone.now(),
        region=customer.region if region is None else region,
        payment_method=payment_method,
        shipping_cost=Decimal(shipping_cost),
    )
    _apply_totals(order=order, priced=priced)
    order.full_clean()
    order.save()
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            product=line.product,
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount=line.discount,
            line_total=line.line_total,
        )
        for line in priced
    )
    rollups_refresh(_touch(order, {line.product.pk for line in priced}))
    data_version_bump()
    transaction.on_commit(segments_refresh_after_order_write, robust=True)
    return order


@transaction.atomic
def order_update(*, order: Order, lines: list[dict[str, Any]] | None = None, **fields: Any) -> Order:
    """Change an order; new lines re-reserve only the difference in stock per product.

    Lines are matched by product, so a kept product keeps its line id.
    """
    order = Order.objects.select_for_update().get(pk=order.pk)
    stored_at, stored_customer_id = order.ordered_at, order.customer_id
    for name, value in fields.items():
        setattr(order, name, value)
    _check_membership(customer=order.customer, membership=order.membership)
    current = {line.product_id: line for line in order.lines.select_related("product")}
    # The rollups lose the order from where it was and gain it where it goes.
    before = order_touch(ordered_at=stored_at, customer_id=stored_customer_id, product_ids=current)
    if lines is not None:
        priced = _price_lines(lines=lines, allowed_deleted=set(current))
        delta: dict[int, int] = defaultdict(int)
        for line in priced:
            delta[line.product.pk] += line.quantity
        for product_id, line in current.items():
            delta[product_id] -= line.quantity
        stock_release(quantities={pid: -qty for pid, qty in delta.items() if qty < 0})
        stock_reserve(quantities={pid: qty for pid, qty in delta.items() if qty > 0})
        wanted = {line.product.pk for line in priced}
        OrderLine.objects.filter(order=order).exclude(product_id__in=wanted).delete()
        for line in priced:
            OrderLine.objects.update_or_create(
                order=order,
                product=line.product,
                defaults={
                    "quantity": line.quantity,
                    "unit_price": line.unit_price,
                    "discount": line.discount,
                    "line_total": line.line_total,
                },
            )
    else:
        priced = [
            PricedLine(line.product, line.quantity, line.unit_price, line.discount, line.line_total)
            for line in current.values()
        ]
    order.shipping_cost = Decimal(order.shipping_cost)
    _apply_totals(order=order, priced=priced)
    order.full_clean()
    order.save()
    rollups_refresh(before | _touch(order, {line.product.pk for line in priced}))
    data_version_bump()
    transaction.on_commit(segments_refresh_after_order_write, robust=True)
    return order


@transaction.atomic
def order_delete(*, order: Order) -> None:
    """Delete an order and return its units to stock."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    quantities = dict(order.lines.values_list("product_id", "quantity"))
    stock_release(quantities=quantities)
    order.delete()
    rollups_refresh(_touch(order, set(quantities)))
    data_version_bump()
    transaction.on_commit(segments_refresh_after_order_write, robust=True)


def _touch(order: Order, product_ids: set[int]):
    """The rollup rows that count ``order`` with lines of ``product_ids``."""
    return order_touch(ordered_at=order.ordered_at, customer_id=order.customer_id, product_ids=product_ids)
