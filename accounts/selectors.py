"""Reads about users' access."""

from django.contrib.auth.models import AbstractBaseUser, Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.db import connection


def _holds_permission_sql() -> str:
    """One ``EXISTS``: the permission granted to the user directly or through one of their groups."""
    permission = Permission._meta.db_table
    content_type = ContentType._meta.db_table
    user_permissions = User.user_permissions.through._meta.db_table
    user_groups = User.groups.through._meta.db_table
    group_permissions = Group.permissions.through._meta.db_table
    return (
        f"SELECT 1 FROM {permission} p JOIN {content_type} ct ON ct.id = p.content_type_id"
        " WHERE ct.app_label = %s AND p.codename = %s AND ("
        f" EXISTS (SELECT 1 FROM {user_permissions} up WHERE up.permission_id = p.id AND up.user_id = %s)"
        f" OR EXISTS (SELECT 1 FROM {user_groups} ug JOIN {group_permissions} gp ON gp.group_id = ug.group_id"
        "  WHERE gp.permission_id = p.id AND ug.user_id = %s))"
    )


def user_holds_permission(*, user: AbstractBaseUser | None, app_label: str, codename: str) -> bool:
    """``user.has_perm`` for Django's model backend, as one short query instead of loading every permission.

    Cached reports answer in a few milliseconds; the two queries that load a
    user's whole permission set, or even an ORM-built ``EXISTS`` (its compiling
    alone), were a third of that.
    """
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    with connection.cursor() as cursor:
        cursor.execute(_holds_permission_sql(), [app_label, codename, user.pk, user.pk])
        return cursor.fetchone() is not None
