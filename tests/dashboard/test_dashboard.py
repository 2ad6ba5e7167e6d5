"""The dashboard: KPIs against hand sums, segments from a stored run, caching that never goes stale."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.cache import cache

from analytics.rfm.models import RfmRun
from customers.services import membership_create
from sales.models import OrderLine
from sales.services import order_create
from tests.factories import make_customer, make_product

pytestmark = pytest.mark.django_db

URL = "/api/v1/analytics/dashboard/"
MARCH = {"start_date": "2024-03-01", "end_date": "2024-03-31"}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def march_sales(db):
    """Orders on both edges of March 2024 and just outside them; memberships likewise."""
    book, pen = make_product(unit_price="10.00", stock=1000), make_product(unit_price="3.50", stock=1000)
    ann, bob, cat = make_customer(name="Ann"), make_customer(name="Bob"), make_customer(name="Cat")
    order_create(
        customer=ann,
        ordered_at=at("2024-03-01T12:00:00"),
        shipping_cost=Decimal("7.00"),
        lines=[{"product": book, "quantity": 2}, {"product": pen, "quantity": 3, "discount": Decimal("0.1")}],
    )
    order_create(customer=bob, ordered_at=at("2024-03-31T23:30:00"), lines=[{"product": book, "quantity": 1}])
    order_create(customer=cat, ordered_at=at("2024-03-01T00:00:00"), lines=[{"product": pen, "quantity": 2}])
    order_create(customer=ann, ordered_at=at("2024-02-29T23:59:59"), lines=[{"product": book, "quantity": 5}])
    order_create(customer=bob, ordered_at=at("2024-04-01T00:00:00"), lines=[{"product": book, "quantity": 4}])
    for customer, start in [(ann, "2024-03-01"), (bob, "2024-03-31"), (cat, "2024-03-15")]:
        membership_create(customer=customer, tier="gold", start_date=date.fromisoformat(start))
    for customer, start in [(ann, "2024-02-29"), (cat, "2024-04-01")]:
        membership_create(customer=customer, tier="silver", start_date=date.fromisoformat(start))
    return {"ann": ann, "bob": bob, "cat": cat, "book": book}


def test_the_kpis_match_hand_sums_including_memberships_on_both_edges(march_sales, viewer_client):
    response = viewer_client.get(URL, MARCH)

    assert response.status_code == 200, response.json()
    body = response.json()
    # By hand: 2 x 10.00 + 3 x 3.50 x 0.9 = 29.45; 10.00; 2 x 3.50 = 7.00 (shipping is not revenue).
    assert body["total_sales"] == 46.45
    assert body["total_transactions"] == 3
    assert body["products_sold"] == 2 + 3 + 1 + 2
    assert body["new_memberships"] == 3  # starting 03-01, 03-15 and 03-31; not 02-29 nor 04-01
    assert body["average_order_value"] == 15.48  # 46.45 / 3, half-up to cents
    # And the same by a plain sum over the stored lines
    lines = [
        line
        for line in OrderLine.objects.select_related("order")
        if at("2024-03-01T00:00:00") <= line.order.ordered_at < at("2024-04-01T00:00:00")
    ]
    assert body["total_sales"] == float(sum(line.line_total for line in lines))
    assert body["products_sold"] == sum(line.quantity for line in lines)


def test_the_segments_come_from_a_stored_run_of_the_range_and_model(march_sales, viewer_client):
    body = viewer_client.get(URL, {**MARCH, "model": "kmeans"}).json()

    segments = body["customer_segments"]
    assert (segments["algorithm"], segments["status"]) == ("kmeans", "succeeded")
    run = viewer_client.get(f"/api/v1/analytics/rfm-runs/{segments['run_id']}/").json()
    assert (run["algorithm"], run["start_date"], run["end_date"], run["customers_count"]) == (
        "kmeans",
        *MARCH.values(),
        3,
    )
    assert segments["segmentation"] == [
        {"segment": s["segment"], "count": s["count"], "total_revenue": s["total_revenue"]} for s in run["segments"]
    ]
    assert sum(s["count"] for s in segments["segmentation"]) == 3
    assert sum(s["total_revenue"] for s in segments["segmentation"]) == pytest.approx(46.45)
    assert segments["evaluation"]["silhouette_score"] == run["evaluation"]["silhouette_score"]


def test_the_default_model_is_quantile(march_sales, viewer_client):
    assert viewer_client.get(URL, MARCH).json()["customer_segments"]["algorithm"] == "quantile"


def test_a_second_call_reuses_the_run_even_with_the_cache_emptied(march_sales, viewer_client):
    first = viewer_client.get(URL, {**MARCH, "model": "dbscan"}).json()
    cache.clear()

    second = viewer_client.get(URL, {**MARCH, "model": "dbscan"}).json()

    assert second == first
    assert RfmRun.objects.count() == 1


def test_a_write_is_seen_at_once_and_segments_are_computed_again(march_sales, viewer_client):
    before = viewer_client.get(URL, MARCH).json()

    order_create(
        customer=march_sales["cat"],
        ordered_at=at("2024-03-20T10:00:00"),
        lines=[{"product": march_sales["book"], "quantity": 3}],
    )
    after = viewer_client.get(URL, MARCH).json()

    assert after["total_sales"] == before["total_sales"] + 30.0
    assert after["total_transactions"] == 4
    assert after["customer_segments"]["run_id"] != before["customer_segments"]["run_id"]
    assert sum(s["total_revenue"] for s in after["customer_segments"]["segmentation"]) == pytest.approx(76.45)


def test_a_range_too_large_to_segment_at_once_answers_running_then_the_run(
    march_sales, viewer_client, settings, django_capture_on_commit_callbacks
):
    settings.RFM_DASHBOARD_SYNC_MAX_CUSTOMERS = 2  # March has 3 customers

    with django_capture_on_commit_callbacks(execute=True):  # eager Celery runs the queued run after the answer
        first = viewer_client.get(URL, MARCH).json()

    assert first["total_sales"] == 46.45
    assert first["customer_segments"]["status"] == "running"
    assert first["customer_segments"]["segmentation"] == []
    run_id = first["customer_segments"]["run_id"]
    assert viewer_client.get(f"/api/v1/analytics/rfm-runs/{run_id}/").json()["status"] == "succeeded"
    second = viewer_client.get(URL, MARCH).json()  # "running" was not cached
    assert (second["customer_segments"]["status"], second["customer_segments"]["run_id"]) == ("succeeded", run_id)
    assert RfmRun.objects.count() == 1


def test_while_a_run_is_queued_calls_point_at_it_instead_of_queueing_another(march_sales, viewer_client, settings):
    settings.RFM_DASHBOARD_SYNC_MAX_CUSTOMERS = 2

    first = viewer_client.get(URL, MARCH).json()
    second = viewer_client.get(URL, MARCH).json()

    assert second["customer_segments"]["status"] == "running"
    assert second["customer_segments"]["run_id"] == first["customer_segments"]["run_id"]
    assert RfmRun.objects.count() == 1


def test_an_empty_range_has_zero_kpis_and_no_segments(march_sales, viewer_client):
    body = viewer_client.get(URL, {"start_date": "2020-01-01", "end_date": "2020-01-31"}).json()

    assert (body["total_sales"], body["total_transactions"], body["products_sold"]) == (0.0, 0, 0)
    assert (body["new_memberships"], body["average_order_value"]) == (0, None)
    assert body["customer_segments"]["segmentation"] == []
    assert body["customer_segments"]["evaluation"]["silhouette_score"] is None


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"start_date": "2024-3-1"}, "start_date"),
        ({"start_date": "20240301"}, "start_date"),
        ({"start_date": "2024-02-30"}, "start_date"),
        ({"end_date": "2024-13-01"}, "end_date"),
        ({"end_date": "2024-03-31\x00"}, "end_date"),
        ({"start_date": "2024-04-01", "end_date": "2024-03-31"}, "start_date"),
        ({"model": "svm"}, "model"),
        ({"model": "kmeans\x00"}, "model"),
        ({"model": "NaN"}, "model"),
        ({"modle": "kmeans"}, "modle"),
    ],
)
def test_invalid_parameters_are_400_naming_them(viewer_client, params, name):
    response = viewer_client.get(URL, params)

    assert response.status_code == 400
    assert name in response.json()
    assert not RfmRun.objects.exists()


def test_anonymous_is_401_and_a_viewer_reads(anon_client, viewer_client):
    assert anon_client.get(URL).status_code == 401
    assert viewer_client.get(URL).status_code == 200


def test_queries_of_a_first_call_with_a_stored_run_and_of_a_cached_call(
    march_sales, viewer_client, django_assert_num_queries
):
    viewer_client.get(URL, MARCH)  # stores the run and caches the answer
    cache.clear()

    # token + user, permissions (user's, groups'), data version for the answer, for the KPIs and for
    # the run; the lines aggregate, the orders count, the memberships count, the stored run, its segments
    with django_assert_num_queries(11):
        uncached = viewer_client.get(URL, MARCH).json()
    # token + user, permissions (user's, groups'), the data version
    with django_assert_num_queries(4):
        assert viewer_client.get(URL, MARCH).json() == uncached


def test_a_new_membership_is_counted_at_once(march_sales, viewer_client):
    before = viewer_client.get(URL, MARCH).json()

    membership_create(customer=march_sales["bob"], tier="bronze", start_date=date(2024, 3, 20))

    assert viewer_client.get(URL, MARCH).json()["new_memberships"] == before["new_memberships"] + 1
