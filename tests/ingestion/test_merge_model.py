"""The set-based merge against a plain Python model of the import rules, on random flawed files.

The model walks the rows the reader accepted in file order and applies the
rules as the README states them: the first row of an Order ID fixes its
order-level fields and later rows that disagree are rejected; a repeated
(Order ID, Product ID) is rejected; a customer, product or agent takes its
values from its first row; records are upserted by code; order totals are the
sum of their lines plus shipping. What it predicts (the stored rows, the
counts and the row errors) must be what the merge's SQL produced, on either
backend, for a first load and for a changed file over it.
"""

import csv
import io
import random
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from catalog.models import Category, Product
from ingestion.loaders import columnar
from ingestion.loaders.sales import STAGE
from ingestion.readers import RowErrors, read_csv
from ingestion.services import import_job_create_local, import_job_run
from tests.factories import make_product
from tests.ingestion.random_files import random_products_csv, random_sales_csv
from tests.ingestion.stored_state import job_outcome, stored_state

pytestmark = pytest.mark.django_db

# The spec's order-level fields, restated rather than imported: the model shares no definitions with the merge.
ORDER_LEVEL = (
    ("customer_code", "Customer ID"),
    ("ordered_at", "Date of Sale"),
    ("region", "Region"),
    ("payment_method", "Payment Method"),
    ("shipping_cost", "Shipping Cost"),
    ("agent_code", "Agent ID"),
)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Row:
    row_no: int
    order_code: str
    product_code: str
    customer_code: str
    product_name: str
    category: str
    region: str
    ordered_at: datetime
    quantity: int
    unit_price: Decimal
    discount: Decimal
    shipping_cost: Decimal
    payment_method: str
    customer_name: str
    customer_email: str
    customer_address: str
    agent_code: str | None
    agent_name: str | None
    agent_role: str | None
    team: str | None
    line_total: Decimal


def read_rows(path: Path) -> tuple[list[Row], list[RowErrors]]:
    assert [name for name, _kind in STAGE.row_columns] == list(Row.__dataclass_fields__)
    rows, errors = [], []
    for item in read_csv(path, kind="sales"):
        if isinstance(item, RowErrors):
            errors.append(item)
        else:
            rows.append(Row(item[0], *item[1]))
    return rows, errors


def first_rows(rows: list[Row], key: str) -> dict[Any, Row]:
    firsts: dict[Any, Row] = {}
    for row in rows:
        if getattr(row, key) is not None:
            firsts.setdefault(getattr(row, key), row)
    return firsts


def model_import(state: dict[str, dict], path: Path) -> tuple[dict[str, dict], dict[str, Any]]:
    """The database after importing ``path`` over ``state``, and the job's counts and errors."""
    rows, errors = read_rows(path)

    # Rows that disagree with their order's first row, then repeated products among the rest.
    kept, seen_line = [], {}
    orders_first = first_rows(rows, "order_code")
    for row in rows:
        first = orders_first[row.order_code]
        label = next((label for name, label in ORDER_LEVEL if getattr(row, name) != getattr(first, name)), None)
        if label:
            message = f"Order ID {row.order_code} was first seen at row {first.row_no} with a different {label}."
            errors.append(RowErrors(row.row_no, [(label, message)]))
        elif (row.order_code, row.product_code) in seen_line:
            first_row = seen_line[row.order_code, row.product_code]
            message = f"Order ID {row.order_code} already has a line for this Product ID (row {first_row})."
            errors.append(RowErrors(row.row_no, [("Product ID", message)]))
        else:
            seen_line[row.order_code, row.product_code] = row.row_no
            kept.append(row)

    new = {table: dict(records) for table, records in state.items()}
    changed: dict[str, set] = {"orders": set(), "customers": set(), "products": set(), "agents": set()}

    for code, row in first_rows(kept, "customer_code").items():
        values = (row.customer_name, row.customer_email, row.customer_address)
        if code not in new["customers"]:
            new["customers"][code] = (*values, row.region)
        elif new["customers"][code][:3] != values:
            new["customers"][code] = (*values, new["customers"][code][3])  # the region stays
            changed["customers"].add(code)
    for code, row in first_rows(kept, "product_code").items():
        if code not in new["products"]:
            new["products"][code] = (row.product_name, row.category, row.unit_price, "", 0)
        elif new["products"][code][:2] != (row.product_name, row.category):
            new["products"][code] = (row.product_name, row.category, *new["products"][code][2:])
            changed["products"].add(code)
    for code, row in first_rows(kept, "agent_code").items():
        values = (row.agent_name, row.agent_role, row.team)
        if new["agents"].get(code) != values:
            new["agents"][code] = values
            changed["agents"].add(code)  # a new agent counts as a change of the rows that name it

    written_orders, created, updated = set(), 0, 0
    for code, row in first_rows(kept, "order_code").items():
        fields = (row.customer_code, row.agent_code, row.ordered_at, row.region, row.payment_method, row.shipping_cost)
        stored = new["orders"].get(code)
        if stored is None:
            new["orders"][code] = (*fields, Decimal(0), Decimal(0))
            written_orders.add(code)
        elif stored[:6] != fields:
            new["orders"][code] = (*fields, *stored[6:])
            changed["orders"].add(code)
    for row in kept:
        key, values = (row.order_code, row.product_code), (row.quantity, row.unit_price, row.discount, row.line_total)
        if key not in new["lines"]:
            created += 1
        elif new["lines"][key] != values:
            updated += 1
        elif (
            row.order_code in changed["orders"]
            or row.customer_code in changed["customers"]
            or row.product_code in changed["products"]
            or row.agent_code in changed["agents"]
        ):
            updated += 1  # its line stays, but what it says of its order, customer, product or agent changed
            continue
        else:
            continue
        new["lines"][key] = values
        written_orders.add(row.order_code)
    for code in written_orders | changed["orders"]:
        subtotal = sum((v[3] for (order, _p), v in new["lines"].items() if order == code), Decimal(0))
        fields = new["orders"][code][:6]
        new["orders"][code] = (*fields, subtotal.quantize(CENT), (subtotal + fields[5]).quantize(CENT))

    rejected = sorted(errors, key=lambda error: error.row)
    outcome = {
        "counts": (created, updated, len(errors)),
        "errors": [problem for error in rejected for problem in error.as_dicts()][:1000],
    }
    return new, outcome


def imported(path: Path) -> dict[str, Any]:
    job = import_job_run(job_id=import_job_create_local(kind="sales", path=path).pk)
    outcome = job_outcome(job)
    assert outcome["job"][0] == "succeeded"
    return {"counts": outcome["job"][3:], "errors": outcome["errors"]}


@pytest.mark.parametrize("seed", range(4))
def test_a_first_load_and_a_changed_file_over_it_store_what_the_rules_say(tmp_path, monkeypatch, seed):
    # Given an empty database, a random flawed file, and a second one that changes most of its orders
    monkeypatch.setattr(columnar, "BLOCK_BYTES", 8 * 1024)  # PostgreSQL: orders span read blocks
    first = random_sales_csv(tmp_path / "first.csv", seed=300 + seed, orders=500)
    second = random_sales_csv(tmp_path / "second.csv", seed=400 + seed, orders=700)

    # When the first is imported, then the second
    expected_state, expected = model_import(stored_state(), first)
    assert imported(first) == expected
    assert stored_state() == expected_state

    expected_state, expected = model_import(expected_state, second)
    assert expected["counts"][0] > 0 and expected["counts"][1] > 0  # the second file creates and updates
    assert imported(second) == expected
    assert stored_state() == expected_state

    # And importing the second file again changes nothing and rejects the same rows
    again = imported(second)
    assert again["counts"] == (0, 0, expected["counts"][2])
    assert again["errors"] == expected["errors"]
    assert stored_state() == expected_state


def model_products_import(state: dict[str, dict], path: Path) -> tuple[dict[str, dict], dict[str, Any]]:
    """The backfill's rules: a Product ID's first row wins; a blank Description or Stock keeps the stored one."""
    products, errors, first_row = dict(state["products"]), [], {}
    created = updated = 0
    for item in read_csv(path, kind="products"):
        if isinstance(item, RowErrors):
            errors.append(item)
            continue
        row_no, (code, name, category, unit_price, description, stock) = item
        if code in first_row:
            message = f"Product ID {code} already appeared at row {first_row[code]}."
            errors.append(RowErrors(row_no, [("Product ID", message)]))
            continue
        first_row[code] = row_no
        stored = products.get(code)
        if stored is None:
            products[code] = (name, category, unit_price, description or "", stock or 0)
            created += 1
            continue
        values = (
            name,
            category,
            unit_price,
            stored[3] if description is None else description,
            stored[4] if stock is None else stock,
        )
        if values != stored:
            products[code] = values
            updated += 1
    rejected = sorted(errors, key=lambda error: error.row)
    outcome = {
        "counts": (created, updated, len(errors)),
        "errors": [problem for error in rejected for problem in error.as_dicts()][:1000],
    }
    return state | {"products": products}, outcome


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("optional_columns", [True, False], ids=["with-description-and-stock", "without-them"])
def test_a_products_backfill_over_stored_products_stores_what_the_rules_say(
    tmp_path, monkeypatch, seed, optional_columns
):
    # Given a random flawed products file, with or without the optional columns
    rng = random.Random(seed)
    monkeypatch.setattr(columnar, "BLOCK_BYTES", 8 * 1024)
    path = random_products_csv(tmp_path / "products.csv", seed=500 + seed, rows=600)
    if not optional_columns:
        records = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
        keep = [at for at, name in enumerate(records[0]) if name not in ("Description", "Stock")]
        rewritten = io.StringIO()
        csv.writer(rewritten).writerows([[record[at] for at in keep if at < len(record)] for record in records])
        path.write_text(rewritten.getvalue(), encoding="utf-8")
    # And a third of its products stored already: as the file gives them, or with one value that differs
    firsts = {
        item[1][0]: item[1] for item in reversed(list(read_csv(path, kind="products"))) if isinstance(item, tuple)
    }
    for code, name, category, price, description, stock in list(firsts.values())[::3]:
        differ = rng.choice(["nothing", "name", "category", "price", "description", "stock"])
        stored = make_product(
            code=code,
            name=name + " (old)" if differ == "name" else name,
            category=Category.objects.get_or_create(name=category + " (old)" if differ == "category" else category)[0],
            unit_price=str(price + 1 if differ == "price" else price),
            # 7 where the file leaves Stock blank or out, and keeps it
            stock=(7 if stock is None else stock) + (5 if differ == "stock" else 0),
        )
        old_description = "Old text" if differ == "description" or description is None else description
        Product.objects.filter(pk=stored.pk).update(description=old_description)

    # When it is imported, twice
    expected_state, expected = model_products_import(stored_state(), path)
    assert expected["counts"][1] > 20  # the file updates stored products
    job = import_job_run(job_id=import_job_create_local(kind="products", path=path).pk)
    again = import_job_run(job_id=import_job_create_local(kind="products", path=path).pk)

    # Then the products are what the rules say, and the second run changes nothing
    assert (job.rows_created, job.rows_updated, job.rows_rejected) == expected["counts"]
    assert job.errors == expected["errors"]
    assert stored_state() == expected_state
    assert (again.rows_created, again.rows_updated, again.rows_rejected) == (0, 0, expected["counts"][2])
