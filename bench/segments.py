"""Segment benchmark: members, preview and refresh on the shared million-line dataset, beside SQL and DuckDB.

One segment, a window of a year, two categories, two regions and revenue bounds,
asked three ways in the same run:

- **Django**: the product's own code, ``customers.selectors.segment_members``
  (the grouped ``HAVING`` query the members route runs: its count, and its first
  page of 50 by id with every stat, then those 50 customers), the members and preview routes through
  DRF's test client (authentication, the segment, serialization, warnings), and
  ``segment_refresh`` (a refresh where nothing moved, one where a tenth of the
  members entered), and create and criteria change through the API (each
  refreshes at once: every member stored, or a new history line);
- **SQL**: the same answers written by hand over the raw tables with psycopg,
  and for the refresh the floor any refresh must pay, the membership (ids and
  revenue) read once;
- **DuckDB**: the same SQL over a columnar copy of the same tables
  (``bench.dataset.ensure_duckdb``).

Each step runs once to warm caches, then ``--repeat`` times; the table shows
medians and each step's ratio to hand-written SQL. Targets: the members query
(count + first page) within 2x of hand-written SQL, a refresh under 5 s.
Everything the Django steps write (a segment, its snapshots, a user) is rolled
back, so the shared dataset is left as it was.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres
    .venv/bin/pip install -r bench/requirements.txt   # DuckDB
    .venv/bin/python bench/segments.py [--rows N] [--repeat R] [--fail-on-miss]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from bench.dataset import DEFAULT_ROWS, DatasetError, ensure_dataset, ensure_duckdb  # noqa: E402

CRITERIA = {
    "start_date": "2024-01-01",
    "end_date": "2024-12-31",
    "categories": ["Books", "Electronics"],
    "regions": ["North", "South"],
    "min_revenue": 100,
    "max_revenue": 2000,
}
# The same lines, but up to one order of them and none at all counting: members without a line join.
RARE_CRITERIA = {key: value for key, value in CRITERIA.items() if "revenue" not in key} | {
    "min_orders": 0,
    "max_orders": 1,
}
PAGE_SIZE = 50
PREVIEW_SIZE = 20
MEMBERS_TARGET = 2.0  # members query <= 2x hand-written SQL
REFRESH_TARGET_SECONDS = 5.0

# The window as instants (ANALYTICS_TIME_ZONE is UTC here; the script checks).
START = datetime(2024, 1, 1, tzinfo=UTC)
END = datetime(2025, 1, 1, tzinfo=UTC)
MIN_REVENUE, MAX_REVENUE = Decimal(CRITERIA["min_revenue"]), Decimal(CRITERIA["max_revenue"])

# Per customer over the matching lines; ``%(categories_column)s`` is the per-dialect list aggregate.
MEMBERS_SQL = """
SELECT o.customer_id, COUNT(DISTINCT o.id) AS orders_count, SUM(l.line_total) AS total_revenue{categories_column}
FROM sales_orderline l
JOIN sales_order o ON o.id = l.order_id
JOIN catalog_product p ON p.id = l.product_id
JOIN catalog_category c ON c.id = p.category_id
WHERE o.ordered_at >= {start} AND o.ordered_at < {end}
  AND o.region IN ({regions}) AND c.name IN ({categories})
GROUP BY o.customer_id
HAVING SUM(l.line_total) >= {min_revenue} AND SUM(l.line_total) <= {max_revenue}
"""
PAGE_SQL = """
SELECT cu.id, cu.code, cu.name, cu.email, cu.gender, cu.date_of_birth, cu.phone, cu.address, cu.region,
       cu.created_at, cu.updated_at, m.orders_count, m.total_revenue, m.total_revenue / m.orders_count, m.categories
FROM ({members}) m JOIN customers_customer cu ON cu.id = m.customer_id
ORDER BY cu.id LIMIT {limit}
"""


RARE_SQL = """
SELECT cu.id, COALESCE(m.orders_count, 0), COALESCE(m.total_revenue, 0)
FROM customers_customer cu
LEFT JOIN ({members}) m ON m.customer_id = cu.id
WHERE COALESCE(m.orders_count, 0) <= 1
"""


def rare_sql(*, dialect: str) -> str:
    """Every customer with at most one order of the matching lines, none included."""
    members = members_sql(dialect=dialect, categories=False).split("HAVING")[0]
    return RARE_SQL.format(members=members)


def members_sql(*, dialect: str, categories: bool) -> str:
    """The hand-written membership query, with bound parameters for psycopg or literals for DuckDB."""
    if dialect == "postgresql":
        values = {
            "start": "%(start)s",
            "end": "%(end)s",
            "regions": "%(region_1)s, %(region_2)s",
            "categories": "%(category_1)s, %(category_2)s",
            "min_revenue": "%(min_revenue)s",
            "max_revenue": "%(max_revenue)s",
        }
    else:
        quoted = lambda names: ", ".join(f"'{name}'" for name in names)  # noqa: E731 (our own constants)
        values = {
            "start": f"TIMESTAMPTZ '{START.isoformat()}'",
            "end": f"TIMESTAMPTZ '{END.isoformat()}'",
            "regions": quoted(CRITERIA["regions"]),
            "categories": quoted(CRITERIA["categories"]),
            "min_revenue": str(MIN_REVENUE),
            "max_revenue": str(MAX_REVENUE),
        }
    column = ", ARRAY_AGG(DISTINCT c.name) AS categories" if categories else ""
    return MEMBERS_SQL.format(categories_column=column, **values)


SQL_PARAMS = {
    "start": START,
    "end": END,
    "region_1": CRITERIA["regions"][0],
    "region_2": CRITERIA["regions"][1],
    "category_1": CRITERIA["categories"][0],
    "category_2": CRITERIA["categories"][1],
    "min_revenue": MIN_REVENUE,
    "max_revenue": MAX_REVENUE,
}


@dataclass
class Step:
    name: str
    django: float | None = None
    sql: float | None = None
    duckdb: float | None = None
    note: str = ""


def measure(
    step: Step,
    *,
    repeat: int,
    django: Callable[[], object],
    sql: Callable[[], object] | None = None,
    duckdb: Callable[[], object] | None = None,
    before: Callable[[], None] | None = None,
) -> dict[str, object]:
    """Time the three ways in turn, round after round, so load from other processes falls on all alike.

    Each runs once to warm up, then ``repeat`` times; ``before`` (untimed) runs before each Django
    run. The step gets the medians; the last result of each way is returned for checking.
    """
    ways = {"django": django, "sql": sql, "duckdb": duckdb}
    ways = {name: run for name, run in ways.items() if run is not None}
    times: dict[str, list[float]] = {name: [] for name in ways}
    results: dict[str, object] = {}
    for round_ in range(repeat + 1):
        for name, run in ways.items():
            if name == "django" and before is not None:
                before()
            started = time.perf_counter()
            results[name] = run()
            if round_:  # the first round warms caches
                times[name].append(time.perf_counter() - started)
    for name, samples in times.items():
        setattr(step, name, statistics.median(samples))
    return results


def _setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "salesanalytics.settings.test"
    os.environ.pop("REDIS_URL", None)  # segments cache nothing; eager tasks, local-memory cache
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver"  # DRF's test client
    import django

    django.setup()


def run(*, rows: int, repeat: int, log: Callable[[str], None]) -> list[Step]:
    url = ensure_dataset(rows=rows, log=log)
    duckdb_path = ensure_duckdb(url=url, log=log)
    _setup_django(url)

    import duckdb
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.db import connection, transaction
    from rest_framework.test import APIClient

    from customers.criteria import criteria_parse
    from customers.models import SegmentMember
    from customers.selectors import segment_member_customers, segment_members
    from customers.services import segment_refresh

    if settings.ANALYTICS_TIME_ZONE != "UTC":
        raise SystemExit("bench/segments.py compares against SQL written for ANALYTICS_TIME_ZONE=UTC")
    criteria = criteria_parse(CRITERIA)
    duck = duckdb.connect(str(duckdb_path), read_only=True)

    def sql(query: str, params: dict | None = None) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(query, params)
            return cursor.fetchall()

    def duck_rows(query: str) -> list[tuple]:
        return duck.execute(query).fetchall()

    pg_members, pg_members_lean = (members_sql(dialect="postgresql", categories=flag) for flag in (True, False))
    dk_members, dk_members_lean = (members_sql(dialect="duckdb", categories=flag) for flag in (True, False))

    def django_members() -> tuple[int, list]:
        members = segment_members(criteria=criteria)
        return members.count(), segment_member_customers(members.order_by("customer_id")[:PAGE_SIZE])

    def sql_members() -> tuple[int, list]:
        (count,) = sql(f"SELECT COUNT(*) FROM ({pg_members_lean}) m", SQL_PARAMS)[0]
        return count, sql(PAGE_SQL.format(members=pg_members, limit=PAGE_SIZE), SQL_PARAMS)

    def duck_members() -> tuple[int, list]:
        (count,) = duck_rows(f"SELECT COUNT(*) FROM ({dk_members_lean}) m")[0]
        return count, duck_rows(PAGE_SQL.format(members=dk_members, limit=PAGE_SIZE))

    pg_rare, dk_rare = rare_sql(dialect="postgresql"), rare_sql(dialect="duckdb")

    def sql_rare() -> tuple[int, list]:
        (count,) = sql(f"SELECT COUNT(*) FROM ({pg_rare}) r", SQL_PARAMS)[0]
        return count, sql(f"{pg_rare} ORDER BY cu.id LIMIT {PAGE_SIZE}", SQL_PARAMS)

    def duck_rare() -> tuple[int, list]:
        (count,) = duck_rows(f"SELECT COUNT(*) FROM ({dk_rare}) r")[0]
        return count, duck_rows(f"{dk_rare} ORDER BY cu.id LIMIT {PAGE_SIZE}")

    def sql_preview() -> tuple[int, list]:
        (count,) = sql(f"SELECT COUNT(*) FROM ({pg_members_lean}) m", SQL_PARAMS)[0]
        return count, sql(PAGE_SQL.format(members=pg_members, limit=PREVIEW_SIZE), SQL_PARAMS)

    def duck_preview() -> tuple[int, list]:
        (count,) = duck_rows(f"SELECT COUNT(*) FROM ({dk_members_lean}) m")[0]
        return count, duck_rows(PAGE_SQL.format(members=dk_members, limit=PREVIEW_SIZE))

    def refresh_floor_sql() -> int:
        return len(sql(pg_members_lean, SQL_PARAMS))

    def refresh_floor_duck() -> int:
        return len(duck_rows(dk_members_lean))

    steps: list[Step] = []
    members = Step("members: count + first page of 50 (the queries)")
    got = measure(members, repeat=repeat, django=django_members, sql=sql_members, duckdb=duck_members)
    (count, page), (sql_count, sql_page), (duck_count, duck_page) = got["django"], got["sql"], got["duckdb"]
    _check_same(count, page, sql_count, sql_page, duck_count, duck_page)
    members.note = f"{count:,} members"
    steps.append(members)

    rare_criteria = criteria_parse(RARE_CRITERIA)

    def django_rare() -> tuple[int, list]:
        rows = segment_members(criteria=rare_criteria)
        return rows.count(), segment_member_customers(rows.order_by("customer_id")[:PAGE_SIZE])

    rare = Step("members, min_orders 0 and max_orders 1: count + first page of 50")
    got = measure(rare, repeat=repeat, django=django_rare, sql=sql_rare, duckdb=duck_rare)
    (rare_count, rare_page), (sql_rare_count, sql_rare_page) = got["django"], got["sql"]
    if not rare_count == sql_rare_count == got["duckdb"][0]:
        raise SystemExit(f"min_orders 0 counts differ: {rare_count}, {sql_rare_count}, {got['duckdb'][0]}")
    if [m.id for m in rare_page] != [row[0] for row in sql_rare_page]:
        raise SystemExit("min_orders 0 first pages differ between django and sql")
    rare.note = f"{rare_count:,} members, most with no matching line"
    steps.append(rare)

    # Everything below writes (a user, the segment, its history): one transaction, rolled back.
    with transaction.atomic():
        user = User.objects.create_superuser("bench-segments", "bench@example.com", "unused-Passw0rd")
        client = APIClient()
        client.force_authenticate(user)

        created = Step("create (API): validate, first refresh storing every member, warnings")
        names = iter(range(repeat + 1))

        def create() -> object:
            return client.post(
                "/api/v1/segments/", {"name": f"bench {next(names)}", "criteria": CRITERIA}, format="json"
            )

        response = measure(created, repeat=repeat, django=create, sql=refresh_floor_sql, duckdb=refresh_floor_duck)[
            "django"
        ]
        assert response.status_code == 201, response.content
        assert response.json()["customers_count"] == count
        segment_id = response.json()["id"]

        route = Step("members route: GET first page (auth, segment, count, page, JSON)")
        url = f"/api/v1/segments/{segment_id}/customers/"
        response = measure(
            route,
            repeat=repeat,
            django=lambda: client.get(url, {"page_size": PAGE_SIZE}),
            sql=sql_members,
            duckdb=duck_members,
        )["django"]
        assert response.status_code == 200 and response.json()["count"] == count
        steps.append(route)

        preview = Step("preview: POST (count, first 20, warnings)")
        response = measure(
            preview,
            repeat=repeat,
            django=lambda: client.post("/api/v1/segments/preview/", {"criteria": CRITERIA}, format="json"),
            sql=sql_preview,
            duckdb=duck_preview,
        )["django"]
        assert response.status_code == 200 and response.json()["count"] == count
        steps.append(preview)

        still = Step("refresh: nothing moved (no snapshot written)")

        def refresh_unchanged() -> None:
            result = segment_refresh(segment_id=segment_id, reason="manual")
            assert result.snapshot is None, "the data did not change"

        measure(still, repeat=repeat, django=refresh_unchanged, sql=refresh_floor_sql, duckdb=refresh_floor_duck)
        steps.append(still)

        moved = Step("refresh: a tenth of the members entered")
        dropped: list[int] = []

        def drop_a_tenth() -> None:
            stored = SegmentMember.objects.filter(segment_id=segment_id)
            dropped[:] = list(stored.order_by("customer_id").values_list("customer_id", flat=True))[::10]
            stored.filter(customer_id__in=dropped).delete()

        def refresh_moved() -> None:
            result = segment_refresh(segment_id=segment_id, reason="manual")
            assert result.entered == len(dropped) and result.left == 0

        measure(
            moved,
            repeat=repeat,
            django=refresh_moved,
            sql=refresh_floor_sql,
            duckdb=refresh_floor_duck,
            before=drop_a_tenth,
        )
        moved.note = f"{len(dropped):,} change rows each"
        steps.append(moved)

        changed = Step("criteria changed (API PATCH): a new history line, members moved row by row")
        bounds = iter([2500, 2000] * (repeat + 1))

        def change() -> object:
            body = {"criteria": {**CRITERIA, "max_revenue": next(bounds)}}
            return client.patch(f"/api/v1/segments/{segment_id}/", body, format="json")

        response = measure(changed, repeat=repeat, django=change, sql=refresh_floor_sql, duckdb=refresh_floor_duck)[
            "django"
        ]
        assert response.status_code == 200, response.content
        changed.note = "max_revenue 2000 <-> 2500"
        steps.append(changed)
        steps.append(created)
        transaction.set_rollback(True)

    duck.close()
    return steps


def _check_same(count, page, sql_count, sql_page, duck_count, duck_page) -> None:
    """All three must give the same members with the same stats, or the timings compare nothing."""
    if not count == sql_count == duck_count:
        raise SystemExit(f"member counts differ: django {count}, sql {sql_count}, duckdb {duck_count}")
    ours = [(m.id, m.orders_count, Decimal(m.total_revenue), sorted(m.categories)) for m in page]
    theirs = [(r[0], r[11], Decimal(r[12]), sorted(r[14])) for r in sql_page]
    ducks = [(r[0], r[11], Decimal(str(r[12])).quantize(Decimal("0.01")), sorted(r[14])) for r in duck_page]
    if not ours == theirs == ducks:
        raise SystemExit("the first pages differ between django, sql and duckdb")


def _seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


def _ratio(value: float | None, floor: float | None) -> str:
    return "" if value is None or not floor else f"{value / floor:.2f}x"


def report(steps: list[Step], *, rows: int) -> bool:
    print(f"\nsegments on {rows:,} order lines; criteria {CRITERIA}\n")
    print("| step | Django s | SQL s | Django / SQL | DuckDB s | Django / DuckDB | note |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
    for step in steps:
        print(
            f"| {step.name} | {_seconds(step.django)} | {_seconds(step.sql)} | {_ratio(step.django, step.sql)} | "
            f"{_seconds(step.duckdb)} | {_ratio(step.django, step.duckdb)} | {step.note} |"
        )
    members = steps[0].django / steps[0].sql
    refreshes = [step.django for step in steps if "refresh" in step.name or "criteria changed" in step.name]
    members_ok = members <= MEMBERS_TARGET
    refresh_ok = max(refreshes) < REFRESH_TARGET_SECONDS
    verdict = "met" if members_ok else "MISSED"
    print(f"\nmembers query {members:.2f}x hand-written SQL (target <= {MEMBERS_TARGET}x): {verdict}")
    print(
        f"slowest refresh {max(refreshes):.3f} s (target < {REFRESH_TARGET_SECONDS:.0f} s): "
        f"{'met' if refresh_ok else 'MISSED'}"
    )
    return members_ok and refresh_ok


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help=f"order lines (default {DEFAULT_ROWS:,})")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per step after a warm-up (default 5)")
    parser.add_argument("--fail-on-miss", action="store_true", help="exit 3 when a target is missed")
    args = parser.parse_args(argv)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    try:
        steps = run(rows=args.rows, repeat=args.repeat, log=log)
    except DatasetError as exc:
        print(f"bench/segments.py: {exc}", file=sys.stderr)
        return 1
    met = report(steps, rows=args.rows)
    return 3 if args.fail_on_miss and not met else 0


if __name__ == "__main__":
    sys.exit(main())
