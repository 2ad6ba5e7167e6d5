"""A realistic, seeded demo dataset: catalog, teams and agents, customers, memberships, orders.

The same seed (and the same ``today``) always produces the same rows, so a demo,
a screenshot or a bug report can be reproduced exactly. Money follows the spec:
each line's total is ``common.money.compute_line_total``, an order's subtotal is
the sum of its line totals and its total amount adds the shipping cost.

The catalog, teams and agents are reference data keyed by code or name and are
reused when they already exist; customers, memberships and orders are added on
top, numbered after the highest demo code already present.
"""

import random
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import accumulate
from typing import TypeVar
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models, transaction
from django.db.models.functions import Length
from tqdm import tqdm

from analytics.rollups import RollupTouch, rollups_refresh
from analytics.services import data_version_bump
from catalog.models import Category, Product
from common.money import compute_line_total
from customers.models import Customer, Gender, Membership, Tier
from sales.models import Agent, AgentRole, Order, OrderLine, Team

BATCH_SIZE = 1000
PROGRESS_MIN_ORDERS = 2000

REGIONS = ("North", "South", "East", "West", "Central")
CITIES = {
    "North": ("Northbridge", "Frostholm", "Pinecrest"),
    "South": ("Southport", "Palm Bay", "Riverside"),
    "East": ("Eastwick", "Harborview", "Sunrise City"),
    "West": ("Westfield", "Canyon Ridge", "Goldcoast"),
    "Central": ("Midtown", "Centerville", "Lakeside"),
}
STREETS = ("Maple", "Oak", "Cedar", "Elm", "Willow", "Birch", "Park", "Lake", "Hill", "Station", "Market", "Church")
STREET_KINDS = ("Street", "Avenue", "Road", "Lane", "Drive", "Boulevard")
MALE_NAMES = (
    "James", "John", "Robert", "Michael", "William", "David", "Richard", "Joseph", "Thomas", "Daniel",
    "Matthew", "Anthony", "Mark", "Steven", "Paul", "Andrew", "Kevin", "Brian", "Omar", "Lucas",
)  # fmt: skip
FEMALE_NAMES = (
    "Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara", "Susan", "Jessica", "Sarah", "Karen",
    "Emily", "Olivia", "Sophia", "Grace", "Chloe", "Hannah", "Amira", "Mei", "Laura", "Nina",
)  # fmt: skip
NEUTRAL_NAMES = ("Alex", "Jordan", "Taylor", "Morgan", "Casey", "Riley", "Jamie", "Avery")
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Lee", "Thompson", "White",
    "Harris", "Clark", "Lewis", "Walker", "Hall", "Young", "King", "Wright", "Nguyen", "Patel",
)  # fmt: skip

# (category, description, [(product name, unit price)])
CATALOG: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    ("Electronics", "Phones, audio and computer accessories.", (
        ("Wireless Earbuds", "59.99"), ("Bluetooth Speaker", "39.99"), ("USB-C Charger 65W", "29.99"),
        ("Noise-Cancelling Headphones", "199.00"), ("Smartwatch", "149.99"), ("Portable Power Bank", "24.99"),
        ("4K Streaming Stick", "49.99"), ("Mechanical Keyboard", "89.00"),
    )),
    ("Home & Kitchen", "Cookware, appliances and home essentials.", (
        ("Chef's Knife", "45.00"), ("Non-Stick Frying Pan", "34.50"), ("Electric Kettle", "27.99"),
        ("French Press", "22.00"), ("Blender", "79.99"), ("Cotton Bath Towel Set", "32.00"),
        ("Scented Candle", "14.99"), ("Air Fryer", "99.99"),
    )),
    ("Clothing", "Everyday apparel for all seasons.", (
        ("Classic T-Shirt", "15.00"), ("Slim Fit Jeans", "49.90"), ("Hooded Sweatshirt", "39.00"),
        ("Rain Jacket", "89.00"), ("Wool Socks (3 pack)", "18.50"), ("Leather Belt", "29.00"),
        ("Running Shorts", "24.00"),
    )),
    ("Sports & Outdoors", "Gear for training, trails and camping.", (
        ("Yoga Mat", "25.00"), ("Adjustable Dumbbells", "129.00"), ("Insulated Water Bottle", "19.99"),
        ("Trail Running Shoes", "110.00"), ("Two-Person Tent", "149.00"), ("Camping Headlamp", "21.50"),
        ("Resistance Bands Set", "16.99"), ("Cycling Helmet", "55.00"),
    )),
    ("Beauty & Personal Care", "Skincare, hair care and grooming.", (
        ("Daily Moisturizer", "18.00"), ("Vitamin C Serum", "26.00"), ("Sunscreen SPF 50", "14.50"),
        ("Electric Toothbrush", "59.00"), ("Hair Dryer", "45.99"), ("Beard Trimmer", "39.99"),
        ("Shampoo & Conditioner Set", "21.00"),
    )),
    ("Books", "Bestsellers, non-fiction and children's books.", (
        ("The Data Detective", "17.99"), ("Cooking for Everyone", "29.95"), ("Mystery at Lakeside", "12.99"),
        ("Atlas of the World", "39.00"), ("Learn Python Fast", "34.99"), ("Bedtime Stories", "9.99"),
        ("Mindful Habits", "15.50"),
    )),
    ("Toys & Games", "Board games, puzzles and toys for all ages.", (
        ("Building Blocks Set", "49.99"), ("1000-Piece Puzzle", "19.99"), ("Strategy Board Game", "44.00"),
        ("Remote Control Car", "59.99"), ("Plush Bear", "16.00"), ("Card Game Party Pack", "12.50"),
        ("Science Kit", "34.00"),
    )),
    ("Grocery", "Pantry staples, coffee and snacks.", (
        ("Organic Coffee Beans 1kg", "24.00"), ("Green Tea (100 bags)", "9.50"), ("Extra Virgin Olive Oil", "13.99"),
        ("Dark Chocolate Bar", "3.49"), ("Mixed Nuts 500g", "11.99"), ("Maple Syrup", "8.75"),
        ("Basmati Rice 5kg", "15.49"), ("Protein Bars (12 pack)", "22.99"),
    )),
)  # fmt: skip

TEAMS = ("North Stars", "Southern Cross", "Eastside Sellers", "West Coast Crew", "Central Hub")
# Enough agents that every team has several, and every role appears at least once.
AGENT_ROLE_WEIGHTS = {
    AgentRole.AGENT: 5,
    AgentRole.CALL_CENTER_AGENT: 4,
    AgentRole.RETAIL_AGENT: 4,
    AgentRole.ADMIN: 1,
}
AGENTS_COUNT = 24

PAYMENT_METHODS = ("Credit Card", "Debit Card", "PayPal", "Cash", "Bank Transfer")
PAYMENT_WEIGHTS = (40, 22, 20, 10, 8)
DISCOUNTS = (Decimal("0"), Decimal("0.05"), Decimal("0.10"), Decimal("0.15"), Decimal("0.20"))
DISCOUNT_WEIGHTS = (70, 10, 10, 6, 4)
SHIPPING_COSTS = (Decimal("4.99"), Decimal("7.99"), Decimal("9.99"), Decimal("14.99"))
FREE_SHIPPING_FROM = Decimal("100.00")
LINES_PER_ORDER_WEIGHTS = (45, 30, 15, 10)  # 1, 2, 3 or 4 lines
QUANTITY_WEIGHTS = (50, 25, 12, 8, 5)  # 1..5 units
NO_AGENT_SHARE = 0.15  # web orders placed without an agent
MEMBERSHIP_SHARE = 0.4
TIER_WEIGHTS = {Tier.BRONZE: 55, Tier.SILVER: 30, Tier.GOLD: 15}
# Busier months: the holiday season and a spring sale.
MONTH_WEIGHTS = {1: 0.8, 2: 0.8, 3: 1.0, 4: 1.1, 5: 1.0, 6: 0.9, 7: 0.9, 8: 1.0, 9: 1.0, 10: 1.1, 11: 1.4, 12: 1.6}


ModelT = TypeVar("ModelT", Customer, Order)


@dataclass(frozen=True)
class _CustomerProfile:
    """What order generation needs to know about a customer, without another query."""

    customer: Customer
    region: str
    memberships: tuple[Membership, ...]


def _next_number(model: type[models.Model], *, prefix: str) -> int:
    """One past the highest ``<prefix>-<digits>`` code already stored, so new rows never clash."""
    pattern = re.compile(rf"^{re.escape(prefix)}-(\d+)$")
    field = "number" if model is Membership else "code"
    # Longest first, then highest: the first code that parses is the largest number.
    values = (
        model.objects.filter(**{f"{field}__startswith": f"{prefix}-"})
        .order_by(Length(field).desc(), f"-{field}")
        .values_list(field, flat=True)
    )
    for value in values.iterator():
        if match := pattern.match(value):
            return int(match.group(1)) + 1
    return 1


def _with_ids(model: type[ModelT], objs: list[ModelT]) -> list[ModelT]:
    """The rows just bulk-inserted, with primary keys even where the backend returned none."""
    if all(obj.pk is not None for obj in objs):
        return objs
    ids: dict[str, int] = {}
    codes = [obj.code for obj in objs]
    for start in range(0, len(codes), BATCH_SIZE):
        chunk = codes[start : start + BATCH_SIZE]
        ids.update(model.objects.filter(code__in=chunk).values_list("code", "pk"))
    for obj in objs:
        obj.pk = ids[obj.code]
    return objs


def _ensure_catalog(rng: random.Random) -> tuple[list[Product], int, int]:
    """The fixed catalog (P-0001...), created where missing; returns products, categories and products created."""
    categories_created = 0
    wanted: list[tuple[str, str, Decimal, Category]] = []
    number = 0
    for category_name, description, items in CATALOG:
        category, created = Category.objects.get_or_create(name=category_name, defaults={"description": description})
        categories_created += created
        for name, price in items:
            number += 1
            wanted.append((f"P-{number:04d}", name, Decimal(price), category))
    existing = set(Product.objects.filter(code__in=[code for code, *_ in wanted]).values_list("code", flat=True))
    new_products = [
        Product(
            code=code,
            name=name,
            category=category,
            description=f"{name} from our {category.name.lower()} range.",
            unit_price=price,
            stock=rng.randrange(10_000, 25_001),
        )
        for code, name, price, category in wanted
    ]
    to_create = [product for product in new_products if product.code not in existing]
    Product.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
    # Orders only sell what is still on offer; a product staff soft-deleted stays out.
    products = list(Product.objects.active().filter(code__in=[code for code, *_ in wanted]).order_by("code"))
    if not products:
        raise ValueError("every demo product is soft-deleted; nothing left to sell")
    return products, categories_created, len(to_create)


def _ensure_staff(rng: random.Random) -> tuple[list[Agent], int, int]:
    """Teams by name and agents A-001...; every ``AgentRole`` is represented."""
    teams = []
    teams_created = 0
    for name in TEAMS:
        team, created = Team.objects.get_or_create(name=name)
        teams.append(team)
        teams_created += created
    roles = list(AgentRole)  # one of each first, the rest by weight
    roles += rng.choices(list(AGENT_ROLE_WEIGHTS), weights=list(AGENT_ROLE_WEIGHTS.values()), k=AGENTS_COUNT - 4)
    agents_created = 0
    agents = []
    for index, role in enumerate(roles, start=1):
        first = rng.choice(MALE_NAMES + FEMALE_NAMES + NEUTRAL_NAMES)
        agent, created = Agent.objects.get_or_create(
            code=f"A-{index:03d}",
            defaults={"name": f"{first} {rng.choice(LAST_NAMES)}", "role": role, "team": teams[index % len(teams)]},
        )
        agents.append(agent)
        agents_created += created
    return agents, teams_created, agents_created


def _random_date(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def _make_customers(rng: random.Random, count: int, *, today: date) -> list[Customer]:
    first_number = _next_number(Customer, prefix="C")
    customers = []
    for number in range(first_number, first_number + count):
        gender = rng.choices((Gender.MALE, Gender.FEMALE, Gender.OTHER, Gender.UNSPECIFIED), weights=(46, 46, 3, 5))[0]
        if gender == Gender.MALE:
            first = rng.choice(MALE_NAMES)
        elif gender == Gender.FEMALE:
            first = rng.choice(FEMALE_NAMES)
        else:
            first = rng.choice(NEUTRAL_NAMES)
        last = rng.choice(LAST_NAMES)
        region = rng.choice(REGIONS)
        street = f"{rng.randrange(1, 400)} {rng.choice(STREETS)} {rng.choice(STREET_KINDS)}"
        customers.append(
            Customer(
                code=f"C-{number:05d}",
                name=f"{first} {last}",
                email=f"{first}.{last}.{number}@example.com".lower(),
                gender=gender,
                date_of_birth=_random_date(rng, date(today.year - 80, 1, 1), date(today.year - 19, 12, 31)),
                phone=f"+1-555-{rng.randrange(100, 1000)}-{rng.randrange(0, 10_000):04d}",
                address=f"{street}, {rng.choice(CITIES[region])}",
                region=region,
            )
        )
    return customers


def _make_memberships(
    rng: random.Random, customers: list[Customer], *, first_day: date, today: date
) -> list[Membership]:
    number = _next_number(Membership, prefix="M")
    memberships = []
    for customer in customers:
        if rng.random() >= MEMBERSHIP_SHARE:
            continue
        start = _random_date(rng, first_day - timedelta(days=365), today)
        # Most memberships are open-ended; some lapsed after one or two years.
        end = start + timedelta(days=rng.choice((365, 730))) if rng.random() < 0.25 else None
        tier = rng.choices(list(TIER_WEIGHTS), weights=list(TIER_WEIGHTS.values()))[0]
        memberships.append(
            Membership(customer=customer, number=f"M-{number:06d}", tier=tier, start_date=start, end_date=end)
        )
        number += 1
    return memberships


def _order_moment(rng: random.Random, *, first_day: date, days: int, zone: ZoneInfo) -> datetime:
    """A shop-hours moment, busier in recent months and around the holidays."""
    while True:
        # u**0.75 leans towards the end of the window: the business is growing.
        day = first_day + timedelta(days=min(days - 1, int(days * rng.random() ** 0.75)))
        if rng.random() * max(MONTH_WEIGHTS.values()) <= MONTH_WEIGHTS[day.month]:
            break
    moment = time(hour=rng.randrange(8, 22), minute=rng.randrange(60), second=rng.randrange(60))
    # Aware in the shop's zone, so ``.date()`` is the local business day; Django stores it as UTC.
    return datetime.combine(day, moment, tzinfo=zone)


def _active_membership(profile: _CustomerProfile, day: date) -> Membership | None:
    for membership in profile.memberships:
        if membership.start_date <= day and (membership.end_date is None or day <= membership.end_date):
            return membership
    return None


def _make_order(
    rng: random.Random,
    *,
    code: str,
    profile: _CustomerProfile,
    agents: list[Agent],
    products: list[Product],
    product_cum_weights: list[float],
    ordered_at: datetime,
) -> tuple[Order, list[OrderLine]]:
    lines_count = rng.choices((1, 2, 3, 4), weights=LINES_PER_ORDER_WEIGHTS)[0]
    chosen: list[Product] = []
    while len(chosen) < lines_count:  # distinct products: one line per product per order
        product = rng.choices(products, cum_weights=product_cum_weights)[0]
        if product not in chosen:
            chosen.append(product)
    lines = []
    for product in chosen:
        quantity = rng.choices((1, 2, 3, 4, 5), weights=QUANTITY_WEIGHTS)[0]
        discount = rng.choices(DISCOUNTS, weights=DISCOUNT_WEIGHTS)[0]
        lines.append(
            OrderLine(
                product=product,
                quantity=quantity,
                unit_price=product.unit_price,
                discount=discount,
                line_total=compute_line_total(quantity=quantity, unit_price=product.unit_price, discount=discount),
            )
        )
    subtotal = sum((line.line_total for line in lines), Decimal("0.00"))
    shipping_cost = Decimal("0.00") if subtotal >= FREE_SHIPPING_FROM else rng.choice(SHIPPING_COSTS)
    region = profile.region if rng.random() < 0.9 else rng.choice(REGIONS)
    order = Order(
        code=code,
        customer=profile.customer,
        agent=None if rng.random() < NO_AGENT_SHARE else rng.choice(agents),
        membership=_active_membership(profile, ordered_at.date()),
        ordered_at=ordered_at,
        region=region,
        payment_method=rng.choices(PAYMENT_METHODS, weights=PAYMENT_WEIGHTS)[0],
        shipping_cost=shipping_cost,
        subtotal=subtotal,
        total_amount=subtotal + shipping_cost,
    )
    return order, lines


def _create_orders(
    rng: random.Random,
    *,
    count: int,
    profiles: list[_CustomerProfile],
    agents: list[Agent],
    products: list[Product],
    first_day: date,
    days: int,
    progress: bool,
) -> int:
    """Bulk-insert ``count`` orders and their lines in batches; returns the number of lines."""
    if count == 0 or not profiles:
        return 0
    zone = ZoneInfo(settings.ANALYTICS_TIME_ZONE)
    # A few customers buy a lot and many buy rarely, as in real shops (and RFM has something to find).
    customer_weights = [rng.paretovariate(1.5) for _ in profiles]
    product_weights = list(accumulate(rng.uniform(0.3, 3.0) for _ in products))
    first_number = _next_number(Order, prefix="O")
    moments = sorted(_order_moment(rng, first_day=first_day, days=days, zone=zone) for _ in range(count))
    buyers = rng.choices(profiles, weights=customer_weights, k=count)
    lines_created = 0
    with tqdm(total=count, unit="order", desc="Orders", disable=not progress) as bar:
        for start in range(0, count, BATCH_SIZE):
            batch = []
            for offset in range(start, min(start + BATCH_SIZE, count)):
                batch.append(
                    _make_order(
                        rng,
                        code=f"O-{first_number + offset:07d}",
                        profile=buyers[offset],
                        agents=agents,
                        products=products,
                        product_cum_weights=product_weights,
                        ordered_at=moments[offset],
                    )
                )
            _with_ids(Order, Order.objects.bulk_create([order for order, _ in batch]))
            lines = []
            for order, order_lines in batch:
                for line in order_lines:
                    line.order = order
                    lines.append(line)
            OrderLine.objects.bulk_create(lines, batch_size=BATCH_SIZE * 4)
            lines_created += len(lines)
            bar.update(len(batch))
    return lines_created


@transaction.atomic
def generate_demo_data(
    *, customers: int, orders: int, years: int, seed: int, today: date | None = None, progress: bool = False
) -> dict[str, int]:
    """Create the demo dataset in one transaction and return how many rows of each kind were added.

    Orders fall on the ``years * 365`` days that end as ``today`` begins
    (default: the current date in ``ANALYTICS_TIME_ZONE``), so none is dated in
    the future; passing ``today`` makes a run reproducible on any day.
    """
    if customers < 0 or orders < 0 or years < 1:
        raise ValueError("customers and orders must be >= 0 and years >= 1")
    if orders and not customers and not Customer.objects.exists():
        raise ValueError("orders need customers: ask for at least one customer")
    rng = random.Random(seed)
    if today is None:
        today = datetime.now(ZoneInfo(settings.ANALYTICS_TIME_ZONE)).date()
    days = years * 365
    first_day = today - timedelta(days=days)

    products, categories_created, products_created = _ensure_catalog(rng)
    agents, teams_created, agents_created = _ensure_staff(rng)

    new_customers = _make_customers(rng, customers, today=today)
    _with_ids(Customer, Customer.objects.bulk_create(new_customers, batch_size=BATCH_SIZE))
    memberships = _make_memberships(rng, new_customers, first_day=first_day, today=today)
    Membership.objects.bulk_create(memberships, batch_size=BATCH_SIZE)

    if new_customers:
        buyers, buyer_memberships = new_customers, memberships
    else:  # more orders for the customers already there
        buyers, buyer_memberships = list(Customer.objects.order_by("code")), list(Membership.objects.all())
    by_customer: dict[int, list[Membership]] = {}
    for membership in sorted(buyer_memberships, key=lambda membership: membership.start_date):
        by_customer.setdefault(membership.customer_id, []).append(membership)
    profiles = [
        _CustomerProfile(customer=customer, region=customer.region, memberships=tuple(by_customer.get(customer.pk, ())))
        for customer in buyers
    ]
    lines_created = _create_orders(
        rng,
        count=orders,
        profiles=profiles,
        agents=agents,
        products=products,
        first_day=first_day,
        days=days,
        progress=progress,
    )
    # Bulk-created orders skip the services, so their days are summed here (the days before today).
    every_day = frozenset(first_day + timedelta(days=offset) for offset in range(days + 1))
    rollups_refresh(RollupTouch(days=every_day, customer_ids=None, product_ids=None))
    # Cached analytics must not outlive the new orders (as after any order write).
    data_version_bump()
    return {
        "categories": categories_created,
        "products": products_created,
        "teams": teams_created,
        "agents": agents_created,
        "customers": len(new_customers),
        "memberships": len(memberships),
        "orders": orders,
        "order_lines": lines_created,
    }
