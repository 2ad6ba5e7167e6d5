"""A small shop whose orders sit on the edges segment criteria care about, and a plain model of the rules."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import pytest

from catalog.models import Category
from customers.models import Customer
from sales.models import Order, OrderLine
from sales.services import order_create
from tests.factories import make_category, make_customer, make_product

CENT = Decimal("0.01")


@dataclass
class Shop:
    customers: dict[str, Customer]
    categories: dict[str, Category] = field(default_factory=dict)

    def id(self, name: str) -> int:
        return self.customers[name].pk

    def names(self, ids) -> set[str]:
        by_id = {customer.pk: name for name, customer in self.customers.items()}
        return {by_id[pk] for pk in ids}

    def category(self, name: str) -> Category:
        if name not in self.categories:
            self.categories[name] = Category.objects.filter(name=name).first() or make_category(name=name)
        return self.categories[name]

    def buy(self, customer: str, at: datetime, region: str, lines: list[tuple[str, str]]) -> Order:
        """One order of one unit per line, each line a fresh product of that category and price."""
        return order_create(
            customer=self.customers[customer],
            ordered_at=at,
            region=region,
            lines=[
                {"product": make_product(unit_price=price, category=self.category(category)), "quantity": 1}
                for category, price in lines
            ],
        )


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def shop(db) -> Shop:
    """Seven customers; ann and bob have orders a second either side of 2024's edges, fay has none."""
    shop = Shop(
        customers={
            name: make_customer(name=name.title(), region="North")
            for name in ["ann", "bob", "cat", "dan", "eve", "fay", "gus"]
        }
    )
    shop.buy("ann", at("2024-01-01T00:00:00"), "North", [("Books", "10.10"), ("Garden", "0.20")])
    shop.buy("ann", at("2024-06-15T12:00:00"), "North", [("Books", "0.10")])
    shop.buy("ann", at("2023-12-31T23:59:59"), "North", [("Toys", "100.00")])
    shop.buy("bob", at("2024-12-31T23:59:59"), "South", [("Garden", "55.55")])
    shop.buy("bob", at("2025-01-01T00:00:00"), "South", [("Books", "200.00")])
    shop.buy("cat", at("2024-03-03T09:00:00"), "East", [("Toys", "30.00"), ("Books", "0.20")])
    shop.buy("cat", at("2024-03-04T09:00:00"), "East", [("Toys", "0.10")])
    shop.buy("dan", at("2024-05-05T09:00:00"), "North", [("Garden", "250.00")])
    shop.buy("dan", at("2024-07-07T09:00:00"), "South", [("Books", "99.99")])
    shop.buy("eve", at("2022-02-02T09:00:00"), "North", [("Books", "500.00")])
    shop.buy("gus", at("2024-08-08T09:00:00"), "South", [("Toys", "12.34"), ("Garden", "1.00"), ("Books", "2.00")])
    return shop


@dataclass(frozen=True)
class Stats:
    orders_count: int
    total_revenue: Decimal
    average_order_value: Decimal
    categories: list[str]


def expected_members(criteria: dict, *, time_zone: str = "UTC") -> dict[int, Stats]:
    """SPEC §6 restated in plain Python over every stored order line, one line at a time."""
    zone = ZoneInfo(time_zone)
    start = date.fromisoformat(criteria["start_date"]) if "start_date" in criteria else None
    end = date.fromisoformat(criteria["end_date"]) if "end_date" in criteria else None
    orders: dict[int, set[int]] = defaultdict(set)
    revenue: dict[int, Decimal] = defaultdict(Decimal)
    categories: dict[int, set[str]] = defaultdict(set)
    lines = OrderLine.objects.values_list(
        "order_id", "order__customer_id", "order__ordered_at", "order__region", "product__category__name", "line_total"
    )
    for order_id, customer_id, ordered_at, region, category, line_total in lines:
        day = ordered_at.astimezone(zone).date()
        if (start and day < start) or (end and day > end):
            continue
        if "categories" in criteria and category not in criteria["categories"]:
            continue
        if "regions" in criteria and region not in criteria["regions"]:
            continue
        orders[customer_id].add(order_id)
        revenue[customer_id] += line_total
        categories[customer_id].add(category)
    members = {}
    for customer_id in Customer.objects.values_list("id", flat=True):
        count, total = len(orders[customer_id]), revenue[customer_id]
        if count < criteria.get("min_orders", 1) or count > criteria.get("max_orders", count):
            continue
        if total < Decimal(str(criteria.get("min_revenue", 0))):
            continue
        if "max_revenue" in criteria and total > Decimal(str(criteria["max_revenue"])):
            continue
        average = (total / count).quantize(CENT, rounding=ROUND_HALF_UP) if count else Decimal("0.00")
        members[customer_id] = Stats(count, total, average, sorted(categories[customer_id]))
    return members


def stats_of(rows: list[dict]) -> dict[int, Stats]:
    """The members an API response lists, in the shape of ``expected_members``."""
    return {
        row["id"]: Stats(
            row["orders_count"],
            Decimal(str(row["total_revenue"])),
            Decimal(str(row["average_order_value"])),
            row["categories"],
        )
        for row in rows
    }
