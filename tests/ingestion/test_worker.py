"""Imports on a real Celery worker over Redis and PostgreSQL: end to end, and a worker killed mid-import."""

import signal
import time
from pathlib import Path

import pytest

from customers.models import Customer
from ingestion.models import ImportJob
from ingestion.sample_data import write_sales_csv
from sales.models import Order, OrderLine
from tests.ingestion.csv_files import sales_row, write_csv
from tests.ingestion.schema_state import LOADED_TABLES, schema_of
from tests.workers import requires_worker_stack, terminate_other_sessions

pytestmark = [pytest.mark.django_db(transaction=True), requires_worker_stack]

STALE_AFTER_SECONDS = 3


@pytest.fixture
def import_root(tmp_path, settings) -> Path:
    root = tmp_path / "imports"
    root.mkdir()
    settings.IMPORT_ROOT = root
    return root


@pytest.fixture
def worker_env(import_root) -> dict[str, str]:
    return {
        "IMPORT_ROOT": str(import_root),
        "IMPORT_HEARTBEAT_SECONDS": "0.5",
        "IMPORT_STALE_AFTER_SECONDS": str(STALE_AFTER_SECONDS),
    }


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
    terminate_other_sessions()
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
