"""Seed 003 answers bare lists; its errors (Zod-validated there) are ``{"error", "details": [{path, message}]}``."""

from typing import Any

from rest_framework import serializers

from compat.errors import NON_FIELD, CompatError, envelope_exception_handler
from compat.schema import envelope

TAG = "compat: analytics-api (seed 003)"


def _path(field: str) -> list[str | int]:
    return [int(part) if part.isdigit() else part for part in field.split(".")]


def render_error(error: CompatError) -> dict[str, Any]:
    details = [
        {"path": [] if field == NON_FIELD else _path(field), "message": message}
        for field, messages in error.fields.items()
        for message in messages
    ]
    return {"error": error.message, "details": details}


analytics_exception_handler = envelope_exception_handler(render_error)


class AnalyticsIssueSerializer(serializers.Serializer):
    path = serializers.ListField(child=serializers.CharField(), help_text='The parameter at fault, e.g. ["metrics"].')
    message = serializers.CharField()


AnalyticsError = envelope("AnalyticsError", error=serializers.CharField(), details=AnalyticsIssueSerializer(many=True))
