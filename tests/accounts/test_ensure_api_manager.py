"""``ensure_api_manager``: the token it prints lets a script write through the API as a manager."""

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from rest_framework.test import APIClient

from accounts.services import user_register

pytestmark = pytest.mark.django_db


def ensure_api_manager(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("ensure_api_manager", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def client_with(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_it_creates_a_manager_whose_printed_token_can_write():
    token, note = ensure_api_manager("--username", "ops")

    assert len(token) == 40 and token.isalnum()  # standard output holds the key alone
    assert "Created manager 'ops'" in note
    client = client_with(token)
    assert client.get("/api/v1/auth/me/").json()["role"] == "manager"
    assert client.post("/api/v1/categories/", {"name": "Tools"}).status_code == 201
    assert not User.objects.get(username="ops").has_usable_password()


def test_running_it_again_prints_the_same_token():
    first, _ = ensure_api_manager("--username", "ops")
    second, note = ensure_api_manager("--username", "ops")

    assert second == first
    assert "kept its API token" in note
    assert User.objects.filter(username="ops").count() == 1


def test_an_existing_viewer_is_given_the_manager_role_and_keeps_its_password():
    user_register(username="ana", password="s3cure-Passw0rd!")
    assert client_with(ensure_api_manager("--username", "ana")[0]).get("/api/v1/auth/me/").json()["role"] == "manager"

    login = APIClient().post("/api/v1/auth/login/", {"username": "ana", "password": "s3cure-Passw0rd!"})
    assert login.status_code == 200
