"""Top customers and top products over a date range (seed 001's most valuable customer, most popular product).

Ranked by revenue, orders or units, descending, ties by id ascending; the
seed's single answers are ``limit=1``. Soft-deleted products keep their
history and rank like any other. The rollup path sums month x customer (or
product) rows for the range's whole months and reads the raw lines for the
partial months at its ends; the raw path reads lines for all of it. Either
way one statement ranks the union, and a second names the winners. All-time
top customers (the seed's "most valuable customer") read the customer totals.
"""

from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Count, F, QuerySet, Sum
from django.db.models.functions import Round

from analytics.models import CustomerMonthlySales, CustomerTotalSales, ProductMonthlySales
from analytics.params import TopBy, TopQuery
from analytics.periods import split_months
from analytics.selectors.sources import Source, days_between, money, ordered_between, use_rollups
from catalog.models import Product
from customers.models import Customer
from sales.models import OrderLine


@dataclass(frozen=True)
class TopCustomerRow:
    customer: int
    code: str
    name: str
    total_revenue: Decimal
    orders_count: int
    units: int


@dataclass(frozen=True)
class TopProductRow:
    product: int
    code: str
    name: str
    category: int
    units: int
    total_revenue: Decimal
    orders_count: int


def top_customers(query: TopQuery, *, source: Source = Source.AUTO) -> list[TopCustomerRow]:
    ranked = _ranked(
        query, source=source, rollup=CustomerMonthlySales, key="customer_id", line_key="order__customer_id"
    )
    names = Customer.objects.filter(pk__in=[row[0] for row in ranked]).in_bulk()
    return [
        TopCustomerRow(
            customer=key,
            code=names[key].code,
            name=names[key].name,
            total_revenue=money(revenue),
            orders_count=int(orders),
            units=int(units),
        )
        for key, orders, revenue, units in ranked
    ]


def top_products(query: TopQuery, *, source: Source = Source.AUTO) -> list[TopProductRow]:
    ranked = _ranked(query, source=source, rollup=ProductMonthlySales, key="product_id", line_key="product_id")
    products = Product.objects.filter(pk__in=[row[0] for row in ranked]).in_bulk()
    return [
        TopProductRow(
            product=key,
            code=products[key].code,
            name=products[key].name,
            category=products[key].category_id,
            units=int(units),
            total_revenue=money(revenue),
            orders_count=int(orders),
        )
        for key, orders, revenue, units in ranked
    ]


_RANK_BY = {
    # Revenue is rounded before it is compared: SQLite sums decimals as floats, so equal cents must tie.
    TopBy.REVENUE: "ROUND(SUM(revenue_sum), 2) DESC",
    TopBy.ORDERS: "SUM(orders_sum) DESC",
    TopBy.UNITS: "SUM(units_sum) DESC",
}


def _ranked(query: TopQuery, *, source: Source, rollup, key: str, line_key: str) -> list[tuple]:
    """(id, orders, revenue, units) of the top ``query.limit`` ids: one statement over the union of the parts."""
    zone = ZoneInfo(query.zone)
    rollups = use_rollups(source, zone=query.zone)
    if rollups and rollup is CustomerMonthlySales and query.start_date is None and query.end_date is None:
        return _all_time_customers(query)
    parts: list[QuerySet] = []
    line_spans = [(query.start_date, query.end_date)]
    if rollups:
        split = split_months(query.start_date, query.end_date)
        line_spans = [span for span in (split.head, split.tail) if span]
        if split.months is not None:
            parts.append(
                rollup.objects.filter(days_between("month", *split.months))
                .values(rank_key=F(key))
                .annotate(orders_sum=Sum("orders"), revenue_sum=Sum("revenue"), units_sum=Sum("units"))
            )
    for start, end in line_spans:
        parts.append(
            OrderLine.objects.filter(ordered_between("order__ordered_at", start, end, zone))
            .values(rank_key=F(line_key))
            .annotate(
                # One line per (order, product): a product's orders are its lines.
                orders_sum=Count("id") if line_key == "product_id" else Count("order_id", distinct=True),
                revenue_sum=Sum("line_total"),
                units_sum=Sum("quantity"),
            )
        )
    selects, params = [], []
    for part in parts:
        sql, part_params = (
            part.order_by().values_list("rank_key", "orders_sum", "revenue_sum", "units_sum").query.sql_with_params()
        )
        selects.append(f"SELECT * FROM ({sql}) part")
        params += part_params
    # The ORM cannot aggregate over a union: the outer statement is written here, its parts by the ORM.
    statement = (
        "SELECT rank_key, SUM(orders_sum), SUM(revenue_sum), SUM(units_sum)"
        f" FROM ({' UNION ALL '.join(selects)}) parts GROUP BY rank_key"
        f" ORDER BY {_RANK_BY[query.by]}, rank_key ASC LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [*params, query.limit])
        return cursor.fetchall()


def _all_time_customers(query: TopQuery) -> list[tuple]:
    """All time: the customer totals, ranked by an index on PostgreSQL (revenue there is exact numeric)."""
    field = {TopBy.REVENUE: "revenue", TopBy.ORDERS: "orders", TopBy.UNITS: "units"}[query.by]
    rank = F(field).desc()
    if field == "revenue" and connection.vendor != "postgresql":
        rank = Round(field, 2).desc()  # equal cents must tie, as in _RANK_BY
    totals = CustomerTotalSales.objects.order_by(rank, "customer_id")[: query.limit]
    return list(totals.values_list("customer_id", "orders", "revenue", "units"))
