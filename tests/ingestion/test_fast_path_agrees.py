"""PostgreSQL's columnar fast path and the row-by-row reader must import any file to the same result.

Each file is random: good rows mixed with every kind of bad cell, cells in
unusual but valid forms, quoting, blank and ragged records, orders whose rows
disagree or repeat a product. It is imported twice into the same starting
database, once through the fast path and once with the fast path switched off,
and the two outcomes (the job's counts and row errors, and every stored value)
must be equal. The row-by-row reader is the simpler of the two and the one
SQLite uses, so it serves as the expected result.
"""

import logging
from pathlib import Path

import pytest
from django.db import connection, transaction

from catalog.models import Product
from ingestion import loaders
from ingestion.loaders import columnar
from ingestion.loaders.columnar import FastPathUnavailable
from ingestion.services import import_job_create_local, import_job_run
from tests.factories import make_product
from tests.ingestion.random_files import random_products_csv, random_sales_csv
from tests.ingestion.stored_state import job_outcome, stored_state

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has only the row-by-row reader"),
]


def import_outcome(path: Path, *, kind: str = "sales") -> dict:
    """Import ``path`` and return what a user can see of it; everything it wrote is then rolled back."""
    with transaction.atomic():
        job = import_job_run(job_id=import_job_create_local(kind=kind, path=path).pk)
        outcome = job_outcome(job) | stored_state()
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
        fast = import_outcome(path, kind="products")
    assert "row by row" not in caplog.text
    monkeypatch.setattr(loaders, "stage_csv_columnar", row_by_row_only)
    expected = import_outcome(path, kind="products")

    # Then both readers reject the same rows in the same words and store the same products
    assert expected["job"][0] == "succeeded"
    assert expected["job"][4] > 150  # the stored products were updated
    assert 0 < expected["job"][5] < expected["job"][2] / 2
    assert len(expected["products"]) > 900
    assert fast == expected
