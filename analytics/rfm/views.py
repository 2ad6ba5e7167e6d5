import csv
from collections.abc import Iterator

from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, mixins, status, viewsets
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics.rfm.filters import RfmRunCustomerFilter, RfmRunFilter
from analytics.rfm.models import RfmRun, RfmRunStatus
from analytics.rfm.renderers import MigrationMatrixCsvRenderer, RunCustomersCsvRenderer
from analytics.rfm.selectors import rfm_run_customer_list, rfm_run_list, rfm_run_migration, rfm_runs_in_order
from analytics.rfm.serializers import (
    MigrationMatrixSerializer,
    RfmRunCreateSerializer,
    RfmRunCustomerSerializer,
    RfmRunSerializer,
)
from analytics.rfm.services import rfm_run_start
from common.exceptions import ApplicationError, ConflictError


@extend_schema_view(
    list=extend_schema(summary="RFM runs, newest first, each with its segments and evaluation"),
    retrieve=extend_schema(summary="One RFM run; poll it until status is succeeded or failed"),
)
@extend_schema(tags=["analytics"])
class RfmRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """RFM segmentation runs. Creating one (managers) answers 202; a worker computes it."""

    serializer_class = RfmRunSerializer
    filterset_class = RfmRunFilter
    ordering_fields = ["id", "created_at", "completed_at", "reference_date", "customers_count"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return rfm_run_list()

    @extend_schema(
        summary="Start an RFM run",
        request=RfmRunCreateSerializer,
        responses={202: RfmRunSerializer},
    )
    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = RfmRunCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        run = rfm_run_start(**serializer.validated_data, created_by=request.user)
        run = rfm_run_list().get(pk=run.pk)  # with eager Celery the run has already finished
        return Response(RfmRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


@extend_schema(
    tags=["analytics"],
    summary="A run's customers with their R, F, M values, scores and segment",
    parameters=[OpenApiParameter("format", str, enum=["json", "csv"], description="csv: every matching row.")],
)
class RfmRunCustomersApi(generics.ListAPIView):
    """Paginated JSON, or with ``?format=csv`` every matching row as one streamed CSV file."""

    serializer_class = RfmRunCustomerSerializer
    filterset_class = RfmRunCustomerFilter
    ordering_fields = ["customer", "recency", "frequency", "monetary", "r_score", "f_score", "m_score", "segment"]
    ordering = ["customer"]
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, RunCustomersCsvRenderer]

    def list(self, request: Request, *args, **kwargs):
        if request.accepted_renderer.format != "csv":
            return super().list(request, *args, **kwargs)
        queryset = self.filter_queryset(self.get_queryset())
        response = StreamingHttpResponse(_csv_lines(queryset), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="rfm-run-{self._run_id}-customers.csv"'
        return response

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return rfm_run_customer_list(run_id=0)
        if not hasattr(self, "_run_id"):  # the permission check asks for the queryset too: look the run up once
            self._run_id = get_object_or_404(RfmRun.objects.only("pk"), pk=self.kwargs["pk"]).pk
        return rfm_run_customer_list(run_id=self._run_id)


CSV_COLUMNS = ["customer", "segment", "cluster", "recency", "frequency", "monetary", "r_score", "f_score", "m_score"]


def _csv_lines(queryset) -> Iterator[str]:
    class Echo:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(Echo())
    yield writer.writerow(CSV_COLUMNS)
    fields = [("customer_id" if name == "customer" else name) for name in CSV_COLUMNS]
    for row in queryset.values_list(*fields).iterator(chunk_size=5000):
        yield writer.writerow(["" if value is None else value for value in row])


def _finished_run(run_id: int, *, field: str | None) -> RfmRun:
    run = rfm_run_list().filter(pk=run_id).first()
    if run is None:
        if field is None:
            raise Http404
        raise ApplicationError(f"There is no RFM run {run_id}.", field=field)
    if run.status != RfmRunStatus.SUCCEEDED:
        raise ConflictError(f"RFM run {run_id} is {run.status}; only succeeded runs can be compared.", field=field)
    return run


@extend_schema(
    tags=["analytics"],
    summary="Migration matrix: where the customers of each segment of the earlier run are in the later one",
    parameters=[
        OpenApiParameter("with", OpenApiTypes.INT, required=True, description="The other run's id."),
        OpenApiParameter("format", str, enum=["json", "csv"], description="csv: the matrix as a table."),
    ],
    responses={200: MigrationMatrixSerializer, 400: OpenApiResponse(description="with is missing or names no run")},
)
class RfmRunCompareApi(APIView):
    """Rows are the earlier run's segments plus ``new``; columns the later run's plus ``gone``."""

    queryset = RfmRun.objects.all()  # for the model permissions
    renderer_classes = [JSONRenderer, MigrationMatrixCsvRenderer]

    def get(self, request: Request, pk: int) -> Response:
        raw = request.query_params.get("with", "")
        if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
            raise ApplicationError("Give the other run's id, e.g. ?with=12.", field="with")
        other_id = int(raw)
        if other_id == pk:
            raise ApplicationError("Compare a run with another run, not with itself.", field="with")
        run = _finished_run(pk, field=None)
        other = _finished_run(other_id, field="with")
        earlier, later = rfm_runs_in_order(run, other)
        response = Response(MigrationMatrixSerializer(rfm_run_migration(earlier=earlier, later=later)).data)
        if request.accepted_renderer.format == "csv":
            response["Content-Disposition"] = f'attachment; filename="rfm-runs-{earlier.pk}-to-{later.pk}.csv"'
        return response
