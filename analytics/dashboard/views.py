import dataclasses

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics.cache import cached_report
from analytics.dashboard.kpis import dashboard_kpis
from analytics.dashboard.params import DashboardQuery, dashboard_query_parse
from analytics.dashboard.segments import dashboard_segments
from analytics.dashboard.serializers import DashboardSerializer
from analytics.rfm.models import RfmAlgorithm
from analytics.rfm.window import analytics_today
from analytics.selectors import data_version_current
from sales.models import Order


class _SegmentsNotReady(Exception):
    """The answer holds KPIs but its segments are still running (or failed): it must not be cached."""

    def __init__(self, answer: dict):
        super().__init__("segments not ready")
        self.answer = answer


def _dashboard(query: DashboardQuery) -> dict:
    version = data_version_current()
    kpis = cached_report(
        report="dashboard-kpis", query=query.window, compute=lambda: dashboard_kpis(window=query.window)
    )
    segments = dashboard_segments(query=query, data_version=version, orders=kpis.total_transactions)
    answer = DashboardSerializer(
        {**dataclasses.asdict(query), **dataclasses.asdict(kpis), "customer_segments": dataclasses.asdict(segments)}
    ).data
    if not segments.is_final:
        raise _SegmentsNotReady(answer)
    return answer


def dashboard_answer(query: DashboardQuery) -> dict:
    """The dashboard's answer to ``query``, cached while its segments are final (shared by every route)."""
    try:
        # Without an end date recency counts from today: tomorrow's answer is another one.
        key = {"query": query, "reference_date": query.end_date or analytics_today()}
        return cached_report(report="dashboard", query=key, compute=lambda: _dashboard(query))
    except _SegmentsNotReady as not_ready:
        return not_ready.answer


@extend_schema(
    tags=["analytics"],
    summary="Sales KPIs and the RFM segments of a date range",
    parameters=[
        OpenApiParameter("start_date", str, description="YYYY-MM-DD, inclusive."),
        OpenApiParameter("end_date", str, description="YYYY-MM-DD, inclusive; also the RFM reference date."),
        OpenApiParameter("model", str, enum=RfmAlgorithm.values, description="Default quantile."),
    ],
    responses={200: DashboardSerializer},
)
class DashboardApi(APIView):
    """Cached per range, model and data version; the segments come from a stored RFM run of the same.

    Without such a run a small range is segmented at once; a large one answers
    the KPIs with ``customer_segments.status: "running"`` and the run's id.
    """

    queryset = Order.objects.all()  # for the model permissions: reading sales

    def get(self, request: Request) -> Response:
        return Response(dashboard_answer(dashboard_query_parse(request.query_params)))
