"""The one-query permission check agrees with Django's own ``has_perm`` for every way a grant can exist."""

import pytest
from django.contrib.auth.models import AnonymousUser, Group, Permission, User

from accounts.roles import MANAGER, VIEWER
from accounts.selectors import user_holds_permission

pytestmark = pytest.mark.django_db

CASES = [("sales", "view_order"), ("sales", "change_order"), ("catalog", "view_product"), ("customers", "view_order")]


def _users() -> dict[str, User]:
    viewer = User.objects.create_user("v")
    viewer.groups.add(Group.objects.get(name=VIEWER))
    manager = User.objects.create_user("m")
    manager.groups.add(Group.objects.get(name=MANAGER))
    direct = User.objects.create_user("d")
    direct.user_permissions.add(Permission.objects.get(content_type__app_label="sales", codename="change_order"))
    inactive = User.objects.create_user("i", is_active=False)
    inactive.groups.add(Group.objects.get(name=MANAGER))
    nobody = User.objects.create_user("n")
    root = User.objects.create_superuser("r")
    return {
        "viewer": viewer,
        "manager": manager,
        "direct": direct,
        "inactive": inactive,
        "nobody": nobody,
        "root": root,
    }


def test_the_check_answers_as_django_has_perm_does():
    for name, user in _users().items():
        for app_label, codename in CASES:
            expected = User.objects.get(pk=user.pk).has_perm(f"{app_label}.{codename}")
            got = user_holds_permission(user=user, app_label=app_label, codename=codename)
            assert got == expected, (name, app_label, codename)


def test_known_answers_hold_by_hand():
    users = _users()
    assert user_holds_permission(user=users["viewer"], app_label="sales", codename="view_order")
    assert not user_holds_permission(user=users["viewer"], app_label="sales", codename="change_order")
    assert user_holds_permission(user=users["direct"], app_label="sales", codename="change_order")
    assert not user_holds_permission(user=users["inactive"], app_label="sales", codename="view_order")
    assert not user_holds_permission(user=AnonymousUser(), app_label="sales", codename="view_order")
    # a codename granted in one app says nothing about another app
    assert not user_holds_permission(user=users["manager"], app_label="customers", codename="view_order")
