"""Analytics reports over HTTP: parse the query, compute (or reuse) the report, render JSON or CSV.

Views stay thin: ``analytics.params`` validates, the selectors compute,
the serializers shape. The rendered bytes are cached under the normalised
query and the data version (``analytics.cache``), so a repeated question is
answered without touching the report tables. Every report answers
``?format=csv`` as well.
"""

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from django.http import HttpResponse, HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.permissions import BasePermission
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import user_holds_permission
from analytics import serializers as out
from analytics.cache import cached_report
from analytics.params import (
    SALES_SORTS,
    SERIES_LIMIT_DEFAULT,
    SERIES_LIMIT_MAX,
    TOP_LIMIT_DEFAULT,
    TOP_LIMIT_MAX,
    Compare,
    Dimension,
    Grouping,
    Metric,
    ReportQuery,
    SortOrder,
    TopBy,
    metrics_query_from,
    sales_query_from,
    top_query_from,
)
from analytics.periods import Interval
from analytics.renderers import AnalyticsCsvRenderer, envelope_table
from analytics.selectors.metrics import metrics_report
from analytics.selectors.sales import sales_by_agent, sales_by_team
from analytics.selectors.top import top_customers, top_products
from analytics.services import data_version_bump
from sales.models import AgentRole

TAGS = ["analytics"]


def _choices(values) -> list[str]:
    return [getattr(value, "value", value) for value in values]


DATE_PARAMETERS = [
    OpenApiParameter(
        "start_date",
        OpenApiTypes.DATE,
        description="First day (YYYY-MM-DD, inclusive), a local date in ANALYTICS_TIME_ZONE.",
    ),
    OpenApiParameter(
        "end_date",
        OpenApiTypes.DATE,
        description="Last day (YYYY-MM-DD, inclusive), a local date in ANALYTICS_TIME_ZONE; not before start_date.",
    ),
]
FORMAT_PARAMETER = OpenApiParameter(
    "format", str, enum=["json", "csv"], description="csv: a header row and one line per row, for spreadsheets."
)
INTERVAL_PARAMETER = OpenApiParameter(
    "interval",
    str,
    enum=_choices(Interval),
    default=Interval.MONTH.value,
    description="Calendar buckets in ANALYTICS_TIME_ZONE; weeks start on Monday.",
)
ROLE_PARAMETER = OpenApiParameter("role", str, enum=AgentRole.values, description="Only sales by agents of this role.")
ERRORS = {
    400: OpenApiResponse(description='An invalid parameter: {"<parameter>": ["message"]}.'),
    401: OpenApiResponse(description="Not authenticated."),
    403: OpenApiResponse(description="Not allowed."),
}


def _sales_parameters(group: Grouping) -> list[OpenApiParameter]:
    ids = "agent_id" if group is Grouping.AGENT else "team_id"
    return [
        *DATE_PARAMETERS,
        OpenApiParameter(ids, str, description=f"Comma-separated {group.value} ids (positive integers), e.g. 1,2,3."),
        ROLE_PARAMETER,
        INTERVAL_PARAMETER,
        OpenApiParameter(
            "sort_by", str, enum=_choices(SALES_SORTS[group]), default="period", description="The primary sort key."
        ),
        OpenApiParameter(
            "order",
            str,
            enum=_choices(SortOrder),
            default="desc",
            description="Direction of sort_by; period is the secondary key, then the id ascending.",
        ),
        FORMAT_PARAMETER,
    ]


def _top_parameters(default_by: TopBy) -> list[OpenApiParameter]:
    return [
        *DATE_PARAMETERS,
        OpenApiParameter("limit", int, default=TOP_LIMIT_DEFAULT, description=f"Rows to return, 1 to {TOP_LIMIT_MAX}."),
        OpenApiParameter(
            "by",
            str,
            enum=_choices(TopBy),
            default=default_by.value,
            description="Ranked by this, descending; ties by id ascending.",
        ),
        FORMAT_PARAMETER,
    ]


class CanReadReports(BasePermission):
    """Reports show order data: whoever may read orders (viewers, managers) may read them."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return user_holds_permission(user=request.user, app_label="sales", codename="view_order")


class CanRefreshCache(BasePermission):
    """Managers: the ones who may write orders, which moves the data version just the same."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.has_perm("sales.change_order"))


class ReportApi(APIView):
    """Shared by the report views: permissions, JSON and CSV, and the one place a report is computed."""

    permission_classes = [CanReadReports]
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, AnalyticsCsvRenderer]
    csv_columns: tuple[str, ...] = ()

    def report(self, request: Request, query: ReportQuery, compute: Callable[[], Any]) -> HttpResponseBase:
        """The report as the client asked for it; JSON and CSV are rendered once, to the bytes sent."""
        renderer = request.accepted_renderer
        if not isinstance(renderer, JSONRenderer | AnalyticsCsvRenderer):
            return Response(compute())  # the browsable API renders for people, per request

        def render() -> bytes:
            return renderer.render(compute(), request.accepted_media_type, {"view": self, "request": request})

        body = cached_report(
            report=type(self).__name__,
            # Links in the answer are absolute, so the host is part of the question.
            query={"query": query, "media_type": request.accepted_media_type, "base": request.build_absolute_uri("/")},
            compute=render,
        )
        return HttpResponse(body, content_type=f"{renderer.media_type}; charset=utf-8")

    def context(self, request: Request, query: ReportQuery) -> dict[str, Any]:
        return {"request": request, "query": query, "zone": ZoneInfo(query.zone)}

    def csv_table(self, data: Any):
        return envelope_table(data, self.csv_columns)

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        # Errors stay JSON even under ?format=csv: a spreadsheet of one error message helps nobody.
        if response.status_code >= 400 and isinstance(
            getattr(request, "accepted_renderer", None), AnalyticsCsvRenderer
        ):
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


class SalesByAgentApi(ReportApi):
    """Sales per agent and calendar bucket (orders without an agent are not in it)."""

    csv_columns = tuple(out.SalesByAgentRowSerializer.Meta.fields)

    @extend_schema(
        operation_id="analytics_sales_by_agent",
        tags=TAGS,
        parameters=_sales_parameters(Grouping.AGENT),
        responses={200: out.SalesByAgentSerializer, **ERRORS},
    )
    def get(self, request: Request) -> Response:
        query = sales_query_from(request.query_params, group=Grouping.AGENT)

        def compute() -> dict:
            rows = sales_by_agent(query)
            return {"count": len(rows), "results": out.sales_rows_data(rows, query=query, request=request)}

        return self.report(request, query, compute)


class SalesByTeamApi(ReportApi):
    """Sales per team (the agents' current teams) and calendar bucket; ``role`` keeps that role's sales."""

    csv_columns = tuple(out.SalesByTeamRowSerializer.Meta.fields)

    @extend_schema(
        operation_id="analytics_sales_by_team",
        tags=TAGS,
        parameters=_sales_parameters(Grouping.TEAM),
        responses={200: out.SalesByTeamSerializer, **ERRORS},
    )
    def get(self, request: Request) -> Response:
        query = sales_query_from(request.query_params, group=Grouping.TEAM)

        def compute() -> dict:
            rows = sales_by_team(query)
            return {"count": len(rows), "results": out.sales_rows_data(rows, query=query, request=request)}

        return self.report(request, query, compute)


class MetricsApi(ReportApi):
    """Metrics as zero-filled time series with totals and segment breakdowns."""

    @extend_schema(
        operation_id="analytics_metrics",
        tags=TAGS,
        parameters=[
            OpenApiParameter(
                "metrics",
                str,
                description=f"Comma-separated, in the order wanted: {', '.join(_choices(Metric))}. Default revenue.",
            ),
            *DATE_PARAMETERS,
            INTERVAL_PARAMETER,
            OpenApiParameter(
                "segment_by",
                str,
                description="Comma-separated dimensions to break each metric down by: "
                f"{', '.join(_choices(Dimension))}.",
            ),
            OpenApiParameter("customer_id", int, description="Only this customer's orders."),
            OpenApiParameter(
                "limit",
                int,
                default=SERIES_LIMIT_DEFAULT,
                description=f"Most buckets a series may hold (1 to {SERIES_LIMIT_MAX:,}); "
                "a range needing more is a 400.",
            ),
            OpenApiParameter(
                "compare",
                str,
                enum=_choices(Compare),
                description="previous_period adds previous_total_value and previous_time_series for the same-length "
                "period just before (as many whole buckets when the range is whole buckets, else as many days).",
            ),
            FORMAT_PARAMETER,
        ],
        responses={200: out.MetricResultSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request) -> Response:
        query = metrics_query_from(request.query_params)

        def compute() -> list:
            results = metrics_report(query)
            return out.MetricResultSerializer(results, many=True, context=self.context(request, query)).data

        return self.report(request, query, compute)

    def csv_table(self, data: list):
        """One line per number: each metric's total, buckets, segment values and the previous period's."""
        header = ("metric", "part", "dimension", "key", "timestamp", "value", "is_complete")
        rows = []
        for result in data:
            metric = result["metric"]
            rows.append((metric, "total", None, None, None, result["total_value"], None))
            rows += [
                (metric, "series", None, None, p["timestamp"], p["value"], p["is_complete"])
                for p in result["time_series"]
            ]
            for dimension, values in result["segment_data"].items():
                rows += [(metric, "segment", dimension, key, None, value, None) for key, value in values.items()]
            if "previous_time_series" in result:
                rows.append((metric, "previous_total", None, None, None, result["previous_total_value"], None))
                rows += [
                    (metric, "previous_series", None, None, p["timestamp"], p["value"], p["is_complete"])
                    for p in result["previous_time_series"]
                ]
        return header, rows


class TopCustomersApi(ReportApi):
    """The customers with the most revenue (or orders, or units) in the range."""

    csv_columns = ("customer", "code", "name", "total_revenue", "orders_count", "units")

    @extend_schema(
        operation_id="analytics_top_customers",
        tags=TAGS,
        parameters=_top_parameters(TopBy.REVENUE),
        responses={200: out.TopCustomersSerializer, **ERRORS},
    )
    def get(self, request: Request) -> Response:
        query = top_query_from(request.query_params, default_by=TopBy.REVENUE)

        def compute() -> dict:
            rows = top_customers(query)
            return {"count": len(rows), "results": out.TopCustomerSerializer(rows, many=True).data}

        return self.report(request, query, compute)


class TopProductsApi(ReportApi):
    """The products selling the most units (or revenue, or orders) in the range, soft-deleted ones included."""

    csv_columns = ("product", "code", "name", "category", "units", "total_revenue", "orders_count")

    @extend_schema(
        operation_id="analytics_top_products",
        tags=TAGS,
        parameters=_top_parameters(TopBy.UNITS),
        responses={200: out.TopProductsSerializer, **ERRORS},
    )
    def get(self, request: Request) -> Response:
        query = top_query_from(request.query_params, default_by=TopBy.UNITS)

        def compute() -> dict:
            rows = top_products(query)
            return {"count": len(rows), "results": out.TopProductSerializer(rows, many=True).data}

        return self.report(request, query, compute)


class CacheRefreshApi(APIView):
    """Move to a new data version (managers): every cached report is computed afresh on its next request."""

    permission_classes = [CanRefreshCache]

    @extend_schema(
        operation_id="analytics_cache_refresh",
        tags=TAGS,
        request=None,
        responses={200: out.CacheRefreshSerializer, 401: ERRORS[401], 403: ERRORS[403]},
    )
    def post(self, request: Request) -> Response:
        return Response({"data_version": data_version_bump()})
