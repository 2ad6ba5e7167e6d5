"""Seed 000 (the segments Express backend): segments, data refresh and its logs over our services.

Segments are ours (criteria renamed key for key, validated by the segments
serializer of ``/api/v1/``); a refresh is the sales import of
``/api/v1/data/refresh/`` and its log entries are the import jobs of
``/api/v1/data/logs/``, all in the original's camelCase.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from compat.schema import envelope
from compat.segments_api.criteria import OUR_CRITERIA_NAMES, criteria_from_original
from compat.segments_api.envelopes import TAG, SegmentsError, segments_exception_handler
from compat.segments_api.pagination import DEFAULT_LIMIT, MAX_LIMIT, PageLimitPagination
from compat.segments_api.serializers import (
    SegmentsCreatedSegmentSerializer,
    SegmentsCustomerSerializer,
    SegmentsRefreshLogSerializer,
    SegmentsRefreshRequestSerializer,
    SegmentsSegmentRequestSerializer,
    SegmentsSegmentSerializer,
)
from compat.translate import body_as, validate_as
from compat.views import CompatViewSet
from customers.criteria import criteria_parse
from customers.permissions import SegmentPermission
from customers.selectors import segment_list, segment_member_customers, segment_members, segment_warnings
from customers.serializers import SegmentSerializer
from customers.services import segment_create
from ingestion.models import ImportKind
from ingestion.selectors import import_job_list
from ingestion.services import import_job_start_from_path

ERRORS = {
    400: OpenApiResponse(SegmentsError, description="Bad input; `details` names the fields."),
    401: OpenApiResponse(SegmentsError, description="No or bad credentials."),
    403: OpenApiResponse(SegmentsError, description="The user's role may not do this."),
    404: OpenApiResponse(SegmentsError, description="No such record."),
}


class SegmentsViewSet(CompatViewSet):
    compat_prefix = "/compat/segments-api/api/v1/"
    compat_name = "segments_api"

    def get_exception_handler(self):
        return segments_exception_handler


@extend_schema(tags=[TAG])
class SegmentsDataViewSet(SegmentsViewSet):
    pagination_class = PageLimitPagination
    compat_field_names = {"file_path": "filePath"}

    def get_queryset(self):
        return import_job_list().order_by("-created_at", "-pk")

    @extend_schema(
        request=SegmentsRefreshRequestSerializer,
        responses={202: SegmentsRefreshLogSerializer, **ERRORS},
        description="Managers only. Queues the sales import of the file; poll `data/logs` (or "
        "/api/v1/data/logs/{id}/) until `status` is succeeded or failed.",
    )
    def refresh(self, request: Request) -> Response:
        serializer = SegmentsRefreshRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        job = import_job_start_from_path(
            kind=ImportKind.SALES, file_path=serializer.validated_data["filePath"], created_by=request.user
        )
        job.refresh_from_db()  # with eager Celery the import has already run
        return Response(SegmentsRefreshLogSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={200: SegmentsRefreshLogSerializer(many=True), **ERRORS})
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(SegmentsRefreshLogSerializer(page, many=True).data)


SEGMENT_FIELDS = {"name": "name", "description": "description", "criteria": "criteria"}


@extend_schema(tags=[TAG])
class SegmentsSegmentViewSet(SegmentsViewSet):
    pagination_class = PageLimitPagination

    def get_queryset(self):
        return segment_list().order_by("name", "pk")

    @extend_schema(
        request=SegmentsSegmentRequestSerializer,
        responses={201: SegmentsCreatedSegmentSerializer, **ERRORS},
        description="Managers only. The segment's first refresh runs at once; `warnings` (added) name criteria "
        "that select nothing.",
    )
    def create(self, request: Request) -> Response:
        body = body_as(request.data, SEGMENT_FIELDS)
        if "criteria" in body:
            body["criteria"] = criteria_from_original(body["criteria"])
        data = validate_as(SegmentSerializer(data=body), OUR_CRITERIA_NAMES)
        segment = segment_create(**data).segment
        warnings = segment_warnings(criteria=data["criteria"], customers_count=segment.customers_count or 0)
        answer = SegmentsCreatedSegmentSerializer(segment, context={"warnings": warnings}).data
        return Response(answer, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: SegmentsSegmentSerializer(many=True), **ERRORS})
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(SegmentsSegmentSerializer(page, many=True).data)


class SegmentsPageMetaSerializer(serializers.Serializer):
    page = serializers.IntegerField()
    limit = serializers.IntegerField()
    total = serializers.IntegerField()
    totalPages = serializers.IntegerField()


SegmentsCustomersPage = envelope(
    "SegmentsCustomersPage",
    customers=SegmentsCustomerSerializer(many=True),
    total=serializers.IntegerField(help_text="Members in all."),
    meta=SegmentsPageMetaSerializer(help_text="Added: the page, as on `segments`."),
)


@extend_schema(tags=[TAG])
class SegmentsMembersViewSet(SegmentsViewSet):
    """The members now, by id, with their stats over the matching lines (as ``/api/v1/segments/{id}/customers/``)."""

    permission_classes = [SegmentPermission]
    pagination_class = PageLimitPagination
    lookup_url_kwarg = "segment_id"
    object_label = "segment"

    def get_queryset(self):
        return segment_list()

    @extend_schema(
        parameters=[
            OpenApiParameter("page", OpenApiTypes.INT, description="Page number, from 1."),
            OpenApiParameter(
                "limit", OpenApiTypes.INT, description=f"Rows per page (default {DEFAULT_LIMIT}, at most {MAX_LIMIT})."
            ),
        ],
        responses={200: SegmentsCustomersPage, **ERRORS},
    )
    def customers(self, request: Request, segment_id: str) -> Response:
        segment = self.get_object()
        rows = segment_members(criteria=criteria_parse(segment.criteria)).order_by("customer_id")
        members = segment_member_customers(self.paginate_queryset(rows))
        return Response(
            {
                "customers": SegmentsCustomerSerializer(members, many=True).data,
                "total": self.paginator.total,
                "meta": self.paginator.meta(),
            }
        )
