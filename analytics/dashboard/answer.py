"""The dashboard's answer to a query, shared by the API and the staff page: one path to every number."""

import dataclasses
from typing import Any

from analytics.cache import cached_report
from analytics.dashboard.kpis import DashboardKpis, dashboard_kpis
from analytics.dashboard.params import DashboardQuery
from analytics.dashboard.segments import dashboard_segments
from analytics.dashboard.serializers import DashboardSerializer
from analytics.rfm.window import DateWindow, analytics_today
from analytics.selectors import data_version_current


class _SegmentsNotReady(Exception):
    """The answer holds KPIs but its segments are still running (or failed): it must not be cached."""

    def __init__(self, answer: dict[str, Any]):
        super().__init__("segments not ready")
        self.answer = answer


def dashboard_kpis_cached(*, window: DateWindow) -> DashboardKpis:
    """The KPIs of ``window``, cached per data version (the staff page also asks for the period before)."""
    return cached_report(report="dashboard-kpis", query=window, compute=lambda: dashboard_kpis(window=window))


def _answer(query: DashboardQuery) -> dict[str, Any]:
    version = data_version_current()
    kpis = dashboard_kpis_cached(window=query.window)
    segments = dashboard_segments(query=query, data_version=version, orders=kpis.total_transactions)
    answer = DashboardSerializer(
        {**dataclasses.asdict(query), **dataclasses.asdict(kpis), "customer_segments": dataclasses.asdict(segments)}
    ).data
    if not segments.is_final:
        raise _SegmentsNotReady(answer)
    return answer


def dashboard_answer(*, query: DashboardQuery) -> dict[str, Any]:
    """``GET analytics/dashboard/``'s body, cached per range, model and data version once its segments are final.

    Without an end date recency counts from today, so the key carries today's
    date: tomorrow's answer is another one.
    """
    key = {"query": query, "reference_date": query.end_date or analytics_today()}
    try:
        return cached_report(report="dashboard", query=key, compute=lambda: _answer(query))
    except _SegmentsNotReady as not_ready:
        return not_ready.answer
