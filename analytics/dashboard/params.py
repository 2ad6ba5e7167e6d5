"""The dashboard's query, parsed strictly from the request: a 400 names the parameter at fault."""

import re
from dataclasses import dataclass
from datetime import date

from rest_framework.exceptions import ValidationError

from analytics.rfm.models import RfmAlgorithm
from analytics.rfm.window import DateWindow

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ALLOWED = {"start_date", "end_date", "model", "format"}


@dataclass(frozen=True)
class DashboardQuery:
    start_date: date | None
    end_date: date | None
    model: str

    @property
    def window(self) -> DateWindow:
        return DateWindow(start_date=self.start_date, end_date=self.end_date)


def _date(params, name: str) -> date | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    if not ISO_DATE.fullmatch(raw):
        raise ValidationError({name: ["Use the date format YYYY-MM-DD."]})
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationError({name: ["Not a calendar date."]}) from None


def dashboard_query_parse(params) -> DashboardQuery:
    unknown = sorted(set(params) - ALLOWED)
    if unknown:
        raise ValidationError({name[:100]: ["Unknown parameter."] for name in unknown})
    start_date, end_date = _date(params, "start_date"), _date(params, "end_date")
    if start_date and end_date and start_date > end_date:
        raise ValidationError({"start_date": ["start_date must not be after end_date."]})
    model = params.get("model") or RfmAlgorithm.QUANTILE
    if model not in RfmAlgorithm.values:
        raise ValidationError({"model": [f"Choose one of {', '.join(RfmAlgorithm.values)}."]})
    return DashboardQuery(start_date=start_date, end_date=end_date, model=model)
