"""Segment refreshes on a real Celery worker over Redis and PostgreSQL: after an import, and after order writes."""

import time

import pytest
from django.conf import settings
from django.db import connection

from customers.criteria import criteria_parse
from customers.models import SegmentChange, SegmentSnapshot
from customers.services import segment_create
from tests.factories import make_customer, make_product
from tests.ingestion.csv_files import sales_row, write_csv
from tests.ingestion.test_worker import _poll, broker, import_root, start_worker  # noqa: F401 (fixtures)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql" or not settings.REDIS_URL,
        reason="background jobs are tested on PostgreSQL with a Redis broker",
    ),
]


def _wait_for(predicate, *, timeout: float = 60, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_an_import_on_the_worker_refreshes_every_segment(manager_client, import_root, broker, start_worker):  # noqa: F811
    # Given two segments, and a worker
    big = segment_create(name="Big", criteria=criteria_parse({"min_revenue": 100})).segment
    north = segment_create(name="North", criteria=criteria_parse({"regions": ["North"]})).segment
    start_worker()
    rows = [
        sales_row(order_id="O-1", customer_id="C-1", unit_price="150.00", quantity_sold="1"),
        sales_row(order_id="O-2", customer_id="C-2", customer_email="bo@example.com", region="South"),
    ]
    path = write_csv(import_root / "sales.csv", rows)

    # When a file is imported through the API
    job = manager_client.post("/api/v1/data/refresh/", {"file_path": path.name}).json()
    log = _poll(manager_client, job["id"], lambda log: log["status"] in {"succeeded", "failed"})
    assert log["status"] == "succeeded", log

    # Then the worker refreshes both, each recording the customers who entered
    def refreshed() -> bool:
        return SegmentSnapshot.objects.filter(reason="import").count() == 2

    _wait_for(refreshed, what="both segments' import snapshots")
    assert set(SegmentChange.objects.values_list("segment_id", "customer__code", "direction")) == {
        (big.pk, "C-1", "entered"),
        (north.pk, "C-1", "entered"),
    }
    big_history = manager_client.get(f"/api/v1/segments/{big.pk}/history/").json()["results"]
    assert [(row["reason"], row["customers_count"]) for row in big_history] == [("created", 0), ("import", 1)]


def test_order_writes_refresh_a_segment_once_per_debounce_interval(
    manager_client,
    broker,  # noqa: F811
    start_worker,  # noqa: F811
    settings,
):
    # Given a segment of every customer with an order, a worker, and a two-second debounce
    settings.SEGMENT_REFRESH_DEBOUNCE_SECONDS = 2
    segment = segment_create(name="Buyers", criteria=criteria_parse({})).segment
    product = make_product(stock=100)
    customers = [make_customer() for _ in range(4)]
    start_worker()

    # When three customers order within the interval
    for customer in customers[:3]:
        body = {"customer": customer.pk, "lines": [{"product": product.pk, "quantity": 1}]}
        assert manager_client.post("/api/v1/orders/", body).status_code == 201

    # Then one refresh, after the interval, sees all three
    _wait_for(lambda: SegmentSnapshot.objects.filter(reason="orders").exists(), what="the debounced refresh")
    time.sleep(3)  # time enough for any second refresh to show
    (snapshot,) = SegmentSnapshot.objects.filter(reason="orders")
    assert (snapshot.customers_count, snapshot.entered_count) == (3, 3)

    # And a write after it schedules the next one
    body = {"customer": customers[3].pk, "lines": [{"product": product.pk, "quantity": 1}]}
    assert manager_client.post("/api/v1/orders/", body).status_code == 201
    _wait_for(lambda: SegmentSnapshot.objects.filter(reason="orders").count() == 2, what="the second refresh")
    assert SegmentChange.objects.filter(segment=segment, direction="entered").count() == 4
