"""Seed 002 (the sales Express backend): sales by user and by group over our sales-by-agent/team selectors.

A "user" is an agent and a "group" a team. The original's parameters are renamed
for ``analytics.params.sales_query_from``, which validates them as it does for
``/api/v1/analytics/sales/by-agent/`` and ``by-team/``; the answer is cached
under the same data version.
"""

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from django.http import QueryDict
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from analytics.cache import cached_report
from analytics.params import Grouping, SalesQuery, sales_query_from
from analytics.periods import Interval
from analytics.selectors.sales import sales_by_agent, sales_by_team
from analytics.views import CanReadReports
from compat.sales_api.envelopes import TAG, SalesError, sales_exception_handler
from compat.sales_api.serializers import SalesByGroupRowSerializer, SalesByUserRowSerializer, rows_data
from compat.schema import envelope
from compat.views import CompatViewSet
from sales.models import AgentRole

ERRORS = {
    400: OpenApiResponse(SalesError, description="A bad parameter; `details` names it."),
    401: OpenApiResponse(SalesError, description="No or bad credentials."),
    403: OpenApiResponse(SalesError, description="The user's role may not read sales."),
}
SORTS = ("period", "total_revenue", "sales_count", "average_revenue")


def _query(params: QueryDict, *, group: Grouping) -> SalesQuery:
    """The original's parameters under ours; ``sort_by`` is checked against the original's own list."""
    ids, ours = ("user_id", "agent_id") if group is Grouping.AGENT else ("group_id", "team_id")
    translated = QueryDict(mutable=True)
    for theirs, name in (("start_date",) * 2, ("end_date",) * 2, ("role",) * 2, ("interval",) * 2, (ids, ours)):
        if theirs in params:
            translated.setlist(name, params.getlist(theirs))
    sorts = params.getlist("sort_by")
    for sort_by in sorts:
        if sort_by.strip().lower() not in (*SORTS, ids):
            raise ValidationError({"sort_by": [f"Must be one of: {', '.join((*SORTS, ids))}."]})
    if sorts:
        translated.setlist("sort_by", [ours if value.strip().lower() == ids else value for value in sorts])
    # No ``order``: descending, with period second, as the original sorted.
    return sales_query_from(translated, group=group)


def _parameters(ids: str, what: str) -> list[OpenApiParameter]:
    return [
        OpenApiParameter("start_date", str, description="YYYY-MM-DD, inclusive."),
        OpenApiParameter("end_date", str, description="YYYY-MM-DD, inclusive."),
        OpenApiParameter(ids, str, description=f"Comma-separated {what} ids, e.g. 1,2,3."),
        OpenApiParameter("role", str, enum=AgentRole.values, description="Only sales by agents of this role."),
        OpenApiParameter("sort_by", str, enum=[*SORTS, ids], default="period", description="Descending."),
        OpenApiParameter("interval", str, enum=[interval.value for interval in Interval], default="month"),
    ]


def _envelope(name: str, row: serializers.Serializer) -> type[serializers.Serializer]:
    return envelope(name, success=serializers.BooleanField(), count=serializers.IntegerField(), data=row)


class SalesViewSet(CompatViewSet):
    compat_prefix = "/compat/sales-api/api/v1/"
    compat_name = "sales_api"
    permission_classes = [CanReadReports]
    compat_field_names = {"agent_id": "user_id", "team_id": "group_id"}

    def get_exception_handler(self):
        return sales_exception_handler

    def answer(self, *, report: str, query: SalesQuery, compute: Callable[[], list[dict]]) -> Response:
        data = cached_report(report=report, query=query, compute=compute)
        return Response({"success": True, "count": len(data), "data": data})


@extend_schema(tags=[TAG])
class SalesByUserViewSet(SalesViewSet):
    @extend_schema(
        parameters=_parameters("user_id", "user (agent)"),
        responses={200: _envelope("SalesByUserEnvelope", SalesByUserRowSerializer(many=True)), **ERRORS},
        description="Sales per agent and period, as /api/v1/analytics/sales/by-agent/ (orders with no agent are "
        "not in it).",
    )
    def by_user(self, request: Request) -> Response:
        query = _query(request.query_params, group=Grouping.AGENT)

        def compute() -> list[dict[str, Any]]:
            return rows_data(sales_by_agent(query), serializer=SalesByUserRowSerializer, zone=ZoneInfo(query.zone))

        return self.answer(report="compat-sales-by-user", query=query, compute=compute)


@extend_schema(tags=[TAG])
class SalesByGroupViewSet(SalesViewSet):
    @extend_schema(
        parameters=_parameters("group_id", "group (team)"),
        responses={200: _envelope("SalesByGroupEnvelope", SalesByGroupRowSerializer(many=True)), **ERRORS},
        description="Sales per team and period, as /api/v1/analytics/sales/by-team/; `role` keeps the sales of "
        "agents of that role.",
    )
    def by_group(self, request: Request) -> Response:
        query = _query(request.query_params, group=Grouping.TEAM)

        def compute() -> list[dict[str, Any]]:
            return rows_data(sales_by_team(query), serializer=SalesByGroupRowSerializer, zone=ZoneInfo(query.zone))

        return self.answer(report="compat-sales-by-group", query=query, compute=compute)
