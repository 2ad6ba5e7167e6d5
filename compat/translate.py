"""Request bodies of the originals under this product's field names, for its own serializers to validate."""

from collections.abc import Mapping
from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.serializers import Serializer

from compat.errors import NON_FIELD


def body_as(data: Any, names: Mapping[str, str], *, at: str = "") -> dict[str, Any]:
    """``data``'s documented keys renamed (theirs -> ours); keys the original never had are dropped."""
    if not isinstance(data, Mapping):
        raise ValidationError({at or NON_FIELD: ["Expected a JSON object."]})
    return {ours: data[theirs] for theirs, ours in names.items() if theirs in data}


def inverse(names: Mapping[str, str]) -> dict[str, str]:
    return {ours: theirs for theirs, ours in names.items()}


def renamed(detail: Any, names: Mapping[str, str]) -> Any:
    """Error detail with every key under the original's name, at any depth."""
    if isinstance(detail, Mapping):
        return {names.get(key, key): renamed(value, names) for key, value in detail.items()}
    if isinstance(detail, list):
        return [renamed(item, names) for item in detail]
    return detail


def validate_as(serializer: Serializer, names: Mapping[str, str]) -> dict[str, Any]:
    """Validate with our serializer and raise its errors under the original's names (ours -> theirs).

    For bodies the view has already checked against the original's vocabulary, so a
    key the client spelled our way is never renamed as if it were the original's.
    """
    if not serializer.is_valid():
        raise ValidationError(renamed(serializer.errors, names))
    return serializer.validated_data
