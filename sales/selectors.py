"""Reads of teams, agents and orders."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    JSONField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
)

from customers.models import Customer
from sales.aggregates import DistinctNames, Revenue
from sales.models import Agent, Order, OrderLine, Team


def team_list() -> QuerySet[Team]:
    return Team.objects.all()


def agent_list() -> QuerySet[Agent]:
    return Agent.objects.select_related("team", "user")


def order_list(*, customer_id: int | None = None) -> QuerySet[Order]:
    """Orders with their lines and the lines' products in three queries, whatever the page size."""
    orders = Order.objects.prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.select_related("product").order_by("id"))
    )
    if customer_id is not None:
        orders = orders.filter(customer_id=customer_id)
    return orders


@dataclass(frozen=True)
class OrderLineScope:
    """Which order lines count: ordered in ``[ordered_from, ordered_before)``, in these categories and
    regions (an empty tuple: any)."""

    ordered_from: datetime | None = None
    ordered_before: datetime | None = None
    categories: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()

    def condition(self, *, order: str, line: str) -> Q:
        """The scope as a condition on the paths to the order and to its line (``""``: the model itself)."""

        def at(prefix: str, lookup: str) -> str:
            return f"{prefix}__{lookup}" if prefix else lookup

        condition = Q()
        if self.ordered_from is not None:
            condition &= Q(**{at(order, "ordered_at__gte"): self.ordered_from})
        if self.ordered_before is not None:
            condition &= Q(**{at(order, "ordered_at__lt"): self.ordered_before})
        if self.regions:
            condition &= Q(**{at(order, "region__in"): self.regions})
        if self.categories:
            condition &= Q(**{at(line, "product__category__name__in"): self.categories})
        return condition


def customer_sales_stats(*, scope: OrderLineScope, with_categories: bool = True) -> QuerySet[dict]:
    """Per customer with a line in ``scope``, their sales over those lines only: one grouped query.

    Rows of ``customer_id``, ``orders_count`` (distinct orders), ``total_revenue`` (sum of line
    totals, shipping excluded), ``average_order_value`` (revenue per order) and, ``with_categories``,
    ``categories`` (the lines' distinct category names, unordered). The orders in scope are grouped
    by their ``customer_id``, so no customer row is read; filtering the rows on these names becomes
    ``HAVING``. filter() comes before annotate(), so the aggregates run over the lines it kept.
    """
    rows = (
        Order.objects.filter(scope.condition(order="", line="lines"))
        .values("customer_id")
        .annotate(orders_count=Count("id", distinct=True), total_revenue=Revenue("lines__line_total"))
        .annotate(
            average_order_value=ExpressionWrapper(
                F("total_revenue") / F("orders_count"), output_field=DecimalField(max_digits=16, decimal_places=2)
            )
        )
    )
    if with_categories:
        rows = rows.annotate(categories=DistinctNames("lines__product__category__name", distinct=True))
    return rows.order_by()


def customers_without_sales(
    *, scope: OrderLineScope, customers: QuerySet[Customer], with_categories: bool = True
) -> QuerySet[dict]:
    """Those of ``customers`` with no line in ``scope``, as rows shaped like ``customer_sales_stats``'s, all zero."""
    in_scope = Order.objects.filter(scope.condition(order="", line="lines"), customer_id=OuterRef("pk"))
    rows = (
        customers.filter(~Exists(in_scope))
        .values(customer_id=F("pk"))
        .annotate(orders_count=Value(0), total_revenue=Value(0), average_order_value=Value(0))
    )
    if with_categories:
        rows = rows.annotate(categories=Value(None, output_field=JSONField()))
    return rows.order_by()


def order_lines_exist(*, scope: OrderLineScope) -> bool:
    """Whether any order line falls in ``scope``."""
    condition = scope.condition(order="order", line="")
    return OrderLine.objects.filter(condition).exists()


def order_regions_present(*, names: tuple[str, ...]) -> set[str]:
    """Those of ``names`` that some order carries as its region, one indexed lookup each."""
    return {name for name in names if Order.objects.filter(region=name).exists()}


def order_regions() -> list[str]:
    """Every region an order carries (a scan of the region index)."""
    return list(Order.objects.order_by("region").values_list("region", flat=True).distinct())


def order_time_span() -> tuple[datetime, datetime] | None:
    """When the first and the last stored order were placed, or ``None`` with no orders (one query)."""
    span = Order.objects.aggregate(first=Min("ordered_at"), last=Max("ordered_at"))
    if span["first"] is None:
        return None
    return span["first"], span["last"]
