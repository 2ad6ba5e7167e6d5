"""RFM runs on a real Celery worker over Redis and PostgreSQL: end to end, and a worker killed mid-run."""

import signal
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from analytics.rfm.models import RfmRun, RfmRunCustomer
from customers.models import Customer
from sales.models import Order, OrderLine
from tests.factories import make_product
from tests.workers import requires_worker_stack

pytestmark = [pytest.mark.django_db(transaction=True), requires_worker_stack]

STALE_AFTER_SECONDS = 3
CUSTOMERS = 30_000


@pytest.fixture
def worker_env() -> dict[str, str]:
    return {"RFM_HEARTBEAT_SECONDS": "0.5", "RFM_STALE_AFTER_SECONDS": str(STALE_AFTER_SECONDS)}


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
