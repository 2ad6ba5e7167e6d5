"""``manage.py ensure_demo_admin``: a superuser to log in to the demo with, created or reset."""

import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction


class Command(BaseCommand):
    help = "Create the demo superuser, or reset its password, and print how to log in."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="admin", help="Superuser name (default admin).")
        parser.add_argument("--password", help="Password to set; a random one is generated when omitted.")
        parser.add_argument("--email", default="", help="Email address for a new superuser.")
        parser.add_argument(
            "--site-url",
            default="http://127.0.0.1:8000",
            help="Where the server will listen, for the printed login link (default http://127.0.0.1:8000).",
        )

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        User = get_user_model()
        username = options["username"]
        password = options["password"] or secrets.token_urlsafe(12)
        user, created = User.objects.get_or_create(
            **{User.USERNAME_FIELD: username}, defaults={"email": options["email"]}
        )
        # A demo login must work whatever state the account was left in.
        user.is_staff = True
        user.is_superuser = True
        user.is_active = True
        user.set_password(password)
        user.save()
        action = "Created" if created else "Reset"
        self.stdout.write(self.style.SUCCESS(f"{action} superuser {username!r}."))
        admin_url = options["site_url"].rstrip("/") + "/admin/"
        self.stdout.write(f"Admin login: {admin_url}  username={username}  password={password}")
