"""Load benchmark: the API as deployed (gunicorn on PostgreSQL + Redis) under a mixed workload, bounded in time.

Steps, all on loopback:

1. create ``salesanalytics_bench11_load`` on the ``DATABASE_URL`` server, migrate
   it and load the seeded demo data (customers, products, orders to read);
2. start gunicorn from ``gunicorn.conf.py`` under the production settings (TLS
   redirect off, as behind a proxy) with ``REDIS_URL`` as cache and broker;
3. create a few products with small stock, through the API;
4. baseline: the same clients request ``/healthz`` (no database, no cache) for a
   short while: what gunicorn and Django cost per request on this machine;
5. the workload: ``--clients`` asyncio clients (aiohttp, one kept-alive
   connection each) send list and detail reads, searches and order creates on
   the small-stock products for ``--duration`` seconds;
6. print requests/s, p50/p95/p99 latency per route, errors and 5xx (both must
   be 0; a 409 for stock that ran out is an answer, not an error), and check
   that each product's stock equals its starting stock minus the units its
   created orders hold, never negative.

It exits 1 when any request failed or the stock does not add up. Only the
database named above is created and dropped (``--keep`` keeps it).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/11 \\
        .venv/bin/python bench/load.py [--duration 60] [--clients 64]
"""

import argparse
import asyncio
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import psycopg
from psycopg import sql

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATABASE = "salesanalytics_bench11_load"
MAX_DURATION = 600
MAX_CLIENTS = 256
STOCK = 200
STOCK_PRODUCTS = 4


@dataclass
class RouteStats:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    errors: int = 0  # no answer, or an answer the route must never give
    server_errors: int = 0


@dataclass
class Catalogue:
    orders: list[int]
    customers: list[int]
    products: list[int]
    names: list[str]
    regions: list[str]
    stock_products: list[int]
    customer_for_orders: list[int]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url(base: str, name: str) -> str:
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"/{name}"))


def recreate_database(base: str) -> None:
    with psycopg.connect(database_url(base, "postgres"), autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DATABASE)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))


def drop_database(base: str) -> None:
    with psycopg.connect(database_url(base, "postgres"), autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DATABASE)))


def manage(*args: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        sys.exit(f"load: manage.py {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


def start_gunicorn(env: dict[str, str], *, port: int, workers: int | None, threads: int | None, log: Path):
    args = [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"]
    args += ["--access-logfile", "/dev/null"]  # the benchmark counts requests itself
    if workers:
        args += ["--workers", str(workers)]
    if threads:
        args += ["--threads", str(threads)]
    process = subprocess.Popen(
        args, cwd=PROJECT_ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True
    )
    return process


async def wait_serving(base: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                sys.exit("load: gunicorn exited before serving")
            try:
                async with session.get(f"{base}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    sys.exit("load: gunicorn did not serve within 60 s")


async def create_stock_products(base: str, token: str) -> list[int]:
    headers = {"Authorization": f"Token {token}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        async with session.post(f"{base}/api/v1/categories/", json={"name": "Load test"}) as response:
            category = (await response.json())["id"]
        ids = []
        for number in range(STOCK_PRODUCTS):
            body = {"name": f"Scarce {number}", "category": category, "unit_price": "9.50", "stock": STOCK}
            async with session.post(f"{base}/api/v1/products/", json=body) as response:
                assert response.status == 201, await response.text()
                ids.append((await response.json())["id"])
    return ids


def read_catalogue(url: str, stock_products: list[int]) -> Catalogue:
    with psycopg.connect(url) as db:

        def ids(query: str) -> list:
            return [row[0] for row in db.execute(query).fetchall()]

        return Catalogue(
            orders=ids("SELECT id FROM sales_order ORDER BY random() LIMIT 2000"),
            customers=ids("SELECT id FROM customers_customer ORDER BY random() LIMIT 2000"),
            products=ids("SELECT id FROM catalog_product WHERE NOT is_deleted"),
            names=ids("SELECT DISTINCT split_part(name, ' ', 1) FROM customers_customer LIMIT 200"),
            regions=ids("SELECT DISTINCT region FROM customers_customer WHERE region <> ''"),
            stock_products=stock_products,
            customer_for_orders=ids("SELECT id FROM customers_customer ORDER BY id LIMIT 200"),
        )


def workload(catalogue: Catalogue) -> list[tuple[str, int, object]]:
    """(route, weight, request maker): reads, searches and order creates in the proportions of a busy day."""
    pick = random.choice

    def order_body() -> dict:
        products = random.sample(catalogue.stock_products, random.randint(1, 2))
        lines = [{"product": product, "quantity": random.randint(1, 3)} for product in products]
        return {"customer": pick(catalogue.customer_for_orders), "lines": lines}

    return [
        ("GET orders/", 14, lambda: ("GET", f"/api/v1/orders/?page={random.randint(1, 20)}", None)),
        ("GET orders/{id}/", 14, lambda: ("GET", f"/api/v1/orders/{pick(catalogue.orders)}/", None)),
        ("GET orders/?search=", 6, lambda: ("GET", f"/api/v1/orders/?search={pick(catalogue.regions)}", None)),
        ("GET products/", 8, lambda: ("GET", "/api/v1/products/", None)),
        ("GET products/{id}/", 8, lambda: ("GET", f"/api/v1/products/{pick(catalogue.products)}/", None)),
        ("GET customers/", 8, lambda: ("GET", f"/api/v1/customers/?page={random.randint(1, 10)}", None)),
        ("GET customers/{id}/", 12, lambda: ("GET", f"/api/v1/customers/{pick(catalogue.customers)}/", None)),
        ("GET customers/?search=", 10, lambda: ("GET", f"/api/v1/customers/?search={pick(catalogue.names)}", None)),
        ("POST orders/", 20, lambda: ("POST", "/api/v1/orders/", order_body())),
    ]


EXPECTED = {"POST orders/": {201, 409}}  # 409: the stock ran out; every read answers 200


async def run_clients(
    base: str, token: str, *, routes, clients: int, duration: float, warmup: float = 0
) -> tuple[dict[str, RouteStats], float, dict[int, int]]:
    """``clients`` tasks sending requests back to back for ``duration`` s; returns stats, seconds, units ordered."""
    names = [name for name, _weight, _make in routes]
    weights = [weight for _name, weight, _make in routes]
    makers = {name: make for name, _weight, make in routes}
    stats = {name: RouteStats() for name in names}
    ordered: dict[int, int] = defaultdict(int)  # product id -> units in orders answered 201
    connector = aiohttp.TCPConnector(limit=clients, force_close=False)
    timeout = aiohttp.ClientTimeout(total=30)
    headers = {"Authorization": f"Token {token}"}
    measuring = False

    async def client() -> None:
        while time.monotonic() < stop_at:
            name = random.choices(names, weights)[0]
            method, path, body = makers[name]()
            started = time.perf_counter()
            route = stats[name]
            try:
                async with session.request(method, base + path, json=body) as response:
                    await response.read()
                    status = response.status
            except (aiohttp.ClientError, TimeoutError):
                if measuring:
                    route.errors += 1
                continue
            if name == "POST orders/" and status == 201:  # warm-up orders take stock too
                for line in body["lines"]:
                    ordered[line["product"]] += line["quantity"]
            if not measuring:
                continue
            route.latencies.append(time.perf_counter() - started)
            route.statuses[status] += 1
            if status not in EXPECTED.get(name, {200}):
                route.errors += 1
            if status >= 500:
                route.server_errors += 1

    async with aiohttp.ClientSession(connector=connector, timeout=timeout, headers=headers) as session:
        stop_at = time.monotonic() + warmup
        await asyncio.gather(*(client() for _ in range(clients)))
        measuring = True
        started = time.monotonic()
        stop_at = started + duration
        await asyncio.gather(*(client() for _ in range(clients)))
        took = time.monotonic() - started
    return stats, took, ordered


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


def print_table(title: str, stats: dict[str, RouteStats], took: float) -> tuple[int, int, int]:
    print(f"\n{title}")
    print("| route | requests | req/s | p50 ms | p95 ms | p99 ms | answers | errors | 5xx |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |")
    total = errors = server_errors = 0
    every: list[float] = []
    for name, route in stats.items():
        count = len(route.latencies)
        total += count
        errors += route.errors
        server_errors += route.server_errors
        every += route.latencies
        answers = " ".join(f"{status}: {n:,}" for status, n in sorted(route.statuses.items()))
        print(
            f"| {name} | {count:,} | {count / took:,.1f} | {percentile(route.latencies, 0.5) * 1000:,.1f} |"
            f" {percentile(route.latencies, 0.95) * 1000:,.1f} | {percentile(route.latencies, 0.99) * 1000:,.1f} |"
            f" {answers} | {route.errors} | {route.server_errors} |"
        )
    print(
        f"| **all** | {total:,} | {total / took:,.1f} | {percentile(every, 0.5) * 1000:,.1f} |"
        f" {percentile(every, 0.95) * 1000:,.1f} | {percentile(every, 0.99) * 1000:,.1f} | | {errors} |"
        f" {server_errors} |"
    )
    return total, errors, server_errors


def check_stock(url: str, stock_products: list[int], ordered: dict[int, int]) -> bool:
    """Each product's stock is its start less the units its stored orders hold, which the 201s add up to."""
    with psycopg.connect(url) as db:
        rows = db.execute(
            "SELECT p.id, p.stock, COALESCE(SUM(l.quantity), 0) FROM catalog_product p"
            " LEFT JOIN sales_orderline l ON l.product_id = p.id WHERE p.id = ANY(%s) GROUP BY p.id ORDER BY p.id",
            [stock_products],
        ).fetchall()
    good = True
    print("\n| product | starting stock | units in stored orders | units in 201 answers | stock now | holds |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    for product, stock, units in rows:
        holds = stock == STOCK - units and stock >= 0 and units == ordered.get(product, 0)
        good &= holds
        print(f"| {product} | {STOCK} | {units} | {ordered.get(product, 0)} | {stock} | {'yes' if holds else 'NO'} |")
    return good


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=60, help="seconds of load (default 60)")
    parser.add_argument("--clients", type=int, default=64, help="concurrent clients (default 64)")
    parser.add_argument("--baseline", type=float, default=10, help="seconds of /healthz first (default 10)")
    parser.add_argument("--workers", type=int, help="gunicorn processes (default: gunicorn.conf.py's)")
    parser.add_argument("--threads", type=int, help="threads per process (default: gunicorn.conf.py's)")
    parser.add_argument("--orders", type=int, default=20_000, help="demo orders to read (default 20,000)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()
    if not 0 < args.duration <= MAX_DURATION or not 0 < args.clients <= MAX_CLIENTS:
        parser.error(f"--duration is at most {MAX_DURATION} s and --clients at most {MAX_CLIENTS}")
    base_url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not base_url.startswith("postgres") or not redis_url:
        sys.exit("load: set DATABASE_URL (a PostgreSQL server) and REDIS_URL")
    random.seed(args.seed)
    url = database_url(base_url, DATABASE)
    workdir = Path(tempfile.mkdtemp(prefix="salesanalytics-load-"))
    keep = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "CELERY_", "GUNICORN_"))}
    env = keep | {
        "DJANGO_SETTINGS_MODULE": "salesanalytics.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SECURE_HSTS_SECONDS": "0",
        "DJANGO_STATIC_ROOT": str(workdir),
        "DJANGO_LOG_LEVEL": "WARNING",
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "CACHE_KEY_PREFIX": f"bench11-load-{secrets.token_hex(4)}",
    }
    print(f"load: preparing {DATABASE} ({args.orders:,} demo orders)", flush=True)
    recreate_database(base_url)
    manage("migrate", "--noinput", env=env)
    manage("load_demo_data", "--customers", "2000", "--orders", str(args.orders), "--seed", str(args.seed), env=env)
    token = manage("ensure_api_manager", "--username", "load", env=env).strip()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    gunicorn = start_gunicorn(env, port=port, workers=args.workers, threads=args.threads, log=workdir / "web.log")
    try:
        asyncio.run(wait_serving(base, gunicorn))
        stock_products = asyncio.run(create_stock_products(base, token))
        catalogue = read_catalogue(url, stock_products)
        shape = f"{args.workers or 'conf'} workers x {args.threads or 'conf'} threads"
        print(f"load: gunicorn ({shape}) on {base}; {args.clients} clients", flush=True)
        baseline, baseline_took, _ = asyncio.run(
            run_clients(
                base,
                token,
                routes=[("GET /healthz", 1, lambda: ("GET", "/healthz", None))],
                clients=args.clients,
                duration=args.baseline,
                warmup=2,
            )
        )
        stats, took, ordered = asyncio.run(
            run_clients(base, token, routes=workload(catalogue), clients=args.clients, duration=args.duration, warmup=3)
        )
    finally:
        os.killpg(gunicorn.pid, signal.SIGTERM)
        gunicorn.wait(timeout=60)
    floor, _, _ = print_table(f"Baseline: /healthz for {baseline_took:.0f} s", baseline, baseline_took)
    total, errors, server_errors = print_table(
        f"Workload: {args.clients} clients for {took:.0f} s, {shape}", stats, took
    )
    print(f"\nworkload requests/s / baseline requests/s = {(total / took) / (floor / baseline_took):.2f}")
    stock_holds = check_stock(url, stock_products, ordered)
    if not args.keep:
        drop_database(base_url)
    ok = errors == 0 and server_errors == 0 and stock_holds
    print(f"\nload: errors {errors}, 5xx {server_errors}, stock {'adds up' if stock_holds else 'DOES NOT add up'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
