"""The staff admin: every page opens, search and actions work, orders stay consistent."""

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.models import Category, Product
from customers.models import Customer, Membership
from sales.models import Agent, AgentRole, Order, OrderLine, Team
from sales.services import order_create

MODELS = [
    ("customers", "customer"),
    ("customers", "membership"),
    ("catalog", "category"),
    ("catalog", "product"),
    ("sales", "team"),
    ("sales", "agent"),
    ("sales", "order"),
]


@pytest.fixture
def admin_client(client: Client, superuser: User) -> Client:
    client.force_login(superuser)
    return client


@pytest.fixture
def shop(db) -> dict:
    """A small shop with one order of two lines, written through the order service."""
    category = Category.objects.create(name="Books")
    novel = Product.objects.create(
        code="P-1", name="Mystery Novel", category=category, unit_price=Decimal("12.99"), stock=50
    )
    atlas = Product.objects.create(
        code="P-2", name="World Atlas", category=category, unit_price=Decimal("39.00"), stock=50
    )
    ada = Customer.objects.create(code="C-1", name="Ada Lovelace", email="ada@example.com", region="North")
    grace = Customer.objects.create(code="C-2", name="Grace Hopper", email="grace@example.com", region="South")
    alan = Customer.objects.create(code="C-3", name="Alan Turing", email="alan@example.com", region="East")
    membership = Membership.objects.create(customer=ada, number="M-1", tier="gold", start_date="2024-01-01")
    team = Team.objects.create(name="North Stars")
    agent = Agent.objects.create(code="A-1", name="Sam Seller", role=AgentRole.RETAIL_AGENT, team=team)
    order = order_create(
        code="O-1",
        customer=ada,
        agent=agent,
        membership=membership,
        ordered_at=datetime(2024, 5, 6, 10, 30, tzinfo=UTC),
        region="North",
        payment_method="PayPal",
        shipping_cost=Decimal("4.99"),
        lines=[
            {"product": novel, "quantity": 3, "unit_price": None, "discount": Decimal("0.10")},
            {"product": atlas, "quantity": 1, "unit_price": None, "discount": Decimal("0")},
        ],
    )
    objects = {
        "customer": ada,
        "membership": membership,
        "category": category,
        "product": novel,
        "team": team,
        "agent": agent,
        "order": order,
    }
    return {**objects, "ada": ada, "grace": grace, "alan": alan, "novel": novel, "atlas": atlas}


@pytest.mark.parametrize(("app_label", "model_name"), MODELS)
def test_changelist_and_change_pages_open_for_superuser(admin_client: Client, shop: dict, app_label, model_name):
    changelist = admin_client.get(reverse(f"admin:{app_label}_{model_name}_changelist"))
    change = admin_client.get(reverse(f"admin:{app_label}_{model_name}_change", args=[shop[model_name].pk]))

    assert changelist.status_code == 200
    assert changelist.context["cl"].result_count >= 1
    assert change.status_code == 200


@pytest.mark.parametrize(("app_label", "model_name"), MODELS)
def test_add_page_opens_for_superuser(admin_client: Client, db, app_label, model_name):
    response = admin_client.get(reverse(f"admin:{app_label}_{model_name}_add"))

    assert response.status_code == 200


def test_admin_index_carries_the_site_header(admin_client: Client):
    response = admin_client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert "Sales Analytics administration" in response.text


def test_customer_search_finds_the_name_and_not_others(admin_client: Client, shop: dict):
    response = admin_client.get(reverse("admin:customers_customer_changelist"), {"q": "Lovelace"})

    assert [customer.code for customer in response.context["cl"].result_list] == ["C-1"]
    assert "Ada Lovelace" in response.text
    assert "Grace Hopper" not in response.text


def test_order_search_by_customer_name(admin_client: Client, shop: dict):
    found = admin_client.get(reverse("admin:sales_order_changelist"), {"q": "Ada"})
    missing = admin_client.get(reverse("admin:sales_order_changelist"), {"q": "Hopper"})

    assert [order.code for order in found.context["cl"].result_list] == ["O-1"]
    assert list(missing.context["cl"].result_list) == []


def test_order_change_page_shows_its_lines_inline(admin_client: Client, shop: dict):
    response = admin_client.get(reverse("admin:sales_order_change", args=[shop["order"].pk]))

    (inline,) = response.context["inline_admin_formsets"]
    shown = {form.original.product.name: form.original.line_total for form in inline if form.original}
    # 3 x 12.99 x 0.9 = 35.073 -> 35.07; 1 x 39.00 = 39.00
    assert shown == {"Mystery Novel": Decimal("35.07"), "World Atlas": Decimal("39.00")}
    assert "Mystery Novel" in response.text
    assert "35.07" in response.text
    assert "74.07" in response.text  # subtotal
    assert "79.06" in response.text  # total = 74.07 + 4.99


def _line_forms(*lines: dict, initial: int = 0) -> dict:
    """The inline formset's POST data, as the admin page would send it."""
    data = {
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": str(initial),
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
    }
    for index, line in enumerate(lines):
        data.update({f"lines-{index}-{key}": value for key, value in line.items()})
    return data


def _order_form(**fields) -> dict:
    base = {
        "code": "",
        "customer": "",
        "agent": "",
        "membership": "",
        "ordered_at_0": "2024-07-01",
        "ordered_at_1": "09:00:00",
        "region": "",
        "payment_method": "Cash",
        "shipping_cost": "0",
    }
    return {**base, **fields}


def test_order_admin_adds_an_order_through_the_service(admin_client: Client, shop: dict):
    # Given Grace and two products with 47 and 49 units left (the fixture's order took some)
    novel, atlas, grace = shop["novel"], shop["atlas"], shop["grace"]

    # When staff add an order with one defaulted price and one overridden price
    response = admin_client.post(
        reverse("admin:sales_order_add"),
        {
            **_order_form(customer=grace.pk, shipping_cost="2.50"),
            **_line_forms(
                {"product": novel.pk, "quantity": "2", "unit_price": "", "discount": "0.5"},  # 25.98 * 0.5 = 12.99
                {"product": atlas.pk, "quantity": "1", "unit_price": "30.00", "discount": "0"},  # 30.00
            ),
        },
    )

    # Then the order exists with server-computed totals and the stock is reserved
    assert response.status_code == 302
    order = Order.objects.get(customer=grace)
    assert order.code  # generated
    assert order.region == "South"  # the customer's region
    assert order.subtotal == Decimal("42.99")
    assert order.total_amount == Decimal("45.49")
    assert sorted(order.lines.values_list("line_total", flat=True)) == [Decimal("12.99"), Decimal("30.00")]
    assert Product.objects.get(pk=novel.pk).stock == 45
    assert Product.objects.get(pk=atlas.pk).stock == 48


def test_order_admin_edits_lines_and_re_reserves_the_difference(admin_client: Client, shop: dict):
    order = shop["order"]
    novel_line = order.lines.get(product=shop["novel"])
    atlas_line = order.lines.get(product=shop["atlas"])

    # When staff raise the novel from 3 to 5 units, drop the atlas line and waive shipping
    response = admin_client.post(
        reverse("admin:sales_order_change", args=[order.pk]),
        {
            **_order_form(
                customer=shop["ada"].pk,
                agent=shop["agent"].pk,
                membership=shop["membership"].pk,
                region="North",
                payment_method="PayPal",
            ),
            **_line_forms(
                {"id": novel_line.pk, "order": order.pk, "product": shop["novel"].pk, "quantity": "5",
                 "unit_price": "12.99", "discount": "0.10"},
                {"id": atlas_line.pk, "order": order.pk, "product": shop["atlas"].pk, "quantity": "1",
                 "unit_price": "39.00", "discount": "0", "DELETE": "on"},
                initial=2,
            ),
        },
    )  # fmt: skip

    # Then 5 * 12.99 * 0.9 = 58.455 rounds half-up to 58.46, and stock follows the lines
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.subtotal == Decimal("58.46")
    assert order.total_amount == Decimal("58.46")
    assert list(order.lines.values_list("id", flat=True)) == [novel_line.pk]
    assert Product.objects.get(pk=shop["novel"].pk).stock == 45
    assert Product.objects.get(pk=shop["atlas"].pk).stock == 50


def test_order_admin_short_stock_is_a_message_and_writes_nothing(admin_client: Client, shop: dict):
    response = admin_client.post(
        reverse("admin:sales_order_add"),
        {
            **_order_form(customer=shop["grace"].pk),
            **_line_forms(
                {"product": shop["atlas"].pk, "quantity": "1", "unit_price": "", "discount": "0"},
                {"product": shop["novel"].pk, "quantity": "48", "unit_price": "", "discount": "0"},
            ),
        },
        follow=True,
    )

    assert response.status_code == 200
    assert "Insufficient stock" in response.text
    assert not Order.objects.filter(customer=shop["grace"]).exists()
    assert Product.objects.get(pk=shop["novel"].pk).stock == 47
    assert Product.objects.get(pk=shop["atlas"].pk).stock == 49


def test_order_admin_delete_returns_the_stock(admin_client: Client, shop: dict):
    order = shop["order"]

    response = admin_client.post(reverse("admin:sales_order_delete", args=[order.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not Order.objects.filter(pk=order.pk).exists()
    assert not OrderLine.objects.filter(order_id=order.pk).exists()
    assert Product.objects.get(pk=shop["novel"].pk).stock == 50
    assert Product.objects.get(pk=shop["atlas"].pk).stock == 50


def test_order_admin_bulk_delete_returns_the_stock(admin_client: Client, shop: dict):
    order = shop["order"]
    assert Product.objects.get(pk=shop["novel"].pk).stock == 47  # reserved by the order

    response = admin_client.post(
        reverse("admin:sales_order_changelist"),
        {"action": "delete_selected", "_selected_action": [order.pk], "post": "yes"},
    )

    assert response.status_code == 302
    assert not Order.objects.exists()
    assert Product.objects.get(pk=shop["novel"].pk).stock == 50


def _export(admin_client: Client, url_name: str, pks: list[int]):
    response = admin_client.post(reverse(url_name), {"action": "export_as_csv", "_selected_action": pks})
    body = b"".join(response.streaming_content).decode()
    return response, list(csv.reader(io.StringIO(body)))


def test_customer_csv_export_streams_the_selected_rows(admin_client: Client, shop: dict):
    ada, alan = shop["ada"], shop["alan"]

    response, rows = _export(admin_client, "admin:customers_customer_changelist", [ada.pk, alan.pk])

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="customer-export.csv"'
    assert rows[0] == ["code", "name", "email", "gender", "region", "phone", "created_at"]
    body = sorted(rows[1:])
    assert [row[:6] for row in body] == [
        ["C-1", "Ada Lovelace", "ada@example.com", "", "North", ""],
        ["C-3", "Alan Turing", "alan@example.com", "", "East", ""],
    ]
    assert all(datetime.fromisoformat(row[6]).tzinfo is not None for row in body)


def test_order_csv_export_renders_relations_as_text(admin_client: Client, shop: dict):
    response, rows = _export(admin_client, "admin:sales_order_changelist", [shop["order"].pk])

    assert response["Content-Disposition"] == 'attachment; filename="order-export.csv"'
    header, row = rows
    record = dict(zip(header, row, strict=True))
    assert record["code"] == "O-1"
    assert record["customer"] == "Ada Lovelace (C-1)"
    assert record["agent"] == "Sam Seller (Retail Agent)"
    assert record["ordered_at"] == "2024-05-06T10:30:00+00:00"
    assert (record["subtotal"], record["shipping_cost"], record["total_amount"]) == ("74.07", "4.99", "79.06")


def test_category_csv_export_includes_admin_columns(admin_client: Client, shop: dict):
    _, rows = _export(admin_client, "admin:catalog_category_changelist", [shop["category"].pk])

    assert rows == [["name", "description", "products_count"], ["Books", "", "2"]]


def test_product_soft_delete_action_flags_only_the_selected(admin_client: Client, shop: dict):
    novel, atlas = shop["novel"], shop["atlas"]

    response = admin_client.post(
        reverse("admin:catalog_product_changelist"),
        {"action": "soft_delete_products", "_selected_action": [novel.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "Soft-deleted 1 product(s)." in response.text
    novel.refresh_from_db()
    atlas.refresh_from_db()
    assert novel.is_deleted is True
    assert atlas.is_deleted is False
    assert Product.objects.filter(pk=novel.pk).exists()  # never hard-deleted


def test_product_changelist_filters_on_deleted(admin_client: Client, shop: dict):
    Product.objects.filter(pk=shop["novel"].pk).update(is_deleted=True)

    response = admin_client.get(reverse("admin:catalog_product_changelist"), {"is_deleted__exact": "1"})

    assert [product.code for product in response.context["cl"].result_list] == ["P-1"]


def test_product_autocomplete_serves_the_order_line_inline(admin_client: Client, shop: dict):
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"term": "Atlas", "app_label": "sales", "model_name": "orderline", "field_name": "product"},
    )

    assert response.status_code == 200
    assert [item["text"] for item in response.json()["results"]] == ["World Atlas (P-2)"]


@pytest.mark.parametrize(
    "url_name",
    ["admin:sales_order_changelist", "admin:customers_membership_changelist", "admin:catalog_product_changelist"],
)
def test_changelist_queries_do_not_grow_with_rows(admin_client: Client, shop: dict, url_name: str):
    url = reverse(url_name)
    with CaptureQueriesContext(connection) as few:
        admin_client.get(url)
    # Given ten more orders, memberships and products, each with its own customer, agent and category
    for n in range(10):
        customer = Customer.objects.create(code=f"C-x{n}", name=f"Buyer {n}")
        Membership.objects.create(customer=customer, number=f"M-x{n}", start_date="2024-01-01")
        product = Product.objects.create(
            code=f"P-x{n}", name=f"Gadget {n}", category=Category.objects.create(name=f"Cat {n}"), unit_price=1, stock=5
        )
        agent = Agent.objects.create(code=f"A-x{n}", name=f"Agent {n}", team=Team.objects.create(name=f"Team {n}"))
        order_create(customer=customer, agent=agent, lines=[{"product": product, "quantity": 1}])

    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(url)

    assert response.context["cl"].result_count >= 11
    assert len(many) == len(few)


def test_admin_index_links_the_api_docs(admin_client: Client):
    response = admin_client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert 'href="/api/docs/"' in response.text
    assert 'href="/api/schema/"' in response.text
