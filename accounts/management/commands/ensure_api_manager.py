"""``manage.py ensure_api_manager``: a manager account for API clients and scripts, and its token."""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from rest_framework.authtoken.models import Token

from accounts.roles import MANAGER


class Command(BaseCommand):
    help = (
        "Create a manager (or give an existing user the manager role) and print its API token, "
        "creating one if it has none. Only the token goes to standard output, so scripts can capture it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="api-manager", help="User name (default api-manager).")
        parser.add_argument("--email", default="", help="Email address for a new user.")

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        User = get_user_model()
        username = options["username"]
        user, created = User.objects.get_or_create(
            **{User.USERNAME_FIELD: username}, defaults={"email": options["email"]}
        )
        if created:
            # Token authentication only; a password can be set later (changepassword) for the admin.
            user.set_unusable_password()
            user.save(update_fields=["password"])
        manager = Group.objects.get(name=MANAGER)
        promoted = not created and not user.groups.filter(pk=manager.pk).exists()
        user.groups.add(manager)
        token, token_created = Token.objects.get_or_create(user=user)
        if created:
            self.stderr.write(f"Created manager {username!r} and its API token.")
        else:
            role = "gave it the manager role, " if promoted else ""
            action = "created its API token" if token_created else "kept its API token"
            self.stderr.write(f"User {username!r} exists: {role}{action}.")
        self.stdout.write(token.key)
