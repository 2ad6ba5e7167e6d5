"""Seed 000's records in its camelCase, read from ours."""

from rest_framework import serializers

from ingestion.models import ImportJob


class SegmentsRefreshLogSerializer(serializers.ModelSerializer):
    """An import job as the original's refresh log entry; row errors stay at /api/v1/data/logs/{id}/."""

    filePath = serializers.CharField(source="source", read_only=True)
    recordsTotal = serializers.IntegerField(source="rows_total", read_only=True, allow_null=True)
    recordsProcessed = serializers.IntegerField(source="rows_processed", read_only=True)
    recordsCreated = serializers.IntegerField(source="rows_created", read_only=True)
    recordsUpdated = serializers.IntegerField(source="rows_updated", read_only=True)
    recordsRejected = serializers.IntegerField(source="rows_rejected", read_only=True)
    startedAt = serializers.DateTimeField(source="started_at", read_only=True, allow_null=True)
    completedAt = serializers.DateTimeField(source="completed_at", read_only=True, allow_null=True)
    createdAt = serializers.DateTimeField(source="created_at", read_only=True)

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "status",
            "recordsProcessed",
            "startedAt",
            "completedAt",
            "filePath",
            "kind",
            "recordsTotal",
            "recordsCreated",
            "recordsUpdated",
            "recordsRejected",
            "error",
            "createdAt",
        ]
        read_only_fields = fields


class SegmentsRefreshRequestSerializer(serializers.Serializer):
    filePath = serializers.CharField(
        max_length=1000, help_text="A sales CSV inside the server's IMPORT_ROOT (relative to it, or absolute)."
    )
