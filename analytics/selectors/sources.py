"""Where a report reads from: the rollup tables when they can answer, the raw order tables otherwise.

Both are implementations of the same question and must agree to the cent; a
selector's ``source`` argument lets tests and benchmarks pin one of them.
"""

from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from django.db.models import DateField, Q
from django.db.models.functions import Trunc

from analytics.periods import Interval, local_midnight
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
