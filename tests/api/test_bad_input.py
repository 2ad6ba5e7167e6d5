"""Whatever a client sends, the answer is a JSON 4xx naming the problem, never a 500."""

import pytest

from catalog.models import Product
from sales.models import Order
from tests.factories import make_customer, make_product

pytestmark = pytest.mark.django_db


def test_malformed_json_is_400(manager_client):
    response = manager_client.post("/api/v1/customers/", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()


def test_an_unsupported_media_type_is_415(manager_client):
    response = manager_client.post("/api/v1/customers/", data="name=x", content_type="text/plain")
    assert response.status_code == 415


def test_a_json_list_instead_of_an_object_is_400(manager_client):
    response = manager_client.post("/api/v1/orders/", data=[1, 2], format="json")
    assert response.status_code == 400


def test_a_non_numeric_id_in_the_path_is_404(viewer_client):
    assert viewer_client.get("/api/v1/customers/abc/").status_code == 404
    assert viewer_client.get("/api/v1/orders/1.5/").status_code == 404


def test_page_size_is_capped_at_500_and_bad_pages_are_404(viewer_client):
    category_products = [make_product() for _ in range(3)]
    capped = viewer_client.get("/api/v1/products/", {"page_size": 100000})
    beyond = viewer_client.get("/api/v1/products/", {"page": 99})
    garbage = viewer_client.get("/api/v1/products/", {"page": "last-but-one"})

    assert capped.status_code == 200
    assert capped.json()["count"] == len(category_products)
    assert set(capped.json()) == {"count", "next", "previous", "results"}
    assert beyond.status_code == 404
    assert garbage.status_code == 404


def test_pagination_links_walk_the_whole_list(viewer_client):
    made = {make_product().pk for _ in range(5)}
    seen, url = set(), "/api/v1/products/?page_size=2"
    while url:
        body = viewer_client.get(url).json()
        seen |= {row["id"] for row in body["results"]}
        url = body["next"]
    assert seen == made


def test_huge_numbers_are_400_not_a_database_error(manager_client):
    customer = make_customer()
    pricey = make_product(unit_price="9999999999.99", stock=2_000_000_000)

    too_many = manager_client.post(
        "/api/v1/orders/", {"customer": customer.pk, "lines": [{"product": pricey.pk, "quantity": 10**12}]}
    )
    too_costly = manager_client.post(
        "/api/v1/orders/", {"customer": customer.pk, "lines": [{"product": pricey.pk, "quantity": 1000}]}
    )
    price_overflow = manager_client.post(
        "/api/v1/products/", {"name": "Gold", "category": pricey.category_id, "unit_price": "1e20"}
    )
    stock_overflow = manager_client.post(
        "/api/v1/products/", {"name": "Sand", "category": pricey.category_id, "unit_price": 1, "stock": 10**12}
    )

    assert too_many.status_code == 400
    assert "lines" in too_many.json()
    assert too_costly.status_code == 400
    assert "lines" in too_costly.json()
    assert price_overflow.status_code == 400
    assert "unit_price" in price_overflow.json()
    assert stock_overflow.status_code == 400
    assert "stock" in stock_overflow.json()
    assert Order.objects.count() == 0
    assert Product.objects.get(pk=pricey.pk).stock == 2_000_000_000


@pytest.mark.parametrize("value", [None, [], {}, True, "", "  ", "\x00", "ü" * 300])
def test_odd_values_in_every_customer_field_never_crash(manager_client, value):
    fields = ["name", "email", "gender", "date_of_birth", "phone", "address", "region", "code"]
    for field in fields:
        response = manager_client.post("/api/v1/customers/", {"name": "Valid", field: value}, format="json")
        assert response.status_code in {201, 400}, (field, value, response.status_code)
        if response.status_code == 400:
            assert response.json()


@pytest.mark.parametrize("value", [None, [], {}, "x", -1, 1.5, "9" * 40])
def test_odd_values_in_order_fields_never_crash(manager_client, value):
    customer = make_customer()
    product = make_product()
    base = {"customer": customer.pk, "lines": [{"product": product.pk, "quantity": 1}]}
    for field in ["customer", "agent", "membership", "ordered_at", "shipping_cost", "lines", "code"]:
        response = manager_client.post("/api/v1/orders/", {**base, field: value}, format="json")
        assert response.status_code in {201, 400}, (field, value, response.status_code)
    for field in ["product", "quantity", "unit_price", "discount"]:
        line = {"product": product.pk, "quantity": 1, field: value}
        response = manager_client.post("/api/v1/orders/", {**base, "lines": [line]}, format="json")
        assert response.status_code in {201, 400}, (field, value, response.status_code)
