"""Every CRUD route against every role: anonymous 401, viewer read-only (403 on writes), manager full."""

from dataclasses import dataclass
from datetime import date

import pytest

from customers.services import membership_create
from sales.services import order_create
from tests.factories import make_agent, make_category, make_customer, make_product, make_team

pytestmark = pytest.mark.django_db


@dataclass
class Route:
    collection: str
    create: dict  # a valid body for POST and PUT
    patch: dict


@pytest.fixture
def world():
    """One record of each kind, and valid bodies that point at them."""
    category = make_category(name="Books")
    product = make_product(category=category, stock=50)
    customer = make_customer()
    team = make_team()
    agent = make_agent(team=team)
    membership = membership_create(customer=customer, tier="gold", start_date=date(2024, 1, 1))
    order = order_create(customer=customer, lines=[{"product": product, "quantity": 1}])
    routes = {
        "customers": (customer, Route("customers", {"name": "New Customer", "region": "West"}, {"phone": "555"})),
        "memberships": (
            membership,
            Route(
                "memberships",
                {"customer": customer.pk, "tier": "silver", "start_date": "2024-02-01"},
                {"tier": "bronze"},
            ),
        ),
        "categories": (category, Route("categories", {"name": "Garden"}, {"description": "Outdoor"})),
        "products": (
            product,
            Route("products", {"name": "Lamp", "category": category.pk, "unit_price": 12.5, "stock": 3}, {"stock": 9}),
        ),
        "teams": (team, Route("teams", {"name": "Gamma"}, {"name": "Delta"})),
        "agents": (agent, Route("agents", {"name": "Zoe", "role": "Retail Agent", "team": team.pk}, {"role": "Admin"})),
        "orders": (
            order,
            Route(
                "orders",
                {"customer": customer.pk, "lines": [{"product": product.pk, "quantity": 2}]},
                {"shipping_cost": 4.5},
            ),
        ),
    }
    return routes


RESOURCES = ["customers", "memberships", "categories", "products", "teams", "agents", "orders"]


@pytest.mark.parametrize("resource", RESOURCES)
def test_anonymous_requests_get_401_everywhere(anon_client, world, resource):
    record, route = world[resource]
    base = f"/api/v1/{route.collection}/"
    detail = f"{base}{record.pk}/"

    assert anon_client.get(base).status_code == 401
    assert anon_client.get(detail).status_code == 401
    assert anon_client.post(base, route.create).status_code == 401
    assert anon_client.put(detail, route.create).status_code == 401
    assert anon_client.patch(detail, route.patch).status_code == 401
    assert anon_client.delete(detail).status_code == 401
    assert anon_client.get(base)["WWW-Authenticate"].startswith("Token")


@pytest.mark.parametrize("resource", RESOURCES)
def test_viewer_reads_but_every_write_is_403(viewer_client, world, resource):
    record, route = world[resource]
    base = f"/api/v1/{route.collection}/"
    detail = f"{base}{record.pk}/"
    model = type(record)
    count_before = model.objects.count()

    assert viewer_client.get(base).status_code == 200
    assert viewer_client.get(detail).status_code == 200
    assert viewer_client.post(base, route.create).status_code == 403
    assert viewer_client.put(detail, route.create).status_code == 403
    assert viewer_client.patch(detail, route.patch).status_code == 403
    assert viewer_client.delete(detail).status_code == 403
    assert model.objects.count() == count_before


@pytest.mark.parametrize("resource", RESOURCES)
def test_manager_has_full_crud(manager_client, world, resource):
    _record, route = world[resource]
    base = f"/api/v1/{route.collection}/"

    assert manager_client.get(base).status_code == 200
    created = manager_client.post(base, route.create)
    assert created.status_code == 201, created.json()
    detail = f"{base}{created.json()['id']}/"
    assert manager_client.get(detail).status_code == 200
    assert manager_client.patch(detail, route.patch).status_code == 200
    assert manager_client.put(detail, route.create).status_code == 200
    assert manager_client.delete(detail).status_code == 204
    assert manager_client.get(detail).status_code == 404


def test_superuser_has_full_crud_without_groups(superuser_client, world):
    _record, route = world["teams"]
    created = superuser_client.post("/api/v1/teams/", route.create)
    assert created.status_code == 201
    assert superuser_client.delete(f"/api/v1/teams/{created.json()['id']}/").status_code == 204


def test_customer_orders_route_follows_the_same_roles(anon_client, viewer_client, world):
    customer = world["customers"][0]
    url = f"/api/v1/customers/{customer.pk}/orders/"
    assert anon_client.get(url).status_code == 401
    assert viewer_client.get(url).status_code == 200
    assert viewer_client.post(url, {}).status_code in {403, 405}


def test_a_user_without_a_role_reads_nothing(db, anon_client):
    from django.contrib.auth.models import User
    from rest_framework.authtoken.models import Token

    user = User.objects.create_user(username="nobody", password="x-Very-long-pw-1")
    anon_client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")

    assert anon_client.get("/api/v1/customers/").status_code == 403


def test_public_routes_need_no_login(anon_client, db):
    assert anon_client.get("/healthz").status_code == 200
    assert anon_client.get("/api/schema/").status_code == 200
    assert anon_client.get("/api/docs/").status_code == 200
