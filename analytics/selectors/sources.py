"""Where a report reads from: the rollup tables when they can answer, the raw order tables otherwise.

Both are implementations of the same question and must agree to the cent; a
selector's ``source`` argument lets tests and benchmarks pin one of them.
"""

from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from django.db.models import DateField, Q, QuerySet
from django.db.models.functions import Trunc

from analytics.periods import Interval, local_midnight, split_months
from analytics.rollups import rollups_usable

CENT = Decimal("0.01")
NO_VALUE = "(none)"  # the segment key of sales without the dimension (no agent, no membership, blank region)


class Source(StrEnum):
    AUTO = "auto"
    ROLLUP = "rollup"
    RAW = "raw"


def use_rollups(source: Source, *, zone: str) -> bool:
    """True for ``rollup``; for ``auto``, whether the rollups were built in ``zone`` (one query)."""
    if source is Source.AUTO:
        return rollups_usable(zone=zone)
    return source is Source.ROLLUP


def money(value: Decimal | float | int | None) -> Decimal:
    """A sum read back from either database as exact cents (SQLite hands decimal sums back as floats)."""
    if value is None:
        return Decimal("0.00")
    if isinstance(value, float):
        value = Decimal(repr(value))
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def ratio(numerator: Decimal, denominator: int) -> Decimal:
    """Revenue per order, half-up to cents; 0 where nothing sold."""
    return (numerator / denominator).quantize(CENT, rounding=ROUND_HALF_UP) if denominator else Decimal("0.00")


def instants(start: date | None, end: date | None, zone: ZoneInfo) -> tuple[datetime | None, datetime | None]:
    """``[start, end]`` local days as half-open instants; None stays open."""
    return (
        local_midnight(start, zone) if start else None,
        local_midnight(end + timedelta(days=1), zone) if end else None,
    )


def ordered_between(field: str, start: date | None, end: date | None, zone: ZoneInfo) -> Q:
    """Rows whose ``field`` instant falls on the local days ``[start, end]`` (an index range, not a function)."""
    low, high = instants(start, end, zone)
    condition = Q()
    if low is not None:
        condition &= Q(**{f"{field}__gte": low})
    if high is not None:
        condition &= Q(**{f"{field}__lt": high})
    return condition


def days_between(field: str, start: date | None, end: date | None) -> Q:
    condition = Q()
    if start is not None:
        condition &= Q(**{f"{field}__gte": start})
    if end is not None:
        condition &= Q(**{f"{field}__lte": end})
    return condition


def local_bucket(field: str, interval: Interval, zone: ZoneInfo | None) -> Trunc:
    """The first local day of ``field``'s bucket, as a date on both backends.

    ``zone`` for instants (raw tables); None for dates that are local already (rollups).
    """
    return Trunc(field, interval.value, output_field=DateField(), tzinfo=zone)


def agent_rollup_parts(
    start: date | None, end: date | None, *, interval: Interval | None, condition: Q | None = None
) -> list[QuerySet]:
    """The agent rollup rows covering ``[start, end]``: month x agent for whole months, day x agent for the rest.

    Each part is annotated with ``period`` (the bucket's first day) unless
    ``interval`` is None; weekly and daily buckets cut across months, so they
    read the daily rows only. The parts cover disjoint days.
    """
    from analytics.models import AgentDailySales, AgentMonthlySales

    condition = condition or Q()
    by_month = interval in (None, Interval.MONTH, Interval.QUARTER, Interval.YEAR)
    split = split_months(start, end) if by_month else None
    day_spans = [span for span in (split.head, split.tail) if span] if split else [(start, end)]
    parts: list[QuerySet] = []
    if split is not None and split.months is not None:
        parts.append(AgentMonthlySales.objects.filter(days_between("month", *split.months), condition))
    parts += [AgentDailySales.objects.filter(days_between("day", first, last), condition) for first, last in day_spans]
    if interval is not None:
        parts = [
            part.annotate(period=local_bucket("month" if part.model is AgentMonthlySales else "day", interval, None))
            for part in parts
        ]
    return [part.order_by() for part in parts]
