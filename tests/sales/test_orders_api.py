from decimal import Decimal

import pytest

from catalog.models import Product
from customers.services import membership_create
from sales.models import Order, OrderLine
from tests.factories import make_agent, make_customer, make_product

pytestmark = pytest.mark.django_db

ORDERS = "/api/v1/orders/"
ORDER_FIELDS = {
    "id",
    "code",
    "customer",
    "agent",
    "membership",
    "ordered_at",
    "region",
    "payment_method",
    "shipping_cost",
    "subtotal",
    "total_amount",
    "lines",
    "created_at",
    "updated_at",
}


def money(value) -> Decimal:
    """JSON numbers back to exact cents for comparison."""
    return Decimal(str(value)).quantize(Decimal("0.01"))


def stock_of(product: Product) -> int:
    return Product.objects.get(pk=product.pk).stock


def test_order_totals_match_hand_computed_half_up_values(manager_client):
    # Given three products; the third line takes the product's own price.
    customer = make_customer(region="East")
    a = make_product(unit_price="19.99")
    b = make_product(unit_price="0.05")
    c = make_product(unit_price="10.00")

    # When an order is placed with discounts that land on half cents
    response = manager_client.post(
        ORDERS,
        {
            "customer": customer.pk,
            "shipping_cost": "5.50",
            "payment_method": "Credit Card",
            "lines": [
                {"product": a.pk, "quantity": 3, "discount": "0.15"},  # 59.97 * 0.85 = 50.9745 -> 50.97
                {"product": b.pk, "quantity": 1, "discount": "0.5"},  # 0.025 -> 0.03 (half-up, not half-even)
                {"product": c.pk, "quantity": 2},  # 20.00, unit price defaulted
            ],
        },
    )

    # Then every total is the hand-computed one
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == ORDER_FIELDS
    assert [money(line["line_total"]) for line in body["lines"]] == [
        Decimal("50.97"),
        Decimal("0.03"),
        Decimal("20.00"),
    ]
    assert money(body["lines"][2]["unit_price"]) == Decimal("10.00")
    assert money(body["subtotal"]) == Decimal("71.00")
    assert money(body["total_amount"]) == Decimal("76.50")
    assert body["region"] == "East"  # defaulted from the customer
    assert isinstance(body["total_amount"], float | int)  # money is a JSON number
    assert set(body["lines"][0]) >= {"id", "product", "quantity", "unit_price", "discount", "line_total"}
    stored = Order.objects.get(pk=body["id"])
    assert stored.subtotal == Decimal("71.00")
    assert stored.total_amount == Decimal("76.50")


def test_half_up_rounding_where_float_arithmetic_would_round_down(manager_client):
    customer = make_customer()
    product = make_product(unit_price="1.15")

    # 7 * 1.15 * 0.9 = 7.245 exactly; binary floats make it 7.2449999..., half-even makes it 7.24.
    response = manager_client.post(
        ORDERS, {"customer": customer.pk, "lines": [{"product": product.pk, "quantity": 7, "discount": "0.1"}]}
    )

    assert response.status_code == 201
    assert money(response.json()["lines"][0]["line_total"]) == Decimal("7.25")


def test_order_create_reserves_stock_and_short_stock_is_409_with_nothing_written(manager_client):
    customer = make_customer()
    plenty = make_product(stock=10)
    scarce = make_product(stock=5)

    first = manager_client.post(ORDERS, {"customer": customer.pk, "lines": [{"product": scarce.pk, "quantity": 3}]})
    assert first.status_code == 201
    assert stock_of(scarce) == 2

    refused = manager_client.post(
        ORDERS,
        {
            "customer": customer.pk,
            "lines": [{"product": plenty.pk, "quantity": 4}, {"product": scarce.pk, "quantity": 3}],
        },
    )

    assert refused.status_code == 409
    assert "lines" in refused.json()
    assert refused.json()["available"] == 2
    assert stock_of(plenty) == 10  # the first line's reservation was rolled back too
    assert stock_of(scarce) == 2
    assert Order.objects.count() == 1


def test_order_update_re_reserves_only_the_difference_and_delete_returns_stock(manager_client):
    customer = make_customer()
    kept = make_product(stock=5)
    dropped = make_product(stock=5)
    added = make_product(stock=5)
    created = manager_client.post(
        ORDERS,
        {
            "customer": customer.pk,
            "lines": [{"product": kept.pk, "quantity": 3}, {"product": dropped.pk, "quantity": 2}],
        },
    ).json()
    kept_line_id = created["lines"][0]["id"]
    assert (stock_of(kept), stock_of(dropped)) == (2, 3)

    grown = manager_client.patch(
        f"{ORDERS}{created['id']}/",
        {"lines": [{"product": kept.pk, "quantity": 5}, {"product": added.pk, "quantity": 1}]},
    )
    assert grown.status_code == 200, grown.json()
    assert (stock_of(kept), stock_of(dropped), stock_of(added)) == (0, 5, 4)
    assert grown.json()["lines"][0]["id"] == kept_line_id  # a kept product keeps its line

    too_much = manager_client.patch(f"{ORDERS}{created['id']}/", {"lines": [{"product": kept.pk, "quantity": 6}]})
    assert too_much.status_code == 409
    assert (stock_of(kept), stock_of(added)) == (0, 4)
    assert OrderLine.objects.filter(order_id=created["id"]).count() == 2

    assert manager_client.delete(f"{ORDERS}{created['id']}/").status_code == 204
    assert (stock_of(kept), stock_of(dropped), stock_of(added)) == (5, 5, 5)


def test_patching_shipping_alone_recomputes_the_total(manager_client):
    customer = make_customer()
    product = make_product(unit_price="4.00")
    created = manager_client.post(
        ORDERS, {"customer": customer.pk, "lines": [{"product": product.pk, "quantity": 2}]}
    ).json()

    response = manager_client.patch(f"{ORDERS}{created['id']}/", {"shipping_cost": "2.25"})

    assert response.status_code == 200
    assert money(response.json()["subtotal"]) == Decimal("8.00")
    assert money(response.json()["total_amount"]) == Decimal("10.25")
    assert stock_of(product) == 98


def test_put_replaces_the_order(manager_client):
    customer, other = make_customer(), make_customer(region="South")
    product = make_product(unit_price="3.00")
    agent = make_agent()
    created = manager_client.post(
        ORDERS, {"customer": customer.pk, "lines": [{"product": product.pk, "quantity": 1}]}
    ).json()

    response = manager_client.put(
        f"{ORDERS}{created['id']}/",
        {
            "customer": other.pk,
            "agent": agent.pk,
            "ordered_at": "2024-03-05T10:00:00Z",
            "region": "South",
            "payment_method": "PayPal",
            "shipping_cost": 1,
            "lines": [{"product": product.pk, "quantity": 4, "unit_price": "2.50"}],
        },
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["customer"], body["agent"], body["region"]) == (other.pk, agent.pk, "South")
    assert body["ordered_at"].startswith("2024-03-05T10:00:00")
    assert money(body["total_amount"]) == Decimal("11.00")


@pytest.mark.parametrize(
    ("line", "field_fragment"),
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": -2}, "quantity"),
        ({"quantity": "many"}, "quantity"),
        ({"quantity": 1, "discount": "1.5"}, "discount"),
        ({"quantity": 1, "discount": "-0.1"}, "discount"),
        ({"quantity": 1, "unit_price": "-1"}, "unit_price"),
        ({"quantity": 1, "unit_price": "abc"}, "unit_price"),
    ],
)
def test_bad_lines_are_400_naming_the_field(manager_client, line, field_fragment):
    customer = make_customer()
    product = make_product()

    response = manager_client.post(ORDERS, {"customer": customer.pk, "lines": [{"product": product.pk, **line}]})

    assert response.status_code == 400
    assert field_fragment in response.json()["lines"]["0"]  # errors are keyed by line index
    assert Order.objects.count() == 0
    assert stock_of(product) == 100


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "customer"),
        ({"customer": 999999, "lines": [{"product": 1, "quantity": 1}]}, "customer"),
        ({"customer": "CUSTOMER", "lines": []}, "customer"),
        ({"lines": []}, "lines"),
        ({"lines": "everything"}, "lines"),
        ({"lines": [{"quantity": 1}]}, "lines"),
        ({"lines": [{"product": 999999, "quantity": 1}]}, "lines"),
        ({"shipping_cost": "-1"}, "shipping_cost"),
        ({"ordered_at": "yesterday"}, "ordered_at"),
        ({"agent": 999999}, "agent"),
    ],
)
def test_bad_orders_are_400_naming_the_field(manager_client, body, field):
    customer = make_customer()
    product = make_product()
    payload = {"customer": customer.pk, "lines": [{"product": product.pk, "quantity": 1}], **body}
    if body == {}:
        payload = {}

    response = manager_client.post(ORDERS, payload)

    assert response.status_code == 400
    assert field in response.json()
    assert Order.objects.count() == 0


def test_same_product_twice_is_400(manager_client):
    customer = make_customer()
    product = make_product()
    lines = [{"product": product.pk, "quantity": 1}, {"product": product.pk, "quantity": 2}]

    response = manager_client.post(ORDERS, {"customer": customer.pk, "lines": lines})

    assert response.status_code == 400
    assert "lines" in response.json()


def test_membership_of_another_customer_is_400(manager_client):
    customer, stranger = make_customer(), make_customer()
    product = make_product()
    theirs = membership_create(customer=stranger, tier="gold", start_date="2024-01-01")

    response = manager_client.post(
        ORDERS,
        {"customer": customer.pk, "membership": theirs.pk, "lines": [{"product": product.pk, "quantity": 1}]},
    )

    assert response.status_code == 400
    assert "membership" in response.json()


def test_a_deleted_product_cannot_be_ordered(manager_client):
    customer = make_customer()
    product = make_product()
    manager_client.delete(f"/api/v1/products/{product.pk}/")

    response = manager_client.post(ORDERS, {"customer": customer.pk, "lines": [{"product": product.pk, "quantity": 1}]})

    assert response.status_code == 400
    assert "lines" in response.json()
    assert stock_of(product) == 100


def test_order_list_filters_and_orders_by_allowlist(viewer_client):
    customer, other = make_customer(), make_customer()
    product = make_product(unit_price="1.00")
    from sales.services import order_create

    small = order_create(
        customer=customer, ordered_at="2024-01-10T12:00:00Z", lines=[{"product": product, "quantity": 1}]
    )
    big = order_create(
        customer=customer, ordered_at="2024-02-10T12:00:00Z", lines=[{"product": product, "quantity": 9}]
    )
    order_create(customer=other, ordered_at="2024-03-10T12:00:00Z", lines=[{"product": product, "quantity": 5}])

    by_customer = viewer_client.get(ORDERS, {"customer": customer.pk, "ordering": "total_amount"}).json()
    in_february = viewer_client.get(ORDERS, {"start_date": "2024-02-01", "end_date": "2024-02-29"}).json()
    bad_ordering = viewer_client.get(ORDERS, {"ordering": "customer__password"})
    bad_date = viewer_client.get(ORDERS, {"start_date": "2024-13-45"})

    assert [row["id"] for row in by_customer["results"]] == [small.pk, big.pk]
    assert by_customer["count"] == 2
    assert [row["id"] for row in in_february["results"]] == [big.pk]
    assert bad_ordering.status_code == 400
    assert "ordering" in bad_ordering.json()
    assert bad_date.status_code == 400
    assert "start_date" in bad_date.json()


def test_order_list_query_count_does_not_grow_with_orders(viewer_client, django_assert_max_num_queries):
    customer = make_customer()
    products = [make_product() for _ in range(3)]
    from sales.services import order_create

    for _ in range(15):
        order_create(customer=customer, lines=[{"product": p, "quantity": 1} for p in products])

    # auth token, permission groups, count, orders, lines with products
    with django_assert_max_num_queries(8):
        response = viewer_client.get(ORDERS, {"page_size": 15})
    assert len(response.json()["results"]) == 15
    assert all(len(row["lines"]) == 3 for row in response.json()["results"])


def test_every_order_write_moves_the_analytics_data_version(manager_client, django_capture_on_commit_callbacks):
    from analytics.selectors import data_version_current

    customer, product = make_customer(), make_product()
    versions = [data_version_current()]

    with django_capture_on_commit_callbacks(execute=True):
        order = manager_client.post(
            ORDERS, {"customer": customer.pk, "lines": [{"product": product.pk, "quantity": 1}]}
        ).json()
    versions.append(data_version_current())
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.patch(f"{ORDERS}{order['id']}/", {"shipping_cost": 3})
    versions.append(data_version_current())
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.delete(f"{ORDERS}{order['id']}/")
    versions.append(data_version_current())

    assert len(set(versions)) == 4
    assert versions == sorted(versions)
