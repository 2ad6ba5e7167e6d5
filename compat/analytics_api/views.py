"""Seed 003 (the analytics dashboard backend): ``analytics/data`` over our metrics report, and the cache refresh.

Its parameters are renamed for ``analytics.params.metrics_query_from``, which
validates them as for ``/api/v1/analytics/metrics/``; metric and segment names
map one to one onto ours, and names we do not track (``pageViews``) are a 400.
"""

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from analytics.cache import cached_report
from analytics.params import SERIES_LIMIT_DEFAULT, SERIES_LIMIT_MAX
from analytics.periods import Interval
from analytics.selectors.metrics import metrics_report
from analytics.services import data_version_bump
from analytics.views import CanReadReports, CanRefreshCache
from compat.analytics_api.envelopes import TAG, AnalyticsError, analytics_exception_handler
from compat.analytics_api.params import (
    DEFAULT_INTERVAL,
    METRIC_NAMES,
    PARAMETER_NAMES,
    SEGMENT_NAMES,
    metrics_query_from_original,
)
from compat.analytics_api.serializers import AnalyticsMetricSerializer, AnalyticsRefreshSerializer, metric_data
from compat.errors import NON_FIELD
from compat.views import CompatViewSet

ERRORS = {
    400: OpenApiResponse(AnalyticsError, description="A bad parameter; `details` gives its path."),
    401: OpenApiResponse(AnalyticsError, description="No or bad credentials."),
    403: OpenApiResponse(AnalyticsError, description="The user's role may not do this."),
}
PARAMETERS = [
    OpenApiParameter("userId", int, description="Only this customer's orders (our customer id)."),
    OpenApiParameter("startDate", str, description="YYYY-MM-DD, inclusive."),
    OpenApiParameter("endDate", str, description="YYYY-MM-DD, inclusive."),
    OpenApiParameter(
        "metrics",
        str,
        many=True,
        description=f"Repeated, `metrics[]=`, or comma-separated: {', '.join(METRIC_NAMES)}. Default revenue.",
    ),
    OpenApiParameter(
        "segments", str, many=True, description=f"Dimensions to break each metric down by: {', '.join(SEGMENT_NAMES)}."
    ),
    OpenApiParameter(
        "limit",
        int,
        default=SERIES_LIMIT_DEFAULT,
        description=f"Most points a series may hold (1 to {SERIES_LIMIT_MAX:,}); a range needing more is a 400.",
    ),
    OpenApiParameter(
        "interval",
        str,
        enum=[interval.value for interval in Interval],
        default=DEFAULT_INTERVAL.value,
        description="Added: the buckets of timeSeriesData.",
    ),
]


class AnalyticsViewSet(CompatViewSet):
    compat_prefix = "/compat/analytics-api/api/"
    compat_name = "analytics_api"
    compat_field_names = PARAMETER_NAMES

    def get_exception_handler(self):
        return analytics_exception_handler


@extend_schema(tags=[TAG])
class AnalyticsDataViewSet(AnalyticsViewSet):
    permission_classes = [CanReadReports]

    @extend_schema(parameters=PARAMETERS, responses={200: AnalyticsMetricSerializer(many=True), **ERRORS})
    def data(self, request: Request) -> Response:
        query = metrics_query_from_original(request.query_params)

        def compute() -> list[dict[str, Any]]:
            return [metric_data(result) for result in metrics_report(query)]

        return Response(cached_report(report="compat-analytics-data", query=query, compute=compute))


@extend_schema(tags=[TAG])
class AnalyticsRefreshViewSet(AnalyticsViewSet):
    permission_classes = [CanRefreshCache]

    @extend_schema(
        parameters=PARAMETERS,
        request=None,
        responses={200: AnalyticsRefreshSerializer, **ERRORS},
        description="Managers only. The parameters (query string or JSON body) are checked as `analytics/data` "
        "checks them; the refresh covers every cached answer, whatever they are (/api/v1/analytics/cache/refresh/).",
    )
    def refresh_cache(self, request: Request) -> Response:
        body = request.data
        if not isinstance(body, dict):
            raise ValidationError({NON_FIELD: ["Expected a JSON object."]})
        metrics_query_from_original({**request.query_params.dict(), **body})
        return Response({"success": True, "message": "Cache refreshed", "dataVersion": data_version_bump()})
