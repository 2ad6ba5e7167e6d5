"""RFM runs on a real Celery worker over Redis and PostgreSQL: end to end, and a worker killed mid-run."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from analytics.rfm.models import RfmRun, RfmRunCustomer
from customers.models import Customer
from sales.models import Order, OrderLine
from salesanalytics.celery import app as celery_app
from tests.factories import make_product

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql" or not settings.REDIS_URL,
        reason="background jobs are tested on PostgreSQL with a Redis broker",
    ),
]

STALE_AFTER_SECONDS = 3
CUSTOMERS = 30_000


@pytest.fixture
def broker() -> Iterator[None]:
    """Send tasks to the Redis broker for real, instead of running them in the test process."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = previous


def _start_worker(log: Path, **env: str) -> subprocess.Popen:
    db = connection.settings_dict
    auth = f"{db['USER']}:{db['PASSWORD']}@" if db.get("PASSWORD") else f"{db['USER']}@"
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "salesanalytics", "worker", "--pool", "solo", "-l", "info"],
        cwd=settings.BASE_DIR,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "salesanalytics.settings.test",
            # The worker must use the test database the test runner created.
            "DATABASE_URL": f"postgres://{auth}{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "REDIS_URL": settings.REDIS_URL,
            "RFM_HEARTBEAT_SECONDS": "0.5",
            "RFM_STALE_AFTER_SECONDS": str(STALE_AFTER_SECONDS),
            **env,
        },
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
def start_worker(tmp_path) -> Iterator:
    started: list[subprocess.Popen] = []

    def start(name: str = "worker", **env: str) -> subprocess.Popen:
        process = _start_worker(tmp_path / f"{name}.log", **env)
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
    with connection.cursor() as cursor:  # what a killed worker left open, so the test database can be flushed
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


def _customers_with_one_order_each(count: int) -> None:
    product = make_product(unit_price="10.00", stock=10)
    start = datetime(2024, 1, 1, 12, tzinfo=UTC)
    customers = Customer.objects.bulk_create(
        Customer(code=f"C-{i}", name=f"Customer {i}", email=f"c{i}@example.com") for i in range(count)
    )
    orders = Order.objects.bulk_create(
        Order(
            code=f"O-{i}",
            customer=customer,
            ordered_at=start + timedelta(days=i % 365),
            subtotal=Decimal(10 * (1 + i % 7)),
            total_amount=Decimal(10 * (1 + i % 7)),
        )
        for i, customer in enumerate(customers)
    )
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order, product=product, quantity=1 + i % 7, unit_price=Decimal("10.00"), line_total=order.subtotal
        )
        for i, order in enumerate(orders)
    )


def _poll(client, run_id: int, until, *, timeout: float = 90) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = client.get(f"/api/v1/analytics/rfm-runs/{run_id}/").json()
        if until(run):
            return run
        time.sleep(0.1)
    raise AssertionError(f"run did not get there in {timeout} s: {run}")


def test_a_run_is_computed_by_the_worker(manager_client, broker, start_worker):
    _customers_with_one_order_each(200)
    start_worker()

    response = manager_client.post("/api/v1/analytics/rfm-runs/", {"algorithm": "kmeans", "n_clusters": 4})

    assert (response.status_code, response.json()["status"]) == (202, "queued")
    run = _poll(manager_client, response.json()["id"], lambda run: run["status"] in {"succeeded", "failed"})
    assert run["status"] == "succeeded", run
    assert (run["customers_count"], run["clusters_count"]) == (200, 4)
    assert RfmRunCustomer.objects.filter(run_id=run["id"]).count() == 200
    assert run["started_at"] and run["completed_at"]


def test_a_worker_killed_mid_run_leaves_no_rows_and_the_run_ends_failed(manager_client, broker, start_worker):
    # Given a worker evaluating a run over 30,000 customers on all of them (seconds of silhouette)
    _customers_with_one_order_each(CUSTOMERS)
    worker = start_worker("doomed", RFM_EVALUATION_SAMPLE_SIZE=str(CUSTOMERS))
    response = manager_client.post("/api/v1/analytics/rfm-runs/", {"algorithm": "quantile"})
    run_id = response.json()["id"]
    _poll(manager_client, run_id, lambda run: run["status"] == "running" and run["stage"] == "evaluation")

    # When the worker process is killed outright
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    assert RfmRun.objects.get(pk=run_id).status == "running"

    # Then the run has no rows, and once its heartbeat is stale a new worker marks it failed
    time.sleep(STALE_AFTER_SECONDS + 1)
    start_worker("successor")
    run = _poll(manager_client, run_id, lambda run: run["status"] == "failed", timeout=30)
    assert "stopped" in run["error"]
    assert run["completed_at"]
    assert (run["customers_count"], run["segments"]) == (0, [])
    assert not RfmRunCustomer.objects.filter(run_id=run_id).exists()
