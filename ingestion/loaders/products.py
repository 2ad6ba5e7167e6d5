"""Merging staged catalogue rows into categories and products (the backfill).

``Description`` and ``Stock`` are optional columns: a file without them, or a
blank Stock cell, leaves what the product already has.
"""

from datetime import datetime

from django.db.backends.base.base import BaseDatabaseWrapper

from ingestion.loaders.staging import StageTable, stage_drop
from ingestion.readers import RowErrors

STAGE = StageTable(
    "import_stage_products",
    (
        ("row_no", "int"),
        ("code", "text"),
        ("name", "text"),
        ("category", "text"),
        ("unit_price", "money"),
        ("description", "text"),
        ("stock", "int"),
    ),
)
HELPER_TABLES = ("import_rejects",)
PRODUCT_ID = "Product ID"


def _reject_repeats(cursor, *, limit: int, column: str) -> tuple[int, list[RowErrors]]:
    """A Product ID seen again later in the file is rejected; the first row wins.

    ``column`` is the Product ID's header cell as the file writes it.
    """
    cursor.execute(
        "CREATE TEMPORARY TABLE import_rejects AS SELECT row_no, code, first_row FROM ("
        "  SELECT row_no, code, ROW_NUMBER() OVER w AS rn, FIRST_VALUE(row_no) OVER w AS first_row"
        f"  FROM {STAGE.name} WINDOW w AS (PARTITION BY code ORDER BY row_no)"
        ") t WHERE rn > 1"
    )
    cursor.execute(f"DELETE FROM {STAGE.name} WHERE row_no IN (SELECT row_no FROM import_rejects)")
    cursor.execute("SELECT COUNT(*) FROM import_rejects")
    total = cursor.fetchone()[0]
    cursor.execute("SELECT row_no, code, first_row FROM import_rejects ORDER BY row_no LIMIT %s", [limit])
    errors = [
        RowErrors(row_no, [(column, f"{column} {code} already appeared at row {first_row}.")])
        for row_no, code, first_row in cursor.fetchall()
    ]
    return total, errors


def merge_products(
    connection: BaseDatabaseWrapper, *, now: datetime, error_limit: int, headers: dict[str, str]
) -> tuple[int, int, int, list[RowErrors]]:
    """Upsert products by code: (created, updated, rejected, first rejected rows). Caller holds the transaction.

    ``headers`` gives each staging column's header cell as the file writes it, for the row errors.
    """
    stamp = now if connection.vendor == "postgresql" else connection.ops.adapt_datetimefield_value(now)
    changed = (
        "p.name IS DISTINCT FROM s.name OR cat.name IS DISTINCT FROM s.category"
        " OR p.unit_price IS DISTINCT FROM s.unit_price"
        " OR (s.description IS NOT NULL AND p.description IS DISTINCT FROM s.description)"
        " OR (s.stock IS NOT NULL AND p.stock IS DISTINCT FROM s.stock)"
    )
    with connection.cursor() as cursor:
        stage_drop(connection, *HELPER_TABLES)
        rejected, errors = _reject_repeats(cursor, limit=error_limit, column=headers.get("product_code") or PRODUCT_ID)
        cursor.execute(
            "SELECT COALESCE(SUM(CASE WHEN p.id IS NULL THEN 1 ELSE 0 END), 0),"
            f" COALESCE(SUM(CASE WHEN p.id IS NOT NULL AND ({changed}) THEN 1 ELSE 0 END), 0)"
            f" FROM {STAGE.name} s LEFT JOIN catalog_product p ON p.code = s.code"
            " LEFT JOIN catalog_category cat ON cat.id = p.category_id"
        )
        created, updated = (int(value) for value in cursor.fetchone())
        cursor.execute(
            f"INSERT INTO catalog_category (name, description) SELECT DISTINCT category, '' FROM {STAGE.name}"
            " WHERE true ON CONFLICT (name) DO NOTHING"
        )
        cursor.execute(
            "INSERT INTO catalog_product"
            " (code, name, category_id, description, unit_price, stock, is_deleted, created_at, updated_at)"
            " SELECT s.code, s.name, cat.id, COALESCE(s.description, ''), s.unit_price, COALESCE(s.stock, 0),"
            f" %s, %s, %s FROM {STAGE.name} s JOIN catalog_category cat ON cat.name = s.category"
            " WHERE NOT EXISTS (SELECT 1 FROM catalog_product p WHERE p.code = s.code)"
            " ON CONFLICT (code) DO NOTHING",
            [False, stamp, stamp],
        )
        cursor.execute(
            "UPDATE catalog_product SET name = s.name, category_id = s.category_id, unit_price = s.unit_price,"
            " description = COALESCE(s.description, catalog_product.description),"
            " stock = COALESCE(s.stock, catalog_product.stock), updated_at = %s"
            " FROM (SELECT st.*, cat.id AS category_id FROM"
            f" {STAGE.name} st JOIN catalog_category cat ON cat.name = st.category) s"
            " WHERE catalog_product.code = s.code AND (catalog_product.name IS DISTINCT FROM s.name"
            " OR catalog_product.category_id IS DISTINCT FROM s.category_id"
            " OR catalog_product.unit_price IS DISTINCT FROM s.unit_price"
            " OR (s.description IS NOT NULL AND catalog_product.description IS DISTINCT FROM s.description)"
            " OR (s.stock IS NOT NULL AND catalog_product.stock IS DISTINCT FROM s.stock))",
            [stamp],
        )
    stage_drop(connection, *HELPER_TABLES)
    return created, updated, rejected, errors
