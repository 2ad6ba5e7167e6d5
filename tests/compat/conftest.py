"""Data for the compat tests, made through the real services as a user's writes would be."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.models import Category, Product
from customers.models import Customer, Membership
from customers.services import membership_create
from sales.models import Order
from sales.services import order_create
from tests.factories import make_category, make_customer, make_product


@dataclass
class Shop:
    books: Category
    games: Category
    novel: Product
    atlas: Product
    chess: Product
    ana: Customer
    ben: Customer
    gold: Membership
    orders: list[Order]


def at(day: str) -> datetime:
    return timezone.make_aware(datetime.fromisoformat(f"{day}T12:00:00"), timezone.get_current_timezone())


@pytest.fixture
def shop(db) -> Shop:
    """Two categories, three products, two customers, and three orders (one of two lines)."""
    books, games = make_category(name="Books"), make_category(name="Games")
    novel = make_product(category=books, unit_price="12.50", stock=100, name="Novel")
    atlas = make_product(category=books, unit_price="40.00", stock=100, name="Atlas")
    chess = make_product(category=games, unit_price="25.00", stock=100, name="Chess")
    ana = make_customer(name="Ana Lima", region="North", email="ana@example.com")
    ben = make_customer(name="Ben Okafor", region="South", email="ben@example.com")
    gold = membership_create(customer=ana, tier="gold", start_date=date(2024, 1, 1))
    orders = [
        order_create(customer=ana, ordered_at=at("2024-01-10"), lines=[{"product": novel, "quantity": 2}]),
        order_create(
            customer=ana,
            membership=gold,
            ordered_at=at("2024-02-03"),
            shipping_cost=Decimal("4.99"),
            lines=[
                {"product": atlas, "quantity": 1},
                {"product": chess, "quantity": 3, "discount": Decimal("0.10")},
            ],
        ),
        order_create(customer=ben, ordered_at=at("2024-02-20"), lines=[{"product": chess, "quantity": 1}]),
    ]
    return Shop(books, games, novel, atlas, chess, ana, ben, gold, orders)
