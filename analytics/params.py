"""Report queries: one frozen dataclass per report, parsed strictly from the query string.

Every invalid value is a 400 naming its parameter (all of them at once), and
nothing a client sends reaches SQL unchecked: ids are bounded integers, names
come from fixed lists, dates are plain ``YYYY-MM-DD`` within ``MIN_DATE`` and
``MAX_DATE``. A query also carries the analytics time zone it was read in, so
its cache key changes when the zone does.
"""

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.http import QueryDict
from rest_framework.exceptions import ValidationError

from analytics.periods import Interval, local_today
from sales.models import AgentRole

MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2999, 12, 31)
MAX_ID = 2**63 - 1  # the largest primary key either database stores
MAX_IDS = 1000
SERIES_LIMIT_DEFAULT, SERIES_LIMIT_MAX = 100, 10_000
TOP_LIMIT_DEFAULT, TOP_LIMIT_MAX = 10, 100
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_INTEGER = re.compile(r"[0-9]{1,19}")


class SortOrder(StrEnum):
    ASC = "asc"
    DESC = "desc"


class SalesSort(StrEnum):
    PERIOD = "period"
    TOTAL_REVENUE = "total_revenue"
    SALES_COUNT = "sales_count"
    AVERAGE_REVENUE = "average_revenue"
    AGENT_ID = "agent_id"
    TEAM_ID = "team_id"


class Metric(StrEnum):
    REVENUE = "revenue"
    ORDERS = "orders"
    UNITS = "units"
    CUSTOMERS = "customers"
    AVERAGE_ORDER_VALUE = "average_order_value"


class Dimension(StrEnum):
    REGION = "region"
    CATEGORY = "category"
    PAYMENT_METHOD = "payment_method"
    TEAM = "team"
    AGENT_ROLE = "agent_role"
    TIER = "tier"


class Compare(StrEnum):
    PREVIOUS_PERIOD = "previous_period"


class TopBy(StrEnum):
    REVENUE = "revenue"
    ORDERS = "orders"
    UNITS = "units"


class Grouping(StrEnum):
    AGENT = "agent"
    TEAM = "team"


SALES_SORTS = {
    Grouping.AGENT: [s for s in SalesSort if s is not SalesSort.TEAM_ID],
    Grouping.TEAM: [s for s in SalesSort if s is not SalesSort.AGENT_ID],
}


@dataclass(frozen=True)
class ReportQuery:
    """What every report shares: the local date bounds (inclusive, None = open) and the zone they are read in."""

    start_date: date | None = None
    end_date: date | None = None
    zone: str = field(default_factory=lambda: settings.ANALYTICS_TIME_ZONE)

    def cache_key(self) -> str:
        """A stable text of every field, for the response cache."""
        values = ";".join(f"{name}={_key_text(value)}" for name, value in sorted(asdict(self).items()))
        return f"{type(self).__name__}:{values}"


@dataclass(frozen=True)
class SalesQuery(ReportQuery):
    """Sales by agent or by team: ``ids`` are agent ids or team ids, as ``group`` says."""

    group: Grouping = Grouping.AGENT
    ids: tuple[int, ...] = ()
    role: str | None = None
    interval: Interval = Interval.MONTH
    sort_by: SalesSort = SalesSort.PERIOD
    order: SortOrder = SortOrder.DESC


@dataclass(frozen=True)
class MetricsQuery(ReportQuery):
    metrics: tuple[Metric, ...] = (Metric.REVENUE,)
    interval: Interval = Interval.MONTH
    segment_by: tuple[Dimension, ...] = ()
    customer_id: int | None = None
    limit: int = SERIES_LIMIT_DEFAULT
    compare: Compare | None = None
    # Open ranges end today, and the current bucket is incomplete: the answer depends on the day.
    today: date = field(default_factory=local_today)


@dataclass(frozen=True)
class TopQuery(ReportQuery):
    limit: int = TOP_LIMIT_DEFAULT
    by: TopBy = TopBy.REVENUE


def _key_text(value: Any) -> str:
    if isinstance(value, tuple):
        return ",".join(_key_text(item) for item in value)
    return "" if value is None else str(value)


class _Reader:
    """Reads parameters one by one, collecting every error so a 400 names them all."""

    LISTS = frozenset({"agent_id", "team_id", "metrics", "segment_by"})

    def __init__(self, params: QueryDict | Mapping[str, str]):
        self.params = params
        self.errors: dict[str, list[str]] = {}

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def raw(self, name: str) -> str | None:
        """The parameter's text, None when absent or blank; list parameters may repeat, others may not."""
        values = self.params.getlist(name) if isinstance(self.params, QueryDict) else [self.params.get(name)]
        values = [value for value in values if value is not None]
        if not values:
            return None
        if len(values) > 1 and name not in self.LISTS:
            self.fail(name, "Give this parameter once.")
            return None
        text = ",".join(value.strip() for value in values)
        if "\x00" in text:
            self.fail(name, "Must not contain NUL characters.")
            return None
        return text or None

    def choice(self, name: str, enum: type[StrEnum], default: Any, *, allowed: list | None = None) -> Any:
        text = self.raw(name)
        if text is None:
            return default
        allowed = allowed or list(enum)
        for member in allowed:
            if text.lower() == member.value.lower():
                return member
        self.fail(name, f"Must be one of: {', '.join(member.value for member in allowed)}.")
        return default

    def choices(self, name: str, enum: type[StrEnum], default: tuple) -> tuple:
        text = self.raw(name)
        if text is None:
            return default
        chosen: list = []
        by_name = {member.value: member for member in enum}
        for item in text.split(","):
            member = by_name.get(item.strip().lower())
            if member is None:
                shown = item.strip()[:40] or "(empty)"
                self.fail(name, f"Unknown value {shown!r}; allowed: {', '.join(by_name)}.")
                return default
            if member not in chosen:
                chosen.append(member)
        return tuple(chosen)

    def ids(self, name: str) -> tuple[int, ...]:
        text = self.raw(name)
        if text is None:
            return ()
        items = [item.strip() for item in text.split(",")]
        if len(items) > MAX_IDS:
            self.fail(name, f"Give at most {MAX_IDS} ids.")
            return ()
        ids: list[int] = []
        for item in items:
            number = self._positive_int(item)
            if number is None:
                self.fail(name, f"{item[:40] or '(empty)'!r} is not a positive integer id.")
                return ()
            if number not in ids:
                ids.append(number)
        return tuple(sorted(ids))

    def integer(self, name: str, *, default: int | None, low: int, high: int) -> int | None:
        text = self.raw(name)
        if text is None:
            return default
        number = self._positive_int(text) if low >= 1 else None
        if number is None or not low <= number <= high:
            self.fail(name, f"Must be a whole number from {low} to {high:,}.")
            return default
        return number

    def day(self, name: str) -> date | None:
        text = self.raw(name)
        if text is None:
            return None
        try:
            value = date.fromisoformat(text) if _DATE.fullmatch(text) else None
        except ValueError:
            value = None
        if value is None:
            self.fail(name, "Enter a valid date as YYYY-MM-DD.")
            return None
        if not MIN_DATE <= value <= MAX_DATE:
            self.fail(name, f"Must be between {MIN_DATE} and {MAX_DATE}.")
            return None
        return value

    def date_range(self) -> tuple[date | None, date | None]:
        start, end = self.day("start_date"), self.day("end_date")
        if start and end and start > end:
            self.fail("start_date", f"start_date {start} is after end_date {end}.")
        return start, end

    def role(self) -> str | None:
        text = self.raw("role")
        if text is None:
            return None
        for value in AgentRole.values:
            if text.lower() == value.lower():
                return value
        self.fail("role", f"Must be one of: {', '.join(AgentRole.values)}.")
        return None

    def done(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)

    @staticmethod
    def _positive_int(text: str) -> int | None:
        if not _INTEGER.fullmatch(text):
            return None
        number = int(text)
        return number if 1 <= number <= MAX_ID else None


def sales_query_from(params: QueryDict | Mapping[str, str], *, group: Grouping) -> SalesQuery:
    """The query of ``sales/by-agent/`` (``group=agent``) or ``sales/by-team/`` (``group=team``)."""
    reader = _Reader(params)
    start, end = reader.date_range()
    query = SalesQuery(
        start_date=start,
        end_date=end,
        group=group,
        ids=reader.ids("agent_id" if group is Grouping.AGENT else "team_id"),
        role=reader.role(),
        interval=reader.choice("interval", Interval, Interval.MONTH),
        sort_by=reader.choice("sort_by", SalesSort, SalesSort.PERIOD, allowed=SALES_SORTS[group]),
        order=reader.choice("order", SortOrder, SortOrder.DESC),
    )
    reader.done()
    return query


def metrics_query_from(params: QueryDict | Mapping[str, str]) -> MetricsQuery:
    reader = _Reader(params)
    start, end = reader.date_range()
    query = MetricsQuery(
        start_date=start,
        end_date=end,
        metrics=reader.choices("metrics", Metric, (Metric.REVENUE,)),
        interval=reader.choice("interval", Interval, Interval.MONTH),
        segment_by=reader.choices("segment_by", Dimension, ()),
        customer_id=reader.integer("customer_id", default=None, low=1, high=MAX_ID),
        limit=reader.integer("limit", default=SERIES_LIMIT_DEFAULT, low=1, high=SERIES_LIMIT_MAX),
        compare=reader.choice("compare", Compare, None),
    )
    reader.done()
    return query


def top_query_from(params: QueryDict | Mapping[str, str], *, default_by: TopBy) -> TopQuery:
    """The query of ``top-customers/`` (by revenue by default) or ``top-products/`` (by units)."""
    reader = _Reader(params)
    start, end = reader.date_range()
    query = TopQuery(
        start_date=start,
        end_date=end,
        limit=reader.integer("limit", default=TOP_LIMIT_DEFAULT, low=1, high=TOP_LIMIT_MAX),
        by=reader.choice("by", TopBy, default_by),
    )
    reader.done()
    return query
