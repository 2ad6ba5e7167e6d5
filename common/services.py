"""Generic write steps shared by the apps' service functions."""

from typing import Any, TypeVar

from django.db import models

ModelT = TypeVar("ModelT", bound=models.Model)


def record_create(*, model: type[ModelT], data: dict[str, Any]) -> ModelT:
    """Validate (fields and constraints) before saving, so bad input never reaches the database."""
    instance = model(**data)
    instance.full_clean()
    instance.save()
    return instance


def record_update(*, instance: ModelT, data: dict[str, Any]) -> ModelT:
    """Apply only the given fields, validate the result, and save just what changed."""
    changed = [field for field, value in data.items() if getattr(instance, field) != value]
    if not changed:
        return instance
    for field in changed:
        setattr(instance, field, data[field])
    instance.full_clean()
    update_fields = [instance._meta.get_field(field).attname for field in changed]
    if any(field.name == "updated_at" for field in instance._meta.concrete_fields):
        update_fields.append("updated_at")
    instance.save(update_fields=update_fields)
    return instance
