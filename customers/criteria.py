"""Segment criteria (SPEC §6): parsed from a client's JSON into one frozen value, or refused key by key.

Every key is optional. Counting only the order lines inside the window (inclusive dates in
``ANALYTICS_TIME_ZONE``) and in the categories and regions given, a customer matches when their
distinct order count is within ``[min_orders, max_orders]`` and their revenue within
``[min_revenue, max_revenue]``.
"""

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from common.models import MAX_COUNT
from common.money import CENT
from sales.selectors import OrderLineScope

DEFAULT_MIN_ORDERS = 1
# A customer's revenue is a sum of stored line totals (14 digits each); bounds past this are typos.
MAX_REVENUE_BOUND = Decimal(10) ** 13
MAX_NAMES = 500
MAX_NAME_LENGTH = 100

ORDER_BOUNDS = ("min_orders", "max_orders")
REVENUE_BOUNDS = ("min_revenue", "max_revenue")
NAME_LISTS = ("categories", "regions")
DATES = ("start_date", "end_date")
CRITERIA_KEYS = (*ORDER_BOUNDS, *REVENUE_BOUNDS, *NAME_LISTS, *DATES)

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


class CriteriaError(ValueError):
    """Criteria that break the rules: ``errors`` maps each key at fault to its messages, and
    ``messages`` says what is wrong with the criteria as a whole (not an object)."""

    def __init__(self, errors: dict[str, list[str]] | None = None, *, messages: list[str] | None = None):
        self.errors = errors or {}
        self.messages = messages or []
        parts = [*self.messages, *(f"{key}: {' '.join(texts)}" for key, texts in self.errors.items())]
        super().__init__("; ".join(parts))


@dataclass(frozen=True)
class SegmentCriteria:
    """Validated criteria; two values are equal exactly when they select the same customers."""

    min_orders: int = DEFAULT_MIN_ORDERS
    max_orders: int | None = None
    min_revenue: Decimal | None = None
    max_revenue: Decimal | None = None
    categories: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    start_date: date | None = None
    end_date: date | None = None
    # The keys the client gave, so an explicit ``"min_orders": 1`` is echoed back as given.
    given: frozenset[str] = field(default=frozenset(), compare=False, repr=False)

    @property
    def includes_customers_without_lines(self) -> bool:
        """``min_orders`` of 0 (and no positive revenue floor) lets in customers with no matching line."""
        return self.min_orders == 0 and not self.min_revenue

    def line_scope(self) -> OrderLineScope:
        """The order lines that count, the window's dates turned into instants in ANALYTICS_TIME_ZONE."""
        zone = ZoneInfo(settings.ANALYTICS_TIME_ZONE)
        ordered_from = ordered_before = None
        # Dates at the calendar's ends bound nothing an order carries; leaving them out avoids overflow.
        if self.start_date is not None and self.start_date > date.min + timedelta(days=1):
            ordered_from = datetime.combine(self.start_date, time.min, tzinfo=zone)
        if self.end_date is not None and self.end_date < date.max - timedelta(days=1):
            ordered_before = datetime.combine(self.end_date + timedelta(days=1), time.min, tzinfo=zone)
        return OrderLineScope(
            ordered_from=ordered_from,
            ordered_before=ordered_before,
            categories=self.categories,
            regions=self.regions,
        )

    def as_json(self) -> dict[str, Any]:
        """The criteria as stored and shown: the keys given, in canonical form (names sorted, dates ISO)."""
        data: dict[str, Any] = {}
        for key in CRITERIA_KEYS:
            value = getattr(self, key)
            if key not in self.given:
                continue
            if isinstance(value, Decimal):
                # At most 13 + 2 digits, so the float reads back as exactly this amount.
                value = int(value) if value == value.to_integral_value() else float(value)
            elif isinstance(value, date):
                value = value.isoformat()
            elif isinstance(value, tuple):
                value = list(value)
            data[key] = value
        return data


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _parse_decimal(value: Any) -> Decimal:
    """A JSON number or numeric string as a Decimal; booleans, NaN and infinities are refused."""
    if isinstance(value, str):
        text = value.strip()
        if not _NUMBER.match(text):
            raise ValueError("Must be a number.")
        number = Decimal(text)
    elif _is_number(value):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError("Must be a finite number; NaN and Infinity are not allowed.")
        # repr gives the shortest text that reads back as the same float: 0.1, not 0.1000000000000000055.
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    else:
        raise ValueError("Must be a number.")
    if not number.is_finite():
        raise ValueError("Must be a finite number; NaN and Infinity are not allowed.")
    if number < 0:
        raise ValueError("Must not be negative.")
    return number


def _parse_order_bound(value: Any) -> int:
    number = _parse_decimal(value)
    if number != number.to_integral_value():
        raise ValueError("Must be a whole number of orders.")
    if number > MAX_COUNT:
        raise ValueError(f"Must be at most {MAX_COUNT}.")
    return int(number)


def _parse_revenue_bound(value: Any) -> Decimal:
    number = _parse_decimal(value)
    if number >= MAX_REVENUE_BOUND:
        raise ValueError(f"Must be less than {MAX_REVENUE_BOUND:,}.")
    try:
        exact = number.quantize(CENT)
    except InvalidOperation:  # more digits than any decimal context holds
        raise ValueError("Must have at most 2 decimal places.") from None
    if exact != number:
        raise ValueError("Must have at most 2 decimal places.")
    return exact


def _parse_names(value: Any, *, key: str) -> tuple[str, ...]:
    what = "category" if key == "categories" else "region"
    if not isinstance(value, list):
        raise ValueError(f"Must be a list of {what} names.")
    if not value:
        raise ValueError(f"Must name at least one {what}; leave {key} out to count every {what}.")
    if len(value) > MAX_NAMES:
        raise ValueError(f"Must name at most {MAX_NAMES} {what} names.")
    names = set()
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise ValueError(f"Each {what} must be a non-empty text name.")
        if len(item.strip()) > MAX_NAME_LENGTH:
            raise ValueError(f"Each {what} name must be at most {MAX_NAME_LENGTH} characters.")
        names.add(item.strip())
    return tuple(sorted(names))


def _parse_date(value: Any) -> date:
    if not isinstance(value, str) or not _DATE.match(value.strip()):
        raise ValueError("Must be a date in YYYY-MM-DD format.")
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError("Must be a real calendar date in YYYY-MM-DD format.") from None


_PARSERS = {
    "min_orders": _parse_order_bound,
    "max_orders": _parse_order_bound,
    "min_revenue": _parse_revenue_bound,
    "max_revenue": _parse_revenue_bound,
    "categories": lambda value: _parse_names(value, key="categories"),
    "regions": lambda value: _parse_names(value, key="regions"),
    "start_date": _parse_date,
    "end_date": _parse_date,
}


def criteria_parse(raw: Any) -> SegmentCriteria:
    """Validate a client's criteria object; every key at fault is reported at once.

    A key given as ``null`` counts as left out.
    """
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise CriteriaError(messages=["Must be an object with keys among: " + ", ".join(CRITERIA_KEYS) + "."])
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in _PARSERS:
            errors[str(key)] = ["Unknown criterion. Allowed: " + ", ".join(CRITERIA_KEYS) + "."]
            continue
        if value is None:
            continue
        try:
            values[key] = _PARSERS[key](value)
        except ValueError as exc:
            errors[key] = [str(exc)]

    min_orders = values.get("min_orders", DEFAULT_MIN_ORDERS)
    max_orders = values.get("max_orders")
    if max_orders is not None and min_orders > max_orders and "min_orders" not in errors:
        if "min_orders" in values:
            errors.setdefault("min_orders", []).append(f"Must not be greater than max_orders ({max_orders}).")
        else:
            errors.setdefault("max_orders", []).append(
                f"Must be at least min_orders, which is {DEFAULT_MIN_ORDERS} unless given; "
                "set min_orders to 0 to count customers with no matching order."
            )
    low, high = values.get("min_revenue"), values.get("max_revenue")
    if low is not None and high is not None and low > high:
        errors.setdefault("min_revenue", []).append(f"Must not be greater than max_revenue ({high}).")
    start, end = values.get("start_date"), values.get("end_date")
    if start is not None and end is not None and start > end:
        errors.setdefault("start_date", []).append(f"Must not be after end_date ({end.isoformat()}).")
    if errors:
        raise CriteriaError(errors)
    return SegmentCriteria(**values, given=frozenset(values))
