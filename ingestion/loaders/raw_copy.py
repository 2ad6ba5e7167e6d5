"""PostgreSQL fast path for staging: ``COPY`` the file as it is, validate in SQL, judge the rest in Python.

The server parses the CSV (as fast as it can read the file) into a table of text
columns; one ``INSERT … SELECT`` then types the rows that pass a strict,
SQL-checkable subset of the reader's rules, producing exactly the values the
Python reader would. Every other row is handed to the Python reader's own
``parse_record``, so error messages and edge cases are the same on every
backend. A file PostgreSQL cannot copy (a row of the wrong width, a blank line,
a NUL byte) raises ``FastPathUnavailable`` and the caller uses the Python path.
"""

import codecs
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
from django.conf import settings
from django.db import connection, transaction

from ingestion.loaders.staging import StageTable, stage_drop, stage_rows
from ingestion.readers import (
    KINDS,
    ReadProgress,
    RowErrors,
    UnreadableFile,
    parse_record,
    read_header,
)
from sales.models import AgentRole

RAW_TABLE = "import_raw"
BLOCK_BYTES = 1 << 20
RECHECK_BATCH = 5_000


class FastPathUnavailable(Exception):
    """PostgreSQL could not copy this file as a CSV of even width; the Python reader takes over."""


def _sales_sql(cell: Callable[[str], str]) -> tuple[str, str]:
    """(the validity test, the typed SELECT list) for a sales row, over trimmed cells."""
    quantity, price, discount, shipping, day = (
        cell("quantity"),
        cell("unit_price"),
        cell("discount"),
        cell("shipping_cost"),
        cell("ordered_at"),
    )
    agent, role = cell("agent_code"), cell("agent_role")
    discount_value = f"COALESCE(NULLIF({discount}, ''), '0')::numeric(5,4)"
    roles = " ".join(f"WHEN '{role_.value.lower()}' THEN '{role_.value}'" for role_ in AgentRole)

    def present(key: str, max_length: int) -> str:
        return f"{cell(key)} <> '' AND char_length({cell(key)}) <= {max_length}"

    def fits(key: str, max_length: int) -> str:
        return f"char_length({cell(key)}) <= {max_length}"

    checks = [
        present("order_code", 64),
        present("product_code", 64),
        present("customer_code", 64),
        present("product_name", 200),
        present("category", 100),
        present("customer_name", 200),
        fits("region", 100),
        fits("payment_method", 50),
        fits("customer_email", 254),
        fits("agent_code", 64),
        fits("agent_name", 200),
        fits("team", 100),
        f"({cell('customer_email')} = '' OR {cell('customer_email')}"
        " ~ '^[^@[:space:]]+@[^@[:space:]]+\\.[^@[:space:]]+$')",
        # Up to 9 digits stays under the 32-bit limit; up to 10 integer digits under the price limit.
        f"{quantity} ~ '^[0-9]{{1,9}}$'",
        f"{price} ~ '^[0-9]{{1,10}}(\\.[0-9]{{1,2}})?$'",
        f"{discount} ~ '^(|0|1|0?\\.[0-9]{{1,4}}|0\\.|1\\.0{{0,4}})$'",
        f"{shipping} ~ '^(|[0-9]{{1,12}}(\\.[0-9]{{1,2}})?)$'",
        # A real calendar date, year 1 or later; CASE keeps the casts behind the format checks.
        f"CASE WHEN {day} ~ '^[0-9]{{4}}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$'"
        f" AND substr({day}, 1, 4) <> '0000' THEN substr({day}, 9, 2)::int"
        f" <= extract(day from (substr({day}, 1, 8) || '01')::date + interval '1 month - 1 day') ELSE false END",
        f"({agent} = '' OR ({cell('agent_name')} <> ''"
        f" AND lower({role}) IN ('', {', '.join(repr(r.value.lower()) for r in AgentRole)})))",
        f"CASE WHEN {quantity} ~ '^[0-9]{{1,9}}$' AND {quantity} <> '0'"
        f" AND {quantity}::int >= 1 AND {price} ~ '^[0-9]{{1,10}}(\\.[0-9]{{1,2}})?$'"
        f" AND {discount} ~ '^(|0|1|0?\\.[0-9]{{1,4}}|0\\.|1\\.0{{0,4}})$'"
        f" THEN round({quantity}::int * {price}::numeric * (1 - {discount_value}), 2) < 1e12 ELSE false END",
    ]
    valid = " AND ".join(f"({check})" for check in checks)
    line_total = f"round({quantity}::int * {price}::numeric(12,2) * (1 - {discount_value}), 2)"
    typed = ", ".join(
        [
            cell("order_code"),
            cell("product_code"),
            cell("customer_code"),
            cell("product_name"),
            cell("category"),
            cell("region"),
            f"({day})::date::timestamp AT TIME ZONE %(zone)s",
            f"{quantity}::int",
            f"{price}::numeric(12,2)",
            discount_value,
            f"COALESCE(NULLIF({shipping}, ''), '0')::numeric(14,2)",
            cell("payment_method"),
            cell("customer_name"),
            cell("customer_email"),
            cell("customer_address"),
            f"NULLIF({agent}, '')",
            f"CASE WHEN {agent} <> '' THEN {cell('agent_name')} END",
            f"CASE WHEN {agent} <> '' THEN CASE lower({role}) WHEN '' THEN 'Agent' {roles} END END",
            f"CASE WHEN {agent} <> '' THEN NULLIF({cell('team')}, '') END",
            line_total,
        ]
    )
    return valid, typed


def _products_sql(cell: Callable[[str], str], present_keys: set[str]) -> tuple[str, str]:
    price, stock = cell("unit_price"), cell("stock")
    valid = " AND ".join(
        [
            f"{cell('product_code')} <> '' AND char_length({cell('product_code')}) <= 64",
            f"{cell('product_name')} <> '' AND char_length({cell('product_name')}) <= 200",
            f"{cell('category')} <> '' AND char_length({cell('category')}) <= 100",
            f"{price} ~ '^[0-9]{{1,10}}(\\.[0-9]{{1,2}})?$'",
            f"{stock} ~ '^(|[0-9]{{1,9}})$'",
        ]
    )
    typed = ", ".join(
        [
            cell("product_code"),
            cell("product_name"),
            cell("category"),
            f"{price}::numeric(12,2)",
            cell("description") if "description" in present_keys else "NULL",
            f"NULLIF({stock}, '')::int" if "stock" in present_keys else "NULL",
        ]
    )
    return valid, typed


def _copy_file(path: Path, width: int, progress: ReadProgress) -> None:
    """Stream the file to ``COPY``, checking it is UTF-8 on the way (the server would not say which byte)."""
    columns = ", ".join(f"c{i}" for i in range(width))
    decoder = codecs.getincrementaldecoder("utf-8")()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {RAW_TABLE}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {RAW_TABLE} (row_no bigint GENERATED ALWAYS AS IDENTITY,"
            f" {', '.join(f'c{i} text' for i in range(width))})"
        )
        copy_sql = f"COPY {RAW_TABLE} ({columns}) FROM STDIN WITH (FORMAT csv, HEADER true)"
        with path.open("rb") as source, cursor.cursor.copy(copy_sql) as copy:
            while block := source.read(BLOCK_BYTES):
                if b"\x00" in block:
                    raise FastPathUnavailable("NUL byte")
                try:
                    decoder.decode(block)
                except UnicodeDecodeError as exc:
                    raise UnreadableFile(
                        f"The file is not UTF-8 text (byte {progress.bytes_read + exc.start} cannot be decoded)."
                    ) from exc
                copy.write(block)
                progress.bytes_read += len(block)
        cursor.execute(f"SELECT COUNT(*) FROM {RAW_TABLE}")
        progress.rows = cursor.fetchone()[0]


def stage_csv_copy(
    *,
    path: Path,
    kind: str,
    stage: StageTable,
    progress: ReadProgress,
    on_progress: Callable[[ReadProgress], None] | None,
    error_limit: int,
) -> tuple[int, int, list[RowErrors]]:
    """Fill ``stage`` from ``path``; returns (rows staged, rows rejected, first rejected rows)."""
    header, index, headers = read_header(path, kind=kind)
    try:
        with transaction.atomic():  # a failed COPY rolls back to here and leaves the connection usable
            _copy_file(path, len(header), progress)
    except psycopg.Error as exc:
        raise FastPathUnavailable(str(exc)) from exc
    if on_progress is not None:
        on_progress(progress)

    def cell(key: str) -> str:
        return f"k_{key}" if key in index else "''"

    # Each cell is trimmed once; OFFSET 0 stops the planner from inlining the trims into every test.
    trimmed = ", ".join(
        f"btrim(COALESCE(c{position}, ''), E' \\t\\r\\n\\x0b\\x0c') AS k_{key}" for key, position in index.items()
    )
    valid, typed = _sales_sql(cell) if kind == "sales" else _products_sql(cell, set(index))
    names = ", ".join(stage.column_names)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {stage.name} ({names}) SELECT row_no + 1, {typed}"
            f" FROM (SELECT row_no, {trimmed} FROM {RAW_TABLE} OFFSET 0) t WHERE {valid}",
            {"zone": settings.ANALYTICS_TIME_ZONE},
        )
        staged = cursor.rowcount
        cursor.execute(f"ANALYZE {stage.name}")  # the anti-join below, and the merge, plan from it
    rejected, rescued, errors = 0, 0, []
    positions = list(index.items())
    csv_kind, time_zone = KINDS[kind], ZoneInfo(settings.ANALYTICS_TIME_ZONE)
    with connection.chunked_cursor() as cursor:
        # The rows SQL did not stage, found by an anti-join rather than by testing them all again.
        cursor.execute(
            f"SELECT r.row_no + 1, {', '.join(f'r.c{i}' for i in range(len(header)))} FROM {RAW_TABLE} r"
            f" WHERE NOT EXISTS (SELECT 1 FROM {stage.name} s WHERE s.row_no = r.row_no + 1) ORDER BY r.row_no"
        )
        while batch := cursor.fetchmany(RECHECK_BATCH):
            good = []
            for row_number, *values in batch:
                result = parse_record(
                    row_number,
                    [value or "" for value in values],
                    positions=positions,
                    headers=headers,
                    kind=csv_kind,
                    zone=time_zone,
                )
                if isinstance(result, RowErrors):
                    rejected += 1
                    if len(errors) < error_limit:
                        errors.append(result)
                else:
                    good.append((result[0], *result[1]))
            if good:
                rescued += len(good)
                stage_rows(connection, stage, good, analyze=False)
    stage_drop(connection, RAW_TABLE)
    if rescued:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {stage.name}")
    return staged + rescued, rejected, errors
