"""Seed 001 answers bare objects and arrays; its errors (undocumented there) are ``{"error", "details"}``."""

from typing import Any

from rest_framework import serializers

from compat.errors import CompatError, envelope_exception_handler
from compat.schema import envelope

TAG = "compat: purchases-api (seed 001)"


def render_error(error: CompatError) -> dict[str, Any]:
    return {"error": error.message, "details": error.fields}


purchases_exception_handler = envelope_exception_handler(render_error)

PurchasesError = envelope(
    "PurchasesError",
    error=serializers.CharField(),
    details=serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages by field (the original's field names); empty when no field is at fault.",
    ),
)
