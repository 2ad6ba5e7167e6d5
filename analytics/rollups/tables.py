"""The rollup tables' definitions and the SQL that fills them from the order lines."""

import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import reduce
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Count, DateField, F, Q, QuerySet, Sum
from django.db.models.functions import Trunc, TruncDate, TruncMonth

from analytics.periods import Interval, bucket_last_day, local_midnight

# pg_advisory_xact_lock(class, month) keys; any constant apart from other advisory lock users.


@dataclass(frozen=True)
class Rollup:
    """One rollup table: its model, grain, the line expressions its key columns group by, and its scope."""

    model_name: str
    grain: str  # "day" or "month": the first key column; "all": no time key (all-time totals)
    keys: dict[str, str]  # key column -> expression over the source (after ``rollup_day`` / ``rollup_month``)
    scope: str | None = None  # "customer" / "product": the monthly rollups refresh only the ids a write touched
    count_lines: bool = False  # one line per (order, product): counting lines counts the product's orders
    summed_from: str | None = None  # a rollup listed earlier whose rows this one sums, instead of the lines


ROLLUPS = (
    Rollup("AgentDailySales", "day", {"day": "rollup_day", "agent_id": "order__agent_id"}),
    Rollup(
        "AgentMonthlySales", "month", {"month": "rollup_month", "agent_id": "agent_id"}, summed_from="AgentDailySales"
    ),
    Rollup("CategoryDailySales", "day", {"day": "rollup_day", "category_id": "product__category_id"}),
    Rollup(
        "RegionPaymentDailySales",
        "day",
        {"day": "rollup_day", "region": "order__region", "payment_method": "order__payment_method"},
    ),
    Rollup("CustomerMonthlySales", "month", {"month": "rollup_month", "customer_id": "order__customer_id"}, "customer"),
    Rollup(
        "ProductMonthlySales",
        "month",
        {"month": "rollup_month", "product_id": "product_id"},
        "product",
        count_lines=True,
    ),
    Rollup("CustomerTotalSales", "all", {"customer_id": "customer_id"}, "customer", summed_from="CustomerMonthlySales"),
)
SCOPE_FILTERS = {"customer": "order__customer_id__in", "product": "product_id__in"}


# --- the aggregate queries --------------------------------------------------


def order_lines(apps, zone: ZoneInfo, ranges: list[tuple[datetime, datetime]] | None) -> QuerySet:
    """Order lines of orders placed within any of ``ranges`` (half-open instants; None: all), with local buckets."""
    lines = apps.get_model("sales", "OrderLine").objects.order_by()
    if ranges is not None:
        lines = lines.filter(
            any_of(Q(order__ordered_at__gte=start, order__ordered_at__lt=end) for start, end in ranges)
        )
    return lines.annotate(
        rollup_day=TruncDate("order__ordered_at", tzinfo=zone),
        rollup_month=TruncMonth("order__ordered_at", tzinfo=zone, output_field=DateField()),
    )


def rollup_source(apps, rollup: Rollup, zone: ZoneInfo, ranges, spans: list[tuple[date, date]] | None) -> QuerySet:
    """The rows ``rollup`` aggregates: order lines, or the rows of the finer rollup it sums."""
    if rollup.summed_from is None:
        return order_lines(apps, zone, ranges)
    rows = apps.get_model("analytics", rollup.summed_from).objects.order_by()
    if rollup.grain == "all":  # totals: every month of the customers in scope (the caller filters them)
        return rows
    if spans is not None:  # months: their days, first to last
        rows = rows.filter(any_of(Q(day__range=(first, month_end(last))) for first, last in spans))
    return rows.annotate(rollup_month=Trunc("day", "month", output_field=DateField()))


def insert_rollup(model, rollup: Rollup, lines: QuerySet) -> None:
    """``INSERT INTO rollup (...) SELECT ...`` from an ORM aggregate of ``lines``: the ORM writes a portable SELECT."""
    if rollup.summed_from is not None:
        measures = {"rollup_orders": Sum("orders"), "rollup_revenue": Sum("revenue"), "rollup_units": Sum("units")}
    else:
        measures = {
            "rollup_orders": Count("id") if rollup.count_lines else Count("order_id", distinct=True),
            "rollup_revenue": Sum("line_total"),
            "rollup_units": Sum("quantity"),
        }
    keys = list(rollup.keys.values())
    # In key order: each table's unique index then grows at its end instead of being written all over.
    source = lines.values(*keys).annotate(**measures).values_list(*keys, *measures).order_by(*keys)
    select_sql, params = source.query.sql_with_params()
    quote = connection.ops.quote_name
    target = ", ".join(quote(column) for column in (*rollup.keys, "orders", "revenue", "units"))
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(model._meta.db_table)} ({target}) {select_sql}", params)


def present_rollups(apps) -> list[Rollup]:
    """The rollups the registry has: a migration's historical one may predate later tables."""
    names = {model.__name__ for model in apps.get_app_config("analytics").get_models()}
    return [rollup for rollup in ROLLUPS if rollup.model_name in names]


def refresh_in_one_pass(
    apps, zone: ZoneInfo, spans: list[tuple[date, date]] | None, *, progress: Callable[[str], None] | None = None
) -> None:
    """Recompute every rollup over ``spans`` of whole months (None: everything) in one statement (PostgreSQL).

    The lines are read and joined once into a materialised set, summed per
    order once, and each table is inserted from those by its own CTE: a third
    of the work of one pass per table, which matters for a first load of a
    million lines inside the import's transaction. The agent monthly rollup is
    then summed from the daily one, as on every path. The other path
    (``insert_rollup`` per table) does the same arithmetic, and the tests compare them.
    """
    present = present_rollups(apps)
    models = {rollup.model_name: apps.get_model("analytics", rollup.model_name) for rollup in present}
    for rollup in present:
        model = models[rollup.model_name]
        rows = model.objects.all()
        if spans is not None and rollup.grain != "all":  # totals are summed again whole, from the months
            rows = rows.filter(any_of(Q(**{f"{rollup.grain}__range": span}) for span in spans))
        rows.delete()
    lines = order_lines(apps, zone, None if spans is None else local_instants(spans, zone)).values(
        f_order=F("order_id"),
        f_day=F("rollup_day"),
        f_month=F("rollup_month"),
        f_agent=F("order__agent_id"),
        f_customer=F("order__customer_id"),
        f_region=F("order__region"),
        f_payment=F("order__payment_method"),
        f_product=F("product_id"),
        f_category=F("product__category_id"),
        f_total=F("line_total"),
        f_quantity=F("quantity"),
    )
    lines_sql, params = lines.query.sql_with_params()
    table = {name: connection.ops.quote_name(model._meta.db_table) for name, model in models.items()}
    measures = "orders, revenue, units"
    statement = f"""
        WITH lines AS MATERIALIZED ({lines_sql}),
        per_order AS MATERIALIZED (
            SELECT f_order, f_day, f_month, f_agent, f_customer, f_region, f_payment,
                   SUM(f_total) AS revenue, SUM(f_quantity) AS units
            FROM lines GROUP BY f_order, f_day, f_month, f_agent, f_customer, f_region, f_payment
        ),
        agents AS (
            INSERT INTO {table["AgentDailySales"]} (day, agent_id, {measures})
            SELECT f_day, f_agent, COUNT(*), SUM(revenue), SUM(units) FROM per_order GROUP BY f_day, f_agent
            ORDER BY f_day, f_agent
        ),
        regions AS (
            INSERT INTO {table["RegionPaymentDailySales"]} (day, region, payment_method, {measures})
            SELECT f_day, f_region, f_payment, COUNT(*), SUM(revenue), SUM(units)
            FROM per_order GROUP BY f_day, f_region, f_payment ORDER BY f_day, f_region, f_payment
        ),
        customers AS (
            INSERT INTO {table["CustomerMonthlySales"]} (month, customer_id, {measures})
            SELECT f_month, f_customer, COUNT(*), SUM(revenue), SUM(units) FROM per_order GROUP BY f_month, f_customer
            ORDER BY f_month, f_customer
        ),
        categories AS (
            INSERT INTO {table["CategoryDailySales"]} (day, category_id, {measures})
            SELECT f_day, f_category, COUNT(*), SUM(revenue), SUM(units) FROM (
                SELECT f_day, f_category, f_order, SUM(f_total) AS revenue, SUM(f_quantity) AS units
                FROM lines GROUP BY f_day, f_category, f_order
            ) per_order_category GROUP BY f_day, f_category ORDER BY f_day, f_category
        )
        INSERT INTO {table["ProductMonthlySales"]} (month, product_id, {measures})
        SELECT f_month, f_product, COUNT(*), SUM(f_total), SUM(f_quantity) FROM lines GROUP BY f_month, f_product
        ORDER BY f_month, f_product
    """
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '256MB'")  # room for the hash aggregates; this transaction only
        cursor.execute(statement, params)
    done = [rollup.model_name for rollup in present if rollup.summed_from is None]
    for rollup in present:
        if rollup.summed_from is not None:
            source = rollup_source(apps, rollup, zone, None, spans)
            insert_rollup(models[rollup.model_name], rollup, source)
            done.append(rollup.model_name)
    if progress is not None:
        for name in done:
            progress(name)


# --- helpers ----------------------------------------------------------------


def any_of(conditions: Iterable[Q]) -> Q:
    return reduce(operator.or_, conditions)


def local_instants(runs: list[tuple[date, date]], zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
    return [(local_midnight(first, zone), local_midnight(last + timedelta(days=1), zone)) for first, last in runs]


def month_end(month: date) -> date:
    return bucket_last_day(month, Interval.MONTH)
