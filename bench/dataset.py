"""The shared benchmark dataset: one seeded sales file, loaded once into PostgreSQL and reused.

The analytics, segments and RFM benchmarks all ask questions of the same
million order lines, so the data is built once per server and kept:

- the CSV comes from ``ingestion.sample_data.write_sales_csv`` (seed 7 by
  default, as ``bench/ingest.py`` uses) and is cached under ``var/bench/``;
- it is loaded with ``manage.py import_csv`` in a subprocess, into a database
  named from the size and seed (``salesanalytics_bench_dataset_1m``,
  ``salesanalytics_bench_dataset_100k``, ``..._1m_s3`` for seed 3), built under
  a temporary name and renamed when complete, so a half-built dataset is never
  seen under the real name;
- a marker table (``bench_dataset``) records the rows, seed and the totals the
  load produced; a later call reuses the database when the marker matches and
  the tables still hold exactly those rows, and rebuilds it otherwise;
- ``manage.py migrate`` runs on every call (a second or two when nothing is
  pending), so migrations added since the load, rollup tables and their
  backfills included, are applied before a benchmark reads; a database this
  checkout cannot migrate (another branch's migrations under the same names)
  is rebuilt from the file.

Concurrent callers on one server wait on a PostgreSQL advisory lock, so the
dataset is built once. ``ensure_duckdb`` gives the same rows to DuckDB (whose
postgres extension cannot be downloaded here): each table is exported with
``COPY ... TO STDOUT (FORMAT csv)`` and loaded into a DuckDB file beside the
CSV, rebuilt whenever the PostgreSQL dataset was.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/dataset.py [--rows N] [--seed S] [--fresh] [--duckdb]

Library use (the benchmarks import it)::

    from bench.dataset import ensure_dataset, ensure_duckdb
    url = ensure_dataset(rows=1_000_000)        # postgres://.../salesanalytics_bench_dataset_1m
    duckdb_path = ensure_duckdb(url=url)         # var/bench/salesanalytics_bench_dataset_1m.duckdb
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CACHE_DIR = PROJECT_ROOT / "var" / "bench"
DB_PREFIX = "salesanalytics_bench_dataset"
DEFAULT_ROWS = 1_000_000
DEFAULT_SEED = 7
MARKER_TABLE = "bench_dataset"
# The tables an analytics question can touch; ``ensure_duckdb`` copies these.
DUCKDB_TABLES = (
    "sales_team",
    "sales_agent",
    "sales_order",
    "sales_orderline",
    "catalog_category",
    "catalog_product",
    "customers_customer",
    "customers_membership",
)
LOG_TAIL_LINES = 25

Log = Callable[[str], None]


class DatasetError(Exception):
    """The dataset could not be built or checked; the message says which step and why."""


@dataclass(frozen=True)
class DatasetMarker:
    """What a load produced, stored in the dataset so a later call can tell it is still intact."""

    rows: int
    seed: int
    orders: int
    revenue: str  # sum of line_total as text, exact
    built_at: str  # ISO timestamp of the build; DuckDB copies are keyed by it


def dataset_name(*, rows: int = DEFAULT_ROWS, seed: int = DEFAULT_SEED) -> str:
    """The database name for ``rows`` lines of ``seed``: ``salesanalytics_bench_dataset_1m`` for the default."""
    if rows <= 0:
        raise ValueError(f"rows must be positive, got {rows}")
    if rows % 1_000_000 == 0:
        size = f"{rows // 1_000_000}m"
    elif rows % 1000 == 0:
        size = f"{rows // 1000}k"
    else:
        size = str(rows)
    return f"{DB_PREFIX}_{size}" + ("" if seed == DEFAULT_SEED else f"_s{seed}")


def dataset_csv(*, rows: int = DEFAULT_ROWS, seed: int = DEFAULT_SEED, log: Log = print) -> Path:
    """The seeded sales CSV under ``var/bench/``, generated on first use (same seed, same bytes)."""
    path = CACHE_DIR / f"sales-{dataset_name(rows=rows, seed=seed).removeprefix(DB_PREFIX + '_')}.csv"
    if path.is_file():
        return path
    _setup_django()
    from ingestion.sample_data import write_sales_csv

    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    # Written beside the target and renamed, so an interrupted run never leaves a short file behind.
    with tempfile.NamedTemporaryFile("w", dir=CACHE_DIR, suffix=".partial", delete=False) as tmp:
        partial = Path(tmp.name)
    try:
        written = write_sales_csv(out=partial, rows=rows, seed=seed)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    size_mb = path.stat().st_size / 1e6
    log(f"generated {path} ({written:,} rows, {size_mb:.1f} MB) in {time.perf_counter() - started:.1f} s")
    return path


def ensure_dataset(
    *,
    rows: int = DEFAULT_ROWS,
    seed: int = DEFAULT_SEED,
    fresh: bool = False,
    server_url: str | None = None,
    log: Log = print,
) -> str:
    """The URL of a migrated PostgreSQL database holding exactly ``rows`` seeded order lines.

    ``server_url`` (default ``DATABASE_URL``) names the server and credentials;
    its database name is replaced. The dataset is reused when its marker and
    contents match, rebuilt when they do not or when ``fresh`` is set.
    """
    server_url = server_url or os.environ.get("DATABASE_URL", "")
    _require_postgres(server_url)
    name = dataset_name(rows=rows, seed=seed)
    url = _database_url(server_url, name)
    with _build_lock(server_url, name):
        reason = "--fresh" if fresh else _why_not_reusable(server_url, name, rows=rows, seed=seed)
        if reason is None:
            try:
                _migrate(url, name)
            except DatasetError as exc:
                # Migrated by a checkout whose migrations this one does not share: start again from the file.
                reason = f"this checkout cannot migrate it ({str(exc).splitlines()[-1]})"
            else:
                # A migration must never change the data the benchmarks compare.
                reason = _why_not_reusable(server_url, name, rows=rows, seed=seed)
            if reason is None:
                log(f"dataset {name}: reused ({rows:,} rows, seed {seed})")
                return url
        log(f"dataset {name}: building ({reason})")
        _build(server_url, name, rows=rows, seed=seed, log=log)
    return url


def dataset_marker(url: str) -> DatasetMarker | None:
    """The marker of the dataset at ``url``, or None when it has none (not built by this module)."""
    try:
        with psycopg.connect(url) as conn:
            exists = conn.execute("SELECT to_regclass(%s) IS NOT NULL", [MARKER_TABLE]).fetchone()[0]
            if not exists:
                return None
            row = conn.execute(
                sql.SQL("SELECT rows, seed, orders, revenue::text, built_at::text FROM {}").format(
                    sql.Identifier(MARKER_TABLE)
                )
            ).fetchone()
    except psycopg.OperationalError:
        return None
    return DatasetMarker(*row) if row else None


def ensure_duckdb(*, url: str, fresh: bool = False, log: Log = print) -> Path:
    """A DuckDB file holding the dataset's tables (``DUCKDB_TABLES``), under the same table names.

    Kept beside the CSV in ``var/bench/`` and reused while it was copied from
    the same build of the PostgreSQL dataset (its marker's ``built_at``).
    Column types follow PostgreSQL's (numeric stays DECIMAL, timestamps stay
    TIMESTAMPTZ in UTC), so the same SQL gives the same answers in both.
    """
    import duckdb

    marker = dataset_marker(url)
    if marker is None:
        raise DatasetError(f"{_db_name(url)} has no {MARKER_TABLE} marker; build it with ensure_dataset() first")
    path = CACHE_DIR / f"{_db_name(url)}.duckdb"
    if not fresh and path.is_file() and _duckdb_built_at(path) == marker.built_at:
        log(f"duckdb {path}: reused")
        return path
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    partial = path.with_suffix(".duckdb.partial")
    partial.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE_DIR) as tmpdir, psycopg.connect(url) as pg:
        pg.execute("SET TimeZone = 'UTC'")
        db = duckdb.connect(str(partial))
        try:
            db.execute("SET TimeZone = 'UTC'")
            for table in DUCKDB_TABLES:
                columns = _pg_columns(pg, table)
                csv_path = Path(tmpdir) / f"{table}.csv"
                _copy_out(pg, table, columns, csv_path)
                db.execute(f"CREATE TABLE {table} ({', '.join(f'{name} {kind}' for name, kind in columns)})")
                if csv_path.stat().st_size:  # DuckDB cannot sniff an empty file (no memberships in a sales import)
                    db.execute(
                        f"COPY {table} FROM '{csv_path}' (FORMAT csv, HEADER false, NULL '', ALLOW_QUOTED_NULLS false)"
                    )
            db.execute(f"CREATE TABLE {MARKER_TABLE} (built_at VARCHAR)")
            db.execute(f"INSERT INTO {MARKER_TABLE} VALUES (?)", [marker.built_at])
            db.execute("CHECKPOINT")
        finally:
            db.close()
    partial.replace(path)
    log(f"duckdb {path}: copied {len(DUCKDB_TABLES)} tables in {time.perf_counter() - started:.1f} s")
    return path


# --- building ---------------------------------------------------------------


def _build(server_url: str, name: str, *, rows: int, seed: int, log: Log) -> None:
    """Create ``name`` under a temporary name, migrate, import, check, mark, then swap it in."""
    building = f"{name}_building"
    _drop_database(server_url, building)
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(building)))
    building_url = _database_url(server_url, building)
    try:
        _migrate(building_url, building)
        csv_path = dataset_csv(rows=rows, seed=seed, log=log)
        started = time.perf_counter()
        _run_manage(["import_csv", str(csv_path), "--kind", "sales"], building_url, what=f"import into {building}")
        log(f"imported {csv_path.name} in {time.perf_counter() - started:.1f} s")
        with psycopg.connect(building_url) as conn:
            lines, orders, revenue = _totals(conn)
            if lines != rows:
                raise DatasetError(f"the import loaded {lines:,} order lines, expected {rows:,}")
            conn.execute(
                sql.SQL(
                    "CREATE TABLE {} (rows integer NOT NULL, seed integer NOT NULL, orders integer NOT NULL,"
                    " revenue numeric NOT NULL, built_at timestamptz NOT NULL DEFAULT now())"
                ).format(sql.Identifier(MARKER_TABLE))
            )
            conn.execute(
                sql.SQL("INSERT INTO {} (rows, seed, orders, revenue) VALUES (%s, %s, %s, %s)").format(
                    sql.Identifier(MARKER_TABLE)
                ),
                [rows, seed, orders, revenue],
            )
            conn.execute("ANALYZE")  # plans for the first benchmark, not after autovacuum gets round to it
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            conn.execute(
                sql.SQL("ALTER DATABASE {} RENAME TO {}").format(sql.Identifier(building), sql.Identifier(name))
            )
            conn.execute(
                sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                    sql.Identifier(name),
                    sql.Literal(f"Sales Analytics benchmark dataset: {rows} rows, seed {seed} (bench/dataset.py)"),
                )
            )
    except BaseException:
        _drop_database(server_url, building)
        raise
    log(f"dataset {name}: built ({rows:,} order lines, {orders:,} orders, revenue {revenue})")


def _why_not_reusable(server_url: str, name: str, *, rows: int, seed: int) -> str | None:
    """None when ``name`` holds the marked rows untouched, else why it must be rebuilt."""
    with psycopg.connect(server_url) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    if not exists:
        return "it does not exist yet"
    url = _database_url(server_url, name)
    marker = dataset_marker(url)
    if marker is None:
        return f"it has no {MARKER_TABLE} marker"
    if (marker.rows, marker.seed) != (rows, seed):
        return f"its marker says {marker.rows:,} rows, seed {marker.seed}"
    with psycopg.connect(url) as conn:
        try:
            lines, orders, revenue = _totals(conn)
        except psycopg.errors.UndefinedTable:
            return "its order tables are missing"
    if (lines, orders, revenue) != (marker.rows, marker.orders, marker.revenue):
        return (
            f"it holds {lines:,} lines, {orders:,} orders, revenue {revenue}; the load gave "
            f"{marker.rows:,}, {marker.orders:,}, {marker.revenue}"
        )
    return None


def _totals(conn: psycopg.Connection) -> tuple[int, int, str]:
    """Order lines, orders and revenue now in the dataset: a change to any of them means it was written to."""
    lines, revenue = conn.execute("SELECT count(*), coalesce(sum(line_total), 0)::text FROM sales_orderline").fetchone()
    orders = conn.execute("SELECT count(*) FROM sales_order").fetchone()[0]
    return lines, orders, revenue


class _build_lock:
    """A session advisory lock on the server's ``postgres`` database, one per dataset name."""

    def __init__(self, server_url: str, name: str) -> None:
        self.url = _database_url(server_url, "postgres")
        self.key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        self.conn: psycopg.Connection | None = None

    def __enter__(self) -> None:
        self.conn = psycopg.connect(self.url, autocommit=True)
        self.conn.execute("SELECT pg_advisory_lock(%s)", [self.key])

    def __exit__(self, *exc: object) -> None:
        assert self.conn is not None
        self.conn.close()  # closing the session releases its advisory locks


def _migrate(url: str, name: str) -> None:
    _run_manage(["migrate", "--noinput"], url, what=f"migrate {name}")


def _run_manage(arguments: list[str], url: str, *, what: str) -> None:
    """Run ``manage.py`` with this checkout's code against ``url``; a failure raises with the output's tail."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "salesanalytics.settings.local",
        "DJANGO_DEBUG": "false",  # debug mode would keep every query in memory
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or "bench-only-secret-key-" + "x" * 40,
        "IMPORT_ROOT": str(CACHE_DIR),
    }
    env.pop("REDIS_URL", None)  # the dataset's cache versions are nobody's concern: local memory, eager tasks
    with tempfile.TemporaryFile("w+b") as out:
        code = subprocess.call(
            [sys.executable, "manage.py", *arguments], cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
        if code != 0:
            out.seek(0)
            text = out.read().decode("utf-8", errors="replace").replace("\r", "\n")
            tail = "\n".join([line for line in text.splitlines() if line.strip()][-LOG_TAIL_LINES:])
            raise DatasetError(f"{what} exited {code}:\n{tail}")


# --- DuckDB -----------------------------------------------------------------

_DUCKDB_TYPES = {
    "smallint": "SMALLINT",
    "integer": "INTEGER",
    "bigint": "BIGINT",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp with time zone": "TIMESTAMPTZ",
    "timestamp without time zone": "TIMESTAMP",
    "double precision": "DOUBLE",
    "uuid": "UUID",
}


def _pg_columns(conn: psycopg.Connection, table: str) -> list[tuple[str, str]]:
    """(name, DuckDB type) of ``table``'s columns in order; anything textual becomes VARCHAR."""
    found = conn.execute(
        "SELECT column_name, data_type, numeric_precision, numeric_scale FROM information_schema.columns"
        " WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position",
        [table],
    ).fetchall()
    if not found:
        raise DatasetError(f"table {table} not found in the dataset")
    columns = []
    for name, data_type, precision, scale in found:
        if data_type == "numeric":
            kind = f"DECIMAL({precision}, {scale})" if precision and precision <= 38 else "DECIMAL(38, 4)"
        else:
            kind = _DUCKDB_TYPES.get(data_type, "VARCHAR")
        columns.append((name, kind))
    return columns


def _copy_out(conn: psycopg.Connection, table: str, columns: list[tuple[str, str]], target: Path) -> None:
    query = sql.SQL("COPY (SELECT {} FROM {}) TO STDOUT (FORMAT csv)").format(
        sql.SQL(", ").join(sql.Identifier(name) for name, _ in columns), sql.Identifier(table)
    )
    with conn.cursor() as cursor, cursor.copy(query) as copy, target.open("wb") as out:
        for block in copy:
            out.write(block)


def _duckdb_built_at(path: Path) -> str | None:
    import duckdb

    try:
        with duckdb.connect(str(path), read_only=True) as db:
            row = db.execute(f"SELECT built_at FROM {MARKER_TABLE}").fetchone()
    except duckdb.Error:
        return None
    return row[0] if row else None


# --- plumbing ---------------------------------------------------------------


def _setup_django() -> None:
    """The generator reuses the demo data's name lists, which live in a Django app."""
    import django
    from django.apps import apps

    if apps.ready:
        return
    if str(PROJECT_ROOT) not in sys.path:
        sys.path.insert(0, str(PROJECT_ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesanalytics.settings.local")
    django.setup()


def _require_postgres(url: str) -> None:
    scheme = urlsplit(url).scheme
    if not url:
        raise DatasetError("DATABASE_URL (or server_url) must name a PostgreSQL server: postgres://user@host:port/db")
    if scheme not in {"postgres", "postgresql", "pgsql"}:
        raise DatasetError(f"the benchmark dataset lives in PostgreSQL; got a {scheme or 'non-URL'} URL")


def _database_url(url: str, name: str) -> str:
    """``url`` with its database name replaced, keeping credentials, host and options."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def _db_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def _drop_database(server_url: str, name: str) -> None:
    if not name.startswith(DB_PREFIX):  # never touch anything but the datasets
        raise DatasetError(f"refusing to drop {name!r}: not a {DB_PREFIX}* database")
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help=f"order lines (default {DEFAULT_ROWS})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"generator seed (default {DEFAULT_SEED})")
    parser.add_argument("--fresh", action="store_true", help="rebuild the dataset even when it is intact")
    parser.add_argument("--duckdb", action="store_true", help="also make (or reuse) the DuckDB copy and print its path")
    args = parser.parse_args(argv)
    if args.rows < 1:
        parser.error("--rows must be at least 1")

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    try:
        url = ensure_dataset(rows=args.rows, seed=args.seed, fresh=args.fresh, log=log)
        print(url)
        if args.duckdb:
            print(ensure_duckdb(url=url, fresh=args.fresh, log=log))
    except DatasetError as exc:
        print(f"bench/dataset.py: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
