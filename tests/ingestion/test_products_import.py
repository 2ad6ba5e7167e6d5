from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from catalog.models import Category, Product
from ingestion.models import ImportJob
from tests.factories import make_product
from tests.ingestion.csv_files import write_csv

pytestmark = pytest.mark.django_db

HEADER = ["Product ID", "Product Name", "Category", "Unit Price", "Description", "Stock"]


def product(code: str, name: str, category: str = "Tools", price: str = "9.99", **extra: str) -> dict[str, str]:
    return {"Product ID": code, "Product Name": name, "Category": category, "Unit Price": price, **extra}


def test_backfill_creates_products_and_categories(tmp_path, capsys):
    path = write_csv(
        tmp_path / "products.csv",
        [
            product("P-1", "Hammer", Description="Claw, 16 oz", Stock="12"),
            product("P-2", "Kite", category="Toys", price="15.50", Stock=""),
        ],
        header=HEADER,
    )

    call_command("backfill_products", str(path), verbosity=0)

    hammer, kite = Product.objects.get(code="P-1"), Product.objects.get(code="P-2")
    assert (hammer.name, hammer.category.name, hammer.unit_price, hammer.stock) == (
        "Hammer",
        "Tools",
        Decimal("9.99"),
        12,
    )
    assert hammer.description == "Claw, 16 oz"
    assert (kite.category.name, kite.unit_price, kite.stock) == ("Toys", Decimal("15.50"), 0)
    assert set(Category.objects.values_list("name", flat=True)) == {"Tools", "Toys"}
    assert "2 created, 0 updated, 0 rejected" in capsys.readouterr().out


def test_backfill_updates_by_code_and_keeps_what_the_file_leaves_out(tmp_path):
    existing = make_product(code="P-1", name="Old name", unit_price="1.00", stock=40)
    Product.objects.filter(pk=existing.pk).update(description="Keep me")
    path = write_csv(
        tmp_path / "products.csv",
        [product("P-1", "New name", price="2.50")],
        header=["Product ID", "Product Name", "Category", "Unit Price"],  # no Description, no Stock
    )

    call_command("backfill_products", str(path), verbosity=0)
    call_command("backfill_products", str(path), verbosity=0)  # a second run changes nothing

    stored = Product.objects.get(pk=existing.pk)
    assert (stored.name, stored.unit_price, stored.category.name) == ("New name", Decimal("2.50"), "Tools")
    assert (stored.description, stored.stock) == ("Keep me", 40)
    assert Product.objects.count() == 1
    from ingestion.models import ImportJob

    latest = ImportJob.objects.order_by("-created_at").first()
    assert (latest.rows_created, latest.rows_updated) == (0, 0)


def test_bad_product_rows_are_rejected_and_repeats_keep_the_first(tmp_path):
    path = write_csv(
        tmp_path / "products.csv",
        [
            product("P-1", "Hammer"),
            product("P-2", "Saw", price="cheap"),  # row 3
            product("P-3", "", price="1.00"),  # row 4
            product("P-1", "Hammer again"),  # row 5
            product("P-4", "Drill", Stock="-1"),  # row 6
        ],
        header=HEADER,
    )

    call_command("import_csv", str(path), kind="products", verbosity=0)

    from ingestion.models import ImportJob

    job = ImportJob.objects.get()
    assert (job.status, job.rows_created, job.rows_rejected) == ("succeeded", 1, 4)
    assert [(error["row"], error["column"]) for error in job.errors] == [
        (3, "Unit Price"),
        (4, "Product Name"),
        (5, "Product ID"),
        (6, "Stock"),
    ]
    assert Product.objects.get(code="P-1").name == "Hammer"


def test_import_csv_exits_non_zero_when_the_job_fails(tmp_path):
    path = tmp_path / "not-products.csv"
    path.write_text("name,price\nx,1\n")

    with pytest.raises(CommandError, match="lacks the required column"):
        call_command("import_csv", str(path), kind="products", verbosity=0)
    assert Product.objects.count() == 0


def test_import_csv_refuses_a_path_that_is_not_a_file(tmp_path):
    with pytest.raises(CommandError, match="is not a file"):
        call_command("import_csv", str(tmp_path), verbosity=0)


def test_blank_and_short_rows_in_a_products_file(tmp_path, capsys):
    # Given a blank line, a row of bare commas and a short row between good products
    path = write_csv(tmp_path / "products.csv", [product("P-1", "Hammer"), product("P-2", "Kite")], header=HEADER)
    header, first, second = path.read_text().splitlines()
    path.write_text("\n".join([header, first, "", ",,,,,", "P-3,Saw", second]) + "\n")

    call_command("backfill_products", str(path), verbosity=0)

    assert set(Product.objects.values_list("code", flat=True)) == {"P-1", "P-2"}
    out = capsys.readouterr().out
    assert "3 rows, 2 created, 0 updated, 1 rejected" in out
    assert "row 5, row: Row has 2 fields; the header has 6." in out


def test_a_repeated_product_names_the_column_as_the_file_writes_it(tmp_path):
    header = ["product_id", "PRODUCT NAME", "category", "unit price"]
    rows = [["P-1", "Hammer", "Tools", "9.99"], ["P-1", "Mallet", "Tools", "4.00"]]
    path = write_csv(tmp_path / "products.csv", [dict(zip(header, row, strict=True)) for row in rows], header=header)

    call_command("backfill_products", str(path), verbosity=0)

    job = ImportJob.objects.get()
    assert job.errors == [{"row": 3, "column": "product_id", "message": "product_id P-1 already appeared at row 2."}]
    assert Product.objects.get(code="P-1").name == "Hammer"
