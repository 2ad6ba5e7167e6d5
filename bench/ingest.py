"""Import benchmark: ``import_csv`` against PostgreSQL's own ``COPY`` of the same file, in one run.

A CSV import cannot beat the server copying the raw file into a table of text
columns, so that copy is the floor, measured on the same machine, server and
file just before the imports it is compared with (SPEC section 9). Steps:

1. generate a seeded sales CSV with ``ingestion.sample_data.write_sales_csv``;
2. floor: ``COPY`` the file into an unlogged table of 19 text columns;
3. import it into a freshly migrated, empty database with
   ``python manage.py import_csv PATH --kind sales`` (a subprocess, so its
   start-up, peak RSS and exit code are its own);
4. import the same file again into that database (nothing should change);
5. with ``--flawed``, import into that database a copy of the file with a
   blank line, a row of bare commas, a short row and a long row spread through
   it: the two ragged rows are rejected, nothing changes, and the time should
   stay close to the clean re-import's (such rows must not slow the whole file);
6. with ``--new-orders``, import into that database the file's first tenth
   with every Order ID renamed: the everyday case of a day's new orders from
   known customers, products and agents, written into tables that already hold
   the whole file (no target: printed in rows per second next to the first load).

Peak RSS is the child's own ``ru_maxrss`` from ``os.wait4``, so an earlier,
larger child (``migrate``) cannot mask it. ``--rss-scaling`` also imports a
quarter-size file into another fresh database to show whether memory grows
with the file. Only databases named ``salesanalytics_bench*`` are created and
dropped.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/salesanalytics .venv/bin/python bench/ingest.py [--rows N]
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
import django
import psycopg
from psycopg import sql

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The project's own modules are imported inside the functions, once Django is set up.
sys.path.insert(0, str(PROJECT_ROOT))

DB_PREFIX = "salesanalytics_bench"
FLOOR_DB = f"{DB_PREFIX}_floor"
IMPORT_DB = DB_PREFIX
RSS_DB = f"{DB_PREFIX}_rss"
COPY_BLOCK_BYTES = 1 << 20
IMPORT_TARGET = 5.0  # import <= 5x the floor
REIMPORT_TARGET = 3.0  # re-import <= 3x the floor
RSS_TARGET_MB = 300.0
RSS_FLAT_TOLERANCE = 0.2  # a 4x larger file within +-20% peak RSS counts as flat
LOG_TAIL_LINES = 25


@dataclass
class Step:
    name: str
    seconds: float
    rows: int
    peak_rss_mb: float | None = None
    loaded_whole_file: bool | None = None


@dataclass
class _Results:
    floor: Step | None = None
    first: Step | None = None
    second: Step | None = None
    flawed: Step | None = None  # --flawed: the re-import of a copy with blank and ragged rows
    new_orders: Step | None = None  # --new-orders: a tenth of the file as new orders, into the loaded database
    small: Step | None = None  # --rss-scaling: the quarter-size import


class BenchError(Exception):
    """A step could not run; the message says which and why."""


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    url = os.environ.get("DATABASE_URL", "")
    try:
        _require_postgres(url)
    except BenchError as exc:
        print(f"bench/ingest.py: {exc}", file=sys.stderr)
        return 2
    # The generator reuses the demo data's name lists, which live in a Django app.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesanalytics.settings.local")
    django.setup()

    workdir = Path(tempfile.mkdtemp(prefix="ingest-bench-", dir=args.tmpdir))
    created: list[str] = []
    results = _Results()
    status = 0
    try:
        _print_context(url, args)
        csv_path = _generate(workdir / "sales.csv", rows=args.rows, seed=args.seed)

        results.floor, expected = _floor(url, csv_path, rows=args.rows, created=created)

        startup = _startup(url, workdir)
        print(f"Django start-up (manage.py check), included in every import below: {startup:.2f} s")

        import_url = _fresh_database(url, IMPORT_DB, created=created, migrate_log=workdir / "migrate.log")
        results.first = _import(import_url, csv_path, workdir, name="import into empty database", rows=args.rows)
        results.first.loaded_whole_file = _check_loaded(import_url, expected)
        results.second = _import(import_url, csv_path, workdir, name="re-import same file", rows=args.rows)
        results.second.loaded_whole_file = _check_loaded(import_url, expected)
        if args.flawed:
            flawed_path = _flawed_copy(csv_path, workdir / "sales-flawed.csv", rows=args.rows)
            results.flawed = _import(import_url, flawed_path, workdir, name="re-import, 2 ragged rows", rows=args.rows)
            results.flawed.loaded_whole_file = _check_loaded(import_url, expected) and _rejected_two(import_url)
        if args.new_orders:
            new_path, new_rows, new_orders = _new_orders_copy(csv_path, workdir / "sales-new.csv", rows=args.rows // 10)
            results.new_orders = _import(import_url, new_path, workdir, name="new orders", rows=new_rows)
            grown = expected | {
                "order lines": expected["order lines"] + new_rows,
                "orders": expected["orders"] + new_orders,
            }
            results.new_orders.loaded_whole_file = _check_loaded(import_url, grown)

        if args.rss_scaling:
            small_rows = max(1, args.rows // 4)
            small_path = _generate(workdir / "sales-small.csv", rows=small_rows, seed=args.seed)
            rss_url = _fresh_database(url, RSS_DB, created=created, migrate_log=workdir / "migrate-rss.log")
            results.small = _import(rss_url, small_path, workdir, name=f"import {small_rows:,} rows", rows=small_rows)
    except BenchError as exc:
        sys.stdout.flush()  # keep the failure after the steps it follows
        print(f"\nFAILED: {exc}", file=sys.stderr, flush=True)
        status = 1
    finally:
        if results.floor is not None:
            missed = _report(results)
            if status == 0 and missed and args.fail_on_miss:
                status = 3
        if args.keep:
            print(f"\nKept {workdir} and databases {', '.join(created) or '(none)'}.")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
            for name in created:
                _drop_database(url, name)
    return status


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="order lines in the CSV (default 1000000)")
    parser.add_argument("--seed", type=int, default=7, help="generator seed (default 7)")
    parser.add_argument(
        "--rss-scaling", action="store_true", help="also import a quarter-size file to compare peak RSS"
    )
    parser.add_argument("--flawed", action="store_true", help="also re-import a copy with blank lines and ragged rows")
    parser.add_argument(
        "--new-orders",
        action="store_true",
        help="also import a tenth of the file as new orders into the loaded database",
    )
    parser.add_argument("--tmpdir", help="where the CSV files go (default: the system temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the CSV files and bench databases")
    parser.add_argument("--fail-on-miss", action="store_true", help="exit 3 when a target is not met")
    args = parser.parse_args(argv)
    if args.rows < 1:
        parser.error("--rows must be at least 1")
    return args


def _require_postgres(url: str) -> None:
    if not url:
        raise BenchError("DATABASE_URL is required: the benchmark measures imports against PostgreSQL's COPY.")
    engine = dj_database_url.parse(url)["ENGINE"]
    if "sqlite" in engine:
        raise BenchError(
            "refusing to run on SQLite: the floor is PostgreSQL COPY and the targets are for PostgreSQL; "
            "set DATABASE_URL=postgres://..."
        )
    if "postgresql" not in engine:
        raise BenchError(f"DATABASE_URL must point at PostgreSQL, got engine {engine!r}")


def _database_url(url: str, name: str) -> str:
    """``url`` with its database name replaced, keeping credentials, host and options."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _print_context(url: str, args: argparse.Namespace) -> None:
    with psycopg.connect(url) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
        settings = {
            name: conn.execute(sql.SQL("SHOW {}").format(sql.Identifier(name))).fetchone()[0]
            for name in ("shared_buffers", "synchronous_commit", "max_wal_size", "wal_level")
        }
    print(
        f"{date.today().isoformat()}  {os.cpu_count()} CPUs  PostgreSQL {version} "
        + " ".join(f"{name}={value}" for name, value in settings.items())
    )
    print(f"rows={args.rows:,} seed={args.seed}")


def _generate(path: Path, *, rows: int, seed: int) -> Path:
    from ingestion.sample_data import write_sales_csv

    started = time.perf_counter()
    write_sales_csv(out=path, rows=rows, seed=seed)
    seconds = time.perf_counter() - started
    size_mb = path.stat().st_size / 1e6
    print(f"Generated {path.name}: {rows:,} rows, {size_mb:.1f} MB in {seconds:.1f} s ({rows / seconds:,.0f} rows/s)")
    return path


def _flawed_copy(source: Path, target: Path, *, rows: int) -> Path:
    """``source`` with a blank line, a row of bare commas, a short and a long row at 20-80% of the way through.

    The generator never breaks a line inside a cell, so lines are records here.
    """
    width = len(source.open(encoding="utf-8").readline().split(","))
    inserts = {
        rows // 5: "\n",
        2 * rows // 5: "," * (width - 1) + "\n",
        3 * rows // 5: "X-1,P-1,C-1\n",
        4 * rows // 5: "X-2" + ",x" * width + "\n",
    }
    with source.open(encoding="utf-8") as lines, target.open("w", encoding="utf-8") as out:
        for number, line in enumerate(lines):
            out.write(inserts.get(number, ""))
            out.write(line)
    return target


def _new_orders_copy(source: Path, target: Path, *, rows: int) -> tuple[Path, int, int]:
    """The first ``rows`` rows of ``source`` with each Order ID renamed; (path, rows, distinct orders).

    Customers, products and agents stay as the loaded file has them, so only
    orders and lines are new. The generator writes an order's rows together and
    never breaks a line inside a cell, so orders are counted as runs of lines.
    """
    orders, previous = 0, None
    with source.open(encoding="utf-8") as lines, target.open("w", encoding="utf-8") as out:
        out.write(next(lines))
        for _row, line in zip(range(rows), lines, strict=False):
            order = line.split(",", 1)[0]
            orders += order != previous
            previous = order
            out.write("NEW-" + line)
    return target, rows, orders


def _floor(url: str, csv_path: Path, *, rows: int, created: list[str]) -> tuple[Step, dict[str, int]]:
    """Time ``COPY`` of the raw file into 19 text columns; also count what an import should load."""
    from ingestion.sample_data import AGENT_COLUMNS, SALES_COLUMNS

    floor_url = _fresh_database(url, FLOOR_DB, created=created)
    columns = [name.lower().replace(" ", "_") for name in SALES_COLUMNS + AGENT_COLUMNS]
    create = sql.SQL("CREATE UNLOGGED TABLE bench_flat ({})").format(
        sql.SQL(", ").join(sql.SQL("{} text").format(sql.Identifier(column)) for column in columns)
    )
    with psycopg.connect(floor_url) as conn:
        conn.execute(create)
        conn.commit()
        started = time.perf_counter()
        with (
            conn.cursor() as cursor,
            cursor.copy("COPY bench_flat FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
            csv_path.open("rb") as f,
        ):
            while block := f.read(COPY_BLOCK_BYTES):
                copy.write(block)
        conn.commit()
        seconds = time.perf_counter() - started
        copied, orders, products, customers = conn.execute(
            "SELECT count(*), count(DISTINCT order_id), count(DISTINCT product_id), count(DISTINCT customer_id)"
            " FROM bench_flat"
        ).fetchone()
    if copied != rows:
        raise BenchError(f"COPY loaded {copied} rows, expected {rows}")
    _drop_database(url, FLOOR_DB)
    created.remove(FLOOR_DB)
    expected = {"order lines": rows, "orders": orders, "products": products, "customers": customers}
    return Step("floor: COPY into text table", seconds, rows), expected


def _fresh_database(url: str, name: str, *, created: list[str], migrate_log: Path | None = None) -> str:
    """Drop and re-create ``name``, migrated when ``migrate_log`` is given; returns its URL."""
    _drop_database(url, name)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    created.append(name)
    target = _database_url(url, name)
    if migrate_log is not None:
        code, _, _ = _run([sys.executable, "manage.py", "migrate", "--noinput"], target, migrate_log)
        if code != 0:
            raise BenchError(f"migrate into {name} exited {code}:\n{_tail(migrate_log)}")
    return target


def _drop_database(url: str, name: str) -> None:
    if not name.startswith(DB_PREFIX):  # never touch anything but the bench's own databases
        raise BenchError(f"refusing to drop {name!r}: not a {DB_PREFIX}* database")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _startup(url: str, workdir: Path) -> float:
    code, seconds, _ = _run([sys.executable, "manage.py", "check"], url, workdir / "startup.log")
    if code != 0:
        raise BenchError(f"manage.py check exited {code}:\n{_tail(workdir / 'startup.log')}")
    return seconds


def _import(url: str, csv_path: Path, workdir: Path, *, name: str, rows: int) -> Step:
    log = workdir / f"{name.replace(' ', '-').replace(',', '')}.log"
    command = [sys.executable, "manage.py", "import_csv", str(csv_path), "--kind", "sales"]
    print(f"Running {name}: {' '.join(command[1:])} ...", flush=True)
    code, seconds, peak_rss_mb = _run(command, url, log)
    if code != 0:
        raise BenchError(f"{name}: import_csv exited {code} after {seconds:.1f} s:\n{_tail(log)}")
    return Step(name, seconds, rows, peak_rss_mb)


def _run(command: list[str], url: str, log: Path) -> tuple[int, float, float]:
    """Run ``command`` in the project with ``DATABASE_URL=url``; exit code, seconds and its own peak RSS in MB."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        # Debug mode keeps every query in memory, which would inflate RSS and time.
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or "bench-only-secret-key-" + "x" * 40,
        # Whether or not the command confines paths like the API does, the file is inside.
        "IMPORT_ROOT": str(log.parent),
    }
    with log.open("wb") as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            # wait4, not wait(): the rusage of this child alone, not the maximum over all children so far.
            _, status, usage = os.wait4(process.pid, 0)
        except BaseException:
            process.kill()
            process.wait()
            raise
        seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    # ru_maxrss is KiB on Linux, bytes on macOS.
    peak_mb = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    return process.returncode, seconds, peak_mb


def _check_loaded(url: str, expected: dict[str, int]) -> bool:
    """Whether the database holds exactly what the file describes: a time for a partial load means nothing."""
    from catalog.models import Product
    from customers.models import Customer
    from sales.models import Order, OrderLine

    tables = {
        "order lines": OrderLine._meta.db_table,
        "orders": Order._meta.db_table,
        "products": Product._meta.db_table,
        "customers": Customer._meta.db_table,
    }
    with psycopg.connect(url) as conn:
        found = {
            what: conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()[0]
            for what, table in tables.items()
        }
    print("  database holds: " + ", ".join(f"{count:,} {what}" for what, count in found.items()))
    if found != expected:
        print("  MISMATCH, the file has: " + ", ".join(f"{count:,} {what}" for what, count in expected.items()))
    return found == expected


def _rejected_two(url: str) -> bool:
    """Whether the last import rejected exactly the flawed copy's two ragged rows."""
    from ingestion.models import ImportJob

    query = sql.SQL("SELECT rows_rejected FROM {} ORDER BY created_at DESC LIMIT 1").format(
        sql.Identifier(ImportJob._meta.db_table)
    )
    with psycopg.connect(url) as conn:
        rejected = conn.execute(query).fetchone()[0]
    print(f"  the import rejected {rejected:,} rows")
    return rejected == 2


def _report(results: _Results) -> bool:
    """Print the results table and the targets; True when a target was missed."""
    assert results.floor is not None
    floor = results.floor.seconds
    steps = [step for step in (results.floor, results.first, results.second, results.flawed) if step is not None]
    print()
    print(f"{'step':<30} {'seconds':>9} {'rows/s':>11} {'x floor':>8} {'peak RSS MB':>12}")
    for step in steps:
        rss = "-" if step.peak_rss_mb is None else f"{step.peak_rss_mb:.0f}"
        print(
            f"{step.name:<30} {step.seconds:>9.2f} {step.rows / step.seconds:>11,.0f} "
            f"{step.seconds / floor:>8.2f} {rss:>12}"
        )

    def within(step: Step | None, limit: float) -> bool | None:
        return None if step is None else step.seconds <= limit * floor

    imports = [step for step in (results.first, results.second, results.flawed, results.new_orders) if step]
    checks = [
        (f"import <= {IMPORT_TARGET:g}x floor", within(results.first, IMPORT_TARGET)),
        (f"re-import <= {REIMPORT_TARGET:g}x floor", within(results.second, REIMPORT_TARGET)),
        (
            f"peak RSS <= {RSS_TARGET_MB:g} MB",
            max(step.peak_rss_mb or 0.0 for step in imports) <= RSS_TARGET_MB if imports else None,
        ),
        ("imports loaded the whole file", all(step.loaded_whole_file for step in imports) if imports else None),
    ]
    print("\nTargets:")
    for label, met in checks:
        print(f"  {label:<32} {'not run' if met is None else 'met' if met else 'NOT MET'}")

    if results.flawed is not None and results.second is not None:
        print(
            f"\nRe-import with 2 ragged rows and 2 blank ones: {results.flawed.seconds / results.second.seconds:.2f}x "
            "the clean re-import"
        )
    if results.new_orders is not None and results.first is not None:
        step, first = results.new_orders, results.first
        print(
            f"\nNew orders into the loaded database: {step.rows:,} rows in {step.seconds:.2f} s "
            f"({step.rows / step.seconds:,.0f} rows/s, against {first.rows / first.seconds:,.0f} rows/s "
            f"for the first load), peak RSS {step.peak_rss_mb:.0f} MB, "
            f"{'loaded whole' if step.loaded_whole_file else 'NOT loaded whole'}"
        )
    if results.small is not None and results.first is not None:
        small_mb, large_mb = results.small.peak_rss_mb or 0.0, results.first.peak_rss_mb or 0.0
        growth = (large_mb - small_mb) / small_mb if small_mb else 0.0
        verdict = "roughly flat" if abs(growth) <= RSS_FLAT_TOLERANCE else "grows with the file"
        print(
            f"\nPeak RSS by file size: {results.small.rows:,} rows -> {small_mb:.0f} MB, "
            f"{results.first.rows:,} rows -> {large_mb:.0f} MB ({growth:+.0%}: {verdict})"
        )
    return any(met is False for _, met in checks)


def _tail(log: Path) -> str:
    text = log.read_text(encoding="utf-8", errors="replace").replace("\r", "\n")
    lines = [line for line in text.splitlines() if line.strip()]
    return "\n".join(lines[-LOG_TAIL_LINES:])


if __name__ == "__main__":
    sys.exit(main())
