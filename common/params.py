"""Strict parsing of query parameters that are not filters."""

from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no", ""}


def query_flag(request: Request, name: str) -> bool:
    """A boolean query parameter; anything but true/false is a 400 naming it."""
    raw = request.query_params.get(name, "").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ValidationError({name: ["Must be true or false."]})
