"""What the overview shows for a range: each panel is the analytics API's own answer to the same query.

The page calls the selectors, the cache and the serializers the API calls, so a chart cannot disagree with
``/api/v1/analytics/...`` for the same range; this module only chooses the queries and labels the cards.
The one number it works out itself is a card's relative change against the previous period.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.http import HttpRequest

from analytics import serializers as out
from analytics.cache import cached_report
from analytics.dashboard.answer import dashboard_answer, dashboard_kpis_cached
from analytics.dashboard.params import DashboardQuery
from analytics.params import MIN_DATE, Grouping, TopBy, metrics_query_from, sales_query_from, top_query_from
from analytics.periods import Interval, previous_period
from analytics.rfm.window import DateWindow
from analytics.selectors.metrics import metrics_report
from analytics.selectors.sales import sales_by_team
from analytics.selectors.top import top_customers, top_products
from dashboard.forms import MAX_BUCKETS

TOP_LIMIT = 10

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
    previous_start: date | None
    previous_end: date | None
    interval: str
    model: str
    dashboard: dict[str, Any]
    kpis: list[KpiCard]
    params: dict[str, dict[str, str]]
    revenue: list[dict[str, Any]]
    by_team: dict[str, Any]
    top_products: dict[str, Any]
    top_customers: dict[str, Any]

    @property
    def revenue_partial(self) -> bool:
        """Whether a bucket of the revenue line is only partly in the range (or not over yet)."""
        return any(not point["is_complete"] for point in self.revenue[0]["time_series"])

    @property
    def segments(self) -> dict[str, Any]:
        return self.dashboard["customer_segments"]


def report_params(*, start_date: date, end_date: date, interval: str) -> dict[str, dict[str, str]]:
    """Each report's query string as the page asks it; a client asking the API the same gets the same answer."""
    dates = {"start_date": start_date.isoformat(), "end_date": end_date.isoformat()}
    return {
        "metrics": {**dates, "metrics": "revenue", "interval": interval, "limit": str(MAX_BUCKETS)},
        "by_team": {**dates, "interval": interval, "sort_by": "period", "order": "asc"},
        "top_products": {**dates, "limit": str(TOP_LIMIT)},
        "top_customers": {**dates, "limit": str(TOP_LIMIT)},
    }


def reports(*, request: HttpRequest, params: dict[str, dict[str, str]]) -> dict[str, Any]:
    """The analytics API's answers to ``params``: its parsers, selectors and serializers, cached per data version."""
    metrics = metrics_query_from(params["metrics"])
    by_team = sales_query_from(params["by_team"], group=Grouping.TEAM)
    products = top_query_from(params["top_products"], default_by=TopBy.UNITS)
    customers = top_query_from(params["top_customers"], default_by=TopBy.REVENUE)
    context = {"request": request, "query": metrics, "zone": ZoneInfo(metrics.zone)}

    def revenue() -> list:
        return out.MetricResultSerializer(metrics_report(metrics), many=True, context=context).data

    def teams() -> dict[str, Any]:
        rows = sales_by_team(by_team)
        return {"count": len(rows), "results": out.sales_rows_data(rows, query=by_team, request=request)}

    def top_rows(rows: list, serializer) -> dict[str, Any]:
        return {"count": len(rows), "results": serializer(rows, many=True).data}

    base = request.build_absolute_uri("/")  # the team rows' links are absolute
    return {
        "revenue": cached_report(report="dashboard-page:metrics", query=metrics, compute=revenue),
        "by_team": cached_report(report="dashboard-page:by-team", query={"q": by_team, "base": base}, compute=teams),
        "top_products": cached_report(
            report="dashboard-page:top-products",
            query=products,
            compute=lambda: top_rows(top_products(products), out.TopProductSerializer),
        ),
        "top_customers": cached_report(
            report="dashboard-page:top-customers",
            query=customers,
            compute=lambda: top_rows(top_customers(customers), out.TopCustomerSerializer),
        ),
    }


def overview(*, request: HttpRequest, start_date: date, end_date: date, interval: str, model: str) -> Overview:
    """Every panel of the overview for one range; KPIs beside the previous period, as metrics' compare has it."""
    before = previous_period(start=start_date, end=end_date, interval=Interval(interval), not_before=MIN_DATE)
    before_start, before_end = before or (None, None)
    answer = dashboard_answer(query=DashboardQuery(start_date=start_date, end_date=end_date, model=model))
    previous = (
        dashboard_kpis_cached(window=DateWindow(start_date=before_start, end_date=before_end)) if before else None
    )
    params = report_params(start_date=start_date, end_date=end_date, interval=interval)
    cards = [
        KpiCard(key=key, label=label, kind=kind, value=answer[key], previous=getattr(previous, key, None))
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
        params=params,
        **reports(request=request, params=params),
    )
