"""The sample sales CSV: the import's exact format, consistent orders, reproducible, streamed to any size.

Every expectation is read back from the written CSV with the ``csv`` module,
never from the generator's own tables.
"""

import csv
import io
import os
import re
import subprocess
import sys
from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from ingestion.sample_data import write_sales_csv

HEADER = (
    "Order ID,Product ID,Customer ID,Product Name,Category,Region,Date of Sale,Quantity Sold,Unit Price,"
    "Discount,Shipping Cost,Payment Method,Customer Name,Customer Email,Customer Address"
)
AGENT_HEADER = ",Agent ID,Agent Name,Agent Role,Team"
ORDER_LEVEL = ("Customer ID", "Date of Sale", "Region", "Payment Method", "Shipping Cost", "Agent ID")
ROWS = 4000
MONEY = re.compile(r"^\d+\.\d{2}$")


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sample") / "sales.csv"
    write_sales_csv(out=path, rows=ROWS, seed=42)
    return path


@pytest.fixture(scope="module")
def records(sample) -> list[dict[str, str]]:
    with sample.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _orders(records: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    orders: dict[str, list[dict[str, str]]] = defaultdict(list)
    for record in records:
        orders[record["Order ID"]].append(record)
    return orders


def test_header_is_exactly_the_sales_format_with_agents(sample):
    first_line = sample.read_text(encoding="utf-8").split("\n", 1)[0]

    assert first_line == HEADER + AGENT_HEADER


def test_header_leaves_agent_columns_out_without_agents():
    out = io.StringIO()

    write_sales_csv(out=out, rows=50, seed=1, with_agents=False)

    lines = out.getvalue().split("\n")
    assert lines[0] == HEADER
    assert all(len(row) == 15 for row in csv.reader(io.StringIO(out.getvalue())))


@pytest.mark.parametrize("rows", [0, 1, 7, 1234])
def test_writes_exactly_the_rows_asked_for(rows):
    out = io.StringIO()

    returned = write_sales_csv(out=out, rows=rows, seed=3)

    parsed = list(csv.reader(io.StringIO(out.getvalue())))
    assert returned == rows
    assert len(parsed) == rows + 1  # the header
    assert out.getvalue().endswith("\n")
    assert "\r" not in out.getvalue()


def test_same_seed_gives_identical_bytes_and_another_seed_does_not(tmp_path, sample):
    again, other = tmp_path / "again.csv", tmp_path / "other.csv"

    write_sales_csv(out=again, rows=ROWS, seed=42)
    write_sales_csv(out=other, rows=ROWS, seed=43)

    assert again.read_bytes() == sample.read_bytes()
    assert other.read_bytes() != sample.read_bytes()


def test_every_record_has_all_columns_even_with_quoted_commas(sample, records):
    with_commas = [record for record in records if "," in record["Customer Address"]]

    assert len(records) == ROWS
    assert all(None not in record and len(record) == 19 for record in records)  # no spill-over fields
    assert with_commas, "some addresses should contain commas"
    assert f'"{with_commas[0]["Customer Address"]}"' in sample.read_text(encoding="utf-8")


def test_lines_of_an_order_are_consecutive_and_agree_on_order_level_fields(records):
    seen: set[str] = set()
    previous = None
    for record in records:
        order_id = record["Order ID"]
        if order_id != previous:
            assert order_id not in seen, f"{order_id} appears again after another order"
            seen.add(order_id)
            previous = order_id

    for order_id, lines in _orders(records).items():
        for field in ORDER_LEVEL:
            assert len({line[field] for line in lines}) == 1, (order_id, field)


def test_an_order_has_one_to_four_lines_with_distinct_products(records):
    orders = _orders(records)
    sizes = {len(lines) for lines in orders.values()}

    for order_id, lines in orders.items():
        products = [line["Product ID"] for line in lines]
        assert len(products) == len(set(products)), order_id
    assert sizes <= {1, 2, 3, 4}
    assert len(sizes) > 1  # multi-line orders do occur
    assert all(re.fullmatch(r"O\d+", order_id) for order_id in orders)


def test_each_product_and_customer_keeps_one_identity(records):
    products: dict[str, set[tuple[str, str]]] = defaultdict(set)
    customers: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
    for record in records:
        products[record["Product ID"]].add((record["Product Name"], record["Category"]))
        customers[record["Customer ID"]].add(
            (record["Customer Name"], record["Customer Email"], record["Customer Address"])
        )

    assert all(len(identities) == 1 for identities in products.values())
    assert all(len(identities) == 1 for identities in customers.values())
    assert all(re.fullmatch(r"P\d+", code) for code in products)
    assert all(re.fullmatch(r"C\d+", code) for code in customers)
    # Repeat buyers: far fewer customers than orders.
    assert len(customers) < len(_orders(records)) / 2


def test_each_agent_keeps_one_identity_and_some_orders_have_none(records):
    agents: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
    without_agent = 0
    for record in records:
        agent = (record["Agent Name"], record["Agent Role"], record["Team"])
        if record["Agent ID"]:
            agents[record["Agent ID"]].add(agent)
        else:
            assert agent == ("", "", "")
            without_agent += 1

    assert all(len(identities) == 1 for identities in agents.values())
    assert {role for ((_, role, _),) in agents.values()} == {"Call Center Agent", "Admin", "Retail Agent", "Agent"}
    assert 0 < without_agent < len(records)


def test_values_are_in_range_and_well_formed(records):
    dates = [date.fromisoformat(record["Date of Sale"]) for record in records]

    for record in records:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", record["Date of Sale"])
        assert 1 <= int(record["Quantity Sold"]) <= 10
        assert record["Discount"] == "" or 0 <= Decimal(record["Discount"]) <= 1
        assert MONEY.match(record["Unit Price"]) and Decimal(record["Unit Price"]) > 0
        assert MONEY.match(record["Shipping Cost"])
        assert record["Region"] in {"North", "South", "East", "West", "Central"}
        assert record["Payment Method"] in {"Credit Card", "Debit Card", "PayPal", "Cash", "Bank Transfer"}
        assert "@" in record["Customer Email"]
    assert (max(dates) - min(dates)).days > 365
    assert (max(dates) - min(dates)).days <= 3 * 366
    assert any(record["Discount"] not in ("", "0") for record in records)


def test_command_writes_a_file_and_exits_zero(tmp_path):
    path = tmp_path / "generated.csv"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "salesanalytics.settings.test"}

    result = subprocess.run(
        [sys.executable, "manage.py", "generate_sales_csv", "--rows", "300", "--seed", "5", "--out", str(path)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    with path.open(newline="", encoding="utf-8") as f:
        assert sum(1 for _ in csv.DictReader(f)) == 300
    assert "300 rows" in result.stderr
    assert str(path.stat().st_size) in result.stderr


def test_command_writes_to_stdout_without_agents():
    out = io.StringIO()

    call_command("generate_sales_csv", "--rows", "25", "--out", "-", "--no-agents", stdout=out)

    parsed = list(csv.reader(io.StringIO(out.getvalue())))
    assert ",".join(parsed[0]) == HEADER
    assert len(parsed) == 26
