import signal
import subprocess
from collections.abc import Callable, Iterator

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.roles import MANAGER, VIEWER
from salesanalytics.celery import app as celery_app
from tests.workers import start_celery_worker, terminate_other_sessions


@pytest.fixture(autouse=True)
def _clear_cache():
    """Throttle counters and cached responses must not leak between tests."""
    cache.clear()
    yield
    cache.clear()


def _user_in_group(username: str, group_name: str | None, *, superuser: bool = False) -> User:
    user = User.objects.create_user(username=username, password="s3cure-Passw0rd!", email=f"{username}@example.com")
    if superuser:
        user.is_superuser = True
        user.is_staff = True
        user.save(update_fields=["is_superuser", "is_staff"])
    if group_name:
        user.groups.add(Group.objects.get(name=group_name))
    return user


def _client_for(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def viewer_user(db) -> User:
    return _user_in_group("viewer", VIEWER)


@pytest.fixture
def manager_user(db) -> User:
    return _user_in_group("manager", MANAGER)


@pytest.fixture
def superuser(db) -> User:
    return _user_in_group("root", None, superuser=True)


@pytest.fixture
def anon_client() -> APIClient:
    return APIClient()


@pytest.fixture
def viewer_client(viewer_user) -> APIClient:
    return _client_for(viewer_user)


@pytest.fixture
def manager_client(manager_user) -> APIClient:
    return _client_for(manager_user)


@pytest.fixture
def superuser_client(superuser) -> APIClient:
    return _client_for(superuser)


@pytest.fixture
def broker() -> Iterator[None]:
    """Send tasks to the Redis broker for real, instead of running them in the test process."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def worker_env() -> dict[str, str]:
    """Settings every worker of the test starts with; a test module overrides this fixture to add its own."""
    return {}


@pytest.fixture
def start_worker(tmp_path, worker_env) -> Iterator[Callable[..., subprocess.Popen]]:
    """``start_worker(name, **env)`` starts a ready worker; every one is stopped when the test ends."""
    started: list[subprocess.Popen] = []

    def start(name: str = "worker", **env: str) -> subprocess.Popen:
        process = start_celery_worker(tmp_path / f"{name}.log", {**worker_env, **env})
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    terminate_other_sessions()
