"""Reads of teams, agents and orders."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Case, Count, DecimalField, F, Prefetch, Q, QuerySet, Value, When

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


def customer_sales_stats(
    *, scope: OrderLineScope, include_customers_without_lines: bool = False, with_categories: bool = True
) -> QuerySet[Customer]:
    """Customers annotated with their sales over the lines in ``scope`` only, grouped in one query.

    ``orders_count`` (distinct orders), ``total_revenue`` (sum of line totals, shipping excluded),
    ``average_order_value`` (revenue per order, 0 without orders) and ``categories`` (the lines'
    distinct category names, unordered). Only customers with a line in scope, unless
    ``include_customers_without_lines``: then every customer, with zeros where none is. Filtering
    the result on these names becomes ``HAVING``.
    """
    condition = scope.condition(order="orders", line="orders__lines")
    if include_customers_without_lines:
        # Every customer: the scope moves from WHERE into each aggregate's FILTER, over outer joins.
        customers = Customer.objects.all()
        aggregate_filter = condition or None
    else:
        # filter() before annotate(): the aggregates run over the joined rows the filter kept.
        customers = Customer.objects.filter(condition) if condition else Customer.objects.filter(orders__isnull=False)
        aggregate_filter = None
    customers = customers.annotate(
        orders_count=Count("orders", filter=aggregate_filter, distinct=True),
        total_revenue=Revenue("orders__lines__line_total", filter=aggregate_filter, default=Decimal("0.00")),
    ).annotate(
        average_order_value=Case(
            When(orders_count=0, then=Value(Decimal("0.00"))),
            default=F("total_revenue") / F("orders_count"),
            output_field=DecimalField(max_digits=16, decimal_places=2),
        )
    )
    if with_categories:
        customers = customers.annotate(
            categories=DistinctNames("orders__lines__product__category__name", filter=aggregate_filter, distinct=True)
        )
    return customers


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
