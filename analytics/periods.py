"""Calendar arithmetic for report buckets, in ``ANALYTICS_TIME_ZONE``.

A bucket is a calendar period (day, week from Monday, month, quarter, year)
named by its first local day. Date bounds are local dates too: a report's
``[start_date, end_date]`` covers the instants from local midnight of
``start_date`` to local midnight after ``end_date``. Every report and both
storage paths (rollups, raw tables) use these functions, so they bucket alike.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from django.conf import settings


class Interval(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


def analytics_zone() -> ZoneInfo:
    """The zone buckets and date bounds are read in (read per call: tests and deployments change it)."""
    return ZoneInfo(settings.ANALYTICS_TIME_ZONE)


def local_today() -> date:
    return datetime.now(analytics_zone()).date()


def local_midnight(day: date, zone: ZoneInfo | None = None) -> datetime:
    """The instant ``day`` begins in ``zone``; where a clock change skips midnight, the first instant of the day."""
    return datetime.combine(day, time(), tzinfo=zone or analytics_zone())


def bucket_start(day: date, interval: Interval) -> date:
    """The first day of the bucket holding ``day``."""
    if interval is Interval.DAY:
        return day
    if interval is Interval.WEEK:
        return day - timedelta(days=day.weekday())  # Monday
    if interval is Interval.MONTH:
        return day.replace(day=1)
    if interval is Interval.QUARTER:
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return date(day.year, 1, 1)


def bucket_after(start: date, interval: Interval) -> date:
    """The first day of the bucket after the one starting on ``start`` (OverflowError past year 9999)."""
    if interval is Interval.DAY:
        return start + timedelta(days=1)
    if interval is Interval.WEEK:
        return start + timedelta(days=7)
    months = {Interval.MONTH: 1, Interval.QUARTER: 3, Interval.YEAR: 12}[interval]
    index = start.year * 12 + start.month - 1 + months
    if index // 12 > date.max.year:
        raise OverflowError("bucket after year 9999")
    return date(index // 12, index % 12 + 1, 1)


def bucket_last_day(start: date, interval: Interval) -> date:
    try:
        return bucket_after(start, interval) - timedelta(days=1)
    except OverflowError:
        return date.max


def bucket_count(start: date, end: date, interval: Interval) -> int:
    """How many buckets ``[start, end]`` touches, without listing them."""
    first, last = bucket_start(start, interval), bucket_start(end, interval)
    if interval is Interval.DAY:
        return (last - first).days + 1
    if interval is Interval.WEEK:
        return (last - first).days // 7 + 1
    months = (last.year - first.year) * 12 + last.month - first.month
    return months // {Interval.MONTH: 1, Interval.QUARTER: 3, Interval.YEAR: 12}[interval] + 1


def bucket_starts(start: date, end: date, interval: Interval) -> list[date]:
    """The first day of every bucket ``[start, end]`` touches, in order."""
    starts, current = [], bucket_start(start, interval)
    while current <= end:
        starts.append(current)
        try:
            current = bucket_after(current, interval)
        except OverflowError:
            break
    return starts


def is_bucket_aligned(start: date, end: date, interval: Interval) -> bool:
    """Whether ``[start, end]`` is a whole number of buckets."""
    return bucket_start(start, interval) == start and bucket_last_day(bucket_start(end, interval), interval) == end


def previous_period(*, start: date, end: date, interval: Interval, not_before: date) -> tuple[date, date] | None:
    """The same length just before ``[start, end]``: as many whole buckets when the range is whole buckets,
    else as many days. ``None`` when it would begin before ``not_before``.

    The metrics report's ``compare=previous_period`` and the dashboard's KPI cards both use it, so
    "the previous period" means one thing everywhere.
    """
    if start <= not_before:
        return None
    first = start
    if is_bucket_aligned(start, end, interval):
        for _ in range(bucket_count(start, end, interval)):
            if first <= not_before:
                return None
            first = bucket_start(first - timedelta(days=1), interval)
    else:
        first = start - timedelta(days=(end - start).days + 1)
    return None if first < not_before else (first, start - timedelta(days=1))


def day_runs(days: set[date]) -> list[tuple[date, date]]:
    """The days grouped into ``[first, last]`` runs of consecutive days: few ranges for SQL to scan."""
    runs: list[tuple[date, date]] = []
    for day in sorted(days):
        if runs and runs[-1][1] + timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


@dataclass(frozen=True)
class MonthSplit:
    """``[start, end]`` (None: open) as whole months plus the partial months' days at either end."""

    head: tuple[date, date] | None  # days before the first whole month
    months: tuple[date | None, date | None] | None  # first and last whole month (None: open), or no whole month
    tail: tuple[date, date] | None  # days after the last whole month


def split_months(start: date | None, end: date | None) -> MonthSplit:
    first = None if start is None else bucket_start(start, Interval.MONTH)
    if first is not None and first != start:
        first = bucket_after(first, Interval.MONTH)
    last = None if end is None else bucket_start(end, Interval.MONTH)
    if last is not None and bucket_last_day(last, Interval.MONTH) != end:
        last = bucket_start(last - timedelta(days=1), Interval.MONTH)
    if first is not None and last is not None and first > last:
        # No whole month inside: the days themselves.
        return MonthSplit(head=(start, end), months=None, tail=None) if start and end else MonthSplit(None, None, None)
    head = (start, first - timedelta(days=1)) if start is not None and first != start else None
    tail = (
        (bucket_after(last, Interval.MONTH), end)
        if end is not None and last is not None and bucket_last_day(last, Interval.MONTH) != end
        else None
    )
    return MonthSplit(head=head, months=(first, last), tail=tail)
