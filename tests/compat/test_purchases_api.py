"""Seed 001 (purchases backend) at /compat/purchases-api/: users, purchases and the products backfill."""

from decimal import Decimal

import pytest

from catalog.models import Product
from customers.models import Customer
from ingestion.models import ImportJob
from sales.models import Order
from tests.ingestion.csv_files import write_csv

pytestmark = pytest.mark.django_db

BASE = "/compat/purchases-api/"
USER_KEYS = {"id", "first_name", "last_name", "email", "gender"}
PURCHASE_KEYS = {"id", "user_id", "product_id", "quantity", "price", "total", "created_at", "product"}
PRODUCT_KEYS = {"id", "code", "name", "category_id", "price"}
PRODUCTS_HEADER = ["Product ID", "Product Name", "Category", "Unit Price", "Description", "Stock"]


def error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error", "details"}
    assert body["error"]
    return body


# --- Interview step: start the data backfill ---------------------------------------------------


@pytest.fixture
def import_root(tmp_path, settings):
    root = tmp_path / "imports"
    root.mkdir()
    settings.IMPORT_ROOT = root
    return root


def write_products(path, rows):
    return write_csv(
        path,
        [{"Product ID": code, "Product Name": name, "Category": category, "Unit Price": price, "Stock": "50"}
         for code, name, category, price in rows],
        header=PRODUCTS_HEADER,
    )  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_backfill_runs_the_products_import_and_answers_the_products(manager_client, manager_user, import_root):
    write_products(import_root / "products.csv", [("P-1", "Hammer", "Tools", "9.99"), ("P-2", "Kite", "Toys", "15.50")])

    response = manager_client.get(f"{BASE}products/data/backfill")

    assert response.status_code == 200, response.content
    job = ImportJob.objects.get(pk=response["X-Import-Job"])
    assert (job.kind, job.status, job.rows_created, job.created_by) == ("products", "succeeded", 2, manager_user)
    products = response.json()
    assert all(set(row) == PRODUCT_KEYS for row in products)
    assert [(row["code"], row["name"], row["price"]) for row in products] == [
        ("P-1", "Hammer", 9.99),
        ("P-2", "Kite", 15.5),
    ]
    unified = manager_client.get("/api/v1/products/").json()["results"]
    assert [(row["id"], row["price"], row["category_id"]) for row in products] == [
        (row["id"], row["unit_price"], row["category"]) for row in unified
    ]
    assert manager_client.get(f"/api/v1/data/logs/{job.pk}/").json()["status"] == "succeeded"

    # The same file again changes nothing, as backfill_products would not.
    again = manager_client.get(f"{BASE}products/data/backfill")
    assert again.json() == products
    assert ImportJob.objects.get(pk=again["X-Import-Job"]).rows_created == 0


@pytest.mark.django_db(transaction=True)
def test_backfill_takes_another_file_inside_the_import_root(manager_client, import_root):
    (import_root / "catalogue").mkdir()
    write_products(import_root / "catalogue" / "spring.csv", [("P-9", "Rake", "Garden", "21.00")])

    response = manager_client.get(f"{BASE}products/data/backfill", {"file_path": "catalogue/spring.csv"})

    assert [row["code"] for row in response.json()] == ["P-9"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("file_path", "words"),
    [("../outside.csv", "'..'"), ("/etc/passwd", "inside the import directory"), ("missing.csv", "failed")],
)
def test_a_backfill_file_out_of_bounds_or_unreadable_is_400(manager_client, import_root, file_path, words):
    body = error(manager_client.get(f"{BASE}products/data/backfill", {"file_path": file_path}), 400)

    assert words in body["error"]
    assert list(body["details"]) == ["file_path"]
    assert not Product.objects.exists()


def test_a_backfill_the_worker_has_not_finished_answers_202_with_its_job(manager_client, import_root, settings):
    # Inside the test's transaction the job is never handed to a worker: it stays queued.
    settings.COMPAT_BACKFILL_WAIT_SECONDS = 0
    write_products(import_root / "products.csv", [("P-1", "Hammer", "Tools", "9.99")])

    response = manager_client.get(f"{BASE}products/data/backfill")

    assert response.status_code == 202
    job = ImportJob.objects.get(pk=response.json()["job"])
    assert response.json() == {
        "message": f"The backfill is still running; follow it at /api/v1/data/logs/{job.pk}/.",
        "job": str(job.pk),
        "status": "queued",
    }


def test_a_viewer_may_not_start_the_backfill(viewer_client, import_root):
    body = error(viewer_client.get(f"{BASE}products/data/backfill"), 403)
    assert body["error"] == "You do not have permission to perform this action."
    assert not ImportJob.objects.exists()


# --- Interview step: create a user; Task 2: manage users ---------------------------------------


def test_a_user_is_created_as_a_customer_named_first_and_last(manager_client):
    response = manager_client.post(
        f"{BASE}users",
        {"first_name": "Mary", "last_name": "van der Berg", "email": "mary@example.com", "gender": "Female"},
    )

    assert response.status_code == 201, response.content
    user = response.json()
    assert user == {
        "id": user["id"],
        "first_name": "Mary",
        "last_name": "van der Berg",
        "email": "mary@example.com",
        "gender": "female",
    }
    unified = manager_client.get(f"/api/v1/customers/{user['id']}/").json()
    assert (unified["name"], unified["email"], unified["gender"]) == ("Mary van der Berg", "mary@example.com", "female")
    assert unified["code"].startswith("CUS-")


@pytest.mark.parametrize(
    ("given", "stored"), [("Male", "male"), ("f", "female"), ("", ""), ("Non-binary", "other"), ("Polygender", "other")]
)
def test_the_originals_free_text_gender_maps_onto_ours(manager_client, given, stored):
    response = manager_client.post(f"{BASE}users", {"first_name": "Sam", "last_name": "Roe", "gender": given})
    assert response.json()["gender"] == stored
    assert Customer.objects.get(pk=response.json()["id"]).gender == stored


def test_get_patch_and_delete_a_user(manager_client):
    user = manager_client.post(f"{BASE}users", {"first_name": "Ada", "last_name": "King", "email": "ada@example.com"})
    url = f"{BASE}users/{user.json()['id']}"

    assert manager_client.get(url).json() == user.json()
    patched = manager_client.patch(url, {"last_name": "Lovelace", "gender": "female"})
    assert patched.status_code == 200
    assert patched.json() == {**user.json(), "last_name": "Lovelace", "gender": "female"}
    assert manager_client.get(f"/api/v1/customers/{user.json()['id']}/").json()["name"] == "Ada Lovelace"
    renamed = manager_client.patch(url, {"first_name": "Augusta Ada"})
    # One name on our side: the first word reads back as the first name.
    assert (renamed.json()["first_name"], renamed.json()["last_name"]) == ("Augusta", "Ada Lovelace")

    deleted = manager_client.delete(url)
    assert deleted.status_code == 200
    assert deleted.json()["id"] == user.json()["id"]
    assert error(manager_client.get(url), 404)["error"] == f"No user with id {user.json()['id']}."
    assert manager_client.get(f"/api/v1/customers/{user.json()['id']}/").status_code == 404


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"first_name": "", "last_name": ""}, "first_name"),
        ({}, "first_name"),
        ({"first_name": "Ana", "email": "not-an-email"}, "email"),
        ({"first_name": "Ana", "gender": ["male"]}, "gender"),
        ({"first_name": "A" * 150, "last_name": "B" * 150}, "first_name"),
        ({"first_name": {"a": 1}}, "first_name"),
    ],
)
def test_bad_users_are_400_naming_the_field(manager_client, payload, field):
    body = error(manager_client.post(f"{BASE}users", payload, format="json"), 400)
    assert field in body["details"], body
    assert not Customer.objects.exists()


def test_a_user_with_purchases_cannot_be_deleted(manager_client, shop):
    body = error(manager_client.delete(f"{BASE}users/{shop.ana.pk}"), 409)
    assert "referenced" in body["error"]
    assert Customer.objects.filter(pk=shop.ana.pk).exists()


# --- Interview steps: purchases with existing ids, several users and products ------------------


def test_a_purchase_is_a_one_line_order_of_one_unit_at_the_products_price(manager_client, shop):
    response = manager_client.post(f"{BASE}purchases", {"user_id": shop.ben.pk, "product_id": shop.atlas.pk})

    assert response.status_code == 201, response.content
    purchase = response.json()
    assert set(purchase) == PURCHASE_KEYS
    assert (purchase["user_id"], purchase["product_id"], purchase["quantity"], purchase["price"]) == (
        shop.ben.pk,
        shop.atlas.pk,
        1,
        40.0,
    )
    assert purchase["product"] == {
        "id": shop.atlas.pk,
        "code": shop.atlas.code,
        "name": "Atlas",
        "category_id": shop.books.pk,
        "price": 40.0,
    }
    order = manager_client.get(f"/api/v1/orders/{purchase['id']}/").json()
    assert (order["customer"], order["subtotal"], order["total_amount"]) == (shop.ben.pk, 40.0, 40.0)
    assert [(line["product"], line["quantity"], line["line_total"]) for line in order["lines"]] == [
        (shop.atlas.pk, 1, purchase["total"])
    ]
    shop.atlas.refresh_from_db()
    assert shop.atlas.stock == 100 - 1 - 1


def test_many_purchases_by_many_users_are_fetched_per_user(manager_client, shop):
    # Given several users buying several products through the original's route
    bought = {shop.ana.pk: [shop.novel, shop.chess, shop.novel], shop.ben.pk: [shop.atlas]}
    made = {
        user: [
            manager_client.post(f"{BASE}purchases", {"user_id": user, "product_id": product.pk}).json()["id"]
            for product in products
        ]
        for user, products in bought.items()
    }

    # When each user's purchases are fetched
    ana = manager_client.get(f"{BASE}purchases/user/{shop.ana.pk}")
    ben = manager_client.get(f"{BASE}purchases/user/{shop.ben.pk}").json()

    # Then every line of their orders is there, newest first, with its product attached
    assert ana.status_code == 200
    rows = ana.json()
    assert all(set(row) == PURCHASE_KEYS for row in rows)
    newest_first = [*reversed(made[shop.ana.pk]), shop.orders[1].pk, shop.orders[1].pk, shop.orders[0].pk]
    assert [row["id"] for row in rows] == newest_first
    assert ana["X-Total-Count"] == str(len(made[shop.ana.pk]) + 2)
    unified = manager_client.get(f"/api/v1/customers/{shop.ana.pk}/orders/").json()["results"]
    assert [(row["id"], row["product_id"], row["quantity"], row["total"]) for row in rows] == [
        (order["id"], line["product"], line["quantity"], line["line_total"])
        for order in unified
        for line in order["lines"]
    ]
    # Novel, chess, novel bought here; atlas and 3 chess at 10 % off; 2 novels.
    expected = (
        Decimal("12.50") + Decimal("25.00") + Decimal("12.50") + Decimal("40.00") + Decimal("67.50") + Decimal("25.00")
    )
    assert sum(Decimal(str(row["total"])) for row in rows) == expected
    assert [row["product"]["name"] for row in ben] == ["Atlas", "Chess"]


def test_get_patch_and_delete_a_purchase(manager_client, shop):
    purchase = manager_client.post(f"{BASE}purchases", {"user_id": shop.ben.pk, "product_id": shop.novel.pk}).json()
    url = f"{BASE}purchases/{purchase['id']}"

    assert manager_client.get(url).json() == purchase
    moved = manager_client.patch(url, {"user_id": shop.ana.pk, "product_id": shop.atlas.pk})
    assert moved.status_code == 200, moved.content
    assert (moved.json()["user_id"], moved.json()["product_id"], moved.json()["price"]) == (
        shop.ana.pk,
        shop.atlas.pk,
        40.0,
    )
    order = manager_client.get(f"/api/v1/orders/{purchase['id']}/").json()
    assert (order["customer"], order["total_amount"]) == (shop.ana.pk, 40.0)
    shop.novel.refresh_from_db()
    assert shop.novel.stock == 98  # the unit bought first went back

    deleted = manager_client.delete(url)
    assert deleted.status_code == 200
    assert deleted.json() == moved.json()
    assert not Order.objects.filter(pk=purchase["id"]).exists()
    shop.atlas.refresh_from_db()
    assert shop.atlas.stock == 99


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"user_id": 999999}, "user_id", "User 999999 does not exist."),
        ({"product_id": 999999}, "product_id", "Product 999999 does not exist."),
        ({"user_id": "ana"}, "user_id", "Must be a user id (a number), not str."),
        ({"user_id": None}, "user_id", "This field may not be null."),
        ({"product_id": 10**30}, "product_id", f"Product {10**30} does not exist."),
        ({"product_id": "deleted"}, "product_id", "does not exist."),
    ],
)
def test_a_purchase_naming_a_missing_user_or_product_is_400(manager_client, shop, payload, field, message):
    if payload.get("product_id") == "deleted":
        manager_client.delete(f"/api/v1/products/{shop.atlas.pk}/")
        payload = {"product_id": shop.atlas.pk}
    orders = Order.objects.count()

    created = error(
        manager_client.post(
            f"{BASE}purchases", {"user_id": shop.ben.pk, "product_id": shop.novel.pk, **payload}, format="json"
        ),
        400,
    )
    patched = error(manager_client.patch(f"{BASE}purchases/{shop.orders[2].pk}", payload, format="json"), 400)

    for body in (created, patched):
        assert message in body["details"][field][0]
        assert body["error"].startswith(f"{field}: ")
    assert Order.objects.count() == orders


def test_a_purchase_without_ids_is_400_naming_both(manager_client, shop):
    body = error(manager_client.post(f"{BASE}purchases", {}), 400)
    assert set(body["details"]) == {"user_id", "product_id"}


def test_a_purchase_beyond_the_stock_is_409(manager_client, shop):
    manager_client.patch(f"/api/v1/products/{shop.atlas.pk}/", {"stock": 0})
    body = error(manager_client.post(f"{BASE}purchases", {"user_id": shop.ben.pk, "product_id": shop.atlas.pk}), 409)
    assert "Insufficient stock" in body["error"]
    assert list(body["details"]) == ["product_id"]


def test_an_order_of_several_lines_is_no_purchase_and_says_where_to_read_it(manager_client, shop):
    order = shop.orders[1]
    for response in (
        manager_client.get(f"{BASE}purchases/{order.pk}"),
        manager_client.patch(f"{BASE}purchases/{order.pk}", {"user_id": shop.ben.pk}),
        manager_client.delete(f"{BASE}purchases/{order.pk}"),
    ):
        body = error(response, 409)
        assert body["error"] == (
            f"Order {order.pk} has 2 lines; a purchase is an order of one line. Read it at /api/v1/orders/{order.pk}/."
        )
    assert Order.objects.get(pk=order.pk).customer == shop.ana


@pytest.mark.parametrize("raw_id", ["3fa85f64-5717-4562-b3fc-2c963f66afa6", "ana", "0"])
def test_ids_that_are_not_ours_are_404(viewer_client, shop, raw_id):
    for route in ("users", "purchases", "purchases/user"):
        body = error(viewer_client.get(f"{BASE}{route}/{raw_id}"), 404)
        assert "positive integers" in body["error"]
    assert error(viewer_client.get(f"{BASE}purchases/user/999999"), 404)["error"] == "No user with id 999999."


def test_routes_answer_without_a_trailing_slash_and_no_redirect(manager_client, shop):
    assert (
        manager_client.post(f"{BASE}purchases", {"user_id": shop.ben.pk, "product_id": shop.novel.pk}).status_code
        == 201
    )
    assert manager_client.get(f"{BASE}users/{shop.ben.pk}").status_code == 200
    assert manager_client.get(f"{BASE}users/{shop.ben.pk}/").status_code == 404


# --- Interview steps: the most popular product and the most valuable customer -----------------


def test_most_popular_product_and_most_valuable_customer_follow_the_purchases(manager_client, shop):
    # Given the shop (Ana 132.50 over 2 orders, Ben 25.00; chess 4 units, novel 2, atlas 1) and Ben's purchases
    for _ in range(3):
        manager_client.post(f"{BASE}purchases", {"user_id": shop.ben.pk, "product_id": shop.atlas.pk})

    # When the two analytics are fetched
    product = manager_client.get(f"{BASE}purchases/analytic/most_popular_product")
    customer = manager_client.get(f"{BASE}purchases/analytic/most_valuable_customer")

    # Then Ben, at 25.00 + 3 x 40.00 = 145.00, passes Ana; atlas ties chess at 4 units and wins on its lower id
    assert product.status_code == customer.status_code == 200
    assert customer.json() == {
        "id": shop.ben.pk,
        "first_name": "Ben",
        "last_name": "Okafor",
        "email": "ben@example.com",
        "gender": "",
        "total_revenue": 145.0,
        "orders_count": 4,
        "units": 4,
    }
    assert product.json() == {
        "id": shop.atlas.pk,
        "code": shop.atlas.code,
        "name": "Atlas",
        "category_id": shop.books.pk,
        "price": 40.0,
        "units": 4,
        "total_revenue": 160.0,
        "orders_count": 4,
    }
    top_customer = manager_client.get("/api/v1/analytics/top-customers/", {"limit": 1}).json()["results"][0]
    top_product = manager_client.get("/api/v1/analytics/top-products/", {"limit": 1}).json()["results"][0]
    assert (customer.json()["id"], customer.json()["total_revenue"]) == (
        top_customer["customer"],
        top_customer["total_revenue"],
    )
    assert (product.json()["id"], product.json()["units"]) == (top_product["product"], top_product["units"])

    # And one more chess sold makes chess the most popular
    manager_client.post(f"{BASE}purchases", {"user_id": shop.ana.pk, "product_id": shop.chess.pk})
    assert manager_client.get(f"{BASE}purchases/analytic/most_popular_product").json()["id"] == shop.chess.pk


def test_a_soft_deleted_product_can_still_be_the_most_popular(manager_client, shop):
    manager_client.delete(f"/api/v1/products/{shop.chess.pk}/")

    product = manager_client.get(f"{BASE}purchases/analytic/most_popular_product").json()

    assert (product["id"], product["units"]) == (shop.chess.pk, 4)


def test_with_nothing_sold_there_is_no_top_customer_or_product(viewer_client):
    for route in ("most_valuable_customer", "most_popular_product"):
        body = error(viewer_client.get(f"{BASE}purchases/analytic/{route}"), 404)
        assert body["error"].startswith("Nothing was purchased yet")
