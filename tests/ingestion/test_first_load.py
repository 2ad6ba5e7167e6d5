"""A first load into empty order tables rebuilds their indexes and keys instead of maintaining them (PostgreSQL)."""

import pytest
from django.db import IntegrityError, connection, transaction

from customers.models import Customer
from ingestion.loaders.bulk import schema_detach, truncate_if_empty
from ingestion.services import import_job_create_local, import_job_run
from sales.models import Order, OrderLine
from tests.factories import make_customer
from tests.ingestion.csv_files import sales_row, write_csv
from tests.ingestion.schema_state import LOADED_TABLES, index_ids, schema_of

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="only PostgreSQL loads detach indexes"),
]


def run_import(path):
    return import_job_run(job_id=import_job_create_local(kind="sales", path=path).pk)


def rows(count: int, *, first_order: int = 0) -> list[dict[str, str]]:
    return [
        sales_row(order_id=f"O-{first_order + n // 2}", product_id=f"P-{n % 2}", customer_id=f"C-{(n // 2) % 5}")
        for n in range(count)
    ]


def test_a_first_load_leaves_every_index_and_constraint_as_the_migrations_made_them(tmp_path):
    before = schema_of(*LOADED_TABLES)
    assert any("UNIQUE (code)" in item for item in before)  # the snapshot sees what it should
    built = {table: index_ids(table) for table in ("sales_order", "sales_orderline", "customers_customer")}

    job = run_import(write_csv(tmp_path / "first.csv", rows(40)))

    assert (job.status, job.rows_created) == ("succeeded", 40)
    assert schema_of(*LOADED_TABLES) == before
    # Rebuilt, not kept: every secondary index is new (the primary keys stay)
    for table, ids in built.items():
        assert len(ids - index_ids(table)) == len(ids) - 1, table
    # And the rebuilt keys hold: a line of a missing order is refused
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        line = OrderLine.objects.first()
        cursor.execute(
            "INSERT INTO sales_orderline (order_id, product_id, quantity, unit_price, discount, line_total)"
            " VALUES (%s, %s, 1, 1, 0, 1)",
            [Order.objects.order_by("-id").first().id + 1000, line.product_id],
        )


def test_the_next_load_upserts_into_what_the_first_load_built(tmp_path):
    run_import(write_csv(tmp_path / "first.csv", rows(40)))

    changed = rows(40)
    changed[0]["Quantity Sold"] = "9"
    job = run_import(write_csv(tmp_path / "second.csv", changed + rows(4, first_order=100)))

    assert (job.status, job.rows_created, job.rows_updated) == ("succeeded", 4, 1)
    assert Order.objects.count() == 22
    assert OrderLine.objects.get(order__code="O-0", product__code="P-0").quantity == 9


def test_existing_customers_keep_their_indexes_while_orders_load_first(tmp_path):
    make_customer()
    before, customer_indexes = schema_of(*LOADED_TABLES), index_ids("customers_customer")
    order_indexes = index_ids("sales_order")

    job = run_import(write_csv(tmp_path / "first.csv", rows(10)))

    assert job.status == "succeeded"
    assert Customer.objects.count() == 6
    assert schema_of(*LOADED_TABLES) == before
    assert index_ids("customers_customer") == customer_indexes  # maintained row by row, never dropped
    assert index_ids("sales_order") != order_indexes


def relation_files(*tables: str) -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, relfilenode FROM pg_class WHERE relname = ANY(%s)", [list(tables)])
        return dict(cursor.fetchall())


def test_a_first_load_writes_the_empty_tables_into_new_files_and_later_loads_keep_them(tmp_path):
    # New files are what lets a server at wal_level = minimal skip the WAL for the load's writes
    tables = ("sales_order", "sales_orderline", "customers_customer")
    empty = relation_files(*tables)

    run_import(write_csv(tmp_path / "first.csv", rows(40)))
    loaded = relation_files(*tables)
    job = run_import(write_csv(tmp_path / "second.csv", rows(4, first_order=100)))

    assert all(loaded[table] != empty[table] for table in tables)
    assert (job.rows_created, relation_files(*tables)) == (4, loaded)
    assert (Order.objects.count(), OrderLine.objects.count()) == (22, 44)


def test_tables_that_hold_a_row_are_never_truncated():
    customer = make_customer()
    tables = ("sales_order", "sales_orderline", "customers_customer")

    with transaction.atomic(), connection.cursor() as cursor:
        schema_detach(cursor, *tables)
        assert truncate_if_empty(cursor, *tables) is False
        assert list(Customer.objects.all()) == [customer]
        assert truncate_if_empty(cursor, "sales_order", "sales_orderline") is True


def test_a_load_that_fails_after_detaching_rolls_the_schema_back(tmp_path):
    before = schema_of(*LOADED_TABLES)

    with pytest.raises(RuntimeError), transaction.atomic(), connection.cursor() as cursor:
        schema_detach(cursor, "sales_order", "sales_orderline", "customers_customer")
        assert schema_of(*LOADED_TABLES) != before
        raise RuntimeError("the load breaks off")

    assert schema_of(*LOADED_TABLES) == before


def test_domain_tables_keep_full_statistics_after_a_load(tmp_path):
    # The load analyzes its own temporary tables from a small sample; the tables users query keep the full one
    run_import(write_csv(tmp_path / "first.csv", rows(40)))

    with connection.cursor() as cursor:
        cursor.execute("SHOW default_statistics_target")
        assert cursor.fetchone()[0] == "100"
        cursor.execute(
            "SELECT attname, array_length(histogram_bounds::text::text[], 1) FROM pg_stats"
            " WHERE tablename = 'sales_order' AND attname = 'code'"
        )
        ((_column, bounds),) = cursor.fetchall()
    assert bounds == 20  # one bound per distinct code: 20 orders, under the full target's 101 bounds
