"""A first load into empty tables: drop their secondary indexes and constraints, load, rebuild them.

Building an index from a million rows at once is many times cheaper than
maintaining it row by row, and re-adding a foreign key checks every row with
one join instead of one deferred trigger per row at commit. Dropping takes an
``ACCESS EXCLUSIVE`` lock until the load commits, which is why it is only done
when the tables are empty: nobody is reading them yet. Everything happens in
the load's transaction, so a failed or killed load rolls the drops back too.
"""

from dataclasses import dataclass

from django.db.backends.utils import CursorWrapper


@dataclass(frozen=True)
class DetachedSchema:
    """What ``schema_detach`` dropped, as the statements that rebuild it, in order."""

    statements: tuple[str, ...]


def tables_empty(cursor: CursorWrapper, *tables: str) -> bool:
    return not any(_has_rows(cursor, table) for table in tables)


def _has_rows(cursor: CursorWrapper, table: str) -> bool:
    cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {table})")
    return bool(cursor.fetchone()[0])


def truncate_if_empty(cursor: CursorWrapper, *tables: str) -> bool:
    """Give ``tables`` new, empty files if they hold no row; say whether they did. Call after ``schema_detach``.

    Nothing is lost (the caller's lock keeps them empty), and with
    ``wal_level = minimal`` PostgreSQL then writes what the load inserts and
    the indexes it builds straight to those files, synced at commit, instead of
    through the WAL (about 1.6 s of a million-line first load). At other WAL
    levels it changes nothing. ``TRUNCATE`` refuses a table that a foreign key
    points into, which ``schema_detach`` has dropped.
    """
    if not tables_empty(cursor, *tables):
        return False
    cursor.execute(f"TRUNCATE {', '.join(tables)}")
    return True


def schema_detach(cursor: CursorWrapper, *tables: str) -> DetachedSchema:
    """Lock ``tables``, drop their secondary indexes, unique and foreign keys (and foreign keys into them).

    Primary keys and CHECK constraints stay: the first is cheap to keep
    (ids only grow), the second costs nothing per row.
    """
    cursor.execute(f"LOCK TABLE {', '.join(tables)} IN ACCESS EXCLUSIVE MODE")
    _run_pending_checks(cursor)
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype FROM pg_constraint"
        " WHERE (conrelid = ANY(%s::regclass[]) AND contype IN ('u', 'f'))"
        " OR (confrelid = ANY(%s::regclass[]) AND contype = 'f')"
        " ORDER BY contype = 'f' DESC, conrelid::regclass::text, conname",
        [list(tables), list(tables)],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i"
        " WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary"
        " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)"
        " ORDER BY 1",
        [list(tables)],
    )
    indexes = cursor.fetchall()
    for table, name, _definition, _kind in constraints:  # foreign keys first: they may lean on the unique ones
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        cursor.execute(f"DROP INDEX {name}")
    add = {kind: [] for kind in "uf"}
    for table, name, definition, kind in constraints:
        add[kind].append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    return DetachedSchema((*[definition for _name, definition in indexes], *add["u"], *add["f"]))


def schema_restore(cursor: CursorWrapper, detached: DetachedSchema) -> None:
    """Rebuild what ``schema_detach`` dropped; a row that breaks a constraint fails the whole load."""
    _run_pending_checks(cursor)
    cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
    for statement in detached.statements:
        cursor.execute(statement)


def _run_pending_checks(cursor: CursorWrapper) -> None:
    """ALTER TABLE refuses a table with deferred checks pending in this transaction: run them now."""
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
