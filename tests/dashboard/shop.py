"""A small shop with six months of sales, written through the order service, for the dashboard's tests.

Orders fall in January to June 2024 (none in March, so a bucket is zero), across two teams, with
memberships starting in several months; ``LINES`` keeps every line so tests can sum them by hand.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal

from catalog.models import Category, Product
from customers.models import Customer, Membership
from sales.models import Agent, AgentRole, Order, Team
from sales.services import order_create

# (order code, customer index, agent index or None, day, [(product index, quantity, discount)])
ORDERS = [
    ("D-01", 0, 0, date(2024, 1, 5), [(0, 2, "0"), (1, 1, "0.10")]),
    ("D-02", 1, 1, date(2024, 1, 20), [(2, 1, "0")]),
    ("D-03", 2, 2, date(2024, 2, 2), [(0, 1, "0"), (2, 2, "0.25")]),
    ("D-04", 0, 0, date(2024, 2, 28), [(1, 4, "0")]),
    ("D-05", 3, None, date(2024, 4, 11), [(3, 1, "0")]),
    ("D-06", 4, 1, date(2024, 4, 30), [(0, 3, "0.05"), (3, 2, "0")]),
    ("D-07", 1, 2, date(2024, 5, 15), [(2, 5, "0")]),
    ("D-08", 5, 0, date(2024, 6, 3), [(1, 2, "0"), (0, 1, "0")]),
    ("D-09", 2, 1, date(2024, 6, 18), [(3, 1, "0.20")]),
]
PRODUCTS = [("DP-1", "Desk Lamp", "25.00"), ("DP-2", "Notebook", "4.50"), ("DP-3", "Office Chair", "149.99"),
            ("DP-4", "Monitor Arm", "89.90")]  # fmt: skip
MEMBERSHIP_STARTS = [date(2024, 1, 1), date(2024, 2, 14), date(2024, 4, 1), date(2024, 6, 30), date(2023, 12, 31)]


@dataclass
class Shop:
    customers: list[Customer]
    products: list[Product]
    agents: list[Agent]
    teams: list[Team]
    orders: list[Order]
    lines: list[dict] = field(default_factory=list)  # {"day", "team", "customer", "product", "quantity", "total"}

    def revenue(self, start: date, end: date) -> Decimal:
        return sum((line["total"] for line in self.lines if start <= line["day"] <= end), Decimal("0"))

    def orders_between(self, start: date, end: date) -> int:
        return len({line["order"] for line in self.lines if start <= line["day"] <= end})

    def units(self, start: date, end: date) -> int:
        return sum(line["quantity"] for line in self.lines if start <= line["day"] <= end)


def build_shop() -> Shop:
    books = Category.objects.create(name="Office")
    products = [
        Product.objects.create(code=code, name=name, category=books, unit_price=Decimal(price), stock=1000)
        for code, name, price in PRODUCTS
    ]
    customers = [
        Customer.objects.create(code=f"DC-{n}", name=name, email=f"{name.split()[0].lower()}@x.example", region=region)
        for n, (name, region) in enumerate(
            [("Ada Lovelace", "North"), ("Grace Hopper", "South"), ("Alan Turing", "East"),
             ("Edsger Dijkstra", "West"), ("Barbara Liskov", "North"), ("Donald Knuth", "South")]
        )
    ]  # fmt: skip
    for n, start in enumerate(MEMBERSHIP_STARTS):
        Membership.objects.create(customer=customers[n], number=f"DM-{n}", tier="silver", start_date=start)
    teams = [Team.objects.create(name="North Stars"), Team.objects.create(name="South Wind")]
    agents = [
        Agent.objects.create(code="DA-1", name="Sam Seller", role=AgentRole.RETAIL_AGENT, team=teams[0]),
        Agent.objects.create(code="DA-2", name="Kim Caller", role=AgentRole.CALL_CENTER_AGENT, team=teams[1]),
        Agent.objects.create(code="DA-3", name="Lee Agent", role=AgentRole.AGENT, team=teams[0]),
    ]
    shop = Shop(customers=customers, products=products, agents=agents, teams=teams, orders=[])
    for code, customer, agent, day, lines in ORDERS:
        order = order_create(
            code=code,
            customer=customers[customer],
            agent=None if agent is None else agents[agent],
            ordered_at=datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC),
            lines=[
                {"product": products[p], "quantity": quantity, "unit_price": None, "discount": Decimal(discount)}
                for p, quantity, discount in lines
            ],
        )
        shop.orders.append(order)
        for p, quantity, discount in lines:
            total = (quantity * products[p].unit_price * (1 - Decimal(discount))).quantize(
                Decimal("0.01"), rounding=ROUND_HALF_UP
            )
            shop.lines.append(
                {"order": code, "day": day, "team": None if agent is None else agents[agent].team.name,
                 "customer": customer, "product": p, "quantity": quantity, "total": total}
            )  # fmt: skip
    return shop
