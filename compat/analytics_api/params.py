"""Seed 003's query parameters under the names ``analytics.params.metrics_query_from`` reads."""

from collections.abc import Mapping
from typing import Any

from django.http import QueryDict
from rest_framework.exceptions import ValidationError

from analytics.params import Dimension, Metric, MetricsQuery, metrics_query_from
from analytics.periods import Interval

# The original's camelCase names; our snake_case ones are accepted too.
METRIC_NAMES = {
    "revenue": Metric.REVENUE,
    "orders": Metric.ORDERS,
    "units": Metric.UNITS,
    "customers": Metric.CUSTOMERS,
    "averageOrderValue": Metric.AVERAGE_ORDER_VALUE,
}
SEGMENT_NAMES = {
    "region": Dimension.REGION,
    "category": Dimension.CATEGORY,
    "paymentMethod": Dimension.PAYMENT_METHOD,
    "team": Dimension.TEAM,
    "agentRole": Dimension.AGENT_ROLE,
    "tier": Dimension.TIER,
}
METRIC_OF = {str(ours): theirs for theirs, ours in METRIC_NAMES.items()}
SEGMENT_OF = {str(ours): theirs for theirs, ours in SEGMENT_NAMES.items()}
# Ours -> theirs, for the messages of our parser.
PARAMETER_NAMES = {"start_date": "startDate", "end_date": "endDate", "customer_id": "userId", "segment_by": "segments"}
DEFAULT_INTERVAL = Interval.DAY


def _values(params: Mapping[str, Any], name: str) -> list[str]:
    """An array parameter as Express reads one: repeated, ``name[]=``, or comma-separated."""
    raw: list[Any] = []
    for key in (name, f"{name}[]"):
        if isinstance(params, QueryDict):
            raw += params.getlist(key)
        elif key in params:
            value = params[key]
            raw += value if isinstance(value, list) else [value]
    return [item.strip() for value in raw for item in str(value).split(",") if item.strip()]


def _names(params: Mapping[str, Any], name: str, known: Mapping[str, Any], what: str) -> list[str]:
    by_lower = {key.lower(): str(value) for key, value in known.items()} | {str(v): str(v) for v in known.values()}
    chosen = []
    for item in _values(params, name):
        ours = by_lower.get(item.lower()) or by_lower.get(item)
        if ours is None:
            available = ", ".join(known)
            raise ValidationError({name: [f"{item[:40]!r} is not a {what} of this product; available: {available}."]})
        chosen.append(ours)
    return chosen


def metrics_query_from_original(params: Mapping[str, Any]) -> MetricsQuery:
    """The query of ``analytics/data``: daily buckets unless ``interval`` says otherwise."""
    translated = QueryDict(mutable=True)
    for theirs, ours in (("userId", "customer_id"), ("startDate", "start_date"), ("endDate", "end_date"),
                         ("limit", "limit"), ("interval", "interval")):  # fmt: skip
        if theirs in params:
            value = params.getlist(theirs) if isinstance(params, QueryDict) else [params[theirs]]
            translated.setlist(ours, [str(item) for item in value])
    if "interval" not in translated:
        translated["interval"] = DEFAULT_INTERVAL.value
    if metrics := _names(params, "metrics", METRIC_NAMES, "metric"):
        translated["metrics"] = ",".join(metrics)
    if segments := _names(params, "segments", SEGMENT_NAMES, "segment dimension"):
        translated["segment_by"] = ",".join(segments)
    return metrics_query_from(translated)
