"""Named response components for the originals' envelopes."""

import copy

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers


def envelope(name: str, **fields: serializers.Field) -> type[serializers.Serializer]:
    """A response component named ``name``; one object even where the view's action is a list."""
    # Fresh copies, made in the order given, so the component lists its fields in that order.
    declared = {field_name: copy.deepcopy(field) for field_name, field in fields.items()}
    return extend_schema_serializer(many=False)(type(name, (serializers.Serializer,), declared))
