"""Sales imports through the real reader, staging and merge, on SQLite and PostgreSQL alike."""

import logging
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection

from catalog.models import Category, Product
from customers.models import Customer
from ingestion import loaders, readers
from ingestion.loaders import columnar
from ingestion.models import ImportJob
from ingestion.services import import_job_create_local, import_job_run
from sales.models import Agent, Order, OrderLine, Team
from tests.factories import make_customer, make_product
from tests.ingestion.csv_files import SALES_HEADER, sales_row, write_csv

pytestmark = pytest.mark.django_db


def run_import(path: Path, kind: str = "sales") -> ImportJob:
    return import_job_run(job_id=import_job_create_local(kind=kind, path=path).pk)


def table_counts() -> dict[str, int]:
    models = [Customer, Category, Product, Team, Agent, Order, OrderLine]
    return {model.__name__: model.objects.count() for model in models}


def test_rows_sharing_an_order_id_become_one_order_with_lines(tmp_path):
    # Given two lines of O-1 (one with a discount that lands on a half cent) and one line of O-2
    path = write_csv(
        tmp_path / "sales.csv",
        [
            sales_row(product_id="P-1", quantity_sold="3", unit_price="19.99", discount="0.15"),  # 50.9745 -> 50.97
            sales_row(product_id="P-2", product_name="Mug", unit_price="0.05", quantity_sold="1", discount="0.5"),
            sales_row(order_id="O-2", customer_id="C-2", customer_name="Bo", shipping_cost="0", unit_price="4"),
        ],
    )

    job = run_import(path)

    assert (job.status, job.rows_total, job.rows_created, job.rows_updated, job.rows_rejected) == (
        "succeeded",
        3,
        3,
        0,
        0,
    )
    order = Order.objects.get(code="O-1")
    assert sorted(order.lines.values_list("product__code", "quantity", "line_total")) == [
        ("P-1", 3, Decimal("50.97")),
        ("P-2", 1, Decimal("0.03")),  # 0.025 rounds half-up
    ]
    assert order.subtotal == Decimal("51.00")
    assert order.total_amount == Decimal("56.00")  # + 5.00 shipping
    assert order.customer.code == "C-1"
    assert order.ordered_at.isoformat() == "2024-03-05T00:00:00+00:00"
    assert order.agent is None
    assert Order.objects.get(code="O-2").total_amount == Decimal("8.00")
    assert table_counts() == {
        "Customer": 2,
        "Category": 1,
        "Product": 2,
        "Team": 0,
        "Agent": 0,
        "Order": 2,
        "OrderLine": 3,
    }


def test_agent_columns_create_agents_and_teams(tmp_path):
    path = write_csv(
        tmp_path / "sales.csv",
        [
            sales_row(agent_id="A-1", agent_name="Sam", agent_role="retail agent", team="Alpha"),
            sales_row(order_id="O-2", agent_id="", agent_name="", agent_role="", team=""),
            sales_row(order_id="O-3", agent_id="A-2", agent_name="Kim", agent_role="", team=""),
        ],
    )

    job = run_import(path)

    assert job.status == "succeeded"
    assert job.rows_rejected == 0
    sam, kim = Agent.objects.get(code="A-1"), Agent.objects.get(code="A-2")
    assert (sam.name, sam.role, sam.team.name) == ("Sam", "Retail Agent", "Alpha")
    assert (kim.role, kim.team) == ("Agent", None)  # a blank role means the plain Agent role
    assert Order.objects.get(code="O-1").agent == sam
    assert Order.objects.get(code="O-2").agent is None


@pytest.mark.parametrize(
    ("change", "column", "fragment"),
    [
        ({"quantity_sold": "0"}, "Quantity Sold", "at least 1"),
        ({"quantity_sold": "-3"}, "Quantity Sold", "at least 1"),
        ({"quantity_sold": "two"}, "Quantity Sold", "not a whole number"),
        ({"quantity_sold": "1.5"}, "Quantity Sold", "not a whole number"),
        ({"unit_price": "12,50"}, "Unit Price", "not a number"),
        ({"unit_price": "-1"}, "Unit Price", "zero or more"),
        ({"unit_price": "1.999"}, "Unit Price", "two decimal places"),
        ({"unit_price": ""}, "Unit Price", "required"),
        ({"discount": "1.5"}, "Discount", "between 0 and 1"),
        ({"discount": "-0.1"}, "Discount", "between 0 and 1"),
        ({"discount": "ten"}, "Discount", "not a number"),
        ({"shipping_cost": "free"}, "Shipping Cost", "not a number"),
        ({"date_of_sale": "05/03/2024"}, "Date of Sale", "not a date"),
        ({"date_of_sale": "2024-02-30"}, "Date of Sale", "not a date"),
        ({"date_of_sale": ""}, "Date of Sale", "required"),
        ({"order_id": ""}, "Order ID", "required"),
        ({"product_id": ""}, "Product ID", "required"),
        ({"customer_id": " "}, "Customer ID", "required"),
        ({"customer_email": "not-an-email"}, "Customer Email", "email"),
        ({"product_name": "x" * 201}, "Product Name", "longer than 200"),
        ({"product_name": "é" * 201}, "Product Name", "longer than 200"),  # 402 bytes
        ({"customer_name": "Ana\x00Lima"}, "Customer Name", "NUL character"),
    ],
)
def test_each_bad_row_is_rejected_with_its_row_number_and_the_good_rows_load(tmp_path, change, column, fragment):
    # Given a good row, the bad row (row 3, the header being row 1), and another good row
    path = write_csv(
        tmp_path / "sales.csv",
        [
            sales_row(order_id="O-1"),
            sales_row(**{"order_id": "O-BAD", **change}),
            sales_row(order_id="O-3", customer_id="C-3"),
        ],
    )

    job = run_import(path)

    assert job.status == "succeeded"
    assert (job.rows_total, job.rows_created, job.rows_rejected) == (3, 2, 1)
    assert len(job.errors) == 1
    assert job.errors[0]["row"] == 3
    assert job.errors[0]["column"] == column
    assert fragment in job.errors[0]["message"]
    assert set(Order.objects.values_list("code", flat=True)) == {"O-1", "O-3"}


def test_a_row_disagreeing_with_its_orders_first_row_is_rejected_and_the_first_row_wins(tmp_path):
    path = write_csv(
        tmp_path / "sales.csv",
        [
            sales_row(product_id="P-1", region="North", shipping_cost="5.00"),
            sales_row(product_id="P-2", region="North", shipping_cost="7.00"),  # row 3: other shipping cost
            sales_row(product_id="P-3", customer_id="C-9", customer_name="Other"),  # row 4: other customer
            sales_row(product_id="P-4"),  # row 5: agrees
            sales_row(product_id="P-1", quantity_sold="9"),  # row 6: the same product again
        ],
    )

    job = run_import(path)

    assert job.status == "succeeded"
    assert job.rows_rejected == 3
    assert [(error["row"], error["column"]) for error in job.errors] == [
        (3, "Shipping Cost"),
        (4, "Customer ID"),
        (6, "Product ID"),
    ]
    assert "first seen at row 2" in job.errors[0]["message"]
    order = Order.objects.get(code="O-1")
    assert order.shipping_cost == Decimal("5.00")
    assert sorted(order.lines.values_list("product__code", "quantity")) == [("P-1", 2), ("P-4", 2)]
    assert not Customer.objects.filter(code="C-9").exists()


def test_lengths_count_characters_not_bytes(tmp_path):
    # Given names at their 200-character limit in two-, three- and four-byte characters
    names = ["é" * 200, "€" * 200, "😀" * 200]
    path = write_csv(
        tmp_path / "sales.csv",
        [sales_row(order_id=f"O-{n}", product_id=f"P-{n}", product_name=name) for n, name in enumerate(names)],
    )

    job = run_import(path)

    assert (job.rows_created, job.rows_rejected) == (3, 0)
    assert sorted(Product.objects.values_list("name", flat=True)) == sorted(names)


def test_cells_lose_surrounding_ascii_whitespace_only(tmp_path):
    # Given cells padded with spaces and tabs around non-ASCII text, one ending in a no-break space
    path = write_csv(
        tmp_path / "sales.csv",
        [sales_row(product_name="\t Çafé\u00a0 ", customer_name=" 😀 Zoë\t", category="  Küche")],
    )

    job = run_import(path)

    assert (job.rows_created, job.rows_rejected) == (1, 0)
    product = Product.objects.select_related("category").get()
    assert (product.name, product.category.name) == ("Çafé\u00a0", "Küche")
    assert Customer.objects.get().name == "😀 Zoë"


def test_utf8_bom_crlf_quoted_newlines_commas_and_non_ascii_are_read_correctly(tmp_path):
    # Given a spreadsheet export: BOM, CRLF, a quoted address with a comma and a newline, accents
    path = write_csv(
        tmp_path / "sales.csv",
        [
            sales_row(customer_name="José Ñúñez", customer_address='Rua "Velha", 12\nApt 3, Lisboa'),
            sales_row(order_id="O-2", product_id="P-2", product_name="Crème brûlée set, deluxe", customer_id="C-2"),
        ],
        encoding="utf-8-sig",
        newline="\r\n",
    )
    assert path.read_bytes().startswith(b"\xef\xbb\xbfOrder ID")

    job = run_import(path)

    assert job.status == "succeeded"
    assert job.rows_created == 2
    customer = Customer.objects.get(code="C-1")
    assert customer.name == "José Ñúñez"
    assert customer.address == 'Rua "Velha", 12\nApt 3, Lisboa'
    assert Product.objects.get(code="P-2").name == "Crème brûlée set, deluxe"


def test_row_numbers_count_records_not_lines(tmp_path):
    path = write_csv(
        tmp_path / "sales.csv",
        [
            sales_row(customer_address="line one\nline two\nline three"),  # record 2 spans three lines
            sales_row(order_id="O-2", quantity_sold="0"),  # record 3, on line 5 of the file
        ],
    )

    job = run_import(path)

    assert [error["row"] for error in job.errors] == [3]


def test_headers_match_whatever_their_case_spacing_or_snake_case(tmp_path):
    header = [name.lower().replace(" ", "_") for name in SALES_HEADER]
    header[0] = "  ORDER ID "
    row = dict(zip(header, sales_row().values(), strict=True))
    path = write_csv(tmp_path / "sales.csv", [row], header=header)

    job = run_import(path)

    assert job.status == "succeeded"
    assert Order.objects.filter(code="O-1").exists()


def test_errors_name_the_column_as_the_file_writes_it(tmp_path):
    header = [name.lower().replace(" ", "_") for name in SALES_HEADER]
    row = dict(zip(header, sales_row(quantity_sold="0").values(), strict=True))
    path = write_csv(tmp_path / "sales.csv", [row], header=header)

    job = run_import(path)

    assert job.errors[0]["column"] == "quantity_sold"


def _row_by_row_only(**_kwargs):
    raise columnar.FastPathUnavailable("switched off for this test")


@pytest.mark.parametrize("reader", ["fast path where there is one", "row-by-row reader"])
def test_rows_disagreeing_with_their_order_name_the_column_as_the_file_writes_it(tmp_path, monkeypatch, caplog, reader):
    # Given a header in snake_case, but for a Region cell in capitals with spaces around it
    if reader == "row-by-row reader":
        monkeypatch.setattr(loaders, "stage_csv_columnar", _row_by_row_only)
    header = [name.lower().replace(" ", "_") for name in SALES_HEADER]
    header[header.index("region")] = " REGION "
    rows = [
        sales_row(product_id="P-1"),  # row 2: the order's first row
        sales_row(product_id="P-2", customer_id="C-9", customer_name="Other"),  # row 3: another customer
        sales_row(product_id="P-3", region="South"),  # row 4: another region
        sales_row(product_id="P-4", shipping_cost="9.00"),  # row 5: another shipping cost
        sales_row(product_id="P-1", quantity_sold="7"),  # row 6: the first row's product again
    ]
    path = write_csv(
        tmp_path / "sales.csv", [dict(zip(header, row.values(), strict=True)) for row in rows], header=header
    )

    with caplog.at_level(logging.INFO, logger="ingestion.loaders"):
        job = run_import(path)

    # Then each rejected row names the header cell the file wrote (trimmed, as every other row error does)
    if connection.vendor == "postgresql":  # SQLite has the row-by-row reader only
        assert ("row by row" in caplog.text) == (reader == "row-by-row reader")
    assert job.status == "succeeded"
    assert [(error["row"], error["column"]) for error in job.errors] == [
        (3, "customer_id"),
        (4, "REGION"),
        (5, "shipping_cost"),
        (6, "product_id"),
    ]
    assert job.errors[0]["message"] == "order_id O-1 was first seen at row 2 with a different customer_id."
    assert job.errors[3]["message"] == "order_id O-1 already has a line for this product_id (row 2)."
    assert sorted(OrderLine.objects.values_list("product__code", "quantity")) == [("P-1", 2)]


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"Order ID,Product ID\nO-1,P-1\n", "lacks the required column(s) Customer ID"),
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00", "not UTF-8"),
        ("Order ID,Café\n".encode("latin-1") + b"\xe9\xe8\n", "not UTF-8"),
        (b"Order ID,Order ID,Product ID\n", "twice"),
    ],
)
def test_an_unreadable_file_fails_the_job_with_a_message_and_writes_nothing(tmp_path, content, fragment):
    make_customer()  # existing data must stay as it is
    before = table_counts()
    path = tmp_path / "broken.csv"
    path.write_bytes(content)

    job = run_import(path)

    assert job.status == "failed"
    assert fragment in job.error
    assert job.completed_at is not None
    assert table_counts() == before


def test_a_file_that_breaks_off_with_bad_bytes_late_writes_nothing(tmp_path, caplog):
    # Given 2,000 good rows (one with a quoted line break) and then a row with bytes that are not UTF-8
    rows = [sales_row(order_id=f"O-{n}", customer_address="1 Main St\nFlat 2" if n == 7 else "x") for n in range(2000)]
    path = write_csv(tmp_path / "sales.csv", rows)
    good = path.read_bytes()
    path.write_bytes(good + "O-X,P-1,Café,".encode() + b"\xff\xfe broken\n")

    job = run_import(path)

    assert job.status == "failed"
    bad_byte = len(good) + len("O-X,P-1,Café,".encode())  # "é" is two bytes
    assert job.error == (
        f"The file is not UTF-8 text: the byte at offset {bad_byte:,} (line 2,003) is not valid UTF-8. "
        "Export it as UTF-8 CSV and import it again."
    )
    assert "row by row" not in caplog.text  # PostgreSQL failed the job without reading the file again
    assert Order.objects.count() == 0
    assert Customer.objects.count() == 0


@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")  # nothing may escape to stderr
@pytest.mark.parametrize(
    "bad_row",
    [
        "O-9,P-1,C-1,Kettle,Kitchen,North,2024-03-05,2,19.99,0,5.00,Cash,Ana Lima,ana@example.com,1 Main St,caf\xe9",
        "O-9,P-1,caf\xe9",  # a short row, which is also rejected for its width
    ],
    ids=["in-a-column-not-imported", "in-a-short-row"],
)
def test_a_byte_that_is_not_utf8_fails_the_file_wherever_it_is(tmp_path, bad_row):
    # Given a file with an extra "Notes" column, whose 300th row has a Latin-1 byte
    header = [*SALES_HEADER, "Notes"]
    rows = [sales_row(order_id=f"O-{n}") | {"Notes": "ok"} for n in range(600)]
    path = write_csv(tmp_path / "sales.csv", rows, header=header)
    lines = path.read_bytes().split(b"\n")
    lines.insert(300, bad_row.encode("latin-1"))
    path.write_bytes(b"\n".join(lines))
    bad_byte = len(b"\n".join(lines[:300])) + 1 + bad_row.index("\xe9")

    job = run_import(path)

    # Then the job fails naming the byte, as the row-by-row reader does, and nothing is written
    assert job.status == "failed"
    assert job.error == (
        f"The file is not UTF-8 text: the byte at offset {bad_byte:,} (line 301) is not valid UTF-8. "
        "Export it as UTF-8 CSV and import it again."
    )
    assert Order.objects.count() == 0


@pytest.mark.parametrize(
    ("tail", "cut_after", "bad_at"),
    [
        (b"O-2,\xc3(", 5, 4),  # a character's first byte ends a read chunk, and what follows cannot continue it
        ("O-é,".encode() + b"\xff", 3, 5),  # a whole "é" across the chunks, a bad byte after it
        (b"O-2,\xe2\x82", 5, 4),  # the file ends inside a character
    ],
)
def test_the_first_byte_that_is_not_utf8_is_located_across_read_chunks(tmp_path, monkeypatch, tail, cut_after, bad_at):
    path = write_csv(tmp_path / "sales.csv", [sales_row()])
    good = path.read_bytes()
    path.write_bytes(good + tail)
    monkeypatch.setattr(readers, "SCAN_BYTES", len(good) + cut_after)

    job = run_import(path)

    assert f"the byte at offset {len(good) + bad_at:,} (line 3)" in job.error


def test_a_missing_file_fails_the_job(tmp_path):
    job = run_import(tmp_path / "nowhere.csv")

    assert job.status == "failed"
    assert "cannot be opened" in job.error


def test_a_row_with_the_wrong_number_of_fields_is_rejected(tmp_path):
    path = write_csv(tmp_path / "sales.csv", [sales_row()])
    path.write_text(path.read_text() + "O-2,P-1,C-1\n")

    job = run_import(path)

    assert job.rows_rejected == 1
    assert job.errors[0]["row"] == 3
    assert "3 fields" in job.errors[0]["message"]


def test_importing_the_same_file_twice_changes_nothing(tmp_path):
    rows = [
        sales_row(order_id=f"O-{n}", product_id=f"P-{n % 3}", customer_id=f"C-{n % 4}", agent_id=f"A-{n % 2}")
        | {"Agent Name": f"Agent {n % 2}", "Agent Role": "Agent", "Team": "Alpha"}
        for n in range(12)
    ] + [sales_row(order_id="O-BAD", quantity_sold="0")]
    path = write_csv(tmp_path / "sales.csv", rows)
    first = run_import(path)
    counts = table_counts()
    updated_at = dict(Order.objects.values_list("code", "updated_at"))

    second = run_import(path)

    assert (first.rows_created, first.rows_rejected) == (12, 1)
    assert (second.status, second.rows_created, second.rows_updated, second.rows_rejected) == ("succeeded", 0, 0, 1)
    assert table_counts() == counts
    assert dict(Order.objects.values_list("code", "updated_at")) == updated_at


def test_a_changed_file_updates_orders_lines_and_customers_in_place(tmp_path):
    # Given an imported order of two lines
    run_import(
        write_csv(
            tmp_path / "v1.csv",
            [sales_row(product_id="P-1"), sales_row(product_id="P-2", unit_price="10.00", quantity_sold="1")],
        )
    )
    line_ids = set(OrderLine.objects.values_list("id", flat=True))

    # When a corrected file changes one line's quantity, the shipping and the customer's email
    job = run_import(
        write_csv(
            tmp_path / "v2.csv",
            [
                sales_row(product_id="P-1", shipping_cost="1.00", customer_email="new@example.com"),
                sales_row(
                    product_id="P-2",
                    unit_price="10.00",
                    quantity_sold="4",
                    shipping_cost="1.00",
                    customer_email="new@example.com",
                ),
            ],
        )
    )

    # Then both rows count as updated, lines keep their ids, and totals follow (39.98 + 40.00 + 1.00)
    assert (job.rows_created, job.rows_updated) == (0, 2)
    assert set(OrderLine.objects.values_list("id", flat=True)) == line_ids
    order = Order.objects.get(code="O-1")
    assert order.subtotal == Decimal("79.98")
    assert order.total_amount == Decimal("80.98")
    assert Customer.objects.get(code="C-1").email == "new@example.com"


def test_a_later_file_adding_a_line_to_an_existing_order_recomputes_its_totals(tmp_path):
    run_import(write_csv(tmp_path / "v1.csv", [sales_row(product_id="P-1")]))  # 39.98 + 5.00

    job = run_import(write_csv(tmp_path / "v2.csv", [sales_row(product_id="P-9", unit_price="1.00")]))

    assert (job.rows_created, job.rows_updated) == (1, 0)
    order = Order.objects.get(code="O-1")
    assert order.lines.count() == 2
    assert order.subtotal == Decimal("41.98")
    assert order.total_amount == Decimal("46.98")


def test_imports_reuse_existing_records_by_code_and_never_touch_stock(tmp_path):
    product = make_product(code="P-1", unit_price="99.00", stock=7)
    customer = make_customer()
    Customer.objects.filter(pk=customer.pk).update(code="C-1")

    job = run_import(write_csv(tmp_path / "sales.csv", [sales_row()]))

    assert job.status == "succeeded"
    assert Product.objects.count() == 1
    assert Customer.objects.count() == 1
    stored = Product.objects.get(pk=product.pk)
    assert stored.stock == 7  # imported orders are history; they do not reserve stock
    assert stored.unit_price == Decimal("99.00")  # the catalogue price is the products import's to set
    assert OrderLine.objects.get().unit_price == Decimal("19.99")


def test_a_successful_import_moves_the_analytics_data_version(tmp_path, django_capture_on_commit_callbacks):
    from analytics.selectors import data_version_current

    before = data_version_current()
    with django_capture_on_commit_callbacks(execute=True):
        run_import(write_csv(tmp_path / "sales.csv", [sales_row()]))

    assert data_version_current() > before


def test_values_in_less_common_but_valid_forms_load_the_same_as_plain_ones(tmp_path):
    # Given rows written the plain way and, for the same values, in other forms the reader accepts
    path = write_csv(
        tmp_path / "sales.csv",
        [
            sales_row(order_id="O-1", unit_price="19.99", discount="0.1", date_of_sale="2024-03-05"),
            sales_row(
                order_id="O-2",
                unit_price="19.990",  # a trailing zero
                discount=".10",  # no leading zero
                quantity_sold="02",  # a leading zero
                date_of_sale="2024-03-05T10:30:00+02:00",  # a moment, not a date
            ),
        ],
    )

    job = run_import(path)

    # Then both load (PostgreSQL's SQL check refuses the second; the row-by-row reader takes it)
    assert (job.rows_created, job.rows_rejected) == (2, 0)
    plain, other = OrderLine.objects.get(order__code="O-1"), OrderLine.objects.get(order__code="O-2")
    assert (other.unit_price, other.discount, other.quantity) == (plain.unit_price, plain.discount, plain.quantity)
    assert other.line_total == plain.line_total == Decimal("35.98")  # 2 * 19.99 * 0.9 = 35.982
    assert Order.objects.get(code="O-2").ordered_at.isoformat() == "2024-03-05T08:30:00+00:00"


def test_rows_across_a_file_of_many_read_blocks_keep_their_numbers_and_values(tmp_path):
    # Given a file of several megabytes, read block by block, with bad rows at its start, middle and end
    # and valid values in uncommon forms far into it
    rows = [
        sales_row(order_id=f"O-{n}", product_id=f"P-{n % 7}", customer_id=f"C-{n % 50}", customer_address="x" * 200)
        for n in range(12_000)
    ]
    rows[0]["Quantity Sold"] = "0"  # row 2
    rows[6_999]["Discount"] = "1.5"  # row 7001
    rows[11_999]["Date of Sale"] = "2024-02-30"  # row 12001
    rows[9_000] |= {"Unit Price": "1E1", "Discount": " .25 ", "Customer Email": "ÿann@exämple.com"}
    path = write_csv(tmp_path / "big.csv", rows)
    assert path.stat().st_size > 3 * 1024 * 1024

    job = run_import(path)

    assert (job.status, job.rows_total, job.rows_created, job.rows_rejected) == ("succeeded", 12_000, 11_997, 3)
    assert [(error["row"], error["column"]) for error in job.errors] == [
        (2, "Quantity Sold"),
        (7001, "Discount"),
        (12001, "Date of Sale"),
    ]
    line = OrderLine.objects.select_related("order__customer").get(order__code="O-9000")
    assert (line.unit_price, line.discount, line.line_total) == (Decimal("10.00"), Decimal("0.25"), Decimal("15.00"))
    # C-0's first row (row 2) was rejected, so its first staged row (row 52) gives its email, not row 9002
    assert (line.order.customer.code, line.order.customer.email) == ("C-0", "ana@example.com")


def test_orders_spread_over_read_blocks_are_checked_as_a_whole(tmp_path, monkeypatch):
    # Given small read blocks and progress steps (PostgreSQL stages each block's lines and value sets apart),
    # and a file whose orders repeat products, disagree and change customers within a block and across blocks
    monkeypatch.setattr(columnar, "BLOCK_BYTES", 64 * 1024)
    monkeypatch.setattr(columnar, "PROGRESS_ROWS", 1_000)
    rows = [
        sales_row(order_id=f"F-{n}", product_id=f"P-{n % 7}", customer_id=f"F-{n % 50}", customer_address="x" * 200)
        for n in range(3_000)
    ]

    def put(index: int, **values: str) -> None:
        rows[index] = sales_row(customer_address="x" * 200, **values)

    put(0, order_id="O-A", product_id="P-1", quantity_sold="1", unit_price="10")  # row 2
    put(1, order_id="O-B", product_id="P-1", quantity_sold="1", unit_price="5")  # row 3
    put(2, order_id="O-B", product_id="P-1", quantity_sold="4", unit_price="5")  # row 4: P-1 again, same block
    put(3, order_id="O-C", product_id="P-1", unit_price="1")  # row 5
    put(4, order_id="O-C", product_id="P-GHOST", region="South")  # row 6: another Region
    put(5, order_id="O-C", product_id="P-2", customer_id="C-NEW", customer_name="Wrong")  # row 7: another customer
    put(999, order_id="O-G", product_id="P-1", quantity_sold="1", unit_price="2")  # row 1001
    put(1_000, order_id="O-G", product_id="P-2", quantity_sold="1", unit_price="3")  # row 1002, next progress step
    put(2_000, order_id="O-A", product_id="P-1", quantity_sold="5", unit_price="10")  # row 2002: P-1 again, later
    put(2_001, order_id="O-A", product_id="P-2", region="West")  # row 2003: another Region, later
    put(2_002, order_id="O-A", product_id="P-3", quantity_sold="2", unit_price="7")  # row 2004
    put(2_500, order_id="O-E", customer_id="C-NEW", customer_name="Right")  # row 2502: C-NEW's first accepted row
    put(2_600, order_id="O-F", product_id="P-1", quantity_sold="1", unit_price="1E1")  # row 2602: the reader's form
    put(2_601, order_id="O-F", product_id="P-2", quantity_sold="1", unit_price="3")  # row 2603
    path = write_csv(tmp_path / "spread.csv", rows)
    assert path.stat().st_size > 10 * 64 * 1024

    job = run_import(path)

    assert (job.status, job.rows_total, job.rows_created, job.rows_rejected) == ("succeeded", 3_000, 2_995, 5)
    assert [(error["row"], error["column"]) for error in job.errors] == [
        (4, "Product ID"),
        (6, "Region"),
        (7, "Customer ID"),
        (2002, "Product ID"),
        (2003, "Region"),
    ]
    assert "(row 2)" in job.errors[3]["message"] and "first seen at row 2 " in job.errors[4]["message"]
    totals = dict(Order.objects.filter(code__startswith="O-").values_list("code", "subtotal"))
    # Subtotals by hand: the accepted lines only.
    assert totals == {
        "O-A": Decimal("24.00"),  # 1 x 10 + 2 x 7
        "O-B": Decimal("5.00"),
        "O-C": Decimal("2.00"),  # 2 x 1
        "O-E": Decimal("39.98"),
        "O-F": Decimal("13.00"),  # 1 x 1E1 + 1 x 3
        "O-G": Decimal("5.00"),
    }
    assert OrderLine.objects.count() == 2_995
    assert sorted(OrderLine.objects.filter(order__code="O-A").values_list("product__code", "quantity")) == [
        ("P-1", 1),
        ("P-3", 2),
    ]
    assert not Product.objects.filter(code="P-GHOST").exists()
    assert Customer.objects.get(code="C-NEW").name == "Right"
    assert Order.objects.get(code="O-A").region == "North"


def test_a_repeated_product_is_rejected_whichever_reader_took_its_rows(tmp_path):
    # Given repeats where one or both rows hold a value in a form only the row-by-row reader takes (PostgreSQL)
    path = write_csv(
        tmp_path / "sales.csv",
        [
            sales_row(order_id="O-1", product_id="P-1", unit_price="10"),  # row 2
            sales_row(order_id="O-1", product_id="P-1", unit_price="1E1"),  # row 3: repeats row 2
            sales_row(order_id="O-2", product_id="P-1", unit_price="1E1"),  # row 4
            sales_row(order_id="O-2", product_id="P-1", unit_price="2E1"),  # row 5: repeats row 4
            sales_row(order_id="O-3", product_id="P-1", unit_price="1E1"),  # row 6
            sales_row(order_id="O-3", product_id="P-2", unit_price="10"),  # row 7: another product
        ],
    )

    job = run_import(path)

    assert [(error["row"], error["column"]) for error in job.errors] == [(3, "Product ID"), (5, "Product ID")]
    assert "(row 2)" in job.errors[0]["message"] and "(row 4)" in job.errors[1]["message"]
    assert sorted(OrderLine.objects.values_list("order__code", "product__code", "unit_price")) == [
        ("O-1", "P-1", Decimal("10.00")),
        ("O-2", "P-1", Decimal("10.00")),
        ("O-3", "P-1", Decimal("10.00")),
        ("O-3", "P-2", Decimal("10.00")),
    ]


def test_cells_with_quotes_tabs_breaks_and_backslashes_load_exactly(tmp_path, monkeypatch, caplog):
    # Given blocks of plain rows between rows whose cells hold characters COPY formats treat specially
    monkeypatch.setattr(columnar, "BLOCK_BYTES", 16 * 1024)
    names = ['Say "hi"', "Tab\there", "Line\nbreak", "C:\\temp\\new", "\\N", "N\\"]
    rows = []
    for n, name in enumerate(names):
        rows += [
            sales_row(order_id=f"F-{n}-{k}", product_id=f"F-{k % 5}", customer_address="x" * 100) for k in range(150)
        ]
        rows.append(sales_row(order_id=f"O-{n}", product_id=f"P-{n}", product_name=name, payment_method=""))
    path = write_csv(tmp_path / "special.csv", rows)

    job = run_import(path)

    assert (job.status, job.rows_created, job.rows_rejected) == ("succeeded", len(rows), 0)
    assert "row by row" not in caplog.text  # PostgreSQL copied every block, whatever its cells hold
    stored = dict(Product.objects.filter(code__startswith="P-").values_list("code", "name"))
    assert stored == {f"P-{n}": name for n, name in enumerate(names)}
    order = Order.objects.get(code="O-5")
    assert (order.payment_method, order.agent_id) == ("", None)


def test_rows_count_as_updated_when_only_their_product_agent_or_customer_changes(tmp_path):
    # Given three orders: two of product P-1 sold by agent A-1, one of P-2 by A-2 for another customer
    def rows(p1_name: str = "Kettle", a1_name: str = "Ada", c2_email: str = "bo@example.com") -> list[dict]:
        agent = {"Agent Role": "Agent", "Team": "Alpha"}
        return [
            sales_row(order_id="O-1", product_id="P-1", product_name=p1_name, agent_id="A-1")
            | agent
            | {"Agent Name": a1_name},
            sales_row(order_id="O-2", product_id="P-1", product_name=p1_name, agent_id="A-2")
            | agent
            | {"Agent Name": "Bea"},
            sales_row(
                order_id="O-3",
                product_id="P-2",
                product_name="Toaster",
                customer_id="C-2",
                customer_email=c2_email,
                agent_id="A-2",
            )
            | agent
            | {"Agent Name": "Bea"},
        ]

    run_import(write_csv(tmp_path / "v1.csv", rows()))

    renamed = run_import(write_csv(tmp_path / "v2.csv", rows(p1_name="Kettle Pro")))  # rows 1 and 2
    agent_renamed = run_import(write_csv(tmp_path / "v3.csv", rows(p1_name="Kettle Pro", a1_name="Ada L.")))
    moved_email = run_import(
        write_csv(tmp_path / "v4.csv", rows(p1_name="Kettle Pro", a1_name="Ada L.", c2_email="b@x.org"))
    )
    again = run_import(write_csv(tmp_path / "v5.csv", rows(p1_name="Kettle Pro", a1_name="Ada L.", c2_email="b@x.org")))

    assert [(job.rows_created, job.rows_updated) for job in (renamed, agent_renamed, moved_email, again)] == [
        (0, 2),
        (0, 1),
        (0, 1),
        (0, 0),
    ]
    assert Product.objects.get(code="P-1").name == "Kettle Pro"
    assert Agent.objects.get(code="A-1").name == "Ada L."
    assert Customer.objects.get(code="C-2").email == "b@x.org"


def test_an_order_imported_without_an_agent_takes_one_given_later(tmp_path):
    run_import(write_csv(tmp_path / "v1.csv", [sales_row()]))

    job = run_import(
        write_csv(
            tmp_path / "v2.csv",
            [sales_row(agent_id="A-9") | {"Agent Name": "Nia", "Agent Role": "Agent", "Team": ""}],
        )
    )

    assert (job.rows_created, job.rows_updated) == (0, 1)
    assert Order.objects.get(code="O-1").agent.code == "A-9"


def test_blank_lines_and_ragged_rows_in_a_large_file(tmp_path, monkeypatch, caplog):
    # Given many blocks of rows, some with a line break inside a quoted cell, and among them a blank line,
    # a row of separators only, a short row, a long row, a bad date, and a short row at the very end
    monkeypatch.setattr(columnar, "BLOCK_BYTES", 16 * 1024)
    rows = [
        sales_row(order_id=f"O-{n}", product_id=f"P-{n % 7}", customer_address="1 Main St\nFlat 2" if n % 3 else "")
        for n in range(1, 1001)
    ]
    records = write_csv(tmp_path / "sales.csv", rows).read_text().split("St\nFlat 2")  # rejoined below
    records = "St\u2028Flat 2".join(records).split("\n")  # records[0] is the header, records[n] holds O-n
    records[300] = ""  # row 301
    records[400] = "," * 14  # row 401
    records[500] = "O-500,P-1,C-1"  # row 501: three fields
    records[700] += ",extra"  # row 701: one field too many
    records[900] = records[900].replace("2024-03-05", "2024-02-30")  # row 901
    records[-1] = "O-1001,P-1"  # row 1002, after the last line break
    (tmp_path / "sales.csv").write_text("\n".join(records).replace("\u2028", "\n"))

    job = run_import(tmp_path / "sales.csv")

    assert (job.status, job.rows_total, job.rows_rejected) == ("succeeded", 999, 4)
    assert [(error["row"], error["column"]) for error in job.errors] == [
        (501, ""),
        (701, ""),
        (901, "Date of Sale"),
        (1002, ""),
    ]
    assert job.errors[0]["message"] == "Row has 3 fields; the header has 15."
    assert job.errors[1]["message"] == "Row has 16 fields; the header has 15."
    assert job.errors[3]["message"] == "Row has 2 fields; the header has 15."
    loaded = set(Order.objects.values_list("code", flat=True))
    assert loaded == {f"O-{n}" for n in range(1, 1001)} - {"O-300", "O-400", "O-500", "O-700", "O-900"}
    assert Order.objects.get(code="O-701").customer.address == "1 Main St\nFlat 2"
    assert "row by row" not in caplog.text  # PostgreSQL still checked and copied the file in blocks


def test_blank_lines_load_nothing_and_keep_their_row_numbers(tmp_path):
    # Given a blank line between two rows, a bad row after it, and blank lines at the end (CRLF)
    path = write_csv(
        tmp_path / "sales.csv",
        [sales_row(), sales_row(order_id="O-2"), sales_row(order_id="O-3", quantity_sold="0")],
        newline="\r\n",
    )
    lines = path.read_bytes().split(b"\r\n")
    path.write_bytes(b"\r\n".join([*lines[:2], b"", *lines[2:]]) + b"\r\n\r\n")

    job = run_import(path)

    assert (job.status, job.rows_created, job.rows_rejected) == ("succeeded", 2, 1)
    assert [(error["row"], error["column"]) for error in job.errors] == [(5, "Quantity Sold")]
    assert set(Order.objects.values_list("code", flat=True)) == {"O-1", "O-2"}


def test_the_error_list_keeps_the_first_rejected_rows(tmp_path, monkeypatch):
    # Given bad cells and ragged rows taking turns, and a job that keeps only the first three errors
    monkeypatch.setattr(loaders, "ERROR_LIMIT", 3)
    rows = [sales_row(order_id=f"O-{n}") for n in range(2, 9)]  # O-n is row n
    rows[0]["Quantity Sold"] = "-1"  # row 2
    rows[2]["Date of Sale"] = "yesterday"  # row 4
    rows[4]["Unit Price"] = "free"  # row 6
    path = write_csv(tmp_path / "sales.csv", rows)
    lines = path.read_text().split("\n")
    lines[2] = lines[4] = "O-x,P-1"  # rows 3 and 5 (lines[0] is the header, row 1)
    path.write_text("\n".join(lines))

    job = run_import(path)

    assert (job.rows_total, job.rows_rejected, job.rows_created) == (7, 5, 2)
    assert [(error["row"], error["column"]) for error in job.errors] == [
        (2, "Quantity Sold"),
        (3, ""),
        (4, "Date of Sale"),
    ]


def test_a_cell_of_megabytes_is_a_row_error(tmp_path):
    # Given a cell of 1.5 million characters on row 3: larger than one read block of the fast path
    rows = [sales_row(), sales_row(order_id="O-2", customer_name="x" * 1_500_000), sales_row(order_id="O-3")]
    path = write_csv(tmp_path / "sales.csv", rows)

    job = run_import(path)

    assert (job.status, job.rows_created, job.rows_rejected) == ("succeeded", 2, 1)
    assert [(error["row"], error["column"]) for error in job.errors] == [(3, "Customer Name")]


def test_a_cell_too_long_for_any_reader_fails_the_job_naming_its_line(tmp_path):
    # Given a cell of 9 million characters on line 3, as an unbalanced quote would make one
    rows = [sales_row(), sales_row(order_id="O-2", customer_address="x" * 9_000_000), sales_row(order_id="O-3")]
    path = write_csv(tmp_path / "sales.csv", rows)

    job = run_import(path)

    assert job.status == "failed"
    assert job.error == "The file is not a readable CSV: field larger than field limit (8388608) (on line 3)."
    assert Order.objects.count() == 0


def test_runs_of_ragged_and_blank_rows_across_read_blocks_keep_every_row_number(tmp_path, monkeypatch):
    # Given 1,600 rows over many small read blocks, some short, some blank, and runs of each (one of short
    # rows longer than a block), among them the first row and the last, and one bad date after each run
    monkeypatch.setattr(columnar, "BLOCK_BYTES", 4 * 1024)
    short = {2, 3, 4, *range(100, 130), *range(400, 800, 7), *range(900, 1300), 1601}  # the header is row 1
    blank = {5, *range(200, 240), *range(500, 800, 11)} - short
    bad_date = {131, 241, 602, 1300}
    records = [",".join(SALES_HEADER)]
    for row in range(2, 1602):
        if row in short:
            records.append(f"S-{row},P-1")
        elif row in blank:
            records.append("")
        else:
            cells = sales_row(order_id=f"O-{row}", date_of_sale="2024-13-01" if row in bad_date else "2024-03-05")
            records.append(",".join(cells[name] for name in SALES_HEADER))
    (tmp_path / "sales.csv").write_text("\n".join(records) + "\n")

    job = run_import(tmp_path / "sales.csv")

    assert job.rows_rejected == len(short) + len(bad_date)
    assert [error["row"] for error in job.errors] == sorted(short | bad_date)
    loaded = {int(code[2:]) for code in Order.objects.values_list("code", flat=True)}
    assert loaded == set(range(2, 1602)) - short - blank - bad_date
