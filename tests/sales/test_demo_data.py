"""The demo dataset and demo admin: right sizes, reproducible, and money exactly per the spec."""

import re
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db.models import Count, Sum
from django.test import Client

from catalog.models import Category, Product
from customers.models import Customer, Membership
from sales.demo_data import generate_demo_data
from sales.models import Agent, Order, OrderLine, Team

pytestmark = pytest.mark.django_db

TODAY = date(2025, 6, 30)


def _fingerprint() -> list[tuple]:
    """Every business value of the dataset, ids left out, in a stable order."""
    return [
        *Category.objects.order_by("name").values_list("name", "description"),
        *Product.objects.order_by("code").values_list("code", "name", "category__name", "unit_price", "stock"),
        *Team.objects.order_by("name").values_list("name"),
        *Agent.objects.order_by("code").values_list("code", "name", "role", "team__name"),
        *Customer.objects.order_by("code").values_list(
            "code", "name", "email", "gender", "date_of_birth", "phone", "address", "region"
        ),
        *Membership.objects.order_by("number").values_list(
            "number", "customer__code", "tier", "start_date", "end_date"
        ),
        *Order.objects.order_by("code").values_list(
            "code",
            "customer__code",
            "agent__code",
            "membership__number",
            "ordered_at",
            "region",
            "payment_method",
            "shipping_cost",
            "subtotal",
            "total_amount",
        ),
        *OrderLine.objects.order_by("order__code", "product__code").values_list(
            "order__code", "product__code", "quantity", "unit_price", "discount", "line_total"
        ),
    ]


def _wipe() -> None:
    for model in (OrderLine, Order, Membership, Customer, Product, Category, Agent, Team):
        model.objects.all().delete()


def test_load_demo_data_creates_the_requested_numbers():
    out = StringIO()

    call_command("load_demo_data", customers=25, orders=80, years=2, seed=3, stdout=out)

    assert Customer.objects.count() == 25
    assert Order.objects.count() == 80
    assert Category.objects.count() == 8
    assert Product.objects.count() == 60
    assert 4 <= Team.objects.count() <= 6
    assert "25 customers" in out.getvalue()
    assert "80 orders" in out.getvalue()
    assert out.getvalue().count("\n") == 1  # a one-line summary


def test_codes_follow_the_demo_patterns():
    generate_demo_data(customers=12, orders=30, years=1, seed=5, today=TODAY)

    assert sorted(Customer.objects.values_list("code", flat=True))[:2] == ["C-00001", "C-00002"]
    assert sorted(Order.objects.values_list("code", flat=True))[0] == "O-0000001"
    assert sorted(Agent.objects.values_list("code", flat=True))[0] == "A-001"
    assert sorted(Product.objects.values_list("code", flat=True))[-1] == "P-0060"
    assert all(stock >= 10_000 for stock in Product.objects.values_list("stock", flat=True))


def test_same_seed_gives_identical_data_and_another_seed_does_not():
    generate_demo_data(customers=30, orders=120, years=2, seed=11, today=TODAY)
    first = _fingerprint()
    _wipe()
    generate_demo_data(customers=30, orders=120, years=2, seed=11, today=TODAY)
    second = _fingerprint()
    _wipe()
    generate_demo_data(customers=30, orders=120, years=2, seed=12, today=TODAY)
    other = _fingerprint()

    assert len(first) > 300
    assert first == second
    assert first != other


def test_order_totals_match_their_lines_exactly():
    generate_demo_data(customers=40, orders=200, years=3, seed=42, today=TODAY)

    orders = Order.objects.annotate(lines_sum=Sum("lines__line_total"), lines_count=Count("lines"))

    for order in orders:
        assert 1 <= order.lines_count <= 4
        assert order.subtotal == order.lines_sum, order.code
        assert order.total_amount == order.subtotal + order.shipping_cost, order.code
        assert order.shipping_cost >= 0


def test_every_line_total_is_rounded_half_up_per_line():
    generate_demo_data(customers=40, orders=200, years=3, seed=42, today=TODAY)

    lines = list(OrderLine.objects.select_related("product"))

    assert lines
    for line in lines:
        expected = (line.quantity * line.unit_price * (1 - line.discount)).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
        assert line.line_total == expected, line.pk
        assert line.unit_price == line.product.unit_price
    discounts = {line.discount for line in lines}
    assert discounts <= {Decimal(value) for value in ("0", "0.05", "0.1", "0.15", "0.2")}
    assert Decimal("0") in discounts
    assert len(discounts) > 1


def test_dataset_covers_roles_payment_methods_and_unassigned_orders():
    generate_demo_data(customers=40, orders=300, years=3, seed=42, today=TODAY)

    assert set(Agent.objects.values_list("role", flat=True)) == {
        "Call Center Agent",
        "Admin",
        "Retail Agent",
        "Agent",
    }
    assert set(Order.objects.values_list("payment_method", flat=True)) == {
        "Credit Card",
        "Debit Card",
        "PayPal",
        "Cash",
        "Bank Transfer",
    }
    assert Order.objects.filter(agent__isnull=True).exists()
    assert Order.objects.filter(agent__isnull=False).exists()
    assert set(Customer.objects.values_list("region", flat=True)) <= {"North", "South", "East", "West", "Central"}
    assert set(Membership.objects.values_list("tier", flat=True)) == {"bronze", "silver", "gold"}


def test_orders_fall_in_the_window_and_memberships_fit_their_orders():
    generate_demo_data(customers=40, orders=300, years=2, seed=8, today=TODAY)
    window_start = datetime(2023, 7, 1, tzinfo=UTC) - timedelta(days=1)  # 730 days before 2025-06-30
    window_end = datetime(2025, 6, 30, tzinfo=UTC) + timedelta(days=1)

    for order in Order.objects.select_related("membership"):
        assert order.ordered_at.tzinfo is not None
        assert window_start <= order.ordered_at < window_end, order.code
        if order.membership is not None:
            membership = order.membership
            assert membership.customer_id == order.customer_id
            assert membership.start_date <= order.ordered_at.date()
            assert membership.end_date is None or order.ordered_at.date() <= membership.end_date
    assert Order.objects.filter(membership__isnull=False).exists()


def test_lines_in_an_order_have_distinct_products():
    generate_demo_data(customers=20, orders=150, years=1, seed=9, today=TODAY)

    duplicates = OrderLine.objects.values("order", "product").annotate(n=Count("id")).filter(n__gt=1)

    assert not duplicates.exists()


def test_if_empty_does_nothing_when_orders_exist():
    call_command("load_demo_data", customers=10, orders=20, years=1, seed=1, stdout=StringIO())
    before = _fingerprint()
    out = StringIO()

    call_command("load_demo_data", "--if-empty", customers=10, orders=20, years=1, seed=2, stdout=out)

    assert _fingerprint() == before
    assert "already" in out.getvalue()


def test_a_second_load_adds_rows_with_fresh_codes_and_keeps_the_catalog():
    call_command("load_demo_data", customers=10, orders=20, years=1, seed=1, stdout=StringIO())

    call_command("load_demo_data", customers=5, orders=15, years=1, seed=1, stdout=StringIO())

    assert Customer.objects.count() == 15
    assert Order.objects.count() == 35
    assert Product.objects.count() == 60
    assert Agent.objects.count() == Agent.objects.values("code").distinct().count()
    assert "C-00015" in set(Customer.objects.values_list("code", flat=True))
    assert "O-0000035" in set(Order.objects.values_list("code", flat=True))


def test_ensure_demo_admin_creates_a_superuser_who_can_log_in(client: Client):
    out = StringIO()

    call_command("ensure_demo_admin", stdout=out)

    match = re.search(r"Admin login: http://127\.0\.0\.1:8000/admin/  username=admin  password=(\S+)", out.getvalue())
    assert match
    user = User.objects.get(username="admin")
    assert user.is_superuser and user.is_staff
    assert client.login(username="admin", password=match.group(1))
    assert client.get("/admin/").status_code == 200


def test_ensure_demo_admin_resets_the_password_of_an_existing_user(client: Client):
    User.objects.create_user(username="demo", password="old-Passw0rd!")

    call_command("ensure_demo_admin", username="demo", password="new-Passw0rd!", stdout=StringIO())

    assert User.objects.filter(username="demo").count() == 1
    assert User.objects.get(username="demo").is_superuser
    assert not client.login(username="demo", password="old-Passw0rd!")
    assert client.login(username="demo", password="new-Passw0rd!")


def test_ensure_demo_admin_prints_the_login_link_for_the_port_the_demo_serves_on():
    out = StringIO()

    call_command("ensure_demo_admin", site_url="http://127.0.0.1:8123/", stdout=out)

    assert "Admin login: http://127.0.0.1:8123/admin/  username=admin  password=" in out.getvalue()
