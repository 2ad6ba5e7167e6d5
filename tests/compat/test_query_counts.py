"""Compat lists cost the same number of queries whatever their length (no N+1 in the translation)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ingestion.models import ImportJob
from sales.services import order_create
from tests.compat.conftest import at

pytestmark = pytest.mark.django_db

LISTS = [
    "/compat/retail-api/products/",
    "/compat/retail-api/product-categories/",
    "/compat/retail-api/transactions/",
    "/compat/retail-api/memberships/",
    "/compat/retail-api/transactions/{order}",
    "/compat/purchases-api/purchases/user/{ana}",
    "/compat/segments-api/api/v1/data/logs",
]


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def grow(shop) -> None:
    """More of everything each list shows: orders for Ana, lines on one order, import jobs."""
    for day in ("2024-03-01", "2024-03-02", "2024-03-03"):
        order_create(
            customer=shop.ana,
            ordered_at=at(day),
            lines=[{"product": shop.novel, "quantity": 1}, {"product": shop.atlas, "quantity": 1}],
        )
    for n in range(3):
        ImportJob.objects.create(kind="sales", source=f"{n}.csv", file_path="/x")


@pytest.mark.parametrize("route", LISTS)
def test_a_longer_list_costs_no_more_queries(viewer_client, shop, route):
    ImportJob.objects.create(kind="sales", source="first.csv", file_path="/x")
    few = queries(viewer_client, route.format(order=shop.orders[2].pk, ana=shop.ana.pk))  # one line

    grow(shop)
    many = queries(viewer_client, route.format(order=shop.orders[1].pk, ana=shop.ana.pk))  # two lines

    assert many == few
