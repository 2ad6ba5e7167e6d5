"""Every compat route against every role, as on /api/v1/: anonymous 401, a viewer's writes 403.

Each error comes in the original's own envelope. Register and login are public,
as ``auth/register/`` and ``auth/login/`` are.
"""

import json
from dataclasses import dataclass
from typing import Any

import pytest

from catalog.models import Product
from customers.criteria import criteria_parse
from customers.models import Customer, Membership, Segment
from customers.services import segment_create
from ingestion.models import ImportJob
from sales.models import Order

pytestmark = pytest.mark.django_db

SEGMENTS = "/compat/segments-api/api/v1/"
PURCHASES = "/compat/purchases-api/"
SALES = "/compat/sales-api/api/v1/"
ANALYTICS = "/compat/analytics-api/api/"
RETAIL = "/compat/retail-api/"


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # with {placeholders} filled from the world below
    write: bool
    body: dict[str, Any] | None = None

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


ROUTES = [
    # Seed 000
    Route("post", SEGMENTS + "segments", True, {"name": "Loyal", "criteria": {"minPurchases": 2}}),
    Route("get", SEGMENTS + "segments", False),
    Route("get", SEGMENTS + "segments/{segment}/customers", False),
    Route("post", SEGMENTS + "data/refresh", True, {"filePath": "sales.csv"}),
    Route("get", SEGMENTS + "data/logs", False),
    # Seed 001
    Route("post", PURCHASES + "users", True, {"first_name": "Zoe", "last_name": "Ng"}),
    Route("get", PURCHASES + "users/{ben}", False),
    Route("patch", PURCHASES + "users/{ben}", True, {"last_name": "Okoro"}),
    Route("delete", PURCHASES + "users/{loner}", True),
    Route("post", PURCHASES + "purchases", True, {"user_id": "{ben}", "product_id": "{novel}"}),
    Route("get", PURCHASES + "purchases/{single}", False),
    Route("patch", PURCHASES + "purchases/{single}", True, {"product_id": "{atlas}"}),
    Route("delete", PURCHASES + "purchases/{single}", True),
    Route("get", PURCHASES + "purchases/user/{ana}", False),
    Route("get", PURCHASES + "purchases/analytic/most_valuable_customer", False),
    Route("get", PURCHASES + "purchases/analytic/most_popular_product", False),
    Route("get", PURCHASES + "products/data/backfill", True),  # a write the original made a GET
    # Seed 002
    Route("get", SALES + "sales/by-user", False),
    Route("get", SALES + "sales/by-group", False),
    # Seed 003
    Route("get", ANALYTICS + "analytics/data?startDate=2024-01-01&endDate=2024-02-29&metrics=revenue", False),
    Route("post", ANALYTICS + "analytics/refresh-cache", True, {"metrics": ["revenue"]}),
    # Seed 004
    Route("get", RETAIL + "dashboard/", False),
    Route("get", RETAIL + "product-categories/", False),
    Route("get", RETAIL + "products/", False),
    Route("post", RETAIL + "products/", True, {"category_id": "{books}", "name": "Lamp", "price": 9}),
    Route("get", RETAIL + "products/{novel}", False),
    Route("put", RETAIL + "products/{novel}", True, {"category_id": "{books}", "name": "Novel 2", "price": 9}),
    Route("delete", RETAIL + "products/{novel}", True),
    Route("get", RETAIL + "transactions/", False),
    Route(
        "post",
        RETAIL + "transactions/",
        True,
        {"customer_id": "{ben}", "transaction_details": [{"product_id": "{novel}", "quantity": 1}]},
    ),
    Route("get", RETAIL + "transactions/{single}", False),
    Route("get", RETAIL + "memberships/", False),
    Route(
        "post", RETAIL + "memberships/", True, {"customer_id": "{ben}", "start_period": "2024-05-01", "tier": "gold"}
    ),
    Route("get", RETAIL + "memberships/{gold}", False),
    Route("put", RETAIL + "memberships/{gold}", True, {"start_period": "2024-01-01", "tier": "silver"}),
    Route("delete", RETAIL + "memberships/{gold}", True),
]
PUBLIC_ROUTES = [
    Route("post", RETAIL + "register", True, {"username": "newbie", "password": "tangerine-Walrus-42"}),
    Route("post", RETAIL + "login", True, {"username": "viewer", "password": "s3cure-Passw0rd!"}),
]


def assert_original_error(path: str, body: dict) -> None:
    if path.startswith(RETAIL):
        assert set(body) == {"status", "message", "data"} and body["status"] == "error"
    elif path.startswith(SALES):
        assert set(body) == {"success", "error", "details"} and body["success"] is False
    else:
        assert set(body) == {"error", "details"}


@pytest.fixture
def world(shop, settings, tmp_path) -> dict[str, int]:
    settings.IMPORT_ROOT = tmp_path
    settings.COMPAT_BACKFILL_WAIT_SECONDS = 0
    loner = Customer.objects.create(code="C-LONER", name="No Orders")
    segment = segment_create(name="Everyone", criteria=criteria_parse({})).segment
    return {
        "ana": shop.ana.pk,
        "ben": shop.ben.pk,
        "loner": loner.pk,
        "novel": shop.novel.pk,
        "atlas": shop.atlas.pk,
        "books": shop.books.pk,
        "gold": shop.gold.pk,
        "single": shop.orders[2].pk,  # an order of one line
        "segment": segment.pk,
    }


def fill(value: Any, world: dict[str, int]) -> Any:
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return world[value[1:-1]]
    if isinstance(value, dict):
        return {key: fill(item, world) for key, item in value.items()}
    if isinstance(value, list):
        return [fill(item, world) for item in value]
    return value


def call(client, route: Route, world: dict[str, int]):
    path = route.path.format(**world)
    return getattr(client, route.method)(path, fill(route.body, world), format="json")


def stored_state() -> tuple:
    """What any write would change: counts and the fields the routes above would touch."""
    return (
        list(Customer.objects.order_by("pk").values_list("pk", "name")),
        list(Order.objects.order_by("pk").values_list("pk", "customer_id")),
        list(Product.objects.order_by("pk").values_list("pk", "name", "is_deleted", "stock")),
        list(Membership.objects.order_by("pk").values_list("pk", "tier", "start_date")),
        list(Segment.objects.order_by("pk").values_list("pk", "name")),
        ImportJob.objects.count(),
    )


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_anonymous_requests_are_401_in_the_originals_envelope(anon_client, world, route):
    response = call(anon_client, route, world)

    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"].startswith("Token")
    assert_original_error(route.path, response.json())


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_a_viewer_reads_and_every_write_is_403(viewer_client, world, route):
    before = stored_state()

    response = call(viewer_client, route, world)

    if route.write:
        assert response.status_code == 403, response.content
        assert_original_error(route.path, response.json())
        assert stored_state() == before
    else:
        assert response.status_code == 200, response.content


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_a_manager_may_call_every_route(manager_client, world, route):
    response = call(manager_client, route, world)
    assert response.status_code in {200, 201, 202}, response.content


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_a_bad_token_is_401(anon_client, world, route):
    anon_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = call(anon_client, route, world)

    assert response.status_code == 401
    assert_original_error(route.path, response.json())


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_a_session_login_works_as_on_api_v1(client, viewer_user, world, route):
    client.force_login(viewer_user)
    response = getattr(client, route.method)(route.path.format(**world), content_type="application/json")

    if route.write:
        assert response.status_code == 403
        assert_original_error(route.path, response.json())
    else:
        assert response.status_code == 200, response.content


@pytest.mark.parametrize("route", PUBLIC_ROUTES, ids=str)
def test_register_and_login_need_no_credentials(anon_client, viewer_user, route):
    response = call(anon_client, route, {})
    assert response.status_code in {200, 201}, response.content


def test_a_user_without_a_role_reads_nothing(anon_client, world):
    from django.contrib.auth.models import User
    from rest_framework.authtoken.models import Token

    user = User.objects.create_user(username="nobody", password="x-Very-long-pw-1")
    anon_client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")

    for route in ROUTES:
        if not route.write:
            assert call(anon_client, route, world).status_code == 403, route


@pytest.mark.parametrize("path", sorted({route.path for route in ROUTES + PUBLIC_ROUTES}))
def test_options_names_the_documented_methods(manager_client, world, path):
    response = manager_client.options(path.format(**world))

    assert response.status_code == 200
    documented = {route.method.upper() for route in ROUTES + PUBLIC_ROUTES if route.path == path}
    assert documented <= {method.strip() for method in response["Allow"].split(",")}


@pytest.mark.parametrize("route", [route for route in ROUTES if not route.write], ids=str)
def test_a_browser_gets_the_json_and_an_html_only_client_a_406(viewer_client, world, route):
    path = route.path.format(**world)
    browser = viewer_client.get(path, HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    html_only = viewer_client.get(path, HTTP_ACCEPT="text/html")

    assert browser.status_code == 200
    assert browser["Content-Type"] == "application/json"
    assert html_only.status_code == 406
    assert_original_error(route.path, html_only.json())


GARBAGE = [[1, 2], "text", 12, None, {"first_name": [[{}]], "user_id": {"$gt": 1}, "transaction_details": [None]}]


@pytest.mark.parametrize("route", [route for route in ROUTES + PUBLIC_ROUTES if route.write and route.body], ids=str)
@pytest.mark.parametrize("body", GARBAGE, ids=["list", "string", "number", "null", "nested"])
def test_any_body_is_a_4xx_in_the_originals_envelope_never_a_500(manager_client, world, route, body):
    before = stored_state()

    path = route.path.format(**world)
    response = getattr(manager_client, route.method)(path, json.dumps(body), content_type="application/json")

    if route.path.endswith("refresh-cache") and isinstance(body, dict):
        # Its body only narrows what to refresh; keys it never had are ignored, as the original ignored them.
        assert response.status_code == 200
    else:
        assert 400 <= response.status_code < 500, response.content
        assert_original_error(route.path, response.json())
    assert stored_state() == before
