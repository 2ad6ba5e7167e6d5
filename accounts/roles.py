"""The two API roles and the model permissions each holds.

``viewer`` reads every domain model; ``manager`` reads and writes them. The
data migration creates the groups; ``post_migrate`` keeps their permissions in
step as apps add models.
"""

from django.apps import apps as global_apps
from django.contrib.auth.models import AbstractBaseUser

VIEWER = "viewer"
MANAGER = "manager"
DOMAIN_APPS = ("customers", "catalog", "sales", "analytics", "rfm", "ingestion")


def sync_role_groups(*, apps=global_apps, using: str = "default") -> None:
    """Create the role groups if missing and grant them the domain apps' permissions."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    domain_permissions = Permission.objects.using(using).filter(content_type__app_label__in=DOMAIN_APPS)
    viewer, _ = Group.objects.using(using).get_or_create(name=VIEWER)
    manager, _ = Group.objects.using(using).get_or_create(name=MANAGER)
    viewer.permissions.add(*domain_permissions.filter(codename__startswith="view_"))
    manager.permissions.add(*domain_permissions)


def role_of(user: AbstractBaseUser) -> str:
    """The user's highest role: ``superuser``, ``manager``, ``viewer`` or ``""``."""
    if not user.is_authenticated:
        return ""
    if user.is_superuser:
        return "superuser"
    names = set(user.groups.values_list("name", flat=True))
    if MANAGER in names:
        return MANAGER
    if VIEWER in names:
        return VIEWER
    return ""
