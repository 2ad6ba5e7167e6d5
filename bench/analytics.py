"""Analytics benchmark: the report routes against hand-written SQL over the raw tables and DuckDB, in one run.

The dataset is the shared one of ``bench/dataset.py`` (1,000,000 order lines,
seed 7, loaded with the importer, so its rollups are what imports leave). Each
question is answered four ways, each timed as the median of ``--repeat`` runs
after one warm-up:

- the route, uncached: through Django's test client (the whole middleware,
  token authentication, permission, DRF and rendering stack, in this
  process; no socket), as a viewer with a token, the data version moved just
  before each request so nothing cached answers it;
- the route, cached: the same request again, answered from the cache
  (``REDIS_URL`` when set, else local memory), median of at least 25 runs;
- hand-written SQL over the raw order tables in PostgreSQL: the question as a
  analyst would write it, joins and ``GROUP BY`` over ``sales_orderline``;
- the same SQL in DuckDB over a copy of the same tables (``ensure_duckdb``).

Every route's answer is checked against the SQL's (rows and totals) before a
time is reported. Targets: every uncached route faster than the SQL; by-agent
and by-team within 2x DuckDB; cached answers under 5 ms.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/12
    .venv/bin/python bench/analytics.py [--rows 1000000] [--repeat 7]
"""

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from bench.dataset import DEFAULT_ROWS, DEFAULT_SEED, DatasetError, ensure_dataset, ensure_duckdb  # noqa: E402

CACHED_TARGET_MS = 5.0
DUCKDB_TARGET = 2.0  # by-agent and by-team within 2x DuckDB


@dataclass(frozen=True)
class Question:
    name: str
    route: str
    sql: list[str]  # statements answering it (PostgreSQL and DuckDB alike)
    check: Callable[[object, list[list[tuple]]], str | None]  # None when the route agrees with the SQL
    duckdb_target: bool = False


@dataclass
class Timing:
    uncached: float
    cached: float
    sql: float
    duckdb: float


# The dataset spans 2023-2025 (bench/dataset.py, ingestion.sample_data); buckets in UTC.
YEAR = ("2024-01-01", "2025-01-01")
QUARTER = ("2024-04-01", "2024-07-01")
LINES = "sales_orderline l JOIN sales_order o ON o.id = l.order_id"


def _questions() -> list[Question]:
    def rows_and_revenue(count_field: str, revenue_field: str):
        def check(body, answers) -> str | None:
            rows = answers[0]
            got = (body["count"], sum(Decimal(str(r[revenue_field])) for r in body["results"]))
            want = (len(rows), sum(Decimal(r[-1]) for r in rows))
            return None if got == want else f"route {got} != sql {want}"

        return check

    def top(body, answers) -> str | None:
        got = [(r["customer"], Decimal(str(r["total_revenue"]))) for r in body["results"]]
        want = [(r[0], Decimal(r[1])) for r in answers[0]]
        return None if got == want else f"route {got[:3]} != sql {want[:3]}"

    def metrics(body, answers) -> str | None:
        series, regions, categories = answers
        revenue = body[0]
        got = (
            [Decimal(str(p["value"])) for p in revenue["time_series"] if p["value"]],
            {k: Decimal(str(v)) for k, v in revenue["segment_data"]["region"].items()},
            {k: Decimal(str(v)) for k, v in revenue["segment_data"]["category"].items()},
            [p["value"] for p in body[1]["time_series"] if p["value"]],
        )
        want = (
            [Decimal(r[1]) for r in series],
            {r[0] or "(none)": Decimal(r[1]) for r in regions},
            {r[0]: Decimal(r[1]) for r in categories},
            [r[2] for r in series],
        )
        return None if got == want else "route and sql disagree on the series or segments"

    month = "date_trunc('month', o.ordered_at AT TIME ZONE 'UTC')"
    week = "date_trunc('week', o.ordered_at AT TIME ZONE 'UTC')"
    return [
        Question(
            "by-agent monthly, all time",
            "/api/v1/analytics/sales/by-agent/?interval=month",
            [
                f"SELECT {month} AS period, a.id, a.name, a.role, t.id, t.name, count(DISTINCT o.id),"
                f" sum(l.line_total)::text FROM {LINES} JOIN sales_agent a ON a.id = o.agent_id"
                " LEFT JOIN sales_team t ON t.id = a.team_id GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1 DESC, 2"
            ],
            rows_and_revenue("sales_count", "total_revenue"),
            duckdb_target=True,
        ),
        Question(
            "by-team weekly, 2024, role=Agent",
            f"/api/v1/analytics/sales/by-team/?interval=week&role=Agent&start_date={YEAR[0]}&end_date=2024-12-31",
            [
                f"SELECT {week} AS period, t.id, t.name, count(DISTINCT o.id), sum(l.line_total)::text"
                f" FROM {LINES} JOIN sales_agent a ON a.id = o.agent_id JOIN sales_team t ON t.id = a.team_id"
                f" WHERE o.ordered_at >= '{YEAR[0]} 00:00:00+00' AND o.ordered_at < '{YEAR[1]} 00:00:00+00'"
                " AND a.role = 'Agent' GROUP BY 1, 2, 3 ORDER BY 1 DESC, 2"
            ],
            rows_and_revenue("sales_count", "total_revenue"),
            duckdb_target=True,
        ),
        Question(
            "top 10 customers, all time",
            "/api/v1/analytics/top-customers/",
            [
                "SELECT o.customer_id, sum(l.line_total)::text, count(DISTINCT o.id), sum(l.quantity)"
                f" FROM {LINES} GROUP BY 1 ORDER BY sum(l.line_total) DESC, 1 LIMIT 10"
            ],
            top,
        ),
        Question(
            "top 10 customers, 2024 Q2",
            f"/api/v1/analytics/top-customers/?start_date={QUARTER[0]}&end_date=2024-06-30",
            [
                "SELECT o.customer_id, sum(l.line_total)::text, count(DISTINCT o.id), sum(l.quantity)"
                f" FROM {LINES} WHERE o.ordered_at >= '{QUARTER[0]} 00:00:00+00'"
                f" AND o.ordered_at < '{QUARTER[1]} 00:00:00+00'"
                " GROUP BY 1 ORDER BY sum(l.line_total) DESC, 1 LIMIT 10"
            ],
            top,
        ),
        Question(
            "metrics revenue+orders monthly, by region and category",
            "/api/v1/analytics/metrics/?metrics=revenue,orders&interval=month&segment_by=region,category"
            "&start_date=2023-01-01&end_date=2025-12-31",
            [
                f"SELECT {month} AS period, sum(l.line_total)::text, count(DISTINCT o.id) FROM {LINES}"
                " GROUP BY 1 ORDER BY 1",
                f"SELECT o.region, sum(l.line_total)::text, count(DISTINCT o.id) FROM {LINES} GROUP BY 1",
                f"SELECT c.name, sum(l.line_total)::text, count(DISTINCT o.id) FROM {LINES}"
                " JOIN catalog_product p ON p.id = l.product_id JOIN catalog_category c ON c.id = p.category_id"
                " GROUP BY 1",
            ],
            metrics,
        ),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help=f"dataset order lines (default {DEFAULT_ROWS})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per measurement; the median is shown")
    parser.add_argument("--fail-on-miss", action="store_true", help="exit 3 when a target is not met")
    args = parser.parse_args(argv)

    try:
        url = ensure_dataset(rows=args.rows, seed=args.seed, log=lambda m: print(m, flush=True))
        duckdb_path = ensure_duckdb(url=url, log=lambda m: print(m, flush=True))
    except DatasetError as exc:
        print(f"bench/analytics.py: {exc}", file=sys.stderr)
        return 1
    _setup_django(url)
    _print_context(url, args)

    questions = _questions()
    timings = {question.name: _measure(question, duckdb_path, repeat=args.repeat) for question in questions}
    missed = _report(questions, timings)
    return 3 if missed and args.fail_on_miss else 0


def _setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesanalytics.settings.local")
    os.environ["DJANGO_DEBUG"] = "false"  # debug mode keeps every query in memory
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver"
    import django

    django.setup()


def _print_context(url: str, args: argparse.Namespace) -> None:
    from django.conf import settings
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        cursor.execute("SHOW work_mem")
        work_mem = cursor.fetchone()[0]
    import duckdb

    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    cache = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    print(
        f"{time.strftime('%Y-%m-%d')}  {os.cpu_count()} CPUs (load {load})  PostgreSQL {version} work_mem={work_mem}"
        f"  DuckDB {duckdb.__version__}  cache {cache}"
    )
    print(f"dataset {url.rsplit('/', 1)[-1]}: rows={args.rows:,} seed={args.seed}; median of {args.repeat} runs")


def _measure(question: Question, duckdb_path: Path, *, repeat: int) -> Timing:
    import duckdb
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from accounts.roles import VIEWER
    from analytics.services import data_version_bump

    # A viewer with a token, as an API client is: the token and permission lookups are part of every request.
    user, _ = get_user_model().objects.get_or_create(username="bench-analytics-viewer")
    user.groups.add(Group.objects.get(name=VIEWER))
    token, _ = Token.objects.get_or_create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    def get():
        response = client.get(question.route)
        if response.status_code != 200:
            raise SystemExit(f"{question.route} answered {response.status_code}: {response.content[:300]!r}")
        return response

    def uncached():
        data_version_bump()
        started = time.perf_counter()
        response = get()
        return time.perf_counter() - started, response

    def cached():
        started = time.perf_counter()
        get()
        return time.perf_counter() - started

    def run_sql():
        with connection.cursor() as cursor:
            started = time.perf_counter()
            answers = []
            for statement in question.sql:
                cursor.execute(statement)
                answers.append(cursor.fetchall())
            return time.perf_counter() - started, answers

    db = duckdb.connect(str(duckdb_path), read_only=True)
    db.execute("SET TimeZone = 'UTC'")

    def run_duckdb():
        started = time.perf_counter()
        answers = [db.execute(statement.replace("::text", "::VARCHAR")).fetchall() for statement in question.sql]
        return time.perf_counter() - started, answers

    print(f"\n{question.name}: {question.route}", flush=True)
    _, response = uncached()
    _, sql_answers = run_sql()
    _, duck_answers = run_duckdb()
    for name, answers in (("PostgreSQL", sql_answers), ("DuckDB", duck_answers)):
        problem = question.check(response.json(), answers)
        if problem:
            raise SystemExit(f"{question.name}: the route disagrees with {name}: {problem}")
    print(f"  answers agree ({response.json()['count'] if isinstance(response.json(), dict) else 'series'} rows)")

    timing = Timing(
        uncached=statistics.median(uncached()[0] for _ in range(repeat)) * 1000,
        cached=statistics.median(cached() for _ in range(max(repeat, 25))) * 1000,  # cheap: more runs
        sql=statistics.median(run_sql()[0] for _ in range(repeat)) * 1000,
        duckdb=statistics.median(run_duckdb()[0] for _ in range(repeat)) * 1000,
    )
    db.close()
    print(
        f"  uncached {timing.uncached:.1f} ms, cached {timing.cached:.2f} ms, SQL {timing.sql:.1f} ms, "
        f"DuckDB {timing.duckdb:.1f} ms",
        flush=True,
    )
    return timing


def _report(questions: list[Question], timings: dict[str, Timing]) -> bool:
    print()
    header = (
        f"{'question':<55} {'uncached ms':>11} {'cached ms':>9} {'SQL ms':>8} {'DuckDB ms':>9} "
        f"{'route/SQL':>9} {'route/DuckDB':>12}"
    )
    print(header)
    missed = False
    checks = []
    for question in questions:
        t = timings[question.name]
        print(
            f"{question.name:<55} {t.uncached:>11.1f} {t.cached:>9.2f} {t.sql:>8.1f} {t.duckdb:>9.1f} "
            f"{t.uncached / t.sql:>9.2f} {t.uncached / t.duckdb:>12.2f}"
        )
        checks.append((f"{question.name}: uncached faster than SQL", t.uncached < t.sql))
        checks.append((f"{question.name}: cached < {CACHED_TARGET_MS:g} ms", t.cached < CACHED_TARGET_MS))
        if question.duckdb_target:
            checks.append(
                (f"{question.name}: within {DUCKDB_TARGET:g}x DuckDB", t.uncached <= DUCKDB_TARGET * t.duckdb)
            )
    print("\nTargets:")
    for label, met in checks:
        print(f"  {label:<80} {'met' if met else 'NOT MET'}")
        missed |= not met
    return missed


if __name__ == "__main__":
    sys.exit(main())
