"""Two imports of overlapping files at the same moment, on real parallel connections."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from catalog.models import Category, Product
from customers.models import Customer
from ingestion.services import import_job_create_local, import_job_run
from sales.models import Agent, Order, OrderLine, Team
from tests.ingestion.csv_files import sales_row, write_csv

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="parallel writers are tested on PostgreSQL"),
]


def test_two_overlapping_imports_at_once_neither_deadlock_nor_duplicate(tmp_path):
    # Given two files sharing customers, products, agents and some orders, in opposite orders
    def rows(orders: range) -> list[dict[str, str]]:
        return [
            sales_row(order_id=f"O-{n}", product_id=f"P-{n % 7}", customer_id=f"C-{n % 5}", agent_id=f"A-{n % 3}")
            | {"Agent Name": f"Agent {n % 3}", "Agent Role": "Agent", "Team": f"Team {n % 2}"}
            for n in orders
        ]

    first = write_csv(tmp_path / "first.csv", rows(range(0, 300)))
    second = write_csv(tmp_path / "second.csv", list(reversed(rows(range(150, 450)))))
    jobs = [import_job_create_local(kind="sales", path=path) for path in (first, second)]
    start = threading.Barrier(2)

    def run(job_id):
        try:
            start.wait()
            return import_job_run(job_id=job_id)
        finally:
            connections.close_all()

    # When both run at the same time
    with ThreadPoolExecutor(max_workers=2) as pool:
        finished = list(pool.map(run, [job.pk for job in jobs]))

    # Then both succeed and every record exists once
    assert [job.status for job in finished] == ["succeeded", "succeeded"]
    assert sorted(job.rows_created for job in finished) == [150, 300]  # the second to merge finds 150 of its own
    assert Order.objects.count() == 450
    assert OrderLine.objects.count() == 450
    assert Customer.objects.count() == 5
    assert Product.objects.count() == 7
    assert Agent.objects.count() == 3
    assert Team.objects.count() == 2
    assert Category.objects.count() == 1
