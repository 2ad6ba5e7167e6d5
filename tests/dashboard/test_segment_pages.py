"""The segment pages: members paginated and the history, each as the segments API answers them."""

import json
import re

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from customers.criteria import criteria_parse
from customers.models import Customer, RefreshReason, Segment
from customers.services import segment_create, segment_refresh
from sales.services import order_create
from tests.dashboard.shop import Shop, build_shop


@pytest.fixture
def shop(db) -> Shop:
    return build_shop()


@pytest.fixture
def staff(client: Client, superuser: User) -> Client:
    client.force_login(superuser)
    return client


@pytest.fixture
def repeat_buyers(shop: Shop) -> Segment:
    """Customers with two orders or more: Ada, Grace and Alan (indexes 0 to 2) in the shop."""
    return segment_create(name="Repeat buyers", criteria=criteria_parse({"min_orders": 2})).segment


def _embedded(response, element_id: str):
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', response.text, re.S)
    return json.loads(match.group(1))


def test_segment_page_members_are_the_api_members(staff: Client, shop: Shop, repeat_buyers: Segment):
    page = staff.get(f"/dashboard/segments/{repeat_buyers.pk}/")
    api = staff.get(f"/api/v1/segments/{repeat_buyers.pk}/customers/", {"page_size": 25}).json()

    assert page.status_code == 200
    members = _embedded(page, "segment-members-data")
    assert members == {"count": api["count"], "results": api["results"]}
    assert [row["id"] for row in members["results"]] == [customer.pk for customer in shop.customers[:3]]
    assert f'href="/admin/customers/customer/{shop.customers[0].pk}/change/">Ada Lovelace</a>' in page.text


def test_members_are_paginated_like_the_api(staff: Client, shop: Shop, monkeypatch):
    monkeypatch.setattr("dashboard.segments.MEMBERS_PER_PAGE", 2)
    everyone = segment_create(name="Buyers", criteria=criteria_parse({})).segment  # min_orders 1: all six

    second = staff.get(f"/dashboard/segments/{everyone.pk}/", {"page": 2})
    api = staff.get(f"/api/v1/segments/{everyone.pk}/customers/", {"page": 2, "page_size": 2}).json()

    assert _embedded(second, "segment-members-data")["results"] == api["results"]
    assert [row["code"] for row in api["results"]] == ["DC-2", "DC-3"]
    assert "Page 2 of 3 (6 in all)" in second.text
    assert 'rel="prev"' in second.text and 'rel="next"' in second.text


def test_history_chart_data_is_the_api_history_with_entered_and_left(staff: Client, shop: Shop, repeat_buyers):
    # Given Edsger's second order, Edsger enters the segment at the next refresh
    order_create(customer=shop.customers[3], lines=[{"product": shop.products[0], "quantity": 1}])
    segment_refresh(segment_id=repeat_buyers.pk, reason=RefreshReason.MANUAL)

    page = staff.get(f"/dashboard/segments/{repeat_buyers.pk}/")
    api = staff.get(f"/api/v1/segments/{repeat_buyers.pk}/history/", {"page_size": 500}).json()

    snapshots = _embedded(page, "segment-history-data")
    assert snapshots == api["results"]
    assert [(s["customers_count"], s["entered_count"], s["left_count"]) for s in snapshots] == [
        (3, 0, 0),
        (4, 1, 0),
    ]  # the first one starts the line
    assert 'data-chart="segment-history"' in page.text


def test_segments_list_links_each_segment(staff: Client, repeat_buyers: Segment):
    page = staff.get("/dashboard/segments/")

    assert page.status_code == 200
    assert f'<a href="/dashboard/segments/{repeat_buyers.pk}/">Repeat buyers</a>' in page.text


def test_unknown_segment_is_a_404(staff: Client, db):
    assert staff.get("/dashboard/segments/999999/").status_code == 404


def test_segment_page_queries_do_not_grow_with_members_or_snapshots(staff: Client, shop: Shop):
    everyone = segment_create(name="Buyers", criteria=criteria_parse({})).segment
    url = f"/dashboard/segments/{everyone.pk}/"
    with CaptureQueriesContext(connection) as few:
        staff.get(url)
    # Given ten more members, each entering at a snapshot of their own
    for n in range(10):
        customer = Customer.objects.create(code=f"DS-{n}", name=f"Buyer {n}")
        order_create(customer=customer, lines=[{"product": shop.products[n % 4], "quantity": 1}])
        segment_refresh(segment_id=everyone.pk, reason=RefreshReason.MANUAL)

    with CaptureQueriesContext(connection) as many:
        page = staff.get(url)

    assert len(_embedded(page, "segment-history-data")) == 11
    assert len(many) == len(few)
