"""PostgreSQL's columnar fast path and the row-by-row reader must import any file to the same result.

Each file is random: good rows mixed with every kind of bad cell, cells in
unusual but valid forms, quoting, blank and ragged records, orders whose rows
disagree or repeat a product. It is imported twice into the same starting
database, once through the fast path and once with the fast path switched off,
and the two outcomes (the job's counts and row errors, and every stored value)
must be equal. The row-by-row reader is the simpler of the two and the one
SQLite uses, so it serves as the expected result.
"""

import csv
import io
import logging
import random
from pathlib import Path

import pytest
from django.db import connection, transaction

from catalog.models import Product
from customers.models import Customer
from ingestion import loaders
from ingestion.loaders import columnar
from ingestion.loaders.columnar import FastPathUnavailable
from ingestion.services import import_job_create_local, import_job_run
from sales.models import Agent, Order, OrderLine
from tests.factories import make_product
from tests.ingestion.csv_files import AGENT_HEADER, SALES_HEADER

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has only the row-by-row reader"),
]

# Cells each reader must judge alike: (valid ones, in plain and unusual forms; bad or doubtful ones).
VARIANTS = {
    "Quantity Sold": (["1", "2", "3", "02", " 4 ", "\t3"], ["0", "-1", "2.0", "1e3", "abc", "", "99999999999"]),
    "Unit Price": (["19.99", "5", "0", "19.990", "0.5"], ["1.999", "-1", "1e2", "12,50", "", "x", "99999999999.99"]),
    "Discount": (["0", "0.1", ".25", "1", ""], ["1.0000", "0.", "1.5", "-0.1", "0.12345", "ten"]),
    "Shipping Cost": (["5.00", "0", "", "7.5"], ["free", "-2", "1e1"]),
    "Date of Sale": (["2024-03-05", "2024-12-31", "2024-03-05T10:30:00+02:00"], ["2024-02-30", "05/03/2024", ""]),
    "Region": (["North", "South", "", "Sud-Est", " South\t"], ["North\nEast", 'The "West"', "x" * 101]),
    "Payment Method": (["Cash", "Card", ""], ["Card\tdebit", "y" * 51]),
    "Customer Name": (["Ana Lima", "Zoë", "Bo, Jr."], ["Ana\x00Lima", "n" * 201, ""]),
    "Customer Email": (["ana@example.com", "", "  b@example.com "], ["zoë@exämple.com", "not-an-email", "a@b@c.d"]),
    "Customer Address": (["1 Main St", "2 Side Rd, Flat 3", ""], ["Line 1\nLine 2", "back\\slash"]),
    "Agent Name": (["Agent", "Agente"], ["", "a" * 201]),
    "Agent Role": (["Agent", "call center agent", "Retail Agent", "ADMIN", ""], ["boss", "Agents"]),
    "Team": (["Team 1", "Team 2", ""], ["t" * 101]),
}
PRODUCTS = [(f"P-{n}", ["Kettle", "Lamp", "Zoë's mug"][n % 3], f"Cat-{n % 3}") for n in range(12)]


def _cell(rng: random.Random, column: str, *, odd: float = 0.03) -> str:
    good, bad = VARIANTS[column]
    return rng.choice(bad if rng.random() < odd else good)


def _order_fields(rng: random.Random, number: int) -> dict[str, str]:
    customer, agent = rng.randrange(15), rng.randrange(6)
    fields = ["Date of Sale", "Region", "Shipping Cost", "Payment Method", "Customer Email", "Customer Address"]
    return {
        "Order ID": f"O-{number}" if rng.random() > 0.01 else " ",
        "Customer ID": f"C-{customer}",
        "Customer Name": f"{_cell(rng, 'Customer Name')} {customer}",
        **{column: _cell(rng, column) for column in fields},
        "Agent ID": "" if rng.random() < 0.2 else f"A-{agent}",
        "Agent Name": f"{_cell(rng, 'Agent Name')} {agent}",
        "Agent Role": _cell(rng, "Agent Role"),
        "Team": _cell(rng, "Team"),
    }


def _line_fields(rng: random.Random) -> dict[str, str]:
    code, name, category = rng.choice(PRODUCTS)
    return {
        "Product ID": code if rng.random() > 0.01 else "",
        "Product Name": name if rng.random() > 0.03 else rng.choice(["Other name", "z" * 201]),
        "Category": category,
        **{column: _cell(rng, column) for column in ("Quantity Sold", "Unit Price", "Discount")},
    }


def random_sales_csv(path: Path, *, seed: int, orders: int) -> Path:
    """About two rows per order; some rows contradict their order or repeat its product; odd records between."""
    rng = random.Random(seed)
    header = SALES_HEADER + AGENT_HEADER
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=rng.choice(["\n", "\r\n"]))
    writer.writerow(header)
    for number in range(orders):
        order = _order_fields(rng, number)
        for _line in range(rng.choice([1, 1, 2, 2, 3])):
            row = order | _line_fields(rng)
            if rng.random() < 0.04:  # contradicts the order's first row
                row = row | {"Customer ID": f"C-{rng.randrange(15)}", "Region": "Elsewhere"}
            writer.writerow([row[name] for name in header])
            odd = rng.random()
            if odd < 0.01:
                buffer.write(writer.dialect.lineterminator)  # a blank line
            elif odd < 0.02:
                writer.writerow([""] * len(header))  # a row of bare commas
            elif odd < 0.03:
                writer.writerow(["O-short", "P-1", "C-1"])  # too few fields
            elif odd < 0.04:
                writer.writerow([row[name] for name in header] + ["extra"])  # too many
            elif odd < 0.06:
                writer.writerow([row[name] for name in header])  # the same line again: a repeated product
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def import_outcome(path: Path) -> dict:
    """Import ``path`` and return what a user can see of it; everything it wrote is then rolled back."""
    with transaction.atomic():
        job = import_job_run(job_id=import_job_create_local(kind="sales", path=path).pk)
        outcome = {
            "job": (job.status, job.error, job.rows_total, job.rows_created, job.rows_updated, job.rows_rejected),
            "errors": job.errors,
            "orders": sorted(
                Order.objects.values_list(
                    "code",
                    "customer__code",
                    "agent__code",
                    "ordered_at",
                    "region",
                    "payment_method",
                    "shipping_cost",
                    "subtotal",
                    "total_amount",
                )
            ),
            "lines": sorted(
                OrderLine.objects.values_list(
                    "order__code", "product__code", "quantity", "unit_price", "discount", "line_total"
                )
            ),
            "customers": sorted(Customer.objects.values_list("code", "name", "email", "address", "region")),
            "products": sorted(Product.objects.values_list("code", "name", "category__name", "unit_price")),
            "agents": sorted(Agent.objects.values_list("code", "name", "role", "team__name")),
        }
        transaction.set_rollback(True)
    return outcome


def row_by_row_only(**_kwargs):
    raise FastPathUnavailable("switched off for this comparison")


@pytest.mark.parametrize("seed", range(6))
def test_the_fast_path_imports_a_random_flawed_file_as_the_row_by_row_reader_does(tmp_path, monkeypatch, caplog, seed):
    # Given a random file of about 1,800 rows, read in blocks of 8 KB so that orders span many of them
    path = random_sales_csv(tmp_path / "sales.csv", seed=seed, orders=900)
    monkeypatch.setattr(columnar, "BLOCK_BYTES", 8 * 1024)
    monkeypatch.setattr(columnar, "PROGRESS_ROWS", 500)

    with caplog.at_level(logging.INFO, logger="ingestion.loaders"):
        fast = import_outcome(path)
    assert "row by row" not in caplog.text  # the fast path read the whole file
    monkeypatch.setattr(loaders, "stage_csv_columnar", row_by_row_only)
    expected = import_outcome(path)

    # Then both readers load and reject the same rows, with the same words, and store the same values
    assert expected["job"][0] == "succeeded"
    assert 0 < expected["job"][5] < expected["job"][2]  # some rows rejected, most loaded: the file tests something
    assert len(expected["orders"]) > 500
    assert fast == expected


@pytest.mark.parametrize("seed", range(3))
def test_the_fast_path_reimports_a_changed_file_as_the_row_by_row_reader_does(tmp_path, monkeypatch, caplog, seed):
    # Given a database that holds one random file, and a second file that changes and adds to it
    monkeypatch.setattr(columnar, "BLOCK_BYTES", 8 * 1024)
    first = random_sales_csv(tmp_path / "first.csv", seed=100 + seed, orders=600)
    second = random_sales_csv(tmp_path / "second.csv", seed=200 + seed, orders=900)
    job = import_job_run(job_id=import_job_create_local(kind="sales", path=first).pk)
    assert job.rows_created > 500

    with caplog.at_level(logging.INFO, logger="ingestion.loaders"):
        fast = import_outcome(second)
    assert "row by row" not in caplog.text
    monkeypatch.setattr(loaders, "stage_csv_columnar", row_by_row_only)
    expected = import_outcome(second)

    # Then the second import creates, updates and rejects the same rows through either reader
    assert expected["job"][3] > 0 and expected["job"][4] > 0
    assert fast == expected


PRODUCT_VARIANTS = {
    "Product Name": (["Hammer", "Zoë's mug", "Kite, red", " Lamp\t"], ["", "n" * 201, "Nul\x00name"]),
    "Category": (["Tools", "Toys", "Kitchen"], ["", "c" * 101]),
    "Unit Price": (["9.99", "15.50", "0", "2.500", " 7 "], ["-1", "1.999", "free", "", "1e2"]),
    "Description": (["", "Claw, 16 oz", "Two\nlines", 'A "quoted" word'], ["\\x00"]),
    "Stock": (["", "0", "12", "007"], ["-3", "1.5", "many", "99999999999"]),
}


def random_products_csv(path: Path, *, seed: int, rows: int) -> Path:
    """Products with every kind of cell; a few codes come back later (and are rejected as repeats)."""
    rng = random.Random(seed)
    header = ["Product ID", *PRODUCT_VARIANTS]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in range(rows):
        code = rng.choice([f"P-{rng.randrange(row + 1)}", "", " "]) if rng.random() < 0.04 else f"P-{row}"
        cells = [code]
        for column in header[1:]:
            good, bad = PRODUCT_VARIANTS[column]
            cells.append(rng.choice(bad if rng.random() < 0.04 else good))
        writer.writerow(cells)
        if rng.random() < 0.02:
            writer.writerow(cells[:2])  # too few fields
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def products_outcome(path: Path) -> dict:
    with transaction.atomic():
        job = import_job_run(job_id=import_job_create_local(kind="products", path=path).pk)
        outcome = {
            "job": (job.status, job.error, job.rows_total, job.rows_created, job.rows_updated, job.rows_rejected),
            "errors": job.errors,
            "products": sorted(
                Product.objects.values_list("code", "name", "category__name", "unit_price", "description", "stock")
            ),
        }
        transaction.set_rollback(True)
    return outcome


@pytest.mark.parametrize("seed", range(3))
def test_the_fast_path_imports_a_random_flawed_products_file_as_the_row_by_row_reader_does(
    tmp_path, monkeypatch, caplog, seed
):
    # Given 200 stored products with stock and a description, and 1,200 random product rows read in blocks of 8 KB
    for number in range(0, 400, 2):
        stored = make_product(code=f"P-{number}", stock=40)
        Product.objects.filter(pk=stored.pk).update(description="Keep me")
    path = random_products_csv(tmp_path / "products.csv", seed=seed, rows=1200)
    monkeypatch.setattr(columnar, "BLOCK_BYTES", 8 * 1024)

    with caplog.at_level(logging.INFO, logger="ingestion.loaders"):
        fast = products_outcome(path)
    assert "row by row" not in caplog.text
    monkeypatch.setattr(loaders, "stage_csv_columnar", row_by_row_only)
    expected = products_outcome(path)

    # Then both readers reject the same rows in the same words and store the same products
    assert expected["job"][0] == "succeeded"
    assert expected["job"][4] > 150  # the stored products were updated
    assert 0 < expected["job"][5] < expected["job"][2] / 2
    assert len(expected["products"]) > 900
    assert fast == expected
