"""Keeping the rollups current: what a write touched, recomputed inside the write's transaction."""

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.apps import apps as global_apps
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncDate
from django.db.models.signals import post_save, pre_save
from django.utils import timezone

from analytics.periods import day_runs
from analytics.rollups.tables import (
    ROLLUPS,
    SCOPE_FILTERS,
    any_of,
    insert_rollup,
    local_instants,
    month_end,
    present_rollups,
    refresh_in_one_pass,
    rollup_source,
)

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
        "day": (day_spans, local_instants(day_spans, zone)),
        "month": (month_spans, local_instants([(first, month_end(last)) for first, last in month_spans], zone)),
    }
    with transaction.atomic():
        _lock_months(touch.months)
        if _one_pass_applies(touch):
            # Whole months: the monthly rollups need them anyway, and one scan then serves every table.
            refresh_in_one_pass(apps, zone, [(first, month_end(last)) for first, last in month_spans])
            return
        for rollup in ROLLUPS:
            if touch.tables is not None and rollup.model_name not in touch.tables:
                continue
            model = apps.get_model("analytics", rollup.model_name)
            key_spans, instants = spans.get(rollup.grain, (None, None))
            stored = Q() if key_spans is None else any_of(Q(**{f"{rollup.grain}__range": span}) for span in key_spans)
            ids = {"customer": touch.customer_ids, "product": touch.product_ids}.get(rollup.scope or "")
            lines = rollup_source(apps, rollup, zone, instants, key_spans)
            if ids is not None:
                stored &= Q(**{f"{rollup.scope}_id__in": ids})
                scope_filter = f"{rollup.scope}_id__in" if rollup.summed_from else SCOPE_FILTERS[rollup.scope]
                lines = lines.filter(**{scope_filter: ids})
            model.objects.filter(stored).delete()
            insert_rollup(model, rollup, lines)


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
    chosen = [rollup for rollup in present_rollups(apps) if tables is None or rollup.model_name in tables]
    models = [apps.get_model("analytics", rollup.model_name) for rollup in chosen]
    with transaction.atomic():
        if connection.vendor == "postgresql":
            names = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in models)
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {names} IN EXCLUSIVE MODE")
        if connection.vendor == "postgresql" and tables is None:
            refresh_in_one_pass(apps, zone, None, progress=progress)
        else:
            for rollup, model in zip(chosen, models, strict=True):
                model.objects.all().delete()
                insert_rollup(model, rollup, rollup_source(apps, rollup, zone, None, None))
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


def _one_pass_applies(touch: RollupTouch) -> bool:
    """Imports, the demo data and rebuilds (every table, every customer and product): PostgreSQL's one pass."""
    return (
        connection.vendor == "postgresql"
        and touch.tables is None
        and touch.customer_ids is None
        and touch.product_ids is None
    )


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
