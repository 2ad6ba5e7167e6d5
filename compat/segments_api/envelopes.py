"""Seed 000 lists in ``{"data", "meta"}``; its errors (undocumented there) are ``{"error", "details"}``."""

from typing import Any

from rest_framework import serializers

from compat.errors import CompatError, envelope_exception_handler
from compat.schema import envelope

TAG = "compat: segments-api (seed 000)"


def render_error(error: CompatError) -> dict[str, Any]:
    return {"error": error.message, "details": error.fields}


segments_exception_handler = envelope_exception_handler(render_error)

SegmentsError = envelope(
    "SegmentsError",
    error=serializers.CharField(),
    details=serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages by field (the original's camelCase names); empty when no field is at fault.",
    ),
)
