import pytest
from django.contrib.auth.models import User

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register/"
LOGIN = "/api/v1/auth/login/"
LOGOUT = "/api/v1/auth/logout/"
ME = "/api/v1/auth/me/"


def test_register_creates_a_viewer_and_answers_without_the_password(anon_client):
    response = anon_client.post(REGISTER, {"username": "ana", "password": "tangerine-Walrus-42", "email": "a@x.io"})

    assert response.status_code == 201
    assert set(response.json()) == {"id", "username", "email", "role"}
    assert response.json()["role"] == "viewer"
    assert response.json()["email"] == "a@x.io"
    assert User.objects.get(username="ana").groups.filter(name="viewer").exists()


def test_register_email_is_optional(anon_client):
    response = anon_client.post(REGISTER, {"username": "bo", "password": "tangerine-Walrus-42"})
    assert response.status_code == 201
    assert response.json()["email"] == ""


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"username": "carla", "password": "carla"}, "password"),  # equal to the username, and too short
        ({"username": "carla99", "password": "carla99carla"}, "password"),  # too similar to the username
        ({"username": "carla", "password": "12345678901"}, "password"),  # entirely numeric
        ({"username": "carla", "password": "password123"}, "password"),  # too common
        ({"password": "tangerine-Walrus-42"}, "username"),
        ({"username": "carla"}, "password"),
        ({"username": "bad name!", "password": "tangerine-Walrus-42"}, "username"),
        ({"username": "carla", "password": "tangerine-Walrus-42", "email": "not-an-email"}, "email"),
    ],
)
def test_register_rejects_bad_input_naming_the_field(anon_client, payload, field):
    response = anon_client.post(REGISTER, payload)

    assert response.status_code == 400
    assert field in response.json()
    assert not User.objects.filter(username=payload.get("username", "")).exists()


def test_register_refuses_a_taken_username(anon_client, viewer_user):
    response = anon_client.post(REGISTER, {"username": viewer_user.username, "password": "tangerine-Walrus-42"})
    assert response.status_code == 400
    assert "username" in response.json()


def test_login_returns_a_token_that_authenticates_me(anon_client):
    anon_client.post(REGISTER, {"username": "dan", "password": "tangerine-Walrus-42", "email": "d@x.io"})

    response = anon_client.post(LOGIN, {"username": "dan", "password": "tangerine-Walrus-42"})

    assert response.status_code == 200
    body = response.json()
    assert body["user"]["username"] == "dan"
    assert body["user"]["role"] == "viewer"
    anon_client.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    me = anon_client.get(ME)
    assert me.status_code == 200
    assert me.json() == {"id": body["user"]["id"], "username": "dan", "email": "d@x.io", "role": "viewer"}


def test_login_with_a_wrong_password_is_refused(anon_client, viewer_user):
    response = anon_client.post(LOGIN, {"username": viewer_user.username, "password": "wrong"})
    assert response.status_code == 400
    assert "token" not in response.json()


def test_login_is_throttled_with_retry_after(anon_client, viewer_user):
    # The test settings allow 5 logins a minute per client address.
    statuses = [anon_client.post(LOGIN, {"username": "viewer", "password": "wrong"}).status_code for _ in range(5)]
    blocked = anon_client.post(LOGIN, {"username": "viewer", "password": "s3cure-Passw0rd!"})

    assert statuses == [400] * 5
    assert blocked.status_code == 429
    assert int(blocked["Retry-After"]) > 0


def test_logout_revokes_the_token(viewer_client):
    assert viewer_client.get(ME).status_code == 200

    assert viewer_client.post(LOGOUT).status_code == 204

    assert viewer_client.get(ME).status_code == 401


def test_me_reports_each_role(viewer_client, manager_client, superuser_client, anon_client):
    assert viewer_client.get(ME).json()["role"] == "viewer"
    assert manager_client.get(ME).json()["role"] == "manager"
    assert superuser_client.get(ME).json()["role"] == "superuser"
    assert anon_client.get(ME).status_code == 401
    assert anon_client.post(LOGOUT).status_code == 401


def test_a_forged_forwarded_for_header_does_not_escape_the_login_throttle(anon_client, viewer_user):
    # Each attempt claims a different client address; with no trusted proxy the socket address counts.
    statuses = [
        anon_client.post(
            LOGIN, {"username": "viewer", "password": "wrong"}, HTTP_X_FORWARDED_FOR=f"10.0.0.{n}"
        ).status_code
        for n in range(6)
    ]
    assert statuses == [400] * 5 + [429]
