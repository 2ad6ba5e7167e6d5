"""Seed 000's camelCase criteria and our segment criteria, key for key."""

import re
from typing import Any

from rest_framework.exceptions import ValidationError

from compat.translate import inverse

CRITERIA_NAMES = {
    "minPurchases": "min_orders",
    "maxPurchases": "max_orders",
    "minRevenue": "min_revenue",
    "maxRevenue": "max_revenue",
    "categories": "categories",
    "regions": "regions",
    "startDate": "start_date",
    "endDate": "end_date",
}
OUR_CRITERIA_NAMES = inverse(CRITERIA_NAMES)
# A JavaScript Date goes over JSON as an ISO date-time ("2024-01-01T00:00:00.000Z"): its date is meant.
_DATE_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})T[\d:.]+(Z|[+-]\d{2}:?\d{2})?$")


def _date_part(value: Any) -> Any:
    if isinstance(value, str) and (match := _DATE_TIME.match(value.strip())):
        return match.group(1)
    return value


def criteria_from_original(raw: Any) -> Any:
    """Their criteria under our names, for ``criteria_parse`` to judge; keys they never had are a 400 here."""
    if not isinstance(raw, dict):
        return raw  # ours refuses it with the reason
    unknown = [key for key in raw if key not in CRITERIA_NAMES]
    if unknown:
        allowed = ", ".join(CRITERIA_NAMES)
        raise ValidationError({"criteria": {str(key): [f"Unknown criterion. Allowed: {allowed}."] for key in unknown}})
    ours = {CRITERIA_NAMES[key]: value for key, value in raw.items()}
    for key in ("start_date", "end_date"):
        if key in ours:
            ours[key] = _date_part(ours[key])
    return ours


def criteria_to_original(criteria: dict[str, Any]) -> dict[str, Any]:
    """Stored criteria (our names, canonical values) under the original's names."""
    return {OUR_CRITERIA_NAMES.get(key, key): value for key, value in criteria.items()}
