"""Through gunicorn as deployed, every request on a kept-alive connection gets its answer.

A route that answers without reading the request body (a 404, a 401, a
throttled 429) leaves the body on the connection; gunicorn then discards at
most 64 KiB of it and closes the connection when more is left, which the
client only finds out when its next request on the connection fails. It is a
race (did the client's next request leave before the close?), so each
configuration is swept many times over one ``requests.Session``.
"""

import re
import secrets

import pytest
import requests

from tests.deploy.processes import Gunicorn, app_env, wait_for

ROUNDS = 60
BIG = b"x" * 100_000  # past what gunicorn drains
UNDER_THE_DRAIN = b"x" * 60_000
JSON = {"Content-Type": "application/json"}
SWEEP = [
    # (route, body, the answer expected): malformed JSON, read and refused
    ("/api/v1/auth/login/", b'{"username": "ana", "password": ', 400),
    ("/api/v1/no-such-route/", BIG, 404),
    ("/api/v1/customers/", BIG, 401),
    ("/api/v1/auth/register/", BIG, 429),  # throttled after the first attempt of each worker
    ("/api/v1/no-such-route/", UNDER_THE_DRAIN, 404),
]


@pytest.fixture
def serve(tmp_path):
    started: list[Gunicorn] = []

    def serve(*, workers: int, threads: int) -> Gunicorn:
        env = app_env(
            DJANGO_SETTINGS_MODULE="salesanalytics.settings.production",
            DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
            DJANGO_SECURE_SSL_REDIRECT="false",
            DJANGO_SECURE_HSTS_SECONDS="0",
            DATABASE_URL=f"sqlite:///{tmp_path / 'unused.sqlite3'}",  # these routes never reach the database
            DJANGO_STATIC_ROOT=str(tmp_path),
            REGISTER_THROTTLE_RATE="1/hour",
            LOGIN_THROTTLE_RATE="100000/hour",  # so that the malformed logins are read and refused
        )
        server = Gunicorn(env=env, log=tmp_path / f"gunicorn-{workers}x{threads}.log", workers=workers, threads=threads)
        started.append(server.start())
        return server

    yield serve
    for server in started:
        server.stop()


@pytest.mark.parametrize(("workers", "threads"), [(3, 4), (1, 8)])
def test_each_request_after_an_unread_body_on_a_kept_alive_connection_is_answered(serve, workers, threads):
    server = serve(workers=workers, threads=threads)
    session = requests.Session()
    failures: list[str] = []
    answers: dict[str, set[int]] = {}
    sent = 0

    for _round in range(ROUNDS):
        for route, body, _want in SWEEP:
            key = f"{route} ({len(body)} bytes)"
            try:
                response = session.post(server.base + route, data=body, headers=JSON, timeout=10)
                answers.setdefault(key, set()).add(response.status_code)
            except requests.ConnectionError as exc:
                failures.append(f"POST {key}: {exc}")
            sent += 1
            try:
                session.get(server.base + "/healthz?after=sweep", timeout=10).raise_for_status()
            except requests.ConnectionError as exc:
                failures.append(f"GET /healthz after POST {key}: {exc}")
            sent += 1

    assert failures == []
    # Then each route answered as it should, and the server logged every request the client sent
    assert answers == {
        f"{route} ({len(body)} bytes)": ({400, want} if route.endswith("register/") else {want})
        for route, body, want in SWEEP
    }

    def logged() -> int:
        return len(re.findall(r'"(?:POST /api/|GET /healthz\?after=sweep)', server.output()))

    assert wait_for(lambda: logged() >= sent, timeout=10, what="every request in the access log")
    assert logged() == sent
