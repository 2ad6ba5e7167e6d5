"""Writes to login users: registration and API tokens."""

from django.contrib.auth.models import Group, User
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from rest_framework.authtoken.models import Token

from accounts.roles import VIEWER


@transaction.atomic
def user_register(*, username: str, password: str, email: str = "") -> User:
    """Create a read-only (``viewer``) user; Django's password validators see the user's attributes."""
    candidate = User(username=username, email=email)
    validate_password(password, user=candidate)
    user = User.objects.create_user(username=username, password=password, email=email)
    user.groups.add(Group.objects.get(name=VIEWER))
    return user


def token_issue(*, user: User) -> Token:
    token, _created = Token.objects.get_or_create(user=user)
    return token


def token_revoke(*, user: User) -> None:
    Token.objects.filter(user=user).delete()
