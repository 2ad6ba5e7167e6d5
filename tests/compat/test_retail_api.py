"""Seed 004 (retail backend) at /compat/retail-api/: its routes and envelope over our services."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from catalog.models import Product
from common.money import compute_line_total

pytestmark = pytest.mark.django_db

BASE = "/compat/retail-api/"
PRODUCT_KEYS = {"id", "category_id", "name", "description", "stock", "price", "deleted", "created_at", "updated_at"}
TRANSACTION_KEYS = {"id", "customer_id", "membership_id", "date", "total_amount", "created_at", "updated_at"}
DETAIL_KEYS = {
    "id",
    "transaction_id",
    "product_id",
    "quantity",
    "price_per_unit",
    "discount",
    "total_amount",
    "created_at",
    "updated_at",
}
MEMBERSHIP_KEYS = {"id", "customer_id", "start_period", "end_period", "tier", "created_at", "updated_at"}
ACCOUNT_KEYS = {"id", "username", "role", "created_at", "updated_at"}
MISSING = object()


def ok(response, message: str, status: int = 200):
    """The body of a success answer, after checking its envelope."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"status", "message", "data"}
    assert (body["status"], body["message"]) == ("success", message)
    return body["data"]


def error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"status", "message", "data"}
    assert body["status"] == "error"
    assert body["message"]
    return body


# --- Authentication ---------------------------------------------------------------------------


def test_register_creates_a_viewer_as_auth_register_does(anon_client):
    data = ok(
        anon_client.post(f"{BASE}register", {"username": "rita", "password": "tangerine-Walrus-42"}),
        "User registered successfully",
        201,
    )

    user = User.objects.get(username="rita")
    assert set(data) == ACCOUNT_KEYS
    assert (data["id"], data["username"], data["role"]) == (user.pk, "rita", "viewer")
    assert data["created_at"] == data["updated_at"]


def test_login_answers_the_user_and_a_token_that_opens_both_apis(anon_client, viewer_user):
    data = ok(
        anon_client.post(f"{BASE}login", {"username": "viewer", "password": "s3cure-Passw0rd!"}),
        "User logged in successfully",
    )

    assert set(data) == ACCOUNT_KEYS | {"token"}
    anon_client.credentials(HTTP_AUTHORIZATION=f"Token {data['token']}")
    me = anon_client.get("/api/v1/auth/me/").json()
    assert (data["id"], data["username"], data["role"]) == (me["id"], me["username"], me["role"])
    assert anon_client.get(f"{BASE}products/").status_code == 200


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"username": "carla", "password": "carla"}, "password"),
        ({"username": "carla", "password": "12345678901"}, "password"),
        ({"password": "tangerine-Walrus-42"}, "username"),
        ({"username": "bad name!", "password": "tangerine-Walrus-42"}, "username"),
    ],
)
def test_register_refuses_what_auth_register_refuses_naming_the_field(anon_client, payload, field):
    body = error(anon_client.post(f"{BASE}register", payload), 400)

    assert field in body["data"]
    assert field in body["message"]
    assert not User.objects.filter(username=payload.get("username", "")).exists()


def test_register_refuses_a_taken_username(anon_client, viewer_user):
    body = error(anon_client.post(f"{BASE}register", {"username": "viewer", "password": "tangerine-Walrus-42"}), 400)
    assert body["data"]["username"] == ["A user with that username already exists."]


def test_login_with_a_wrong_password_is_400_in_the_envelope(anon_client, viewer_user):
    body = error(anon_client.post(f"{BASE}login", {"username": "viewer", "password": "nope"}), 400)
    assert body["message"] == "Unable to log in with the provided credentials."


def test_login_shares_the_throttle_of_auth_login(anon_client, viewer_user):
    attempts = [
        anon_client.post(url, {"username": "viewer", "password": "wrong"})
        for url in ["/api/v1/auth/login/", f"{BASE}login"] * 3
    ]

    assert [response.status_code for response in attempts[:5]] == [400] * 5  # test settings: 5/min
    throttled = error(attempts[5], 429)
    assert "Retry-After" in attempts[5]
    assert throttled["data"] is None


# --- Product categories and products -----------------------------------------------------------


def test_product_categories_are_the_categories_of_the_unified_api(viewer_client, shop):
    data = ok(viewer_client.get(f"{BASE}product-categories/"), "Product categories retrieved successfully")
    unified = viewer_client.get("/api/v1/categories/").json()["results"]

    assert [{key: row[key] for key in ("id", "name", "description")} for row in data] == unified
    assert all(row["created_at"] is None and row["updated_at"] is None for row in data)


def test_products_list_and_detail_read_the_unified_products(viewer_client, shop):
    listed = ok(viewer_client.get(f"{BASE}products/"), "Products retrieved successfully")
    found = ok(viewer_client.get(f"{BASE}products/{shop.atlas.pk}"), "Product found")
    unified = viewer_client.get(f"/api/v1/products/{shop.atlas.pk}/").json()

    assert [row["id"] for row in listed] == [shop.novel.pk, shop.atlas.pk, shop.chess.pk]
    assert set(found) == PRODUCT_KEYS
    assert found == next(row for row in listed if row["id"] == shop.atlas.pk)
    assert (found["price"], found["category_id"], found["deleted"], found["stock"]) == (
        unified["unit_price"],
        unified["category"],
        unified["is_deleted"],
        unified["stock"],
    )
    assert found["price"] == 40.0


def test_a_manager_creates_updates_and_soft_deletes_a_product(manager_client, shop):
    created = ok(
        manager_client.post(
            f"{BASE}products/",
            {"category_id": shop.games.pk, "name": "Go board", "description": "19x19", "stock": 7, "price": 33.3},
        ),
        "Product created successfully",
        201,
    )
    url = f"{BASE}products/{created['id']}"
    unified_url = f"/api/v1/products/{created['id']}/"

    assert set(created) == PRODUCT_KEYS
    unified = manager_client.get(unified_url).json()
    assert (unified["name"], unified["unit_price"], unified["stock"], unified["category"]) == (
        "Go board",
        33.3,
        7,
        shop.games.pk,
    )

    updated = ok(
        manager_client.put(
            url,
            {
                "category_id": shop.books.pk,
                "name": "Go board, deluxe",
                "description": "",
                "stock": 5,
                "price": 45,
                "updated_at": "2001-01-01T00:00:00Z",
            },
        ),
        "Product updated successfully",
    )
    assert (updated["name"], updated["price"], updated["category_id"], updated["stock"]) == (
        "Go board, deluxe",
        45.0,
        shop.books.pk,
        5,
    )
    assert updated["updated_at"] > created["updated_at"]  # the server's time, not the body's
    assert manager_client.get(unified_url).json()["unit_price"] == 45.0

    deleted = manager_client.delete(url)
    assert ok(deleted, "Product deleted successfully") is True
    assert Product.objects.get(pk=created["id"]).is_deleted
    assert manager_client.get(unified_url).status_code == 404
    assert error(manager_client.get(url), 404)["message"] == f"No product with id {created['id']}."
    assert created["id"] not in [
        row["id"] for row in ok(manager_client.get(f"{BASE}products/"), "Products retrieved successfully")
    ]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"category_id": MISSING, "name": "Lamp", "price": 10}, "category_id"),
        ({"category_id": 999999, "name": "Lamp", "price": 10}, "category_id"),
        ({"category_id": "books", "name": "Lamp", "price": 10}, "category_id"),
        ({"category_id": None, "name": "", "price": 10}, "name"),
        ({"name": "Lamp", "price": -1}, "price"),
        ({"name": "Lamp", "price": "cheap"}, "price"),
        ({"name": "Lamp", "price": 1, "stock": -3}, "stock"),
        ({"name": "Lamp", "price": 1, "stock": 10**12}, "stock"),
    ],
)
def test_bad_product_input_is_400_naming_the_original_field(manager_client, shop, payload, field):
    body = {key: value for key, value in {"category_id": shop.books.pk, **payload}.items() if value is not MISSING}
    before = Product.objects.count()

    created = error(manager_client.post(f"{BASE}products/", body), 400)
    updated = error(manager_client.put(f"{BASE}products/{shop.novel.pk}", body), 400)

    assert field in created["data"], created
    assert field in updated["data"], updated
    assert f"{field}:" in created["message"]
    assert Product.objects.count() == before
    assert Product.objects.get(pk=shop.novel.pk).name == "Novel"


@pytest.mark.parametrize("raw_id", ["3fa85f64-5717-4562-b3fc-2c963f66afa6", "abc", "0", "-1", "1.5", "9" * 30])
def test_an_id_that_is_not_ours_is_404_saying_ids_are_integers(viewer_client, shop, raw_id):
    for route in ("products", "memberships", "transactions"):
        body = error(viewer_client.get(f"{BASE}{route}/{raw_id}"), 404)
        assert "positive integers" in body["message"]


def test_a_json_list_or_broken_json_is_400_in_the_envelope(manager_client, shop):
    as_list = error(manager_client.post(f"{BASE}products/", [1, 2], format="json"), 400)
    broken = error(manager_client.post(f"{BASE}products/", "{oops", content_type="application/json"), 400)

    assert as_list["message"] == "Expected a JSON object."
    assert "JSON parse error" in broken["message"]
    assert error(manager_client.post(f"{BASE}products/", "x", content_type="text/plain"), 415)["data"] is None


def test_a_method_the_original_lacks_is_405_in_the_envelope(manager_client, shop):
    body = error(manager_client.patch(f"{BASE}products/{shop.novel.pk}", {"name": "x"}), 405)
    assert "PATCH" in body["message"]
    assert error(manager_client.post(f"{BASE}product-categories/", {"name": "x"}), 405)


def test_long_lists_come_in_pages_with_link_headers(viewer_client, shop):
    first = viewer_client.get(f"{BASE}products/", {"page_size": 2})
    second = viewer_client.get(f"{BASE}products/", {"page_size": 2, "page": 2})

    assert [row["id"] for row in ok(first, "Products retrieved successfully")] == [shop.novel.pk, shop.atlas.pk]
    assert first["X-Total-Count"] == "3"
    assert 'rel="next"' in first["Link"] and "page=2" in first["Link"]
    assert [row["id"] for row in ok(second, "Products retrieved successfully")] == [shop.chess.pk]
    assert 'rel="prev"' in second["Link"] and 'rel="next"' not in second["Link"]
    assert error(viewer_client.get(f"{BASE}products/", {"page": 9}), 404)


# --- Transactions ------------------------------------------------------------------------------


def test_transactions_list_the_orders_newest_first_with_their_totals(viewer_client, shop):
    data = ok(viewer_client.get(f"{BASE}transactions/"), "Transactions retrieved successfully")
    unified = viewer_client.get("/api/v1/orders/").json()["results"]

    assert [row["id"] for row in data] == [order.pk for order in reversed(shop.orders)]
    assert all(set(row) == TRANSACTION_KEYS for row in data)
    assert [(row["id"], row["total_amount"], row["customer_id"], row["membership_id"]) for row in data] == [
        (row["id"], row["total_amount"], row["customer"], row["membership"]) for row in unified
    ]
    assert [row["date"] for row in data] == [row["ordered_at"] for row in unified]


def test_transaction_details_are_the_order_lines(viewer_client, shop):
    order = shop.orders[1]
    data = ok(viewer_client.get(f"{BASE}transactions/{order.pk}"), "Transaction details retrieved successfully")
    unified = viewer_client.get(f"/api/v1/orders/{order.pk}/").json()

    assert all(set(row) == DETAIL_KEYS for row in data)
    assert [(row["product_id"], row["quantity"], row["price_per_unit"], row["total_amount"]) for row in data] == [
        (line["product"], line["quantity"], line["unit_price"], line["line_total"]) for line in unified["lines"]
    ]
    # Chess: 3 x 25.00 at 10 % off.
    assert [row["total_amount"] for row in data] == [40.0, 67.5]
    assert {row["transaction_id"] for row in data} == {order.pk}


def test_a_manager_creates_a_transaction_with_details(manager_client, shop):
    payload = {
        "customer_id": shop.ana.pk,
        "membership_id": shop.gold.pk,
        "date": "2024-03-01T09:30:00Z",
        "transaction_details": [
            {"product_id": shop.novel.pk, "quantity": 3, "price_per_unit": 11.25},
            {"product_id": shop.chess.pk, "quantity": 2},
        ],
    }
    created = ok(manager_client.post(f"{BASE}transactions/", payload), "Transaction created successfully", 201)
    unified = manager_client.get(f"/api/v1/orders/{created['id']}/").json()

    expected = compute_line_total(quantity=3, unit_price=Decimal("11.25"), discount=Decimal(0)) + Decimal("50.00")
    assert set(created) == TRANSACTION_KEYS
    assert Decimal(str(created["total_amount"])) == expected == Decimal("83.75")
    assert created["total_amount"] == unified["total_amount"]
    assert (created["customer_id"], created["membership_id"], created["date"]) == (
        shop.ana.pk,
        shop.gold.pk,
        "2024-03-01T09:30:00Z",
    )
    assert [(line["product"], line["quantity"], line["unit_price"]) for line in unified["lines"]] == [
        (shop.novel.pk, 3, 11.25),
        (shop.chess.pk, 2, 25.0),
    ]
    shop.chess.refresh_from_db()
    assert shop.chess.stock == 100 - 3 - 1 - 2


@pytest.mark.parametrize(
    ("change", "field", "status"),
    [
        ({"customer_id": None}, "customer_id", 400),
        ({"customer_id": 999999}, "customer_id", 400),
        ({"membership_id": "gold"}, "membership_id", 400),
        ({"date": "yesterday"}, "date", 400),
        ({"transaction_details": []}, "transaction_details", 400),
        ({"transaction_details": "novel"}, "transaction_details", 400),
        ({"transaction_details": ["novel"]}, "transaction_details.0", 400),
        ({"transaction_details": [{"product_id": 999999, "quantity": 1}]}, "transaction_details.0.product_id", 400),
        ({"transaction_details": [{"product_id": "P1", "quantity": 0}]}, "transaction_details.0.quantity", 400),
        ({"transaction_details": [{"quantity": 1}]}, "transaction_details.0.product_id", 400),
        ("negative price", "transaction_details.0.price_per_unit", 400),
        ("short stock", "transaction_details", 409),
        ("other customer's membership", "membership_id", 400),
    ],
)
def test_bad_transactions_are_refused_naming_the_original_field(manager_client, shop, change, field, status):
    payload = {"customer_id": shop.ana.pk, "transaction_details": [{"product_id": shop.novel.pk, "quantity": 1}]}
    if change == "negative price":
        payload["transaction_details"][0]["price_per_unit"] = -5
    elif change == "short stock":
        payload["transaction_details"][0]["quantity"] = 101
    elif change == "other customer's membership":
        payload.update(customer_id=shop.ben.pk, membership_id=shop.gold.pk)
    else:
        payload.update(change)
    orders_before = shop.novel.order_lines.count()

    body = error(manager_client.post(f"{BASE}transactions/", payload, format="json"), status)

    assert field in body["data"], body
    assert shop.novel.order_lines.count() == orders_before
    shop.novel.refresh_from_db()
    assert shop.novel.stock == 98


# --- Memberships -------------------------------------------------------------------------------


def test_memberships_list_and_detail_read_the_unified_memberships(viewer_client, shop):
    listed = ok(viewer_client.get(f"{BASE}memberships/"), "Memberships retrieved successfully")
    found = ok(viewer_client.get(f"{BASE}memberships/{shop.gold.pk}"), "Membership found")
    unified = viewer_client.get(f"/api/v1/memberships/{shop.gold.pk}/").json()

    assert listed == [found]
    assert set(found) == MEMBERSHIP_KEYS
    assert (found["customer_id"], found["start_period"], found["end_period"], found["tier"]) == (
        unified["customer"],
        unified["start_date"],
        unified["end_date"],
        unified["tier"],
    )


def test_a_manager_creates_updates_and_deletes_a_membership(manager_client, shop):
    created = ok(
        manager_client.post(
            f"{BASE}memberships/",
            {"customer_id": shop.ben.pk, "start_period": "2024-05-01", "end_period": "2025-04-30", "tier": "Silver"},
        ),
        "Membership created successfully",
        201,
    )
    url = f"{BASE}memberships/{created['id']}"
    unified_url = f"/api/v1/memberships/{created['id']}/"

    assert (created["customer_id"], created["tier"], created["end_period"]) == (shop.ben.pk, "silver", "2025-04-30")
    assert manager_client.get(unified_url).json()["customer"] == shop.ben.pk

    updated = ok(
        manager_client.put(url, {"start_period": "2024-06-01", "end_period": None, "tier": "GOLD"}),
        "Membership updated successfully",
    )
    assert (updated["start_period"], updated["end_period"], updated["tier"], updated["customer_id"]) == (
        "2024-06-01",
        None,
        "gold",
        shop.ben.pk,
    )
    assert manager_client.get(unified_url).json()["tier"] == "gold"

    assert ok(manager_client.delete(url), "Membership deleted successfully") is True
    assert manager_client.get(unified_url).status_code == 404


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"tier": "platinum"}, "tier"),
        ({"tier": 3}, "tier"),
        ({"start_period": "01/05/2024"}, "start_period"),
        ({"start_period": None}, "start_period"),
        ({"end_period": "2023-12-31"}, "end_period"),
        ({"customer_id": 999999}, "customer_id"),
    ],
)
def test_bad_memberships_are_400_naming_the_original_field(manager_client, shop, payload, field):
    body = {"customer_id": shop.ben.pk, "start_period": "2024-01-01", "tier": "bronze", **payload}
    before = shop.ben.memberships.count()

    created = error(manager_client.post(f"{BASE}memberships/", body), 400)

    assert field in created["data"], created
    assert shop.ben.memberships.count() == before
    if field != "customer_id":
        updated = error(manager_client.put(f"{BASE}memberships/{shop.gold.pk}", body), 400)
        assert field in updated["data"], updated
        shop.gold.refresh_from_db()
        assert shop.gold.tier == "gold"


# --- Dashboard ---------------------------------------------------------------------------------

DASHBOARD_KEYS = {"total_sales", "total_transactions", "products_sold", "new_memberships", "customer_segments"}


@pytest.mark.parametrize("model", ["kmeans", "dbscan", None])
def test_the_dashboard_is_the_unified_dashboard_under_the_originals_names(viewer_client, shop, model):
    params = {"start_date": "2024-01-01", "end_date": "2024-02-29", **({"model": model} if model else {})}

    data = ok(viewer_client.get(f"{BASE}dashboard/", params), "Dashboard data retrieved successfully")
    unified = viewer_client.get("/api/v1/analytics/dashboard/", params).json()

    assert set(data) == DASHBOARD_KEYS
    # By hand: 2 x 12.50; 40.00 + 3 x 25.00 x 0.9; 25.00 (shipping is not revenue).
    assert data["total_sales"] == 25.0 + 40.0 + 67.5 + 25.0
    assert (data["total_transactions"], data["products_sold"], data["new_memberships"]) == (3, 2 + 1 + 3 + 1, 1)
    assert {key: data[key] for key in DASHBOARD_KEYS - {"customer_segments"}} == {
        key: unified[key] for key in DASHBOARD_KEYS - {"customer_segments"}
    }
    segments, ours = data["customer_segments"], unified["customer_segments"]
    assert segments["algorithm"] == ours["algorithm"] == (model or "quantile")
    assert segments["segmentation"] == [
        {"RFMCategory": row["segment"], "count": row["count"], "total_revenue": row["total_revenue"]}
        for row in ours["segmentation"]
    ]
    assert sum(row["count"] for row in segments["segmentation"]) == 2
    assert segments["evaluation"] == {
        "silhouette_score": ours["evaluation"]["silhouette_score"],
        "davies_bouldin_index": ours["evaluation"]["davies_bouldin_index"],
    }
    assert (segments["status"], segments["run_id"]) == ("succeeded", ours["run_id"])


def test_the_dashboard_ignores_parameters_the_original_did_not_have(viewer_client, shop):
    data = ok(viewer_client.get(f"{BASE}dashboard/", {"colour": "blue"}), "Dashboard data retrieved successfully")
    assert data["total_transactions"] == 3


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"model": "hierarchical"}, "model"),
        ({"start_date": "01/02/2024"}, "start_date"),
        ({"end_date": "2024-02-30"}, "end_date"),
        ({"start_date": "2024-03-01", "end_date": "2024-02-01"}, "start_date"),
    ],
)
def test_bad_dashboard_parameters_are_400_naming_them(viewer_client, shop, params, field):
    body = error(viewer_client.get(f"{BASE}dashboard/", params), 400)
    assert list(body["data"]) == [field]
