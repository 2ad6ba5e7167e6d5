"""Merging staged sales rows into customers, catalog, agents, orders and lines.

Everything is set-based SQL that PostgreSQL and SQLite (3.39+) both run. One
hash aggregate per order, customer, product and agent collects the distinct
value sets the file gives each code: one set is the usual case, several mean
the rows disagree and the first-seen set wins (for orders, the later rows are
rejected). Each aggregate is compared with what is stored, so only new and
changed rows reach ``INSERT … SELECT … ON CONFLICT DO UPDATE``; order totals
are recomputed only for orders whose lines moved. A first load into empty
order tables (PostgreSQL) writes with plain inserts while their indexes and
keys are detached (see ``bulk``). Imported orders are history: they never
reserve or return stock.
"""

from datetime import datetime

from django.db.backends.base.base import BaseDatabaseWrapper

from ingestion.loaders.bulk import schema_detach, schema_restore, tables_empty, truncate_if_empty
from ingestion.loaders.staging import StageTable, stage_analyze, stage_drop
from ingestion.readers import SALES_COLUMNS, RowErrors

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
        ("line_total", "money"),
        # The read block in which no other row repeated this row's (Order ID, Product ID); NULL where unchecked.
        ("block", "int"),
    ),
    fast_path_only=("block",),
)

# Order-level fields (staging columns): every row of one Order ID must agree on them (first-seen row wins).
ORDER_LEVEL = ("customer_code", "ordered_at", "region", "payment_method", "shipping_cost", "agent_code")
# The spec's name of each staging column, for a column the file's header does not name.
COLUMN_NAMES = {column.key: column.name for column in SALES_COLUMNS}
HELPER_TABLES = (
    "import_suspects",
    "import_suspect_rows",
    "import_rejects",
    "import_s_customers",
    "import_s_products",
    "import_s_agents",
    "import_s_orders",
    "import_s_lines",
)


def _analyze(cursor, *tables: str, postgres: bool) -> None:
    """Fresh statistics after a bulk write: the planner otherwise joins "empty" tables with nested loops.

    Only tables a step actually wrote to: a re-import that changes nothing analyzes nothing.
    """
    if postgres:
        for table in tables:
            cursor.execute(f"ANALYZE {table}")


def _analyze_helpers(cursor, *tables: str, postgres: bool) -> None:
    if postgres:
        stage_analyze(cursor, *tables)


def _orders_select(source: str = STAGE.name, where: str = "") -> str:
    """One row per distinct (Order ID, order-level fields), against the stored order of that code (if any).

    An order whose rows agree, the usual case, has one such row; more than one
    means its rows disagree. Rows checked in one read block repeat no product
    there; an order may repeat one when its checked rows span blocks or it
    mixes them with rows staged whole. ``changed`` says whether an existing
    order would change, judged before anything is written (a customer or
    agent not stored yet counts as a change).
    """
    fields = ", ".join(ORDER_LEVEL)
    differs = " OR ".join(
        [
            "o.customer_id IS DISTINCT FROM c.id",
            "o.agent_id IS DISTINCT FROM ag.id",
            "(a.agent_code IS NOT NULL AND ag.id IS NULL)",
            "o.ordered_at IS DISTINCT FROM a.ordered_at",
            "o.region IS DISTINCT FROM a.region",
            "o.payment_method IS DISTINCT FROM a.payment_method",
            "o.shipping_cost IS DISTINCT FROM a.shipping_cost",
        ]
    )
    return (
        "SELECT a.*, o.id AS order_id, CASE WHEN o.id IS NOT NULL THEN 1 ELSE 0 END AS existed,"
        f" CASE WHEN o.id IS NOT NULL AND ({differs}) THEN 1 ELSE 0 END AS changed"
        f" FROM (SELECT order_code AS code, {fields}, ROUND(SUM(line_total), 2) AS staged_subtotal,"
        "  MIN(block) AS block_min, MAX(block) AS block_max, COUNT(*) - COUNT(block) AS unchecked"
        f"  FROM {source} {where} GROUP BY order_code, {fields}) a"
        " LEFT JOIN sales_order o ON o.code = a.code"
        " LEFT JOIN customers_customer c ON c.code = a.customer_code"
        " LEFT JOIN sales_agent ag ON ag.code = a.agent_code"
    )


def _aggregate_orders(cursor, *, postgres: bool) -> None:
    cursor.execute(f"CREATE TEMPORARY TABLE import_s_orders AS {_orders_select()}")
    _analyze_helpers(cursor, "import_s_orders", postgres=postgres)


def _reject_conflicts(cursor, *, postgres: bool) -> None:
    """Move rows that contradict their order's first row, or repeat its product, to ``import_rejects``.

    The order aggregate already tells which orders disagree, and which may
    repeat a product across read blocks; rows staged whole (the reader's path)
    are checked for repeats by one aggregate of their own. Only those (usually
    few) orders' rows are then ordered by row number to tell which row came
    first, and only the aggregates of orders that lose a row are computed again.
    """
    cursor.execute(
        "CREATE TEMPORARY TABLE import_suspects AS SELECT code AS order_code FROM import_s_orders GROUP BY code"
        " HAVING COUNT(*) > 1 OR MIN(block_min) <> MAX(block_max)"
        "  OR (SUM(unchecked) > 0 AND MAX(block_max) IS NOT NULL)"  # checked rows and rows staged whole
        f" UNION SELECT order_code FROM {STAGE.name} WHERE block IS NULL"
        " GROUP BY order_code, product_code HAVING COUNT(*) > 1"
    )
    cursor.execute("SELECT EXISTS (SELECT 1 FROM import_suspects)")
    if not cursor.fetchone()[0]:
        cursor.execute(
            "CREATE TEMPORARY TABLE import_rejects"
            " (row_no int, order_code text, column_name text, first_row int, reason text)"
        )
        return
    _analyze_helpers(cursor, "import_suspects", postgres=postgres)
    # One pass over the stage for the suspects' rows: the window functions below sort only those.
    cursor.execute(
        f"CREATE TEMPORARY TABLE import_suspect_rows AS SELECT * FROM {STAGE.name}"
        " WHERE order_code IN (SELECT order_code FROM import_suspects)"
    )
    firsts = ", ".join(f"FIRST_VALUE({name}) OVER w AS first_{name}" for name in ORDER_LEVEL)
    differs = [f"{name} IS DISTINCT FROM first_{name}" for name in ORDER_LEVEL]
    # The staging column that differs first; _rejected_rows names it as the file's header does.
    which = " ".join(f"WHEN {test} THEN '{name}'" for test, name in zip(differs, ORDER_LEVEL, strict=True))
    cursor.execute(
        "CREATE TEMPORARY TABLE import_rejects AS "
        f"SELECT row_no, order_code, CASE {which} END AS column_name, first_row, 'conflict' AS reason FROM ("
        f"  SELECT s.*, FIRST_VALUE(row_no) OVER w AS first_row, {firsts} FROM import_suspect_rows s"
        "   WINDOW w AS (PARTITION BY order_code ORDER BY row_no)"
        f") t WHERE {' OR '.join(differs)}"
    )
    cursor.execute(
        "INSERT INTO import_rejects (row_no, order_code, column_name, first_row, reason) "
        "SELECT row_no, order_code, 'product_code', first_row, 'duplicate' FROM ("
        "  SELECT row_no, order_code, ROW_NUMBER() OVER w AS rn, FIRST_VALUE(row_no) OVER w AS first_row"
        "  FROM import_suspect_rows WHERE row_no NOT IN (SELECT row_no FROM import_rejects)"
        "   WINDOW w AS (PARTITION BY order_code, product_code ORDER BY row_no)"
        ") t WHERE rn > 1"
    )
    cursor.execute("SELECT EXISTS (SELECT 1 FROM import_rejects)")
    if not cursor.fetchone()[0]:
        return  # every suspect row stands (orders spanning blocks, as a rule): their aggregates are right
    rejected = "SELECT row_no FROM import_rejects"
    cursor.execute(f"DELETE FROM {STAGE.name} WHERE row_no IN ({rejected})")
    cursor.execute("DELETE FROM import_s_orders WHERE code IN (SELECT order_code FROM import_rejects)")
    remaining = f"WHERE order_code IN (SELECT order_code FROM import_rejects) AND row_no NOT IN ({rejected})"
    cursor.execute(f"INSERT INTO import_s_orders {_orders_select('import_suspect_rows', remaining)}")


def _rejected_rows(cursor, *, limit: int, headers: dict[str, str]) -> tuple[int, list[RowErrors]]:
    """The count of rejected rows and the first ``limit`` of them, each naming its column as the file writes it."""

    def header(key: str) -> str:
        return headers.get(key) or COLUMN_NAMES[key]

    cursor.execute("SELECT COUNT(*) FROM import_rejects")
    total = cursor.fetchone()[0]
    cursor.execute(
        "SELECT row_no, order_code, column_name, first_row, reason FROM import_rejects ORDER BY row_no LIMIT %s",
        [limit],
    )
    errors = []
    order_id = header("order_code")
    for row_no, order_code, key, first_row, reason in cursor.fetchall():
        column = header(key)
        if reason == "duplicate":
            message = f"{order_id} {order_code} already has a line for this {column} (row {first_row})."
        else:
            message = f"{order_id} {order_code} was first seen at row {first_row} with a different {column}."
        errors.append(RowErrors(row_no, [(column, message)]))
    return total, errors


def _first_seen(
    cursor, *, table: str, fields: tuple[tuple[str, str], ...], where: str = "", compare: str, stored: str
) -> None:
    """Each code's values from its first row in file order, flagged ``is_new`` or ``changed`` against ``stored``.

    One hash aggregate over the distinct value sets: a code whose rows all agree
    (the usual case) has one set; where they disagree, the set seen first wins.
    """
    named = ", ".join(f"{column} AS {name}" for column, name in fields)
    grouped = ", ".join(column for column, _name in fields)
    cursor.execute(
        f"CREATE TEMPORARY TABLE {table} AS SELECT v.*,"
        " CASE WHEN e.id IS NULL THEN 1 ELSE 0 END AS is_new,"
        f" CASE WHEN e.id IS NOT NULL AND ({compare}) THEN 1 ELSE 0 END AS changed"
        f" FROM (SELECT {named}, MIN(row_no) AS first_row FROM {STAGE.name} {where} GROUP BY {grouped}) v"
        f" {stored}"
    )
    cursor.execute(f"SELECT COUNT(*) - COUNT(DISTINCT code) FROM {table}")
    if cursor.fetchone()[0]:
        cursor.execute(f"CREATE INDEX {table}_code ON {table} (code, first_row)")
        cursor.execute(
            f"DELETE FROM {table} WHERE EXISTS (SELECT 1 FROM {table} w"
            f" WHERE w.code = {table}.code AND w.first_row < {table}.first_row)"
        )


def _build_entities(cursor, *, postgres: bool) -> None:
    _first_seen(
        cursor,
        table="import_s_customers",
        fields=(
            ("customer_code", "code"),
            ("customer_name", "name"),
            ("customer_email", "email"),
            ("customer_address", "address"),
            ("region", "region"),
        ),
        compare="e.name IS DISTINCT FROM v.name OR e.email IS DISTINCT FROM v.email"
        " OR e.address IS DISTINCT FROM v.address",
        stored="LEFT JOIN customers_customer e ON e.code = v.code",
    )
    _first_seen(
        cursor,
        table="import_s_products",
        fields=(
            ("product_code", "code"),
            ("product_name", "name"),
            ("category", "category"),
            ("unit_price", "unit_price"),
        ),
        compare="e.name IS DISTINCT FROM v.name OR cat.name IS DISTINCT FROM v.category",
        stored="LEFT JOIN catalog_product e ON e.code = v.code"
        " LEFT JOIN catalog_category cat ON cat.id = e.category_id",
    )
    _first_seen(
        cursor,
        table="import_s_agents",
        fields=(("agent_code", "code"), ("agent_name", "name"), ("agent_role", "role"), ("team", "team")),
        where="WHERE agent_code IS NOT NULL",
        compare="e.name IS DISTINCT FROM v.name OR e.role IS DISTINCT FROM v.role OR t.name IS DISTINCT FROM v.team",
        stored="LEFT JOIN sales_agent e ON e.code = v.code LEFT JOIN sales_team t ON t.id = e.team_id",
    )
    _analyze_helpers(cursor, "import_s_customers", "import_s_products", "import_s_agents", postgres=postgres)


def _upsert_entities(cursor, *, now: datetime | str, postgres: bool, customers_detached: bool) -> None:
    """Write new and changed customers, products and agents only: unchanged rows are not even locked."""
    # WHERE true in each SELECT: SQLite needs it to parse INSERT … SELECT … ON CONFLICT.
    cursor.execute(
        "INSERT INTO catalog_category (name, description) SELECT DISTINCT category, '' FROM import_s_products"
        " WHERE is_new = 1 OR changed = 1 ON CONFLICT (name) DO NOTHING"
    )
    cursor.execute(
        "INSERT INTO sales_team (name) SELECT DISTINCT team FROM import_s_agents"
        " WHERE team IS NOT NULL AND (is_new = 1 OR changed = 1) ON CONFLICT (name) DO NOTHING"
    )
    cursor.execute(
        "INSERT INTO customers_customer"
        " (code, name, email, gender, date_of_birth, phone, address, region, created_at, updated_at)"
        " SELECT code, name, email, '', NULL, '', address, region, %s, %s FROM import_s_customers"
        " WHERE is_new = 1 OR changed = 1"
        + (
            ""  # an empty table without its unique index: every customer is new
            if customers_detached
            else " ON CONFLICT (code) DO UPDATE SET name = excluded.name, email = excluded.email,"
            " address = excluded.address, updated_at = excluded.updated_at"
            " WHERE customers_customer.name IS DISTINCT FROM excluded.name"
            " OR customers_customer.email IS DISTINCT FROM excluded.email"
            " OR customers_customer.address IS DISTINCT FROM excluded.address"
        ),
        [now, now],
    )
    written = {"customers_customer": cursor.rowcount}
    cursor.execute(
        "INSERT INTO catalog_product"
        " (code, name, category_id, description, unit_price, stock, is_deleted, created_at, updated_at)"
        " SELECT sp.code, sp.name, cat.id, '', sp.unit_price, 0, %s, %s, %s"
        " FROM import_s_products sp JOIN catalog_category cat ON cat.name = sp.category"
        " WHERE sp.is_new = 1 OR sp.changed = 1"
        " ON CONFLICT (code) DO UPDATE SET name = excluded.name, category_id = excluded.category_id,"
        " updated_at = excluded.updated_at"
        " WHERE catalog_product.name IS DISTINCT FROM excluded.name"
        " OR catalog_product.category_id IS DISTINCT FROM excluded.category_id",
        [False, now, now],
    )
    written["catalog_product"] = cursor.rowcount
    cursor.execute(
        "INSERT INTO sales_agent (code, name, role, team_id, user_id)"
        " SELECT sa.code, sa.name, sa.role, t.id, NULL FROM import_s_agents sa"
        " LEFT JOIN sales_team t ON t.name = sa.team WHERE sa.is_new = 1 OR sa.changed = 1"
        " ON CONFLICT (code) DO UPDATE SET name = excluded.name, role = excluded.role, team_id = excluded.team_id"
        " WHERE sales_agent.name IS DISTINCT FROM excluded.name OR sales_agent.role IS DISTINCT FROM excluded.role"
        " OR sales_agent.team_id IS DISTINCT FROM excluded.team_id"
    )
    written["sales_agent"] = cursor.rowcount
    _analyze(cursor, *(table for table, rows in written.items() if rows), postgres=postgres)


def _order_values(now_params: str = "%s, %s") -> str:
    return (
        "SELECT so.code, c.id, ag.id, NULL, so.ordered_at, so.region, so.payment_method, so.shipping_cost,"
        f" so.staged_subtotal, ROUND(so.staged_subtotal + so.shipping_cost, 2), {now_params}"
        " FROM import_s_orders so JOIN customers_customer c ON c.code = so.customer_code"
        " LEFT JOIN sales_agent ag ON ag.code = so.agent_code"
    )


ORDER_COLUMNS = (
    "code, customer_id, agent_id, membership_id, ordered_at, region, payment_method,"
    " shipping_cost, subtotal, total_amount, created_at, updated_at"
)


def _upsert_orders_and_lines(cursor, *, now: datetime | str, postgres: bool) -> tuple[int, int]:
    """Write new and changed orders and lines; returns (rows whose line is new, rows whose line changed)."""
    # A new order's subtotal is the sum of its staged lines; an existing one's is recomputed below.
    cursor.execute(
        f"INSERT INTO sales_order ({ORDER_COLUMNS}) {_order_values()} WHERE so.order_id IS NULL OR so.changed = 1"
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
    if cursor.rowcount:
        _analyze(cursor, "sales_order", postgres=postgres)
    # The new orders' ids, so that the lines need not look every order up again by its code.
    cursor.execute(
        "UPDATE import_s_orders SET order_id = o.id FROM sales_order o"
        " WHERE import_s_orders.order_id IS NULL AND o.code = import_s_orders.code"
    )
    # Only new or changed lines are written; unchanged ones are filtered out before the upsert.
    cursor.execute(
        "CREATE TEMPORARY TABLE import_s_lines AS"
        " SELECT s.row_no, so.order_id, p.id AS product_id, s.quantity, s.unit_price, s.discount,"
        " s.line_total, CASE WHEN l.id IS NULL THEN 1 ELSE 0 END AS is_new, so.existed AS order_existed"
        f" FROM {STAGE.name} s JOIN import_s_orders so ON so.code = s.order_code"
        " JOIN catalog_product p ON p.code = s.product_code"
        " LEFT JOIN sales_orderline l ON l.order_id = so.order_id AND l.product_id = p.id"
        " WHERE l.id IS NULL OR l.quantity IS DISTINCT FROM s.quantity"
        " OR l.unit_price IS DISTINCT FROM s.unit_price OR l.discount IS DISTINCT FROM s.discount"
        " OR l.line_total IS DISTINCT FROM s.line_total"
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
        "  WHERE order_id IN (SELECT order_id FROM import_s_lines WHERE order_existed = 1) GROUP BY order_id) totals"
        " WHERE sales_order.id = totals.order_id",
        [now],
    )
    cursor.execute("SELECT COALESCE(SUM(is_new), 0), COUNT(*) FROM import_s_lines")
    new_lines, written = cursor.fetchone()
    return int(new_lines), int(written) - int(new_lines)


def _rows_touched_elsewhere(cursor) -> int:
    """Rows whose line stays as it is while its order, customer, product or agent changes."""
    changed = {
        "order_code": "SELECT code FROM import_s_orders WHERE changed = 1",
        "customer_code": "SELECT code FROM import_s_customers WHERE changed = 1",
        "product_code": "SELECT code FROM import_s_products WHERE changed = 1",
        "agent_code": "SELECT code FROM import_s_agents WHERE changed = 1 OR is_new = 1",
    }
    cursor.execute(f"SELECT EXISTS ({' UNION ALL '.join(changed.values())})")
    if not cursor.fetchone()[0]:
        return 0
    touched = " OR ".join(f"s.{column} IN ({query})" for column, query in changed.items())
    cursor.execute(
        f"SELECT COUNT(*) FROM {STAGE.name} s WHERE ({touched}) AND s.row_no NOT IN (SELECT row_no FROM import_s_lines)"
    )
    return int(cursor.fetchone()[0])


def _insert_orders_and_lines(cursor, *, now: datetime) -> int:
    """The first load (PostgreSQL, empty order tables, indexes detached): plain inserts, every line new."""
    cursor.execute(f"INSERT INTO sales_order ({ORDER_COLUMNS}) {_order_values()}", [now, now])
    _analyze(cursor, "sales_order", postgres=True)
    cursor.execute(
        "INSERT INTO sales_orderline (order_id, product_id, quantity, unit_price, discount, line_total)"
        f" SELECT o.id, p.id, s.quantity, s.unit_price, s.discount, s.line_total FROM {STAGE.name} s"
        " JOIN sales_order o ON o.code = s.order_code JOIN catalog_product p ON p.code = s.product_code"
    )
    return cursor.rowcount


def merge_sales(
    connection: BaseDatabaseWrapper, *, now: datetime, error_limit: int, headers: dict[str, str]
) -> tuple[int, int, int, list[RowErrors]]:
    """Merge the staged rows: (created, updated, rejected, first rejected rows). Caller holds the transaction.

    ``headers`` gives each staging column's header cell as the file writes it, for the row errors.
    """
    postgres = connection.vendor == "postgresql"
    stamp = now if postgres else connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        stage_drop(connection, *HELPER_TABLES)
        if postgres:
            # Room for the hash aggregates and joins over a million staged rows; this transaction only.
            cursor.execute("SET LOCAL work_mem = '256MB'")
        detached, customers_detached = None, False
        if postgres and tables_empty(cursor, "sales_order"):
            # A first load: customers too, when there are none yet.
            customers_detached = tables_empty(cursor, "customers_customer")
            tables = ("sales_order", "sales_orderline", *(["customers_customer"] if customers_detached else []))
            detached = schema_detach(cursor, *tables)
            if not truncate_if_empty(cursor, *tables):  # a row was written before the lock was granted
                schema_restore(cursor, detached)
                detached, customers_detached = None, False
        _aggregate_orders(cursor, postgres=postgres)
        _reject_conflicts(cursor, postgres=postgres)
        rejected, errors = _rejected_rows(cursor, limit=error_limit, headers=headers)
        _build_entities(cursor, postgres=postgres)
        _upsert_entities(cursor, now=stamp, postgres=postgres, customers_detached=customers_detached)
        if detached is not None:
            created, updated = _insert_orders_and_lines(cursor, now=stamp), 0
            schema_restore(cursor, detached)
        else:
            created, updated = _upsert_orders_and_lines(cursor, now=stamp, postgres=postgres)
            updated += _rows_touched_elsewhere(cursor)
    stage_drop(connection, *HELPER_TABLES)
    return created, updated, rejected, errors
