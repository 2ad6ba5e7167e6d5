"""Reads of teams, agents and orders."""

from datetime import datetime

from django.db.models import Max, Min, Prefetch, QuerySet

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


def order_time_span() -> tuple[datetime, datetime] | None:
    """When the first and the last stored order were placed, or ``None`` with no orders (one query)."""
    span = Order.objects.aggregate(first=Min("ordered_at"), last=Max("ordered_at"))
    if span["first"] is None:
        return None
    return span["first"], span["last"]
