"""Merging staged sales rows into customers, catalog, agents, orders and lines.

Everything is set-based SQL that PostgreSQL and SQLite (3.39+) both run:
window functions pick each entity's first-seen row, ``INSERT … SELECT … ON
CONFLICT DO UPDATE … WHERE`` upserts by external code and skips rows that would
not change, and order totals are recomputed only for orders whose lines moved.
Imported orders are history: they never reserve or return stock.
"""

from datetime import datetime

from django.db.backends.base.base import BaseDatabaseWrapper

from ingestion.loaders.bulk import schema_detach, schema_restore, tables_empty
from ingestion.loaders.staging import StageTable, stage_drop
from ingestion.readers import RowErrors

STAGE = StageTable(
    "import_stage_sales",
    (
        ("row_no", "int"),
        ("order_code", "text"),
        ("product_code", "text"),
        ("customer_code", "text"),
        ("product_name", "text"),
        ("category", "text"),
        ("region", "text"),
        ("ordered_at", "moment"),
        ("quantity", "int"),
        ("unit_price", "money"),
        ("discount", "ratio"),
        ("shipping_cost", "money"),
        ("payment_method", "text"),
        ("customer_name", "text"),
        ("customer_email", "text"),
        ("customer_address", "text"),
        ("agent_code", "text"),
        ("agent_name", "text"),
        ("agent_role", "text"),
        ("team", "text"),
        ("line_total", "money"),  # left NULL by the PostgreSQL fast path: LINE_TOTAL computes it there
    ),
)
# PostgreSQL's numeric arithmetic is exact and its round() is half up, as the reader's is.
LINE_TOTAL = "COALESCE(s.line_total, ROUND(s.quantity * s.unit_price * (1 - s.discount), 2))"

# Order-level fields: every row of one Order ID must agree on them (first-seen row wins).
ORDER_LEVEL = (
    ("customer_code", "Customer ID"),
    ("ordered_at", "Date of Sale"),
    ("region", "Region"),
    ("payment_method", "Payment Method"),
    ("shipping_cost", "Shipping Cost"),
    ("agent_code", "Agent ID"),
)
HELPER_TABLES = (
    "import_suspects",
    "import_rejects",
    "import_s_customers",
    "import_s_products",
    "import_s_agents",
    "import_s_orders",
    "import_s_lines",
)


def _first_seen(key: str, columns: str, where: str = "") -> str:
    """Each ``key``'s first row in file order, so the earliest row's values win (a hash aggregate, no sort)."""
    return (
        f"SELECT {columns} FROM {STAGE.name} s JOIN"
        f" (SELECT MIN(row_no) AS first_row FROM {STAGE.name} {where} GROUP BY {key}) f ON f.first_row = s.row_no"
    )


def _analyze(cursor, *tables: str, postgres: bool) -> None:
    """Fresh statistics after a bulk step: the planner otherwise joins "empty" tables with nested loops."""
    if postgres:
        for table in tables:
            cursor.execute(f"ANALYZE {table}")


def _reject_conflicts(cursor, *, postgres: bool) -> None:
    """Move rows that contradict their order's first row, or repeat its product, to ``import_rejects``.

    Hash aggregates find the (usually no) orders concerned; only their rows are
    then ordered by row number to tell which row came first.
    """
    disagree = " OR ".join(
        [f"MIN({name}) <> MAX({name})" for name, _label in ORDER_LEVEL]
        + ["(COUNT(agent_code) > 0 AND COUNT(agent_code) < COUNT(*))"]
    )
    cursor.execute(
        f"CREATE TEMPORARY TABLE import_suspects AS SELECT order_code FROM {STAGE.name}"
        f" GROUP BY order_code HAVING {disagree}"
        f" UNION SELECT order_code FROM {STAGE.name} GROUP BY order_code, product_code HAVING COUNT(*) > 1"
    )
    _analyze(cursor, "import_suspects", postgres=postgres)
    firsts = ", ".join(f"FIRST_VALUE({name}) OVER w AS first_{name}" for name, _label in ORDER_LEVEL)
    differs = [f"{name} IS DISTINCT FROM first_{name}" for name, _label in ORDER_LEVEL]
    which = " ".join(f"WHEN {test} THEN '{label}'" for test, (_n, label) in zip(differs, ORDER_LEVEL, strict=True))
    suspects = "order_code IN (SELECT order_code FROM import_suspects)"
    cursor.execute(
        "CREATE TEMPORARY TABLE import_rejects AS "
        f"SELECT row_no, order_code, CASE {which} END AS column_name, first_row, 'conflict' AS reason FROM ("
        f"  SELECT s.*, FIRST_VALUE(row_no) OVER w AS first_row, {firsts} FROM {STAGE.name} s"
        f"  WHERE {suspects} WINDOW w AS (PARTITION BY order_code ORDER BY row_no)"
        f") t WHERE {' OR '.join(differs)}"
    )
    cursor.execute(
        "INSERT INTO import_rejects (row_no, order_code, column_name, first_row, reason) "
        "SELECT row_no, order_code, 'Product ID', first_row, 'duplicate' FROM ("
        "  SELECT row_no, order_code, ROW_NUMBER() OVER w AS rn, FIRST_VALUE(row_no) OVER w AS first_row"
        f"  FROM {STAGE.name} WHERE {suspects} AND row_no NOT IN (SELECT row_no FROM import_rejects)"
        "   WINDOW w AS (PARTITION BY order_code, product_code ORDER BY row_no)"
        ") t WHERE rn > 1"
    )
    cursor.execute(f"DELETE FROM {STAGE.name} WHERE {suspects} AND row_no IN (SELECT row_no FROM import_rejects)")


def _rejected_rows(cursor, *, limit: int) -> tuple[int, list[RowErrors]]:
    cursor.execute("SELECT COUNT(*) FROM import_rejects")
    total = cursor.fetchone()[0]
    cursor.execute(
        "SELECT row_no, order_code, column_name, first_row, reason FROM import_rejects ORDER BY row_no LIMIT %s",
        [limit],
    )
    errors = []
    for row_no, order_code, column, first_row, reason in cursor.fetchall():
        if reason == "duplicate":
            message = f"Order ID {order_code} already has a line for this Product ID (row {first_row})."
        else:
            message = f"Order ID {order_code} was first seen at row {first_row} with a different {column}."
        errors.append(RowErrors(row_no, [(column, message)]))
    return total, errors


def _build_entities(cursor, *, postgres: bool) -> None:
    cursor.execute(
        "CREATE TEMPORARY TABLE import_s_customers AS "
        + _first_seen(
            "customer_code",
            "customer_code AS code, customer_name AS name, customer_email AS email, "
            "customer_address AS address, region",
        )
    )
    cursor.execute(
        "CREATE TEMPORARY TABLE import_s_products AS "
        + _first_seen("product_code", "product_code AS code, product_name AS name, category, unit_price")
    )
    cursor.execute(
        "CREATE TEMPORARY TABLE import_s_agents AS "
        + _first_seen(
            "agent_code",
            "agent_code AS code, agent_name AS name, agent_role AS role, team",
            "WHERE agent_code IS NOT NULL",
        )
    )
    # Every row of an order agrees on its order-level fields by now, so MIN() is simply that value.
    cursor.execute(
        "CREATE TEMPORARY TABLE import_s_orders AS SELECT a.*, o.id IS NOT NULL AS existed FROM ("
        "  SELECT order_code AS code, MIN(customer_code) AS customer_code, MIN(agent_code) AS agent_code,"
        "  MIN(ordered_at) AS ordered_at, MIN(region) AS region, MIN(payment_method) AS payment_method,"
        f"  MIN(shipping_cost) AS shipping_cost, ROUND(SUM({LINE_TOTAL}), 2) AS staged_subtotal"
        f"  FROM {STAGE.name} s GROUP BY order_code"
        ") a LEFT JOIN sales_order o ON o.code = a.code"
    )
    _analyze(cursor, "import_s_customers", "import_s_products", "import_s_agents", "import_s_orders", postgres=postgres)


def _count_changes(cursor) -> tuple[int, int]:
    """Rows whose line is new, and rows whose line, order, customer, product or agent would change."""
    changed = " OR ".join(
        [
            "l.quantity IS DISTINCT FROM s.quantity",
            "l.unit_price IS DISTINCT FROM s.unit_price",
            "l.discount IS DISTINCT FROM s.discount",
            "o.customer_id IS DISTINCT FROM c.id",
            "o.agent_id IS DISTINCT FROM a.id",
            "o.ordered_at IS DISTINCT FROM s.ordered_at",
            "o.region IS DISTINCT FROM s.region",
            "o.payment_method IS DISTINCT FROM s.payment_method",
            "o.shipping_cost IS DISTINCT FROM s.shipping_cost",
            "c.name IS DISTINCT FROM sc.name",
            "c.email IS DISTINCT FROM sc.email",
            "c.address IS DISTINCT FROM sc.address",
            "p.name IS DISTINCT FROM sp.name",
            "cat.name IS DISTINCT FROM sp.category",
            "(s.agent_code IS NOT NULL AND (a.id IS NULL OR a.name IS DISTINCT FROM sa.name"
            " OR a.role IS DISTINCT FROM sa.role OR t.name IS DISTINCT FROM sa.team))",
        ]
    )
    cursor.execute(
        "SELECT COALESCE(SUM(CASE WHEN l.id IS NULL THEN 1 ELSE 0 END), 0),"
        f" COALESCE(SUM(CASE WHEN l.id IS NOT NULL AND ({changed}) THEN 1 ELSE 0 END), 0)"
        f" FROM {STAGE.name} s"
        " JOIN import_s_customers sc ON sc.code = s.customer_code"
        " JOIN import_s_products sp ON sp.code = s.product_code"
        " LEFT JOIN import_s_agents sa ON sa.code = s.agent_code"
        " LEFT JOIN sales_order o ON o.code = s.order_code"
        " LEFT JOIN catalog_product p ON p.code = s.product_code"
        " LEFT JOIN catalog_category cat ON cat.id = p.category_id"
        " LEFT JOIN sales_orderline l ON l.order_id = o.id AND l.product_id = p.id"
        " LEFT JOIN customers_customer c ON c.code = s.customer_code"
        " LEFT JOIN sales_agent a ON a.code = s.agent_code"
        " LEFT JOIN sales_team t ON t.id = a.team_id"
    )
    created, updated = cursor.fetchone()
    return int(created), int(updated)


def _upsert_entities(cursor, *, now: datetime | str, postgres: bool) -> None:
    # WHERE true in each SELECT: SQLite needs it to parse INSERT … SELECT … ON CONFLICT.
    cursor.execute(
        "INSERT INTO catalog_category (name, description) SELECT DISTINCT category, '' FROM import_s_products"
        " WHERE true ON CONFLICT (name) DO NOTHING"
    )
    cursor.execute(
        "INSERT INTO sales_team (name) SELECT DISTINCT team FROM import_s_agents WHERE team IS NOT NULL"
        " ON CONFLICT (name) DO NOTHING"
    )
    cursor.execute(
        "INSERT INTO customers_customer"
        " (code, name, email, gender, date_of_birth, phone, address, region, created_at, updated_at)"
        " SELECT code, name, email, '', NULL, '', address, region, %s, %s FROM import_s_customers WHERE true"
        " ON CONFLICT (code) DO UPDATE SET name = excluded.name, email = excluded.email,"
        " address = excluded.address, updated_at = excluded.updated_at"
        " WHERE customers_customer.name IS DISTINCT FROM excluded.name"
        " OR customers_customer.email IS DISTINCT FROM excluded.email"
        " OR customers_customer.address IS DISTINCT FROM excluded.address",
        [now, now],
    )
    cursor.execute(
        "INSERT INTO catalog_product"
        " (code, name, category_id, description, unit_price, stock, is_deleted, created_at, updated_at)"
        " SELECT sp.code, sp.name, cat.id, '', sp.unit_price, 0, %s, %s, %s"
        " FROM import_s_products sp JOIN catalog_category cat ON cat.name = sp.category WHERE true"
        " ON CONFLICT (code) DO UPDATE SET name = excluded.name, category_id = excluded.category_id,"
        " updated_at = excluded.updated_at"
        " WHERE catalog_product.name IS DISTINCT FROM excluded.name"
        " OR catalog_product.category_id IS DISTINCT FROM excluded.category_id",
        [False, now, now],
    )
    cursor.execute(
        "INSERT INTO sales_agent (code, name, role, team_id, user_id)"
        " SELECT sa.code, sa.name, sa.role, t.id, NULL FROM import_s_agents sa"
        " LEFT JOIN sales_team t ON t.name = sa.team WHERE true"
        " ON CONFLICT (code) DO UPDATE SET name = excluded.name, role = excluded.role, team_id = excluded.team_id"
        " WHERE sales_agent.name IS DISTINCT FROM excluded.name OR sales_agent.role IS DISTINCT FROM excluded.role"
        " OR sales_agent.team_id IS DISTINCT FROM excluded.team_id"
    )
    _analyze(cursor, "customers_customer", "catalog_product", "sales_agent", postgres=postgres)


def _upsert_orders_and_lines(cursor, *, now: datetime | str, postgres: bool) -> None:
    # A new order's subtotal is the sum of its staged lines; an existing one's is recomputed below.
    cursor.execute(
        "INSERT INTO sales_order (code, customer_id, agent_id, membership_id, ordered_at, region, payment_method,"
        " shipping_cost, subtotal, total_amount, created_at, updated_at)"
        " SELECT so.code, c.id, a.id, NULL, so.ordered_at, so.region, so.payment_method, so.shipping_cost,"
        " so.staged_subtotal, ROUND(so.staged_subtotal + so.shipping_cost, 2), %s, %s"
        " FROM import_s_orders so JOIN customers_customer c ON c.code = so.customer_code"
        " LEFT JOIN sales_agent a ON a.code = so.agent_code WHERE true"
        " ON CONFLICT (code) DO UPDATE SET customer_id = excluded.customer_id, agent_id = excluded.agent_id,"
        # A membership belongs to one customer: moving the order to another customer drops it.
        " membership_id = CASE WHEN sales_order.customer_id = excluded.customer_id"
        " THEN sales_order.membership_id ELSE NULL END,"
        " ordered_at = excluded.ordered_at, region = excluded.region, payment_method = excluded.payment_method,"
        " shipping_cost = excluded.shipping_cost,"
        " total_amount = ROUND(sales_order.subtotal + excluded.shipping_cost, 2), updated_at = excluded.updated_at"
        " WHERE sales_order.customer_id IS DISTINCT FROM excluded.customer_id"
        " OR sales_order.agent_id IS DISTINCT FROM excluded.agent_id"
        " OR sales_order.ordered_at IS DISTINCT FROM excluded.ordered_at"
        " OR sales_order.region IS DISTINCT FROM excluded.region"
        " OR sales_order.payment_method IS DISTINCT FROM excluded.payment_method"
        " OR sales_order.shipping_cost IS DISTINCT FROM excluded.shipping_cost",
        [now, now],
    )
    _analyze(cursor, "sales_order", postgres=postgres)
    # Only new or changed lines are written; unchanged ones are filtered out before the upsert.
    cursor.execute(
        "CREATE TEMPORARY TABLE import_s_lines AS"
        " SELECT o.id AS order_id, p.id AS product_id, s.quantity, s.unit_price, s.discount,"
        f" {LINE_TOTAL} AS line_total, so.existed AS order_existed"
        f" FROM {STAGE.name} s JOIN import_s_orders so ON so.code = s.order_code"
        " JOIN sales_order o ON o.code = s.order_code"
        " JOIN catalog_product p ON p.code = s.product_code"
        " LEFT JOIN sales_orderline l ON l.order_id = o.id AND l.product_id = p.id"
        " WHERE l.id IS NULL OR l.quantity IS DISTINCT FROM s.quantity"
        " OR l.unit_price IS DISTINCT FROM s.unit_price OR l.discount IS DISTINCT FROM s.discount"
        f" OR l.line_total IS DISTINCT FROM {LINE_TOTAL}"
    )
    cursor.execute(
        "INSERT INTO sales_orderline (order_id, product_id, quantity, unit_price, discount, line_total)"
        " SELECT order_id, product_id, quantity, unit_price, discount, line_total FROM import_s_lines WHERE true"
        " ON CONFLICT (order_id, product_id) DO UPDATE SET quantity = excluded.quantity,"
        " unit_price = excluded.unit_price, discount = excluded.discount, line_total = excluded.line_total"
    )
    # Orders that already had lines: their subtotal also counts lines this file does not mention.
    cursor.execute(
        "UPDATE sales_order SET subtotal = totals.subtotal,"
        " total_amount = ROUND(totals.subtotal + sales_order.shipping_cost, 2), updated_at = %s"
        " FROM (SELECT order_id, ROUND(SUM(line_total), 2) AS subtotal FROM sales_orderline"
        "  WHERE order_id IN (SELECT order_id FROM import_s_lines WHERE order_existed) GROUP BY order_id) totals"
        " WHERE sales_order.id = totals.order_id",
        [now],
    )


def _insert_orders_and_lines(cursor, *, now: datetime) -> None:
    """The first load (PostgreSQL, empty order tables, indexes detached): plain inserts, nothing to compare."""
    cursor.execute(
        "INSERT INTO sales_order (code, customer_id, agent_id, membership_id, ordered_at, region, payment_method,"
        " shipping_cost, subtotal, total_amount, created_at, updated_at)"
        " SELECT so.code, c.id, a.id, NULL, so.ordered_at, so.region, so.payment_method, so.shipping_cost,"
        " so.staged_subtotal, ROUND(so.staged_subtotal + so.shipping_cost, 2), %s, %s"
        " FROM import_s_orders so JOIN customers_customer c ON c.code = so.customer_code"
        " LEFT JOIN sales_agent a ON a.code = so.agent_code",
        [now, now],
    )
    _analyze(cursor, "sales_order", postgres=True)
    cursor.execute(
        "INSERT INTO sales_orderline (order_id, product_id, quantity, unit_price, discount, line_total)"
        f" SELECT o.id, p.id, s.quantity, s.unit_price, s.discount, {LINE_TOTAL} FROM {STAGE.name} s"
        " JOIN sales_order o ON o.code = s.order_code JOIN catalog_product p ON p.code = s.product_code"
    )


def merge_sales(
    connection: BaseDatabaseWrapper, *, now: datetime, error_limit: int
) -> tuple[int, int, int, list[RowErrors]]:
    """Merge the staged rows: (created, updated, rejected, first rejected rows). Caller holds the transaction."""
    postgres = connection.vendor == "postgresql"
    stamp = now if postgres else connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        stage_drop(connection, *HELPER_TABLES)
        if postgres:
            # Room for the hash aggregates and joins over a million staged rows; this transaction only.
            cursor.execute("SET LOCAL work_mem = '128MB'")
        detached = None
        if postgres and tables_empty(cursor, "sales_order"):
            detached = schema_detach(cursor, "sales_order", "sales_orderline")
            if not tables_empty(cursor, "sales_order"):  # an order was written before the lock was granted
                schema_restore(cursor, detached)
                detached = None
        _reject_conflicts(cursor, postgres=postgres)
        rejected, errors = _rejected_rows(cursor, limit=error_limit)
        _build_entities(cursor, postgres=postgres)
        if detached is not None:
            cursor.execute(f"SELECT COUNT(*) FROM {STAGE.name}")  # every line is new
            created, updated = cursor.fetchone()[0], 0
        else:
            created, updated = _count_changes(cursor)
        _upsert_entities(cursor, now=stamp, postgres=postgres)
        if detached is not None:
            _insert_orders_and_lines(cursor, now=stamp)
            schema_restore(cursor, detached)
        else:
            _upsert_orders_and_lines(cursor, now=stamp, postgres=postgres)
    stage_drop(connection, *HELPER_TABLES)
    return created, updated, rejected, errors
