"""Writes to the records reports name or group by also move the data version.

Orders and imports bump it in their own services. A customer's region, a
product's category, an agent's team or a team's name change answers too, and
such records are written by services, the admin and fixtures alike; a
``post_save``/``post_delete`` receiver covers every one of those paths, inside
the writer's transaction when it has one. Bulk writes (``update()``,
``bulk_create``, the import's SQL) send no signals: their services bump.
"""

from typing import Any

from django.db import models
from django.db.models.signals import post_delete, post_save

from analytics.services import data_version_bump


def _bump(sender: type[models.Model], **kwargs: Any) -> None:
    if kwargs.get("raw"):  # loaddata: the fixture's own rows, nothing cached refers to them yet
        return
    data_version_bump()


def connect_dimension_receivers() -> None:
    from catalog.models import Category, Product
    from customers.models import Customer, Membership
    from sales.models import Agent, Team

    for model in (Customer, Membership, Category, Product, Team, Agent):
        post_save.connect(_bump, sender=model, dispatch_uid=f"analytics-bump-save-{model._meta.label_lower}")
        post_delete.connect(_bump, sender=model, dispatch_uid=f"analytics-bump-delete-{model._meta.label_lower}")
