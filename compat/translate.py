"""Request bodies of the originals under this product's field names, for its own serializers to validate."""

from collections.abc import Mapping
from typing import Any

from rest_framework.exceptions import ValidationError

from compat.errors import NON_FIELD


def body_as(data: Any, names: Mapping[str, str], *, at: str = "") -> dict[str, Any]:
    """``data``'s documented keys renamed (theirs -> ours); keys the original never had are dropped."""
    if not isinstance(data, Mapping):
        raise ValidationError({at or NON_FIELD: ["Expected a JSON object."]})
    return {ours: data[theirs] for theirs, ours in names.items() if theirs in data}


def inverse(names: Mapping[str, str]) -> dict[str, str]:
    return {ours: theirs for theirs, ours in names.items()}
