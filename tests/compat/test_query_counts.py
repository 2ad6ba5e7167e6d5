"""Compat lists cost the same number of queries whatever their length (no N+1 in the translation)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.criteria import criteria_parse
from customers.models import Customer
from customers.services import customer_create, segment_create
from ingestion.models import ImportJob
from sales.services import order_create
from tests.compat.conftest import at
from tests.factories import make_agent

pytestmark = pytest.mark.django_db

LISTS = [
    "/compat/retail-api/products/",
    "/compat/retail-api/product-categories/",
    "/compat/retail-api/transactions/",
    "/compat/retail-api/memberships/",
    "/compat/retail-api/transactions/{order}",
    "/compat/purchases-api/purchases/user/{ana}",
    "/compat/segments-api/api/v1/data/logs",
    "/compat/segments-api/api/v1/segments",
    "/compat/segments-api/api/v1/segments/{segment}/customers",
    "/compat/sales-api/api/v1/sales/by-user?interval=day",
    "/compat/sales-api/api/v1/sales/by-group?interval=day",
    "/compat/analytics-api/api/analytics/data?startDate=2024-01-01&endDate=2024-03-31&metrics=revenue,customers&segments=region,category",
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
        segment_create(name=f"Segment {n}", criteria=criteria_parse({}))
        customer_create(name=f"Buyer {n}", region="West")
    agents = [make_agent(), make_agent()]
    for customer, agent in zip(Customer.objects.filter(name__startswith="Buyer"), [*agents, None], strict=True):
        order_create(
            customer=customer, agent=agent, ordered_at=at("2024-03-04"), lines=[{"product": shop.chess, "quantity": 1}]
        )


@pytest.mark.parametrize("route", LISTS)
def test_a_longer_list_costs_no_more_queries(viewer_client, shop, route):
    ImportJob.objects.create(kind="sales", source="first.csv", file_path="/x")
    order_create(
        customer=shop.ben,
        agent=make_agent(),
        ordered_at=at("2024-03-01"),
        lines=[{"product": shop.atlas, "quantity": 1}],
    )
    everyone = segment_create(name="Everyone", criteria=criteria_parse({})).segment
    ids = {"ana": shop.ana.pk, "segment": everyone.pk}
    few = queries(viewer_client, route.format(order=shop.orders[2].pk, **ids))  # one line

    grow(shop)
    many = queries(viewer_client, route.format(order=shop.orders[1].pk, **ids))  # two lines

    assert many == few
