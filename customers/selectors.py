"""Reads of customers, memberships and segments."""

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal

from django.db.models import QuerySet

from catalog.selectors import category_names, category_names_present
from common.money import round_money
from customers.criteria import SegmentCriteria
from customers.models import Customer, Membership, Segment, SegmentChange, SegmentSnapshot
from sales.selectors import (
    customer_sales_stats,
    customers_without_sales,
    order_lines_exist,
    order_regions,
    order_regions_present,
)


def customer_list() -> QuerySet[Customer]:
    return Customer.objects.all()


def membership_list() -> QuerySet[Membership]:
    return Membership.objects.select_related("customer")


def segment_list() -> QuerySet[Segment]:
    return Segment.objects.all()


def segment_members(
    *, criteria: SegmentCriteria, customers: QuerySet[Customer] | None = None, with_categories: bool = True
) -> QuerySet[dict]:
    """The customers the criteria select (among ``customers``, if given), as rows of ``customer_id`` and
    their stats over the matching lines, from one grouped query whose bounds are its ``HAVING``.

    With ``min_orders`` 0 the customers with no matching line are members too: their all-zero rows
    are added by ``UNION ALL`` (the two sets never overlap). ``categories`` is left out where only
    membership and revenue are needed: it costs a join to products and categories.
    ``segment_member_customers`` turns a page of rows into customers.
    """
    scope = criteria.line_scope()
    members = customer_sales_stats(scope=scope, with_categories=with_categories)
    if customers is not None:
        members = members.filter(customer_id__in=customers.values("pk"))
    bounds = {"orders_count__gte": criteria.min_orders}
    if criteria.max_orders is not None:
        bounds["orders_count__lte"] = criteria.max_orders
    if criteria.min_revenue is not None:
        bounds["total_revenue__gte"] = criteria.min_revenue
    if criteria.max_revenue is not None:
        bounds["total_revenue__lte"] = criteria.max_revenue
    members = members.filter(**bounds)
    if criteria.includes_customers_without_lines:
        idle = customers_without_sales(
            scope=scope, customers=customer_list() if customers is None else customers, with_categories=with_categories
        )
        # With max_orders 0 nobody with a matching order is a member: skip grouping their lines.
        members = idle if criteria.max_orders == 0 else members.union(idle, all=True)
    return members


def segment_member_customers(rows: Iterable[dict]) -> list[Customer]:
    """The customers of member rows, in the rows' order, each carrying its stats: one query."""
    rows = list(rows)
    customers = Customer.objects.in_bulk([row["customer_id"] for row in rows])
    members = []
    for row in rows:
        customer = customers[row["customer_id"]]
        for key, value in row.items():
            if key != "customer_id":
                setattr(customer, key, value)
        members.append(customer)
    return members


def segment_snapshot_list(*, segment: Segment) -> QuerySet[SegmentSnapshot]:
    return SegmentSnapshot.objects.filter(segment=segment)


def segment_change_list(*, segment: Segment) -> QuerySet[SegmentChange]:
    return SegmentChange.objects.filter(segment=segment).select_related("customer")


@dataclass(frozen=True)
class SegmentWarning:
    """Something about criteria a user likely did not mean; ``field`` names the criterion, if one."""

    code: str
    message: str
    field: str | None = None
    value: str | None = None


def _did_you_mean(name: str, known: list[str]) -> str:
    lowered = {candidate.lower(): candidate for candidate in known}
    if name.lower() in lowered:
        return f" Did you mean '{lowered[name.lower()]}'? Names are matched exactly."
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.75)
    return f" Did you mean '{close[0]}'?" if close else ""


def segment_warnings(*, criteria: SegmentCriteria, customers_count: int) -> list[SegmentWarning]:
    """Why criteria may select nothing: names that match nothing in the data, and criteria no customer meets."""
    warnings: list[SegmentWarning] = []
    if criteria.categories:
        present = category_names_present(names=criteria.categories)
        unknown = [name for name in criteria.categories if name not in present]
        known = category_names() if unknown else []
        for name in unknown:
            warnings.append(
                SegmentWarning(
                    code="unknown_category",
                    field="categories",
                    value=name,
                    message=f"No category is named '{name}'.{_did_you_mean(name, known)}",
                )
            )
    if criteria.regions:
        present = order_regions_present(names=criteria.regions)
        unknown = [name for name in criteria.regions if name not in present]
        known = order_regions() if unknown else []
        for name in unknown:
            warnings.append(
                SegmentWarning(
                    code="unknown_region",
                    field="regions",
                    value=name,
                    message=f"No order is from the region '{name}'.{_did_you_mean(name, known)}",
                )
            )
    if customers_count == 0:
        warnings.append(SegmentWarning(code="no_members", message=_why_empty(criteria)))
    return warnings


def _why_empty(criteria: SegmentCriteria) -> str:
    """The first reason, from the window down to the bounds, that no customer meets the criteria."""
    scope = criteria.line_scope()
    if order_lines_exist(scope=scope):
        return (
            "No customer meets these criteria: customers have matching order lines, "
            "but none has an order count and revenue within the bounds."
        )
    dated = criteria.start_date is not None or criteria.end_date is not None
    if dated and not order_lines_exist(scope=replace(scope, categories=(), regions=())):
        return "No customer meets these criteria: no order falls between start_date and end_date."
    if scope.categories and scope.regions:
        return "No customer meets these criteria: no order line is in these categories and regions together."
    return "No customer meets these criteria: no order line matches them."


def member_average_order_value(member: Customer) -> Decimal:
    """Revenue per order from a member's exact stats, rounded half-up to cents (0 without orders)."""
    if not member.orders_count:
        return Decimal("0.00")
    return round_money(member.total_revenue / member.orders_count)
