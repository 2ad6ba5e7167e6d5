"""A small shop for the analytics tests: orders made through the real services, remembered as plain records.

The records are what the tests compute expected numbers from, with plain
Python (``Ledger``), never with the code under test.
"""

import random
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings

from catalog.models import Product
from customers.models import Customer, Membership
from customers.services import membership_create
from sales.models import Agent, AgentRole, Team
from sales.services import order_create, order_delete, order_update
from tests.factories import make_agent, make_category, make_customer, make_product, make_team

CENT = Decimal("0.01")


@dataclass
class Line:
    product: Product
    quantity: int
    unit_price: Decimal
    discount: Decimal = Decimal("0")

    @property
    def total(self) -> Decimal:
        # Worked out here independently: quantity x price x (1 - discount), half-up to cents.
        return (self.quantity * self.unit_price * (1 - self.discount)).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Sale:
    order_id: int
    at: datetime
    customer: Customer
    agent: Agent | None
    region: str
    payment_method: str
    tier: str | None
    lines: list[Line]

    @property
    def revenue(self) -> Decimal:
        return sum((line.total for line in self.lines), Decimal("0.00"))

    @property
    def units(self) -> int:
        return sum(line.quantity for line in self.lines)

    def local_day(self, zone: ZoneInfo | None = None) -> date:
        return self.at.astimezone(zone or ZoneInfo(settings.ANALYTICS_TIME_ZONE)).date()


@dataclass
class Shop:
    """Teams, agents, customers and products, and every sale made so far."""

    sales: list[Sale] = field(default_factory=list)

    def sell(
        self,
        *,
        at: datetime,
        customer: Customer,
        lines: list[tuple[Product, int]] | list[Line],
        agent: Agent | None = None,
        region: str | None = None,
        payment_method: str = "Credit Card",
        membership: Membership | None = None,
    ) -> Sale:
        priced = [
            line if isinstance(line, Line) else Line(product=line[0], quantity=line[1], unit_price=line[0].unit_price)
            for line in lines
        ]
        order = order_create(
            customer=customer,
            agent=agent,
            membership=membership,
            ordered_at=at,
            region=region,
            payment_method=payment_method,
            lines=[
                {
                    "product": line.product,
                    "quantity": line.quantity,
                    "unit_price": line.unit_price,
                    "discount": line.discount,
                }
                for line in priced
            ],
        )
        sale = Sale(
            order_id=order.pk,
            at=at,
            customer=customer,
            agent=agent,
            region=order.region,
            payment_method=payment_method,
            tier=membership.tier if membership else None,
            lines=priced,
        )
        self.sales.append(sale)
        return sale

    def change(self, sale: Sale, **changes) -> Sale:
        """Change an order through the service and the record alike (``lines``, ``at``, ``agent``, ``customer``)."""
        from sales.models import Order

        fields = {}
        if "at" in changes:
            sale.at = fields["ordered_at"] = changes["at"]
        if "agent" in changes:
            sale.agent = fields["agent"] = changes["agent"]
        if "customer" in changes:
            sale.customer = fields["customer"] = changes["customer"]
        lines = None
        if "lines" in changes:
            sale.lines = [Line(product=p, quantity=q, unit_price=p.unit_price) for p, q in changes["lines"]]
            lines = [{"product": line.product, "quantity": line.quantity} for line in sale.lines]
        order_update(order=Order.objects.get(pk=sale.order_id), lines=lines, **fields)
        return sale

    def cancel(self, sale: Sale) -> None:
        from sales.models import Order

        order_delete(order=Order.objects.get(pk=sale.order_id))
        self.sales.remove(sale)


def local(day: date, hour: int = 12, minute: int = 0, zone: str | None = None) -> datetime:
    """An instant on a local day of the analytics zone."""
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(zone or settings.ANALYTICS_TIME_ZONE))


# --- expected numbers, by plain Python ------------------------------------------------


def bucket_of(day: date, interval: str) -> date:
    """The bucket's first day, worked out directly from the calendar."""
    if interval == "day":
        return day
    if interval == "week":
        return day - timedelta(days=day.isoweekday() - 1)
    if interval == "month":
        return date(day.year, day.month, 1)
    if interval == "quarter":
        return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return date(day.year, 1, 1)


def within(sale: Sale, start: date | None, end: date | None) -> bool:
    day = sale.local_day()
    return (start is None or day >= start) and (end is None or day <= end)


def group_sales(sales: Iterable[Sale], key: Callable[[Sale], object]) -> dict[object, dict[str, Decimal | int | set]]:
    """orders / revenue / units / customers per key (None keys dropped)."""
    groups: dict[object, dict] = defaultdict(
        lambda: {"orders": 0, "revenue": Decimal("0.00"), "units": 0, "customers": set()}
    )
    for sale in sales:
        k = key(sale)
        if k is None:
            continue
        groups[k]["orders"] += 1
        groups[k]["revenue"] += sale.revenue
        groups[k]["units"] += sale.units
        groups[k]["customers"].add(sale.customer.pk)
    return dict(groups)


def money(value) -> Decimal:
    """A JSON number back to exact cents."""
    return Decimal(str(value)).quantize(CENT)


def average(revenue: Decimal, orders: int) -> Decimal:
    return (revenue / orders).quantize(CENT, rounding=ROUND_HALF_UP) if orders else Decimal("0.00")


# --- a ready-made shop ------------------------------------------------------------------


@dataclass
class World:
    shop: Shop
    teams: list[Team]
    agents: list[Agent]
    customers: list[Customer]
    products: list[Product]


def build_world(*, seed: int = 1, orders: int = 60, start: date = date(2024, 11, 20), days: int = 90) -> World:
    """Agents of every role in three teams (one agent without a team), customers in several regions,
    products in three categories (one soft-deleted later), and ``orders`` random orders, some without an agent."""
    rng = random.Random(seed)
    teams = [make_team(name=f"Team {name}") for name in ("North", "South", "East")]
    roles = list(AgentRole.values)
    agents = [make_agent(team=teams[i % 3], role=roles[i % len(roles)]) for i in range(6)]
    loner = make_agent(team=teams[0], role=AgentRole.AGENT)
    from sales.services import agent_update

    agents.append(agent_update(agent=loner, team=None))
    regions = ["North", "South", "West", ""]
    customers = [make_customer(region=regions[i % len(regions)]) for i in range(8)]
    categories = [make_category(name=f"Category {name}") for name in ("Books", "Games", "Tools")]
    prices = ["9.99", "15.00", "4.25", "120.00", "0.99", "33.33"]
    products = [
        make_product(unit_price=prices[i], stock=10_000, category=categories[i % 3], name=f"Item {i}") for i in range(6)
    ]
    memberships = [
        membership_create(customer=customers[i], tier=tier, start_date=date(2024, 1, 1))
        for i, tier in ((0, "gold"), (1, "silver"), (2, "bronze"))
    ]
    shop = Shop()
    methods = ["Credit Card", "PayPal", "Cash"]
    for _ in range(orders):
        day = start + timedelta(days=rng.randrange(days))
        moment = local(day, rng.randrange(0, 24), rng.randrange(60))
        customer = rng.choice(customers)
        membership = next((m for m in memberships if m.customer_id == customer.pk), None)
        chosen = rng.sample(products, rng.randint(1, 3))
        lines = [
            Line(
                product=p,
                quantity=rng.randint(1, 5),
                unit_price=p.unit_price,
                discount=rng.choice([Decimal("0"), Decimal("0"), Decimal("0.15")]),
            )
            for p in chosen
        ]
        shop.sell(
            at=moment,
            customer=customer,
            lines=lines,
            agent=None if rng.random() < 0.2 else rng.choice(agents),
            region=customer.region if rng.random() < 0.8 else rng.choice(regions),
            payment_method=rng.choice(methods),
            membership=membership if membership and rng.random() < 0.7 else None,
        )
    return World(shop=shop, teams=teams, agents=agents, customers=customers, products=products)


def iso_start(day: date, zone: str | None = None) -> str:
    """The JSON text of a bucket start: local midnight with the zone's offset, ``Z`` in UTC."""
    text = datetime.combine(day, time(), tzinfo=ZoneInfo(zone or settings.ANALYTICS_TIME_ZONE)).isoformat()
    return text.replace("+00:00", "Z")


def expected_sales_rows(
    sales: Iterable[Sale],
    *,
    group: str,
    interval: str = "month",
    start: date | None = None,
    end: date | None = None,
    ids: Iterable[int] = (),
    role: str | None = None,
) -> list[dict]:
    """By-agent / by-team rows from the records: the spec's fields, unsorted."""
    ids = set(ids)

    def key(sale: Sale):
        agent = sale.agent
        if agent is None or not within(sale, start, end) or (role and agent.role != role):
            return None
        owner = agent.pk if group == "agent" else agent.team_id
        if owner is None or (ids and owner not in ids):
            return None
        return (bucket_of(sale.local_day(), interval), owner)

    rows = []
    agents = {sale.agent.pk: sale.agent for sale in sales if sale.agent}
    teams = {agent.team_id: agent.team.name for agent in agents.values() if agent.team_id}
    for (bucket, owner), measures in group_sales(sales, key).items():
        row = {"period": iso_start(bucket)}
        if group == "agent":
            agent = agents[owner]
            row |= {
                "agent_id": owner,
                "agent_name": agent.name,
                "agent_role": agent.role,
                "team_id": agent.team_id,
                "team_name": teams.get(agent.team_id),
            }
        else:
            row |= {"team_id": owner, "team_name": teams[owner]}
        row |= {
            "sales_count": measures["orders"],
            "total_revenue": measures["revenue"],
            "average_revenue": average(measures["revenue"], measures["orders"]),
        }
        rows.append(row)
    return rows


def comparable(rows: list[dict]) -> list[dict]:
    """API rows with money as exact Decimals and without the drill-down link, for comparison."""
    money_fields = {"total_revenue", "average_revenue"}
    return [
        {name: money(value) if name in money_fields else value for name, value in row.items() if name != "orders_url"}
        for row in rows
    ]
