"""Seed 000 (the segments Express backend): data refresh and its logs over the ingestion services.

A refresh is the sales import of ``/api/v1/data/refresh/``; its log entries are the
import jobs of ``/api/v1/data/logs/``, in the original's camelCase.
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from compat.segments_api.envelopes import TAG, SegmentsError, segments_exception_handler
from compat.segments_api.pagination import PageLimitPagination
from compat.segments_api.serializers import SegmentsRefreshLogSerializer, SegmentsRefreshRequestSerializer
from compat.views import CompatViewSet
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
