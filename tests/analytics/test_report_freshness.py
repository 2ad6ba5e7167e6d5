"""Cached reports are never stale: every write moves the data version, and cache/refresh is for managers."""

from datetime import date
from decimal import Decimal

import pytest

from analytics.selectors import data_version_current
from ingestion.services import import_job_create_local, import_job_run
from tests.analytics.shop import Shop, local, money
from tests.factories import make_agent, make_customer, make_product
from tests.ingestion.csv_files import sales_row, write_csv

pytestmark = pytest.mark.django_db

ROUTES = [
    "/api/v1/analytics/sales/by-agent/",
    "/api/v1/analytics/sales/by-team/",
    "/api/v1/analytics/metrics/?metrics=revenue,orders&segment_by=region",
    "/api/v1/analytics/top-customers/",
    "/api/v1/analytics/top-products/?by=revenue",
    "/api/v1/analytics/sales/by-agent/?format=csv",
]
REFRESH = "/api/v1/analytics/cache/refresh/"


def revenue(client) -> Decimal:
    return money(client.get("/api/v1/analytics/metrics/").json()[0]["total_value"])


def answers(client) -> list[bytes]:
    return [client.get(route).content for route in ROUTES]


@pytest.fixture
def stocked(db):
    return {"product": make_product(unit_price="10.00", stock=100), "customer": make_customer(), "agent": make_agent()}


def test_a_repeated_question_is_answered_from_the_cache(viewer_client, stocked, django_assert_num_queries):
    Shop().sell(
        at=local(date(2025, 1, 3)),
        customer=stocked["customer"],
        agent=stocked["agent"],
        lines=[(stocked["product"], 1)],
    )
    first = answers(viewer_client)

    with django_assert_num_queries(3 * len(ROUTES)):  # token, permission, data version: no report query
        assert answers(viewer_client) == first


def test_orders_created_changed_and_deleted_through_the_api_show_at_once(viewer_client, manager_client, stocked):
    product, customer, agent = stocked["product"], stocked["customer"], stocked["agent"]
    empty = answers(viewer_client)
    assert revenue(viewer_client) == 0

    created = manager_client.post(
        "/api/v1/orders/",
        {
            "customer": customer.pk,
            "agent": agent.pk,
            "ordered_at": "2025-01-03T10:00:00Z",
            "lines": [{"product": product.pk, "quantity": 2}],
        },
        format="json",
    ).json()
    after_create = answers(viewer_client)
    assert revenue(viewer_client) == Decimal("20.00")
    assert all(a != b for a, b in zip(after_create, empty, strict=True))

    manager_client.patch(
        f"/api/v1/orders/{created['id']}/", {"lines": [{"product": product.pk, "quantity": 5}]}, format="json"
    )
    after_change = answers(viewer_client)
    assert revenue(viewer_client) == Decimal("50.00")
    assert all(a != b for a, b in zip(after_change, after_create, strict=True))

    assert manager_client.delete(f"/api/v1/orders/{created['id']}/").status_code == 204
    assert revenue(viewer_client) == 0
    assert answers(viewer_client) == empty


def test_an_import_shows_at_once(viewer_client, tmp_path, db):
    before = answers(viewer_client)
    assert revenue(viewer_client) == 0
    path = write_csv(tmp_path / "sales.csv", [sales_row(quantity_sold="3", unit_price="2.00")])

    assert import_job_run(job_id=import_job_create_local(kind="sales", path=path).pk).status == "succeeded"

    assert revenue(viewer_client) == Decimal("6.00")
    assert answers(viewer_client) != before


def test_an_import_through_the_api_shows_at_once(
    viewer_client, manager_client, settings, tmp_path, db, django_capture_on_commit_callbacks
):
    settings.IMPORT_ROOT = tmp_path
    assert revenue(viewer_client) == 0
    write_csv(tmp_path / "sales.csv", [sales_row(quantity_sold="1", unit_price="7.25")])

    with django_capture_on_commit_callbacks(execute=True):
        job = manager_client.post("/api/v1/data/refresh/", {"kind": "sales", "file_path": "sales.csv"}, format="json")

    assert job.status_code == 202
    assert manager_client.get(f"/api/v1/data/logs/{job.json()['id']}/").json()["status"] == "succeeded"
    assert revenue(viewer_client) == Decimal("7.25")


def test_cache_refresh_is_for_managers(anon_client, viewer_client, manager_client, superuser_client):
    version = data_version_current()

    assert anon_client.post(REFRESH).status_code == 401
    assert viewer_client.post(REFRESH).status_code == 403
    assert data_version_current() == version

    response = manager_client.post(REFRESH)
    assert response.status_code == 200
    assert response.json() == {"data_version": version + 1}
    assert superuser_client.post(REFRESH).json() == {"data_version": version + 2}


def test_cache_refresh_makes_every_answer_computed_afresh(
    viewer_client, manager_client, stocked, django_assert_num_queries
):
    answers(viewer_client)
    manager_client.post(REFRESH)

    with django_assert_num_queries(5):  # token, permission, data version, rollup state, the report
        viewer_client.get("/api/v1/analytics/top-products/?by=revenue&start_date=2025-01-01")
    with django_assert_num_queries(3):
        viewer_client.get("/api/v1/analytics/top-products/?by=revenue&start_date=2025-01-01")


def test_reports_need_a_login_and_are_read_only(anon_client, viewer_client, manager_client):
    for route in ROUTES:
        assert anon_client.get(route).status_code == 401
        assert viewer_client.post(route).status_code == 405
    assert manager_client.get(REFRESH).status_code == 405


def test_reports_are_for_whoever_may_read_orders(db, manager_client, superuser_client):
    from django.contrib.auth.models import Permission, User
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    def client_of(user: User) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
        return client

    nobody = User.objects.create_user(username="nobody", password="x-Passw0rd-x")
    direct = User.objects.create_user(username="direct", password="x-Passw0rd-x")
    direct.user_permissions.add(Permission.objects.get(content_type__app_label="sales", codename="view_order"))
    other = User.objects.create_user(username="other", password="x-Passw0rd-x")
    other.user_permissions.add(Permission.objects.get(content_type__app_label="sales", codename="view_agent"))

    route = ROUTES[0]
    assert client_of(nobody).get(route).status_code == 403
    assert client_of(other).get(route).status_code == 403
    assert client_of(direct).get(route).status_code == 200
    assert manager_client.get(route).status_code == 200
    assert superuser_client.get(route).status_code == 200
