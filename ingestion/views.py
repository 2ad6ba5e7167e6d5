from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ingestion.filters import ImportJobFilter
from ingestion.models import ImportJob
from ingestion.selectors import import_job_list
from ingestion.serializers import ImportJobSerializer, ImportJobStartSerializer
from ingestion.services import import_job_start_from_path, import_job_start_from_upload


class ImportJobStartApi(APIView):
    """Queue a CSV import (managers); answers 202 with the job to poll at ``data/logs/{id}/``."""

    queryset = ImportJob.objects.all()  # for the model permissions: starting an import needs add_importjob
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        request={"application/json": ImportJobStartSerializer, "multipart/form-data": ImportJobStartSerializer},
        responses={202: ImportJobSerializer},
        operation_id="data_refresh",
        tags=["data"],
    )
    def post(self, request: Request) -> Response:
        serializer = ImportJobStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data.get("file") is not None:
            job = import_job_start_from_upload(kind=data["kind"], upload=data["file"], created_by=request.user)
        else:
            job = import_job_start_from_path(kind=data["kind"], file_path=data["file_path"], created_by=request.user)
        job.refresh_from_db()  # with eager Celery the import has already run
        return Response(ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


@extend_schema(tags=["data"])
class ImportJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The refresh log: every import job with its progress and row errors."""

    serializer_class = ImportJobSerializer
    filterset_class = ImportJobFilter
    search_fields = ["source"]
    ordering_fields = ["created_at", "completed_at", "status", "kind", "rows_total"]
    ordering = ["-created_at"]

    def get_queryset(self):
        return import_job_list()
