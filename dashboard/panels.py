"""What the overview shows for a range: each panel is the analytics API's own answer to the same query.

The page calls the selectors, the cache and the serializers the API calls, so a chart cannot disagree with
``/api/v1/analytics/...`` for the same range; this module only chooses the queries and labels the cards.
The one number it works out itself is a card's relative change against the previous period.
"""

import dataclasses
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from analytics.cache import cached_report
from analytics.dashboard.kpis import DashboardKpis, dashboard_kpis
from analytics.dashboard.params import DashboardQuery
from analytics.dashboard.segments import dashboard_segments
from analytics.dashboard.serializers import DashboardSerializer
from analytics.rfm.window import DateWindow
from analytics.selectors import data_version_current
from dashboard.forms import previous_period

# (field of the dashboard answer, card label, how its value is written)
KPI_CARDS = (
    ("total_sales", "Sales", "money"),
    ("total_transactions", "Transactions", "count"),
    ("products_sold", "Units sold", "count"),
    ("new_memberships", "New memberships", "count"),
    ("average_order_value", "Average order value", "money"),
)


@dataclass(frozen=True)
class KpiCard:
    key: str
    label: str
    kind: str
    value: Decimal | int | None
    previous: Decimal | int | None

    @property
    def change(self) -> Decimal | None:
        """Relative change against the previous period; ``None`` when that period had nothing to compare."""
        if self.value is None or not self.previous:
            return None
        return (Decimal(self.value) - Decimal(self.previous)) / Decimal(self.previous)

    @property
    def direction(self) -> str:
        change = self.change
        if change is None or change == 0:
            return "flat"
        return "up" if change > 0 else "down"


@dataclass(frozen=True)
class Overview:
    start_date: date
    end_date: date
    previous_start: date
    previous_end: date
    interval: str
    model: str
    dashboard: dict[str, Any]
    kpis: list[KpiCard]

    @property
    def segments(self) -> dict[str, Any]:
        return self.dashboard["customer_segments"]


def _kpis(window: DateWindow) -> DashboardKpis:
    # The dashboard API's own cache entry for this window's KPIs.
    return cached_report(report="dashboard-kpis", query=window, compute=lambda: dashboard_kpis(window=window))


def dashboard_answer(*, start_date: date, end_date: date, model: str) -> dict[str, Any]:
    """``GET analytics/dashboard/?start_date=&end_date=&model=``'s body: the same selectors and serializer."""
    query = DashboardQuery(start_date=start_date, end_date=end_date, model=model)
    kpis = _kpis(query.window)
    segments = dashboard_segments(query=query, data_version=data_version_current(), orders=kpis.total_transactions)
    return DashboardSerializer(
        {**dataclasses.asdict(query), **dataclasses.asdict(kpis), "customer_segments": dataclasses.asdict(segments)}
    ).data


def overview(*, start_date: date, end_date: date, interval: str, model: str) -> Overview:
    """Every panel of the overview for one range; KPIs beside the same-length period just before it."""
    before_start, before_end = previous_period(start=start_date, end=end_date)
    answer = dashboard_answer(start_date=start_date, end_date=end_date, model=model)
    previous = _kpis(DateWindow(start_date=before_start, end_date=before_end))
    cards = [
        KpiCard(key=key, label=label, kind=kind, value=answer[key], previous=getattr(previous, key))
        for key, label, kind in KPI_CARDS
    ]
    return Overview(
        start_date=start_date,
        end_date=end_date,
        previous_start=before_start,
        previous_end=before_end,
        interval=interval,
        model=model,
        dashboard=answer,
        kpis=cards,
    )
