from decimal import Decimal

import pytest
from django.db import connection

from customers.filters import CustomerFilter
from customers.models import Customer, Membership
from customers.services import membership_create
from sales.services import order_create
from tests.factories import make_customer, make_product

pytestmark = pytest.mark.django_db

CUSTOMERS = "/api/v1/customers/"
MEMBERSHIPS = "/api/v1/memberships/"


def test_customer_round_trip_uses_the_spec_field_names(manager_client):
    body = {
        "code": "C-1",
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "gender": "female",
        "date_of_birth": "1990-12-10",
        "phone": "+44 20 7946 0000",
        "address": "12 Analytical Row,\nLondon",
        "region": "West",
    }

    created = manager_client.post(CUSTOMERS, body)
    fetched = manager_client.get(f"{CUSTOMERS}{created.json()['id']}/").json()

    assert created.status_code == 201
    assert set(fetched) == {*body, "id", "created_at", "updated_at"}
    assert {key: fetched[key] for key in body} == body


def test_customer_update_and_delete(manager_client):
    customer = make_customer(name="Old Name")

    patched = manager_client.patch(f"{CUSTOMERS}{customer.pk}/", {"name": "New Name", "gender": ""})
    deleted = manager_client.delete(f"{CUSTOMERS}{customer.pk}/")

    assert patched.status_code == 200
    assert patched.json()["name"] == "New Name"
    assert deleted.status_code == 204
    assert not Customer.objects.filter(pk=customer.pk).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"email": "nope"}, "email"),
        ({"gender": "robot"}, "gender"),
        ({"date_of_birth": "31/12/1990"}, "date_of_birth"),
        ({"name": "x" * 201}, "name"),
        ({"code": "TAKEN"}, "code"),
    ],
)
def test_bad_customers_are_400_naming_the_field(manager_client, body, field):
    taken = make_customer()
    Customer.objects.filter(pk=taken.pk).update(code="TAKEN")

    response = manager_client.post(CUSTOMERS, {"name": "Valid", **body})

    assert response.status_code == 400
    assert field in response.json()
    assert Customer.objects.count() == 1


def test_unknown_ids_are_404(viewer_client, manager_client):
    for collection in ["customers", "memberships", "categories", "products", "teams", "agents", "orders"]:
        assert viewer_client.get(f"/api/v1/{collection}/987654/").status_code == 404
        assert manager_client.patch(f"/api/v1/{collection}/987654/", {}).status_code == 404
        assert manager_client.delete(f"/api/v1/{collection}/987654/").status_code == 404
    assert viewer_client.get(f"{CUSTOMERS}987654/orders/").status_code == 404


def test_a_customer_with_orders_cannot_be_deleted(manager_client):
    customer = make_customer()
    order_create(customer=customer, lines=[{"product": make_product(), "quantity": 1}])

    response = manager_client.delete(f"{CUSTOMERS}{customer.pk}/")

    assert response.status_code == 409
    assert Customer.objects.filter(pk=customer.pk).exists()


def test_customer_orders_lists_their_orders_with_lines_and_products(viewer_client):
    # Given two customers with orders
    ada, bob = make_customer(), make_customer()
    pen = make_product(name="Pen", unit_price="2.00")
    ink = make_product(name="Ink", unit_price="7.50")
    older = order_create(customer=ada, ordered_at="2024-01-01T09:00:00Z", lines=[{"product": pen, "quantity": 3}])
    newer = order_create(
        customer=ada,
        ordered_at="2024-06-01T09:00:00Z",
        lines=[{"product": pen, "quantity": 1}, {"product": ink, "quantity": 2}],
    )
    order_create(customer=bob, lines=[{"product": ink, "quantity": 1}])

    # When Ada's orders are asked for
    body = viewer_client.get(f"{CUSTOMERS}{ada.pk}/orders/").json()

    # Then only hers come back, newest first, with lines naming their products
    assert body["count"] == 2
    assert [row["id"] for row in body["results"]] == [newer.pk, older.pk]
    lines = body["results"][0]["lines"]
    assert [(line["product"], line["product_name"], line["quantity"]) for line in lines] == [
        (pen.pk, "Pen", 1),
        (ink.pk, "Ink", 2),
    ]
    assert Decimal(str(body["results"][0]["total_amount"])) == Decimal("17.00")


def test_customer_filters_and_search(viewer_client):
    north = make_customer(name="Nora North", region="North")
    make_customer(name="Sam South", region="South")

    by_region = viewer_client.get(CUSTOMERS, {"region": "north"}).json()
    by_search = viewer_client.get(CUSTOMERS, {"search": "nora"}).json()

    assert [row["id"] for row in by_region["results"]] == [north.pk]
    assert [row["id"] for row in by_search["results"]] == [north.pk]


def test_the_email_filter_ignores_case(viewer_client):
    ada = make_customer(name="Ada", email="Ada.Lovelace@Example.com")
    make_customer(name="Bob", email="bob@example.com")

    body = viewer_client.get(CUSTOMERS, {"email": "ada.lovelace@EXAMPLE.com"}).json()

    assert [row["id"] for row in body["results"]] == [ada.pk]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="index use is planned by PostgreSQL")
def test_the_email_filter_can_be_answered_from_an_index():
    # Finding one customer by email among a million must not read them all
    queryset = CustomerFilter(data={"email": "ada@example.com"}, queryset=Customer.objects.all()).qs
    for number in range(200):
        make_customer(email=f"someone{number}@example.com")
    with connection.cursor() as cursor:
        # Fresh statistics (earlier tests' imports analyze this table when it is nearly empty), and a
        # table still too small for the planner to bother with an index unless told to.
        cursor.execute("ANALYZE customers_customer")
        cursor.execute("SET LOCAL enable_seqscan = off")

        plan = queryset.explain()

    assert "customer_email_upper_idx" in plan


def test_membership_round_trip_and_validation(manager_client):
    customer = make_customer()

    created = manager_client.post(
        MEMBERSHIPS,
        {"customer": customer.pk, "tier": "gold", "start_date": "2024-01-01", "end_date": "2024-12-31"},
    )
    backwards = manager_client.post(
        MEMBERSHIPS, {"customer": customer.pk, "tier": "gold", "start_date": "2024-05-01", "end_date": "2024-04-01"}
    )
    bad_tier = manager_client.post(
        MEMBERSHIPS, {"customer": customer.pk, "tier": "platinum", "start_date": "2024-01-01"}
    )

    assert created.status_code == 201
    assert set(created.json()) == {
        "id",
        "customer",
        "number",
        "tier",
        "start_date",
        "end_date",
        "created_at",
        "updated_at",
    }
    assert created.json()["number"]  # generated
    assert backwards.status_code == 400
    assert "end_date" in backwards.json()
    assert bad_tier.status_code == 400
    assert "tier" in bad_tier.json()
    assert Membership.objects.count() == 1


def test_memberships_filter_by_start_date_range_and_tier(viewer_client):
    customer = make_customer()
    january = membership_create(customer=customer, tier="gold", start_date="2024-01-15")
    membership_create(customer=customer, tier="silver", start_date="2024-03-15")

    in_january = viewer_client.get(MEMBERSHIPS, {"start_date_from": "2024-01-01", "start_date_to": "2024-01-31"})
    gold = viewer_client.get(MEMBERSHIPS, {"tier": "gold"})

    assert [row["id"] for row in in_january.json()["results"]] == [january.pk]
    assert [row["id"] for row in gold.json()["results"]] == [january.pk]
