"""Imports on a real Celery worker over Redis and PostgreSQL: end to end, and a worker killed mid-import."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from customers.models import Customer
from ingestion.models import ImportJob
from ingestion.sample_data import write_sales_csv
from sales.models import Order, OrderLine
from salesanalytics.celery import app as celery_app
from tests.ingestion.csv_files import sales_row, write_csv
from tests.ingestion.schema_state import LOADED_TABLES, schema_of

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql" or not settings.REDIS_URL,
        reason="background jobs are tested on PostgreSQL with a Redis broker",
    ),
]

STALE_AFTER_SECONDS = 3


@pytest.fixture
def import_root(tmp_path, settings) -> Path:
    root = tmp_path / "imports"
    root.mkdir()
    settings.IMPORT_ROOT = root
    return root


@pytest.fixture
def broker() -> Iterator[None]:
    """Send tasks to the Redis broker for real, instead of running them in the test process."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = previous


def _worker_env(import_root: Path) -> dict[str, str]:
    db = connection.settings_dict
    auth = f"{db['USER']}:{db['PASSWORD']}@" if db.get("PASSWORD") else f"{db['USER']}@"
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "salesanalytics.settings.test",
        # The worker must use the test database the test runner created.
        "DATABASE_URL": f"postgres://{auth}{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "IMPORT_ROOT": str(import_root),
        "IMPORT_HEARTBEAT_SECONDS": "0.5",
        "IMPORT_STALE_AFTER_SECONDS": str(STALE_AFTER_SECONDS),
    }


def _start_worker(import_root: Path, log: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "salesanalytics", "worker", "--pool", "solo", "-l", "info"],
        cwd=settings.BASE_DIR,
        env=_worker_env(import_root),
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


@pytest.fixture
def start_worker(import_root, tmp_path) -> Iterator:
    started: list[subprocess.Popen] = []

    def start(name: str = "worker") -> subprocess.Popen:
        process = _start_worker(import_root, tmp_path / f"{name}.log")
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
    _terminate_other_sessions()


def _terminate_other_sessions() -> None:
    """End what a killed worker left running in PostgreSQL, so the test database can be flushed."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


def _poll(client, job_id: str, until, *, timeout: float = 90) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log = client.get(f"/api/v1/data/logs/{job_id}/").json()
        if until(log):
            return log
        time.sleep(0.2)
    raise AssertionError(f"job did not get there in {timeout} s: {log}")


def test_an_uploaded_file_is_imported_by_the_worker_and_queryable(manager_client, import_root, broker, start_worker):
    # Given a running worker and a small sales file
    start_worker()
    path = write_csv(
        import_root.parent / "sales.csv",
        [sales_row(product_id="P-1"), sales_row(product_id="P-2", unit_price="5.00"), sales_row(order_id="O-2")],
    )

    # When a manager uploads it
    with path.open("rb") as upload:
        response = manager_client.post("/api/v1/data/refresh/", {"file": upload}, format="multipart")
    assert response.status_code == 202
    assert response.json()["status"] == "queued"

    # Then the worker takes it to succeeded, and the orders are there through the API
    log = _poll(manager_client, response.json()["id"], lambda log: log["status"] in {"succeeded", "failed"})
    assert log["status"] == "succeeded", log
    assert (log["rows_total"], log["rows_created"], log["rows_rejected"]) == (3, 3, 0)
    assert log["started_at"] and log["completed_at"]
    orders = manager_client.get("/api/v1/orders/", {"ordering": "code"}).json()
    assert [order["code"] for order in orders["results"]] == ["O-1", "O-2"]
    assert len(orders["results"][0]["lines"]) == 2
    assert orders["results"][0]["total_amount"] == 54.98  # 39.98 + 10.00 + 5.00 shipping


ROWS = 300_000
MOMENTS = {
    # Reading the file into its staging table, outside any transaction.
    "staging": lambda log: log["status"] == "running" and 0 < log["rows_processed"] < ROWS,
    # Every row read: the merge runs, with the empty order tables' indexes and keys dropped.
    "merging": lambda log: log["status"] == "running" and log["rows_processed"] == ROWS,
}


@pytest.mark.parametrize("moment", MOMENTS)
def test_a_worker_killed_mid_import_leaves_nothing_and_the_job_ends_failed(
    manager_client, import_root, broker, start_worker, moment
):
    # Given a large file and a worker busy importing it into empty tables
    write_sales_csv(out=import_root / "big.csv", rows=ROWS, seed=11)
    schema = schema_of(*LOADED_TABLES)
    worker = start_worker("doomed")
    response = manager_client.post("/api/v1/data/refresh/", {"file_path": "big.csv"})
    job_id = response.json()["id"]
    _poll(manager_client, job_id, MOMENTS[moment])

    # When the worker process is killed outright
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    _terminate_other_sessions()
    assert ImportJob.objects.get(pk=job_id).status == "running"

    # Then no row of the job exists, and once its heartbeat is stale a new worker marks it failed
    assert (Order.objects.count(), OrderLine.objects.count(), Customer.objects.count()) == (0, 0, 0)
    assert schema_of(*LOADED_TABLES) == schema  # indexes and keys dropped for the load are back
    time.sleep(STALE_AFTER_SECONDS + 1)
    start_worker("successor")
    log = _poll(manager_client, job_id, lambda log: log["status"] == "failed", timeout=30)
    assert "stopped" in log["error"]
    assert log["completed_at"]
    assert (Order.objects.count(), OrderLine.objects.count(), Customer.objects.count()) == (0, 0, 0)
