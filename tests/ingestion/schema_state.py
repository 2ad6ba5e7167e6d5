"""The indexes and constraints PostgreSQL holds for a set of tables, to compare before and after a load."""

from django.db import connection

LOADED_TABLES = ("customers_customer", "sales_order", "sales_orderline", "customers_membership")


def schema_of(*tables: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = ANY(%s::regclass[])",
            [list(tables)],
        )
        indexes = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            "SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)"
            " || CASE WHEN convalidated THEN '' ELSE ' NOT VALID' END"
            " FROM pg_constraint WHERE conrelid = ANY(%s::regclass[])",
            [list(tables)],
        )
        return indexes | {row[0] for row in cursor.fetchall()}


def index_ids(table: str) -> set[int]:
    """The OIDs of a table's indexes: a rebuilt index gets a new one."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexrelid::int FROM pg_index WHERE indrelid = %s::regclass", [table])
        return {row[0] for row in cursor.fetchall()}
