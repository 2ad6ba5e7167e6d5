"""Seeded, realistic sales CSV files in the spec's ``sales`` format, of any size.

Imports are tested and benchmarked on files far larger than memory should
hold, so the writer streams: the catalogue (a few hundred products) and the
agents (50) are small fixed tables, while a customer's name, email and address
are derived from its number by a hash, so nothing grows with ``rows``. The same
``seed`` always gives the same bytes.
"""

import csv
import os
from bisect import bisect_right
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache, partial
from itertools import accumulate
from pathlib import Path
from random import Random
from typing import IO

from ingestion.readers import SALES_COLUMNS as READER_SALES_COLUMNS
from sales.demo_data import (
    AGENT_ROLE_WEIGHTS,
    CATALOG,
    CITIES,
    FEMALE_NAMES,
    LAST_NAMES,
    MALE_NAMES,
    NEUTRAL_NAMES,
    PAYMENT_METHODS,
    PAYMENT_WEIGHTS,
    REGIONS,
    STREET_KINDS,
    STREETS,
    TEAMS,
)

# The generator writes exactly the header the sales reader expects.
SALES_COLUMNS = tuple(column.name for column in READER_SALES_COLUMNS if column.required)
AGENT_COLUMNS = tuple(column.name for column in READER_SALES_COLUMNS if not column.required)

PRODUCTS_COUNT = 600
AGENTS_COUNT = 50
ROWS_PER_CUSTOMER = 8  # about rows / 8 customers, so most buy several times
FIRST_DAY = date(2023, 1, 1)  # fixed, not "today": a seed must give the same file on any day
DAYS = 3 * 365
NO_AGENT_SHARE = 0.15
HOME_REGION_SHARE = 0.9
FREE_SHIPPING_FROM_CENTS = 100_00
SHIPPING_COSTS = ("4.99", "7.99", "9.99", "14.99")
YEARLY_PRICE_RISE = 0.03  # prices drift up, so a line's price is not always the product's first one
PROGRESS_EVERY = 10_000
CUSTOMER_CACHE_SIZE = 1 << 14  # frequent buyers are looked up again; bounded, so memory stays flat

EDITIONS = (("", 1.0), ("Mini", 0.7), ("Lite", 0.8), ("Plus", 1.2), ("Pro", 1.5), ("Max", 1.8), ("Travel", 0.9))
COLOURS = ("Black", "White", "Blue", "Red", "Green", "Grey", "Silver", "Navy")

# Weighted choices as lookup tables: ``table[int(random() * len(table))]`` is several
# times faster than ``Random.choices`` and a million rows make that count.
LINES_TABLE = (1,) * 45 + (2,) * 30 + (3,) * 15 + (4,) * 10
QUANTITY_TABLE = sum(((q,) * w for q, w in zip(range(1, 11), (30, 22, 14, 10, 7, 5, 4, 3, 3, 2), strict=True)), ())
DISCOUNT_TABLE = ("0",) * 78 + ("0.05",) * 8 + ("0.1",) * 7 + ("0.2",) * 4 + ("",) * 3  # blank means 0
DISCOUNT_FACTORS = {"": 1.0, "0": 1.0, "0.05": 0.95, "0.1": 0.9, "0.2": 0.8}
NO_AGENT = ("", "", "", "")
PAYMENT_TABLE = sum(((m,) * w for m, w in zip(PAYMENT_METHODS, PAYMENT_WEIGHTS, strict=True)), ())

_MASK64 = (1 << 64) - 1
_FIRST_NAMES = MALE_NAMES + FEMALE_NAMES + NEUTRAL_NAMES


@dataclass(frozen=True)
class _Product:
    code: str
    name: str
    category: str
    cents_by_year: tuple[int, ...]  # unit price in cents for each year of the date range
    prices_by_year: tuple[str, ...]  # the same, as the CSV writes it


def write_sales_csv(
    *,
    out: IO[str] | Path,
    rows: int,
    seed: int,
    with_agents: bool = True,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write a header and ``rows`` order lines to ``out``; return the number of rows written.

    Rows of one order are consecutive, share the Order ID and agree on every
    order-level field (Customer ID, Date of Sale, Region, Payment Method,
    Shipping Cost, Agent ID); an order has 1-4 lines with distinct products.
    Order numbers rise with the date, as a shop's do. A path is written as
    UTF-8; an open stream should be opened with ``newline=""`` (lines end with
    ``\\n``). ``progress``, if given, is called with the rows written since its
    previous call.
    """
    if rows < 0:
        raise ValueError(f"rows must be >= 0, got {rows}")
    with _opened(out) as stream:
        return _write(stream, rows=rows, seed=seed, with_agents=with_agents, progress=progress)


@contextmanager
def _opened(out: IO[str] | Path) -> Iterator[IO[str]]:
    if isinstance(out, str | os.PathLike):
        with open(out, "w", encoding="utf-8", newline="", buffering=1 << 20) as stream:
            yield stream
    else:
        yield out


def _write(stream: IO[str], *, rows: int, seed: int, with_agents: bool, progress: Callable[[int], None] | None) -> int:
    rng = Random(seed)
    products = _make_products(rng)
    # Some products sell far more than others.
    product_cum_weights = list(accumulate(rng.paretovariate(1.2) for _ in products))
    agents = _make_agents(rng)
    customer_of = lru_cache(maxsize=CUSTOMER_CACHE_SIZE)(partial(_customer, rng.getrandbits(64)))
    customers = max(1, rows // ROWS_PER_CUSTOMER)
    days = [FIRST_DAY + timedelta(days=offset) for offset in range(DAYS)]
    day_strings = [day.isoformat() for day in days]
    year_indexes = [day.year - FIRST_DAY.year for day in days]

    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(SALES_COLUMNS + AGENT_COLUMNS if with_agents else SALES_COLUMNS)

    random = rng.random
    total_weight = product_cum_weights[-1]
    last_product = len(products) - 1
    written = 0
    reported = 0
    order_number = 0
    while written < rows:
        order_number += 1
        # Order-level fields, shared by every line of the order.
        # A few customers buy often and most rarely: low numbers are drawn more.
        customer = customer_of(1 + int(customers * random() ** 1.6))
        day = min(DAYS - 1, max(0, int(DAYS * written / rows) + int(random() * 7) - 3))
        year_index = year_indexes[day]
        region = customer.region if random() < HOME_REGION_SHARE else REGIONS[int(random() * len(REGIONS))]
        payment = PAYMENT_TABLE[int(random() * len(PAYMENT_TABLE))]
        agent = NO_AGENT if random() < NO_AGENT_SHARE else agents[int(random() * len(agents))]
        agent_fields = agent if with_agents else ()

        lines = min(LINES_TABLE[int(random() * len(LINES_TABLE))], rows - written)
        chosen: list[int] = []
        while len(chosen) < lines:
            # min(): float rounding could put the point on the very last bound.
            index = min(last_product, bisect_right(product_cum_weights, random() * total_weight))
            if index not in chosen:
                chosen.append(index)
        order_rows = []
        subtotal_cents = 0
        for index in chosen:
            product = products[index]
            quantity = QUANTITY_TABLE[int(random() * len(QUANTITY_TABLE))]
            discount = DISCOUNT_TABLE[int(random() * len(DISCOUNT_TABLE))]
            subtotal_cents += int(quantity * product.cents_by_year[year_index] * DISCOUNT_FACTORS[discount])
            price = product.prices_by_year[year_index]
            order_rows.append((product.code, product.name, product.category, quantity, price, discount))
        shipping = "0.00" if subtotal_cents >= FREE_SHIPPING_FROM_CENTS else SHIPPING_COSTS[int(random() * 4)]

        code = f"O{order_number}"
        writer.writerows(
            [
                code,
                product_code,
                customer.code,
                name,
                category,
                region,
                day_strings[day],
                quantity,
                price,
                discount,
                shipping,
                payment,
                customer.name,
                customer.email,
                customer.address,
                *agent_fields,
            ]
            for product_code, name, category, quantity, price, discount in order_rows
        )
        written += lines
        if progress is not None and written - reported >= PROGRESS_EVERY:
            progress(written - reported)
            reported = written
    if progress is not None and written > reported:
        progress(written - reported)
    return written


def _make_products(rng: Random) -> list[_Product]:
    """Variants (edition, colour) of the demo catalogue's items, each with its own price."""
    items = [(category, name, price) for category, _description, products in CATALOG for name, price in products]
    combinations = [(item, edition, colour) for item in items for edition in EDITIONS for colour in COLOURS]
    products = []
    for number, ((category, name, price), (edition, factor), colour) in enumerate(
        rng.sample(combinations, PRODUCTS_COUNT), start=1
    ):
        base_cents = max(99, round(float(price) * 100 * factor * rng.uniform(0.9, 1.1)))
        years = DAYS // 365 + 1
        cents_by_year = tuple(round(base_cents * (1 + YEARLY_PRICE_RISE) ** year) for year in range(years))
        full_name = f"{name} {edition} ({colour})" if edition else f"{name} ({colour})"
        products.append(
            _Product(
                code=f"P{number}",
                name=full_name,
                category=category,
                cents_by_year=cents_by_year,
                prices_by_year=tuple(f"{cents // 100}.{cents % 100:02d}" for cents in cents_by_year),
            )
        )
    return products


def _make_agents(rng: Random) -> list[tuple[str, str, str, str]]:
    """``(code, name, role, team)``; every role appears, the rest by the demo data's weights."""
    roles = [role.value for role in AGENT_ROLE_WEIGHTS]
    roles += [
        role.value
        for role in rng.choices(
            list(AGENT_ROLE_WEIGHTS), weights=list(AGENT_ROLE_WEIGHTS.values()), k=AGENTS_COUNT - len(roles)
        )
    ]
    rng.shuffle(roles)
    return [
        (f"A{number}", f"{rng.choice(_FIRST_NAMES)} {rng.choice(LAST_NAMES)}", role, TEAMS[number % len(TEAMS)])
        for number, role in enumerate(roles, start=1)
    ]


@dataclass(frozen=True)
class _Customer:
    code: str
    name: str
    email: str
    address: str
    region: str


def _customer(salt: int, number: int) -> _Customer:
    """Customer ``number``'s details, a pure function of the seed's salt and the number."""
    h = _hash64(salt ^ number)
    h, first = divmod(h, len(_FIRST_NAMES))
    h, last = divmod(h, len(LAST_NAMES))
    h, region = divmod(h, len(REGIONS))
    h, city = divmod(h, 3)
    h, house = divmod(h, 399)
    h, street = divmod(h, len(STREETS))
    h, kind = divmod(h, len(STREET_KINDS))
    h, style = divmod(h, 10)
    h, flat = divmod(h, 40)
    first_name, last_name = _FIRST_NAMES[first], LAST_NAMES[last]
    region_name = REGIONS[region]
    street_line = f"{house + 1} {STREETS[street]} {STREET_KINDS[kind]}"
    town = CITIES[region_name][city]
    if style < 4:  # no comma: "12 Oak Lane Midtown"
        address = f"{street_line} {town}"
    elif style < 8:
        address = f"{street_line}, {town}"
    else:  # two commas, so a reader that splits on commas is caught out
        address = f"Apt {flat + 1}, {street_line}, {town}"
    return _Customer(
        code=f"C{number}",
        name=f"{first_name} {last_name}",
        email=f"{first_name}.{last_name}.{number}@example.com".lower(),
        address=address,
        region=region_name,
    )


def _hash64(value: int) -> int:
    """splitmix64's finaliser: a fast, well-mixed 64-bit hash, identical on every platform."""
    value = (value + 0x9E3779B97F4A7C15) & _MASK64
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK64
    return value ^ (value >> 31)
