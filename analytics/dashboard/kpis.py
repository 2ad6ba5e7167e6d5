"""The dashboard's headline numbers over a date window, in three set-based queries."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from analytics.rfm.window import DateWindow
from common.money import round_money
from customers.models import Membership
from sales.models import Order, OrderLine


@dataclass(frozen=True)
class DashboardKpis:
    total_sales: Decimal
    total_transactions: int
    products_sold: int
    new_memberships: int
    average_order_value: Decimal | None


def dashboard_kpis(*, window: DateWindow) -> DashboardKpis:
    """Revenue (line totals), orders, units, memberships starting in the window, and revenue per order."""
    orders = Order.objects.all()
    lines = OrderLine.objects.all()
    memberships = Membership.objects.all()
    if window.start_date is not None:
        orders = orders.filter(ordered_at__gte=window.starts_at)
        lines = lines.filter(order__ordered_at__gte=window.starts_at)
        memberships = memberships.filter(start_date__gte=window.start_date)
    if window.end_date is not None:
        orders = orders.filter(ordered_at__lt=window.ends_before)
        lines = lines.filter(order__ordered_at__lt=window.ends_before)
        memberships = memberships.filter(start_date__lte=window.end_date)
    totals = lines.aggregate(revenue=Sum("line_total"), units=Sum("quantity"))
    # Every order has a line, so counting the orders needs no COUNT(DISTINCT) over the lines.
    order_count = orders.count()
    revenue = round_money(Decimal(totals["revenue"] or 0))
    return DashboardKpis(
        total_sales=revenue,
        total_transactions=order_count,
        products_sold=totals["units"] or 0,
        new_memberships=memberships.count(),
        average_order_value=round_money(revenue / order_count) if order_count else None,
    )
