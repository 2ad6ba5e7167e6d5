"""Metrics as time series with segment breakdowns (seed 003's analytics data endpoint).

Every bucket from the start to the end is present, 0 where nothing sold, and
flagged ``is_complete: false`` when the range (or today) ends inside it or it
starts before the range does. An open start begins at the first sale, an
open end is today. Revenue, orders and units add up over days, so the rollups
serve them; distinct customers do not, so that metric (and any query for one
customer, which an index answers fast) reads the raw tables. Segments are
totals over the whole range for each value of a dimension, one dimension at
a time; ``tier`` is the order's membership tier and is read raw.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Min, Sum

from analytics.models import AgentDailySales, CategoryDailySales, RegionPaymentDailySales
from analytics.params import MIN_DATE, Compare, Dimension, Metric, MetricsQuery
from analytics.periods import Interval, bucket_count, bucket_last_day, bucket_starts, previous_period
from analytics.selectors.sources import (
    NO_VALUE,
    Source,
    agent_rollup_parts,
    days_between,
    local_bucket,
    money,
    ordered_between,
    ratio,
    use_rollups,
)
from common.exceptions import ApplicationError
from sales.models import Order, OrderLine

Number = Decimal | int

# Where each dimension's value lives, from an order line (raw) and in its rollup (model, field).
_RAW_PATHS = {
    Dimension.REGION: "order__region",
    Dimension.CATEGORY: "product__category__name",
    Dimension.PAYMENT_METHOD: "order__payment_method",
    Dimension.TEAM: "order__agent__team__name",
    Dimension.AGENT_ROLE: "order__agent__role",
    Dimension.TIER: "order__membership__tier",
}
_ROLLUP_FIELDS = {
    Dimension.REGION: (RegionPaymentDailySales, "region"),
    Dimension.PAYMENT_METHOD: (RegionPaymentDailySales, "payment_method"),
    Dimension.CATEGORY: (CategoryDailySales, "category__name"),
    Dimension.TEAM: (AgentDailySales, "agent__team__name"),
    Dimension.AGENT_ROLE: (AgentDailySales, "agent__role"),
}
_ADDITIVE = ("orders", "revenue", "units")


@dataclass(frozen=True)
class SeriesPoint:
    start: date  # the bucket's first local day
    value: Number
    is_complete: bool


@dataclass(frozen=True)
class MetricResult:
    metric: Metric
    total_value: Number
    time_series: list[SeriesPoint]
    segment_data: dict[str, dict[str, Number]] = field(default_factory=dict)
    previous_total_value: Number | None = None
    previous_time_series: list[SeriesPoint] | None = None


@dataclass(frozen=True)
class _Range:
    start: date
    end: date


def metrics_report(query: MetricsQuery, *, source: Source = Source.AUTO) -> list[MetricResult]:
    """One result per requested metric, in the order asked."""
    rollups = use_rollups(source, zone=query.zone) and query.customer_id is None
    zone = ZoneInfo(query.zone)
    current = _resolve_range(query, rollups=rollups, zone=zone)
    buckets = bucket_count(current.start, current.end, query.interval)
    if buckets > query.limit:
        raise ApplicationError(
            f"{current.start} to {current.end} holds {buckets:,} {query.interval.value} buckets, more than "
            f"limit={query.limit}: raise limit, choose a longer interval or a shorter range.",
            field="limit",
        )
    previous = _previous_range(current, query.interval) if query.compare is Compare.PREVIOUS_PERIOD else None
    with_customers = Metric.CUSTOMERS in query.metrics

    series = _series(query, current, rollups=rollups, zone=zone, with_customers=with_customers)
    totals = _totals(query, current, series, zone=zone, with_customers=with_customers)
    segments = {
        dimension: _segment(query, current, dimension, rollups=rollups, zone=zone, with_customers=with_customers)
        for dimension in query.segment_by
    }
    if previous is not None:
        previous_series = _series(query, previous, rollups=rollups, zone=zone, with_customers=with_customers)
        previous_totals = _totals(query, previous, previous_series, zone=zone, with_customers=with_customers)

    results = []
    for metric in query.metrics:
        result = MetricResult(
            metric=metric,
            total_value=_value(metric, totals),
            time_series=_points(metric, series, current, query),
            segment_data={
                dimension.value: {key: _value(metric, measures) for key, measures in values.items()}
                for dimension, values in segments.items()
            },
        )
        if previous is not None:
            result = MetricResult(
                **{
                    **result.__dict__,
                    "previous_total_value": _value(metric, previous_totals),
                    "previous_time_series": _points(metric, previous_series, previous, query),
                }
            )
        results.append(result)
    return results


def _resolve_range(query: MetricsQuery, *, rollups: bool, zone: ZoneInfo) -> _Range:
    """Open ends made concrete: the first sale's day (or the end) and today (or the start)."""
    end = query.end_date or max(query.today, query.start_date or query.today)
    start = query.start_date
    if start is None:
        if rollups:
            first = AgentDailySales.objects.aggregate(first=Min("day"))["first"]
        else:
            first_at = _orders(query).aggregate(first=Min("ordered_at"))["first"]
            first = first_at.astimezone(zone).date() if first_at else None
        start = min(first or end, end)
    return _Range(start, end)


def _previous_range(current: _Range, interval: Interval) -> _Range:
    previous = previous_period(start=current.start, end=current.end, interval=interval, not_before=MIN_DATE)
    if previous is None:
        raise ApplicationError(f"The previous period would begin before {MIN_DATE}.", field="compare")
    return _Range(*previous)


def _orders(query: MetricsQuery):
    orders = Order.objects.all()
    return orders.filter(customer_id=query.customer_id) if query.customer_id is not None else orders


def _raw_lines(query: MetricsQuery, period: _Range, zone: ZoneInfo):
    lines = OrderLine.objects.filter(ordered_between("order__ordered_at", period.start, period.end, zone))
    if query.customer_id is not None:
        lines = lines.filter(order__customer_id=query.customer_id)
    return lines.order_by()


_RAW_MEASURES = {
    "orders": lambda: Count("order_id", distinct=True),
    "revenue": lambda: Sum("line_total"),
    "units": lambda: Sum("quantity"),
}
_ROLLUP_MEASURES = {"orders": lambda: Sum("orders"), "revenue": lambda: Sum("revenue"), "units": lambda: Sum("units")}


def _series(
    query: MetricsQuery, period: _Range, *, rollups: bool, zone: ZoneInfo, with_customers: bool
) -> dict[date, dict[str, Number]]:
    """Measures per bucket start, only for buckets with sales."""
    measures: dict[date, dict[str, Number]] = {}
    if rollups:
        parts = agent_rollup_parts(period.start, period.end, interval=query.interval)
        rows = [
            row
            for part in parts
            for row in part.values("period").annotate(**{name: make() for name, make in _ROLLUP_MEASURES.items()})
        ]
    else:
        raw = {name: make() for name, make in _RAW_MEASURES.items()}
        if with_customers:
            raw["customers"] = Count("order__customer_id", distinct=True)
        rows = list(
            _raw_lines(query, period, zone)
            .annotate(period=local_bucket("order__ordered_at", query.interval, zone))
            .values("period")
            .annotate(**raw)
        )
    for row in rows:
        bucket = measures.setdefault(row["period"], {"orders": 0, "revenue": Decimal("0.00"), "units": 0})
        for name in _ADDITIVE:
            bucket[name] += money(row[name]) if name == "revenue" else row[name]
        if "customers" in row:
            bucket["customers"] = row["customers"]
    if rollups and with_customers:
        customers = (
            _orders(query)
            .filter(ordered_between("ordered_at", period.start, period.end, zone))
            .annotate(period=local_bucket("ordered_at", query.interval, zone))
            .values("period")
            .annotate(customers=Count("customer_id", distinct=True))
            .order_by()
        )
        for row in customers:
            measures.setdefault(row["period"], {})["customers"] = row["customers"]
    return measures


def _totals(
    query: MetricsQuery, period: _Range, series: dict[date, dict[str, Number]], *, zone: ZoneInfo, with_customers: bool
) -> dict[str, Number]:
    """The range's measures: the buckets partition it, so the additive ones are the buckets' sums."""
    totals: dict[str, Number] = {name: sum(bucket[name] for bucket in series.values()) for name in _ADDITIVE}
    totals["revenue"] = money(totals["revenue"])
    if with_customers:
        orders = _orders(query).filter(ordered_between("ordered_at", period.start, period.end, zone))
        totals["customers"] = orders.aggregate(customers=Count("customer_id", distinct=True))["customers"]
    return totals


def _segment(
    query: MetricsQuery,
    period: _Range,
    dimension: Dimension,
    *,
    rollups: bool,
    zone: ZoneInfo,
    with_customers: bool,
) -> dict[str, dict[str, Number]]:
    """Measures per value of ``dimension`` over the whole range."""
    rows: list[dict] = []
    if rollups and dimension in _ROLLUP_FIELDS:
        model, path = _ROLLUP_FIELDS[dimension]
        if model is AgentDailySales:
            parts = agent_rollup_parts(period.start, period.end, interval=None)
            path = path.removeprefix("agent__")
            parts = [part.annotate(key=F(f"agent__{path}")) for part in parts]
        else:
            parts = [model.objects.filter(days_between("day", period.start, period.end)).annotate(key=F(path))]
        for part in parts:
            rows += part.order_by().values("key").annotate(**{name: make() for name, make in _ROLLUP_MEASURES.items()})
    else:
        raw = {name: make() for name, make in _RAW_MEASURES.items()}
        if with_customers:
            raw["customers"] = Count("order__customer_id", distinct=True)
        rows = list(
            _raw_lines(query, period, zone).annotate(key=F(_RAW_PATHS[dimension])).values("key").annotate(**raw)
        )
    values: dict[str, dict[str, Number]] = {}
    for row in rows:
        key = row["key"] or NO_VALUE
        bucket = values.setdefault(key, {"orders": 0, "revenue": Decimal("0.00"), "units": 0})
        for name in _ADDITIVE:
            bucket[name] += money(row[name]) if name == "revenue" else row[name]
        if "customers" in row:
            bucket["customers"] = row["customers"]
    if with_customers and rollups and dimension in _ROLLUP_FIELDS:
        customers = (
            _raw_lines(query, period, zone)
            .annotate(key=F(_RAW_PATHS[dimension]))
            .values("key")
            .annotate(customers=Count("order__customer_id", distinct=True))
        )
        for row in customers:
            values.setdefault(row["key"] or NO_VALUE, {})["customers"] = row["customers"]
    return values


def _value(metric: Metric, measures: dict[str, Number]) -> Number:
    if metric is Metric.AVERAGE_ORDER_VALUE:
        return ratio(Decimal(measures.get("revenue", 0)), int(measures.get("orders", 0)))
    if metric is Metric.REVENUE:
        return money(measures.get("revenue", 0))
    return int(measures.get(metric.value, 0))


def _points(metric: Metric, series: dict[date, dict[str, Number]], period: _Range, query: MetricsQuery) -> list:
    """Every bucket of the range, zero where nothing sold."""
    points = []
    for start in bucket_starts(period.start, period.end, query.interval):
        last = bucket_last_day(start, query.interval)
        complete = start >= period.start and last <= period.end and last < query.today
        points.append(SeriesPoint(start=start, value=_value(metric, series.get(start, {})), is_complete=complete))
    return points
