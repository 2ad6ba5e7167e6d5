"""Seed 004's envelope, ``{"status", "message", "data"}``, for answers and errors alike."""

from typing import Any

from rest_framework import serializers

from compat.errors import CompatError, envelope_exception_handler
from compat.schema import envelope

TAG = "compat: retail-api (seed 004)"


def success(message: str, data: Any) -> dict[str, Any]:
    return {"status": "success", "message": message, "data": data}


def render_error(error: CompatError) -> dict[str, Any]:
    """``data`` holds the field errors under the original's names, or null."""
    return {"status": "error", "message": error.message, "data": error.fields or None}


retail_exception_handler = envelope_exception_handler(render_error)


def retail_envelope(name: str, data: serializers.Field) -> type[serializers.Serializer]:
    return envelope(name, status=serializers.CharField(), message=serializers.CharField(), data=data)


RetailErrorEnvelope = retail_envelope(
    "RetailErrorEnvelope",
    serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        allow_null=True,
        help_text="Messages by field (the original's field names), or null.",
    ),
)
RetailDeletedEnvelope = retail_envelope("RetailDeletedEnvelope", serializers.BooleanField())
