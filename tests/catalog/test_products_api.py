from decimal import Decimal

import pytest

from catalog.models import Product
from sales.services import order_create
from tests.factories import make_category, make_customer, make_product

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/v1/products/"


def test_product_round_trip_uses_the_spec_field_names(manager_client):
    category = make_category(name="Kitchen")

    created = manager_client.post(
        PRODUCTS,
        {"code": "P-100", "name": "Kettle", "category": category.pk, "unit_price": "24.90", "stock": 7},
    )
    fetched = manager_client.get(f"{PRODUCTS}{created.json()['id']}/")

    assert created.status_code == 201
    assert set(fetched.json()) == {
        "id",
        "code",
        "name",
        "category",
        "description",
        "unit_price",
        "stock",
        "is_deleted",
        "created_at",
        "updated_at",
    }
    assert fetched.json()["code"] == "P-100"
    assert fetched.json()["category"] == category.pk
    assert fetched.json()["unit_price"] == 24.9
    assert fetched.json()["is_deleted"] is False


def test_a_product_without_code_gets_a_generated_unique_one(manager_client):
    category = make_category()
    body = {"name": "Mug", "category": category.pk, "unit_price": 5}

    first = manager_client.post(PRODUCTS, body).json()
    second = manager_client.post(PRODUCTS, body).json()

    assert first["code"] and second["code"]
    assert first["code"] != second["code"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"unit_price": "-0.01"}, "unit_price"),
        ({"unit_price": "twelve"}, "unit_price"),
        ({"unit_price": "1.999"}, "unit_price"),
        ({"stock": -1}, "stock"),
        ({"category": 999999}, "category"),
        ({"name": ""}, "name"),
        ({"code": "DUP"}, "code"),
    ],
)
def test_bad_products_are_400_naming_the_field(manager_client, body, field):
    category = make_category()
    make_product(category=category, code="DUP")
    payload = {"name": "Thing", "category": category.pk, "unit_price": "1.00", "stock": 1, **body}

    response = manager_client.post(PRODUCTS, payload)

    assert response.status_code == 400
    assert field in response.json()
    assert Product.objects.count() == 1


def test_soft_delete_hides_the_product_but_keeps_it_on_orders(manager_client, viewer_client):
    # Given a product that has been ordered
    product = make_product(unit_price="3.00")
    order = order_create(customer=make_customer(), lines=[{"product": product, "quantity": 2}])

    # When a manager deletes it
    assert manager_client.delete(f"{PRODUCTS}{product.pk}/").status_code == 204

    # Then it is gone from lists and detail, for everyone by default
    assert product.pk not in [row["id"] for row in viewer_client.get(PRODUCTS).json()["results"]]
    assert viewer_client.get(f"{PRODUCTS}{product.pk}/").status_code == 404
    assert manager_client.get(f"{PRODUCTS}{product.pk}/").status_code == 404
    # ...but the row still exists and the order still shows it
    assert Product.objects.get(pk=product.pk).is_deleted is True
    order_body = viewer_client.get(f"/api/v1/orders/{order.pk}/").json()
    assert order_body["lines"][0]["product"] == product.pk
    assert Decimal(str(order_body["total_amount"])) == Decimal("6.00")


def test_managers_list_deleted_products_with_include_deleted(manager_client, viewer_client):
    kept, deleted = make_product(), make_product()
    manager_client.delete(f"{PRODUCTS}{deleted.pk}/")

    manager_view = manager_client.get(PRODUCTS, {"include_deleted": "true"}).json()
    viewer_view = viewer_client.get(PRODUCTS, {"include_deleted": "true"}).json()
    detail = manager_client.get(f"{PRODUCTS}{deleted.pk}/", {"include_deleted": "true"})

    assert {row["id"] for row in manager_view["results"]} == {kept.pk, deleted.pk}
    assert {row["id"] for row in viewer_view["results"]} == {kept.pk}
    assert detail.status_code == 200
    assert detail.json()["is_deleted"] is True


def test_a_deleted_product_can_be_restored_by_a_manager(manager_client):
    product = make_product()
    manager_client.delete(f"{PRODUCTS}{product.pk}/")

    response = manager_client.patch(f"{PRODUCTS}{product.pk}/?include_deleted=true", {"is_deleted": False})

    assert response.status_code == 200
    assert manager_client.get(f"{PRODUCTS}{product.pk}/").status_code == 200


def test_include_deleted_must_be_a_boolean(manager_client):
    response = manager_client.get(PRODUCTS, {"include_deleted": "perhaps"})
    assert response.status_code == 400
    assert "include_deleted" in response.json()


def test_product_filters_search_and_ordering(viewer_client):
    tools, toys = make_category(name="Tools"), make_category(name="Toys")
    hammer = make_product(name="Claw Hammer", category=tools, unit_price="15.00")
    saw = make_product(name="Hand Saw", category=tools, unit_price="25.00", stock=0)
    kite = make_product(name="Kite", category=toys, unit_price="8.00")

    def ids(params):
        return [row["id"] for row in viewer_client.get(PRODUCTS, params).json()["results"]]

    assert ids({"category": tools.pk, "ordering": "-unit_price"}) == [saw.pk, hammer.pk]
    assert ids({"category_name": "toys"}) == [kite.pk]
    assert ids({"min_price": "10", "max_price": "20"}) == [hammer.pk]
    assert ids({"in_stock": "false"}) == [saw.pk]
    assert ids({"search": "hammer"}) == [hammer.pk]
    assert viewer_client.get(PRODUCTS, {"min_price": "cheap"}).status_code == 400


def test_a_category_with_products_cannot_be_deleted(manager_client):
    product = make_product()

    response = manager_client.delete(f"/api/v1/categories/{product.category_id}/")

    assert response.status_code == 409
    assert manager_client.get(f"/api/v1/categories/{product.category_id}/").status_code == 200


def test_category_names_are_unique(manager_client):
    make_category(name="Books")
    response = manager_client.post("/api/v1/categories/", {"name": "Books"})
    assert response.status_code == 400
    assert "name" in response.json()
