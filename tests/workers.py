"""Real Celery workers for tests about background jobs, on the test database (fixtures in ``tests/conftest.py``)."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

requires_worker_stack = pytest.mark.skipif(
    connection.vendor != "postgresql" or not settings.REDIS_URL,
    reason="background jobs are tested on PostgreSQL with a Redis broker",
)


def _worker_environment(env: dict[str, str]) -> dict[str, str]:
    db = connection.settings_dict
    auth = f"{db['USER']}:{db['PASSWORD']}@" if db.get("PASSWORD") else f"{db['USER']}@"
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "salesanalytics.settings.test",
        # The worker must use the test database the test runner created.
        "DATABASE_URL": f"postgres://{auth}{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        **env,
    }


def start_celery_worker(log: Path, env: dict[str, str]) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "salesanalytics", "worker", "--pool", "solo", "-l", "info"],
        cwd=settings.BASE_DIR,
        env=_worker_environment(env),
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if " ready." in log.read_text():
            return process
        if process.poll() is not None:
            raise AssertionError(f"worker exited early:\n{log.read_text()}")
        time.sleep(0.2)
    process.kill()
    raise AssertionError(f"worker did not become ready:\n{log.read_text()}")


def terminate_other_sessions() -> None:
    """End what a killed worker left running in PostgreSQL, so the test database can be flushed."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
