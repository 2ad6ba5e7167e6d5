"""Seed 002's envelope: ``{"success", "count", "data"}``, and ``{"success": false, "error", "details"}``."""

from typing import Any

from rest_framework import serializers

from compat.errors import CompatError, envelope_exception_handler
from compat.schema import envelope

TAG = "compat: sales-api (seed 002)"


def render_error(error: CompatError) -> dict[str, Any]:
    return {"success": False, "error": error.message, "details": error.fields}


sales_exception_handler = envelope_exception_handler(render_error)

SalesError = envelope(
    "SalesError",
    success=serializers.BooleanField(help_text="Always false."),
    error=serializers.CharField(),
    details=serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages by parameter (the original's names); empty when no parameter is at fault.",
    ),
)
