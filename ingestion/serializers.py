from rest_framework import serializers

from ingestion.models import ImportJob, ImportKind


class ImportRowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="CSV record number; the header is row 1.")
    column = serializers.CharField(help_text="The CSV column as written in the file's header.")
    message = serializers.CharField()


class ImportJobSerializer(serializers.ModelSerializer):
    """The refresh log entry clients poll until ``status`` is ``succeeded`` or ``failed``."""

    errors = ImportRowErrorSerializer(many=True, read_only=True, help_text="The first 1,000 row errors.")

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "kind",
            "source",
            "status",
            "rows_total",
            "rows_processed",
            "rows_created",
            "rows_updated",
            "rows_rejected",
            "errors",
            "error",
            "started_at",
            "completed_at",
            "created_at",
            "created_by",
        ]
        read_only_fields = fields


class ImportJobStartSerializer(serializers.Serializer):
    """Either ``file_path`` (inside IMPORT_ROOT on the server) or a multipart ``file``, not both."""

    kind = serializers.ChoiceField(choices=ImportKind.choices, default=ImportKind.SALES)
    file_path = serializers.CharField(
        required=False, max_length=1000, help_text="A path inside the server's IMPORT_ROOT (relative or absolute)."
    )
    file = serializers.FileField(required=False, help_text="A CSV file uploaded as multipart/form-data.")

    def validate(self, attrs: dict) -> dict:
        has_path, has_file = bool(attrs.get("file_path")), attrs.get("file") is not None
        if has_path == has_file:
            message = "Give either file_path or file, not both." if has_path else "Give file_path or file."
            raise serializers.ValidationError({"file_path": [message], "file": [message]})
        return attrs
