"""Rollups: sales pre-aggregated by local day or month, kept exact inside every write's transaction.

Grains, each chosen for the reports it serves (``docs/analytics.md`` has the sizes):

- day x agent: by-agent and by-team at every interval (a day is the finest
  bucket and date bounds are whole days; agents' names, roles and teams are
  joined when a report runs, so renaming or moving an agent needs no refresh),
  and the metrics' totals and team / agent-role segments;
- day x category and day x region x payment method: the metrics' other
  segments (a dimension each, never their cross product, which would be
  nearly as large as the orders);
- month x customer and month x product: top lists over whole months; the
  partial months at the ends of a range are read from the raw tables;
- customer totals (summed from the months): the all-time top customers, the
  seed's "most valuable customer", without summing every month each time.

Refreshing recomputes the touched days (and their months, for the monthly
rollups) from the raw tables, which keeps the rollups self-correcting and
exact; a write touches one or two days, an import the days its orders fall
on. Concurrent writers serialise per month on a PostgreSQL advisory lock, the
last lock each transaction takes; SQLite serialises writers already.
Rollups are built for one ``ANALYTICS_TIME_ZONE`` (``RollupState``): under
another zone reports read the raw tables until ``rebuild_rollups`` is run.
"""

import operator
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import reduce
from zoneinfo import ZoneInfo

from django.apps import apps as global_apps
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, DateField, F, Q, QuerySet, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import Trunc, TruncDate, TruncMonth
from django.db.models.signals import post_save, pre_save
from django.utils import timezone

from analytics.periods import Interval, bucket_last_day, day_runs, local_midnight

# pg_advisory_xact_lock(class, month) keys; any constant apart from other advisory lock users.
LOCK_CLASS = 7_340_012


@dataclass(frozen=True)
class RollupTouch:
    """What a write changed: local days, and for the monthly rollups which customers and products (None: all)."""

    days: frozenset[date] = frozenset()
    customer_ids: frozenset[int] | None = frozenset()
    product_ids: frozenset[int] | None = frozenset()
    tables: frozenset[str] | None = None  # the rollups to refresh, by model name (None: all)

    def __or__(self, other: "RollupTouch") -> "RollupTouch":
        def union(a: frozenset | None, b: frozenset | None) -> frozenset | None:
            return None if a is None or b is None else a | b

        return RollupTouch(
            days=self.days | other.days,
            customer_ids=union(self.customer_ids, other.customer_ids),
            product_ids=union(self.product_ids, other.product_ids),
            tables=union(self.tables, other.tables),
        )

    @property
    def months(self) -> frozenset[date]:
        return frozenset(day.replace(day=1) for day in self.days)


@dataclass(frozen=True)
class _Rollup:
    """One rollup table: its model, grain, the line expressions its key columns group by, and its scope."""

    model_name: str
    grain: str  # "day" or "month": the first key column; "all": no time key (all-time totals)
    keys: dict[str, str]  # key column -> expression over the source (after ``rollup_day`` / ``rollup_month``)
    scope: str | None = None  # "customer" / "product": the monthly rollups refresh only the ids a write touched
    count_lines: bool = False  # one line per (order, product): counting lines counts the product's orders
    summed_from: str | None = None  # a rollup listed earlier whose rows this one sums, instead of the lines


ROLLUPS = (
    _Rollup("AgentDailySales", "day", {"day": "rollup_day", "agent_id": "order__agent_id"}),
    _Rollup(
        "AgentMonthlySales", "month", {"month": "rollup_month", "agent_id": "agent_id"}, summed_from="AgentDailySales"
    ),
    _Rollup("CategoryDailySales", "day", {"day": "rollup_day", "category_id": "product__category_id"}),
    _Rollup(
        "RegionPaymentDailySales",
        "day",
        {"day": "rollup_day", "region": "order__region", "payment_method": "order__payment_method"},
    ),
    _Rollup(
        "CustomerMonthlySales", "month", {"month": "rollup_month", "customer_id": "order__customer_id"}, "customer"
    ),
    _Rollup(
        "ProductMonthlySales",
        "month",
        {"month": "rollup_month", "product_id": "product_id"},
        "product",
        count_lines=True,
    ),
    _Rollup(
        "CustomerTotalSales", "all", {"customer_id": "customer_id"}, "customer", summed_from="CustomerMonthlySales"
    ),
)
_SCOPE_FILTERS = {"customer": "order__customer_id__in", "product": "product_id__in"}


def rollups_usable(*, zone: str | None = None) -> bool:
    """Whether the rollups were built in ``zone`` (default: the current analytics zone); one query.

    No state row means the tables were emptied with everything else (a
    flush), and empty rollups agree with empty orders in any zone.
    """
    from analytics.models import RollupState

    built_in = RollupState.objects.filter(pk=1).values_list("time_zone", flat=True).first()
    return built_in is None or built_in == (zone or settings.ANALYTICS_TIME_ZONE)


def order_touch(*, ordered_at: datetime, customer_id: int, product_ids: Iterable[int]) -> RollupTouch:
    """What one order's rows in the rollups depend on, read from the order in memory (no query)."""
    day = timezone.localtime(ordered_at, ZoneInfo(settings.ANALYTICS_TIME_ZONE)).date()
    return RollupTouch(days=frozenset({day}), customer_ids=frozenset({customer_id}), product_ids=frozenset(product_ids))


def rollups_refresh(touch: RollupTouch, *, apps=global_apps) -> None:
    """Recompute the rollup rows ``touch`` names from the raw tables. Call inside the write's transaction."""
    if not touch.days or not rollups_usable():
        return
    zone = ZoneInfo(settings.ANALYTICS_TIME_ZONE)
    day_spans = day_runs(set(touch.days))
    month_spans = _month_runs(touch.months)
    spans = {
        "day": (day_spans, _instants(day_spans, zone)),
        "month": (month_spans, _instants([(first, _month_end(last)) for first, last in month_spans], zone)),
    }
    with transaction.atomic():
        _lock_months(touch.months)
        if _one_pass_applies(touch):
            # Whole months: the monthly rollups need them anyway, and one scan then serves every table.
            _refresh_in_one_pass(apps, zone, [(first, _month_end(last)) for first, last in month_spans])
            return
        for rollup in ROLLUPS:
            if touch.tables is not None and rollup.model_name not in touch.tables:
                continue
            model = apps.get_model("analytics", rollup.model_name)
            key_spans, instants = spans.get(rollup.grain, (None, None))
            stored = Q() if key_spans is None else _or(Q(**{f"{rollup.grain}__range": span}) for span in key_spans)
            ids = {"customer": touch.customer_ids, "product": touch.product_ids}.get(rollup.scope or "")
            lines = _source(apps, rollup, zone, instants, key_spans)
            if ids is not None:
                stored &= Q(**{f"{rollup.scope}_id__in": ids})
                scope_filter = f"{rollup.scope}_id__in" if rollup.summed_from else _SCOPE_FILTERS[rollup.scope]
                lines = lines.filter(**{scope_filter: ids})
            model.objects.filter(stored).delete()
            _insert(model, rollup, lines)


def rollups_rebuild(
    *, apps=global_apps, progress: Callable[[str], None] | None = None, tables: set[str] | None = None
) -> None:
    """Rebuild the rollups (``tables``, by model name; None: all) from the raw tables in the current zone.

    ``progress`` hears each table's name when it is done. One transaction:
    reports read the old rows until it commits, and writers wait for it
    (their refresh would otherwise race the rebuild). On PostgreSQL a full
    rebuild is one pass over the lines; elsewhere one statement per table.
    """
    zone = ZoneInfo(settings.ANALYTICS_TIME_ZONE)
    chosen = [rollup for rollup in _present(apps) if tables is None or rollup.model_name in tables]
    models = [apps.get_model("analytics", rollup.model_name) for rollup in chosen]
    with transaction.atomic():
        if connection.vendor == "postgresql":
            names = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in models)
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {names} IN EXCLUSIVE MODE")
        if connection.vendor == "postgresql" and tables is None:
            _refresh_in_one_pass(apps, zone, None, progress=progress)
        else:
            for rollup, model in zip(chosen, models, strict=True):
                model.objects.all().delete()
                _insert(model, rollup, _source(apps, rollup, zone, None, None))
                if progress is not None:
                    progress(rollup.model_name)
        apps.get_model("analytics", "RollupState").objects.update_or_create(
            pk=1, defaults={"time_zone": settings.ANALYTICS_TIME_ZONE, "rebuilt_at": timezone.now()}
        )


@contextmanager
def rollups_follow_import(*, stamp: datetime, staged_orders: str | None) -> Iterator[None]:
    """Refresh what an import's merge writes, inside its transaction; wrap the merge in it.

    The merge stamps every order and product it writes with ``stamp``, which
    names the new days. An order whose date the file moves also leaves its old
    day: those are read first from ``staged_orders``, a SQL query of the
    staged (order code, ordered_at) pairs. Products whose name or category
    changed are re-summed in the category rollup on every day they sold.
    """
    from sales.models import Order, OrderLine

    zone = ZoneInfo(settings.ANALYTICS_TIME_ZONE)
    usable = rollups_usable()
    old_days: set[date] = set()
    if usable and staged_orders:
        moved = RawSQL(
            f"SELECT o.id FROM sales_order o JOIN ({staged_orders}) s ON s.code = o.code"
            " WHERE s.ordered_at <> o.ordered_at",
            (),
        )
        old_days = set(_local_days(Order.objects.filter(pk__in=moved), "ordered_at", zone))
    yield
    if not usable:
        return
    written = _local_days(Order.objects.filter(updated_at=stamp), "ordered_at", zone)
    days = frozenset(old_days | set(written))
    rollups_refresh(RollupTouch(days=days, customer_ids=None, product_ids=None))
    # New products sell only in orders written now; a stored product the merge changed may have a new category.
    changed_products = OrderLine.objects.filter(product__updated_at=stamp, product__created_at__lt=stamp)
    recategorised = frozenset(_local_days(changed_products, "order__ordered_at", zone)) - days
    rollups_refresh(RollupTouch(days=recategorised, tables=CATEGORY_ONLY))


CATEGORY_ONLY = frozenset({"CategoryDailySales"})


def product_category_changed(*, product_id: int) -> None:
    """Re-sum the category rollup on every day the product sold; call inside the write that moved it."""
    if not rollups_usable():
        return
    from sales.models import OrderLine

    zone = ZoneInfo(settings.ANALYTICS_TIME_ZONE)
    days = _local_days(OrderLine.objects.filter(product_id=product_id), "order__ordered_at", zone)
    rollups_refresh(RollupTouch(days=frozenset(days), tables=CATEGORY_ONLY))


# --- the aggregate queries --------------------------------------------------


def _lines(apps, zone: ZoneInfo, ranges: list[tuple[datetime, datetime]] | None) -> QuerySet:
    """Order lines of orders placed within any of ``ranges`` (half-open instants; None: all), with local buckets."""
    lines = apps.get_model("sales", "OrderLine").objects.order_by()
    if ranges is not None:
        lines = lines.filter(_or(Q(order__ordered_at__gte=start, order__ordered_at__lt=end) for start, end in ranges))
    return lines.annotate(
        rollup_day=TruncDate("order__ordered_at", tzinfo=zone),
        rollup_month=TruncMonth("order__ordered_at", tzinfo=zone, output_field=DateField()),
    )


def _source(apps, rollup: _Rollup, zone: ZoneInfo, ranges, spans: list[tuple[date, date]] | None) -> QuerySet:
    """The rows ``rollup`` aggregates: order lines, or the rows of the finer rollup it sums."""
    if rollup.summed_from is None:
        return _lines(apps, zone, ranges)
    rows = apps.get_model("analytics", rollup.summed_from).objects.order_by()
    if rollup.grain == "all":  # totals: every month of the customers in scope (the caller filters them)
        return rows
    if spans is not None:  # months: their days, first to last
        rows = rows.filter(_or(Q(day__range=(first, _month_end(last))) for first, last in spans))
    return rows.annotate(rollup_month=Trunc("day", "month", output_field=DateField()))


def _insert(model, rollup: _Rollup, lines: QuerySet) -> None:
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


def _present(apps) -> list[_Rollup]:
    """The rollups the registry has: a migration's historical one may predate later tables."""
    names = {model.__name__ for model in apps.get_app_config("analytics").get_models()}
    return [rollup for rollup in ROLLUPS if rollup.model_name in names]


def _one_pass_applies(touch: RollupTouch) -> bool:
    """Imports, the demo data and rebuilds (every table, every customer and product): PostgreSQL's one pass."""
    return (
        connection.vendor == "postgresql"
        and touch.tables is None
        and touch.customer_ids is None
        and touch.product_ids is None
    )


def _refresh_in_one_pass(
    apps, zone: ZoneInfo, spans: list[tuple[date, date]] | None, *, progress: Callable[[str], None] | None = None
) -> None:
    """Recompute every rollup over ``spans`` of whole months (None: everything) in one statement (PostgreSQL).

    The lines are read and joined once into a materialised set, summed per
    order once, and each table is inserted from those by its own CTE: a third
    of the work of one pass per table, which matters for a first load of a
    million lines inside the import's transaction. The agent monthly rollup is
    then summed from the daily one, as on every path. The other path
    (``_insert`` per table) does the same arithmetic, and the tests compare them.
    """
    present = _present(apps)
    models = {rollup.model_name: apps.get_model("analytics", rollup.model_name) for rollup in present}
    for rollup in present:
        model = models[rollup.model_name]
        rows = model.objects.all()
        if spans is not None and rollup.grain != "all":  # totals are summed again whole, from the months
            rows = rows.filter(_or(Q(**{f"{rollup.grain}__range": span}) for span in spans))
        rows.delete()
    lines = _lines(apps, zone, None if spans is None else _instants(spans, zone)).values(
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
            source = _source(apps, rollup, zone, None, spans)
            _insert(models[rollup.model_name], rollup, source)
            done.append(rollup.model_name)
    if progress is not None:
        for name in done:
            progress(name)


# --- helpers ----------------------------------------------------------------


def _or(conditions: Iterable[Q]) -> Q:
    return reduce(operator.or_, conditions)


def _instants(runs: list[tuple[date, date]], zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
    return [(local_midnight(first, zone), local_midnight(last + timedelta(days=1), zone)) for first, last in runs]


def _month_end(month: date) -> date:
    return bucket_last_day(month, Interval.MONTH)


def _month_runs(months: frozenset[date]) -> list[tuple[date, date]]:
    """Consecutive months grouped into ``(first month, last month)`` runs."""
    runs: list[tuple[date, date]] = []
    for month in sorted(months):
        if runs:
            last = runs[-1][1]
            following = date(last.year + last.month // 12, last.month % 12 + 1, 1)
            if following == month:
                runs[-1] = (runs[-1][0], month)
                continue
        runs.append((month, month))
    return runs


def _local_days(queryset: QuerySet, field: str, zone: ZoneInfo) -> list[date]:
    return list(
        queryset.annotate(local_day=TruncDate(field, tzinfo=zone))
        .order_by()
        .values_list("local_day", flat=True)
        .distinct()
    )


def _lock_months(months: frozenset[date]) -> None:
    """Serialise refreshes of the same months (PostgreSQL); sorted, so two writers never deadlock."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for month in sorted(months):
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_CLASS, month.year * 12 + month.month])


def connect_rollup_receivers() -> None:
    """Keep the category rollup right when a product moves category, whichever path saved it (admin, API)."""
    from catalog.models import Product

    pre_save.connect(_remember_category, sender=Product, dispatch_uid="analytics-rollups-product-pre-save")
    post_save.connect(_follow_category, sender=Product, dispatch_uid="analytics-rollups-product-post-save")


def _remember_category(sender, instance, raw: bool = False, update_fields=None, **kwargs) -> None:
    if raw or instance.pk is None or (update_fields is not None and not {"category", "category_id"} & update_fields):
        return
    instance._rollup_stored_category_id = (
        sender.objects.filter(pk=instance.pk).values_list("category_id", flat=True).first()
    )


def _follow_category(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    stored = getattr(instance, "_rollup_stored_category_id", instance.category_id)
    if raw or created or stored == instance.category_id:
        return
    from analytics.services import data_version_bump

    with transaction.atomic():
        product_category_changed(product_id=instance.pk)
        data_version_bump()  # after the refresh: no answer computed in between is keyed as current
