"""Staging tables: a job's validated rows, in a temporary table of its own connection.

Temporary tables vanish with the connection, so a worker that dies while
staging leaves nothing behind. PostgreSQL fills them with ``COPY``; SQLite with
batched inserts. The merge then works set-based from the staging table.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from itertools import islice

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper

# Rows per COPY (PostgreSQL) or executemany (SQLite); progress is reported between batches,
# when the connection is free again.
BATCH_ROWS = {"postgresql": 50_000, "sqlite": 5_000}

# (PostgreSQL type, SQLite type) of each kind of staged value.
TYPES = {
    "int": ("integer", "integer"),
    "text": ("text", "text"),
    "money": ("numeric(14,2)", "numeric"),
    "ratio": ("numeric(5,4)", "numeric"),
    "moment": ("timestamptz", "text"),
}


@dataclass(frozen=True)
class StageTable:
    name: str
    columns: tuple[tuple[str, str], ...]  # (name, kind in TYPES)
    fast_path_only: tuple[str, ...] = ()  # columns only the PostgreSQL fast path fills; whole rows leave them NULL

    @property
    def column_names(self) -> list[str]:
        return [name for name, _kind in self.columns]

    @property
    def row_columns(self) -> tuple[tuple[str, str], ...]:
        """The columns a row staged whole fills, in order."""
        return tuple((name, kind) for name, kind in self.columns if name not in self.fast_path_only)


def stage_create(connection: BaseDatabaseWrapper, table: StageTable) -> None:
    postgres = connection.vendor == "postgresql"
    columns = ", ".join(f"{name} {TYPES[kind][0 if postgres else 1]}" for name, kind in table.columns)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table.name}")
        cursor.execute(f"CREATE TEMPORARY TABLE {table.name} ({columns})")


def stage_analyze(cursor: CursorWrapper, *names: str) -> None:
    """Statistics for tables that live for one load, from a small sample (PostgreSQL).

    Autovacuum never analyzes temporary tables, and the merge's joins and
    aggregates plan from these statistics; a sample of 3,000 rows tells sizes
    and spreads well enough, at a tenth of the default sample's cost.
    """
    with transaction.atomic(using=cursor.db.alias):
        cursor.execute("SELECT current_setting('default_statistics_target')")
        target = cursor.fetchone()[0]
        cursor.execute("SET LOCAL default_statistics_target = 10")
        for name in names:
            cursor.execute(f"ANALYZE {name}")
        # SET LOCAL outlives a savepoint: put the target back for the real tables the merge analyzes.
        cursor.execute("SELECT set_config('default_statistics_target', %s, true)", [target])


def stage_drop(connection: BaseDatabaseWrapper, *names: str) -> None:
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(f"DROP TABLE IF EXISTS {name}")


def stage_rows(
    connection: BaseDatabaseWrapper,
    table: StageTable,
    rows: Iterable[tuple],
    *,
    after_batch: Callable[[], None] | None = None,
    analyze: bool = True,
) -> None:
    """Stream whole ``rows`` (in ``table.row_columns`` order) into the staging table, batch by batch."""
    columns = ", ".join(name for name, _kind in table.row_columns)
    iterator = iter(rows)
    batch_rows = BATCH_ROWS.get(connection.vendor, 5_000)
    if connection.vendor == "postgresql":
        copy_sql = f"COPY {table.name} ({columns}) FROM STDIN"
        with connection.cursor() as cursor:
            while batch := list(islice(iterator, batch_rows)):
                with cursor.cursor.copy(copy_sql) as copy:
                    for row in batch:
                        copy.write_row(row)
                if after_batch is not None:
                    after_batch()
            if analyze:
                stage_analyze(cursor, table.name)
        return
    moments = [index for index, (_name, kind) in enumerate(table.row_columns) if kind == "moment"]
    adapt = connection.ops.adapt_datetimefield_value
    sql = f"INSERT INTO {table.name} ({columns}) VALUES ({', '.join(['%s'] * len(table.row_columns))})"
    with connection.cursor() as cursor:
        while batch := list(islice(iterator, batch_rows)):
            if moments:
                batch = [_adapt_moments(row, moments, adapt) for row in batch]
            cursor.executemany(sql, batch)
            if after_batch is not None:
                after_batch()


def _adapt_moments(row: tuple, positions: list[int], adapt) -> tuple:
    values = list(row)
    for position in positions:
        if isinstance(values[position], datetime):
            values[position] = adapt(values[position])
    return tuple(values)
