"""Faults the deployed stack survives: Redis stopped, PostgreSQL restarted, the web process killed mid-write.

Everything runs as deployed: gunicorn from ``gunicorn.conf.py``, a Celery
worker and beat, production settings. They run against a PostgreSQL cluster
and a Redis of these tests' own (the shared servers are never stopped), and
the tests talk to them over HTTP only, as a client would, reading the database
directly only to look at what a client cannot see.
"""

import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.db import connection

from tests.deploy import servers
from tests.deploy.processes import Gunicorn, Process, app_env, wait_for
from tests.deploy.servers import ThrowawayPostgres, ThrowawayRedis, wait_until_refused
from tests.ingestion.csv_files import sales_row, write_csv

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql" or not settings.REDIS_URL,
        reason="faults are tested where the suite runs on PostgreSQL and Redis",
    ),
    pytest.mark.skipif(servers.available() is not None, reason=str(servers.available())),
]

DATABASE = "salesanalytics"
STOCK = 10


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    # Not under pytest's own temporary directory: PostgreSQL's OS user must be able to reach it.
    path = Path(tempfile.mkdtemp(prefix="salesanalytics-faults-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def postgres(workdir) -> Iterator[ThrowawayPostgres]:
    server = ThrowawayPostgres(workdir / "pg").init()
    server.start()
    server.create_database(DATABASE)
    yield server
    with contextlib.suppress(subprocess.CalledProcessError):  # already stopped by a failed test
        server.stop()


@pytest.fixture(scope="module")
def redis(workdir) -> Iterator[ThrowawayRedis]:
    server = ThrowawayRedis(workdir / "redis").start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def env(workdir, postgres, redis) -> dict[str, str]:
    """The stack's environment: production settings, as behind a proxy that terminates TLS."""
    (workdir / "imports").mkdir()
    (workdir / "static").mkdir()
    env = app_env(
        DJANGO_SETTINGS_MODULE="salesanalytics.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_SECURE_HSTS_SECONDS="0",
        DATABASE_URL=postgres.url(DATABASE),
        REDIS_URL=redis.url,
        IMPORT_ROOT=str(workdir / "imports"),
        DJANGO_STATIC_ROOT=str(workdir / "static"),
        # Short enough for a test: a job still queued 2 s after it was sent is sent again, swept every second.
        IMPORT_REQUEUE_AFTER_SECONDS="2",
        IMPORT_SWEEP_SECONDS="1",
    )
    manage("migrate", "--noinput", env=env)
    return env


def manage(*args: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


class Api:
    """A client of the API with a manager's token; it remembers every status it was answered."""

    def __init__(self, base: str, token: str):
        self.base = base
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Token {token}"
        self.statuses: list[tuple[str, int]] = []

    def call(self, method: str, path: str, **kwargs) -> requests.Response:
        response = self.session.request(method, self.base + path, timeout=30, **kwargs)
        self.statuses.append((f"{method} {path}", response.status_code))
        return response

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, body: dict) -> requests.Response:
        return self.call("POST", path, json=body)

    def server_errors(self) -> list[tuple[str, int]]:
        return [(request, status) for request, status in self.statuses if status >= 500]


@pytest.fixture(scope="module")
def token(env) -> str:
    return manage("ensure_api_manager", "--username", "faults", env=env).strip()


@pytest.fixture
def stack(env, token, tmp_path) -> Iterator:
    """Start any of the stack's processes; all are stopped at the end of the test."""
    started: list[Process] = []

    def start(*, workers: int = 1, threads: int = 4, worker: bool = False, beat: bool = False) -> tuple[Gunicorn, Api]:
        web = Gunicorn(env=env, log=tmp_path / "web.log", workers=workers, threads=threads)
        started.append(web.start())
        celery = [sys.executable, "-m", "celery", "-A", "salesanalytics"]
        if worker:
            process = Process([*celery, "worker", "-l", "info", "-c", "1"], env=env, log=tmp_path / "worker.log")
            started.append(process.start())
            wait_for(lambda: " ready." in process.output(), timeout=60, what="the worker ready")
        if beat:
            schedule = str(tmp_path / "celerybeat-schedule")
            process = Process(
                [*celery, "beat", "-l", "info", "--schedule", schedule, "--max-interval", "1"],
                env=env,
                log=tmp_path / "beat.log",
            )
            started.append(process.start())
        return web, Api(web.base, token)

    yield start
    for process in reversed(started):
        process.stop()


def make_catalogue(api: Api) -> tuple[int, int]:
    """A product with small stock and a customer, through the API: (product id, customer id)."""
    suffix = secrets.token_hex(4)
    category = api.post("/api/v1/categories/", {"name": f"Kitchen {suffix}"}).json()["id"]
    product = api.post(
        "/api/v1/products/", {"name": f"Kettle {suffix}", "category": category, "unit_price": "20.00", "stock": STOCK}
    )
    customer = api.post("/api/v1/customers/", {"name": f"Ana {suffix}", "email": f"ana-{suffix}@example.com"})
    assert (product.status_code, customer.status_code) == (201, 201), (product.text, customer.text)
    return product.json()["id"], customer.json()["id"]


def order_body(product: int, customer: int, quantity: int) -> dict:
    return {"customer": customer, "lines": [{"product": product, "quantity": quantity}]}


def data_version(postgres: ThrowawayPostgres) -> int:
    with postgres.connect(DATABASE) as db:
        return db.execute("SELECT version FROM analytics_dataversion").fetchone()[0]


CACHED_ORDERS = (
    "from analytics.cache import cached_report\n"
    "from sales.models import Order\n"
    "print(cached_report(report='faults-orders', query={'customer': %d},"
    " compute=lambda: Order.objects.filter(customer_id=%d).count()))\n"
)


def cached_order_count(env: dict[str, str], customer: int) -> int:
    """The customer's order count as an analytics answer: computed once per data version, then read from Redis."""
    return int(manage("shell", "--no-imports", "-c", CACHED_ORDERS % (customer, customer), env=env).strip())


def cached_answers(redis: ThrowawayRedis, *, version: int) -> list[str]:
    result = subprocess.run(
        ["redis-cli", "-p", str(redis.port), "--scan", "--pattern", f"*analytics:report:faults-orders:v{version}:*"],
        capture_output=True,
        text=True,
        check=True,
    )
    return [key for key in result.stdout.split() if not key.endswith(":lock")]


def wait_ready(api: Api, *, want: int, timeout: float = 60) -> dict:
    def answered():
        response = requests.get(api.base + "/readyz", timeout=10)
        return response.json() if response.status_code == want else None

    return wait_for(answered, timeout=timeout, what=f"/readyz answering {want}", interval=0.5)


def test_redis_stopped_reads_and_writes_answer_from_the_database_and_an_import_waits_for_the_broker(
    stack, redis, postgres, env
):
    # Given the whole stack serving, with a product of small stock
    web, api = stack(workers=2, threads=4, worker=True, beat=True)
    product, customer = make_catalogue(api)
    assert api.post("/api/v1/orders/", order_body(product, customer, 1)).status_code == 201
    version_before = data_version(postgres)
    # and an analytics answer cached in Redis under the current data version
    assert cached_order_count(env, customer) == 1
    assert len(cached_answers(redis, version=version_before)) == 1
    write_csv(Path(env["IMPORT_ROOT"]) / "during.csv", [sales_row(order_id="R-1"), sales_row(order_id="R-2")])

    # When Redis stops
    redis.stop()
    wait_until_refused(redis.port)

    # Then /readyz says so, naming the cache and the broker
    ready = requests.get(web.base + "/readyz", timeout=30)
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"] == "ok"
    assert ready.json()["checks"]["cache"].startswith("error")
    assert ready.json()["checks"]["broker"].startswith("error")

    # And reads, searches and order writes answer from the database
    for path in (
        "/api/v1/products/",
        f"/api/v1/products/{product}/",
        "/api/v1/customers/?search=Ana",
        "/api/v1/orders/",
    ):
        assert api.get(path).status_code == 200, path
    written = api.post("/api/v1/orders/", order_body(product, customer, 2))
    assert written.status_code == 201, written.text
    assert api.get(f"/api/v1/orders/{written.json()['id']}/").json()["lines"][0]["quantity"] == 2
    assert api.get(f"/api/v1/products/{product}/").json()["stock"] == STOCK - 1 - 2
    # the write moved the data version cached answers are keyed by, in its own transaction
    assert data_version(postgres) > version_before
    # login is throttled in Redis: while it is down a wrong password is refused, not an error
    login = api.session.post(web.base + "/api/v1/auth/login/", json={"username": "faults", "password": "wrong"})
    assert login.status_code == 400

    # And an import requested meanwhile is accepted at once, and waits
    started = time.monotonic()
    job = api.post("/api/v1/data/refresh/", {"kind": "sales", "file_path": "during.csv"})
    assert job.status_code == 202, job.text
    assert time.monotonic() - started < 5
    assert job.json()["status"] == "queued"
    assert api.server_errors() == []

    # When Redis is back
    redis.start()

    # Then /readyz recovers, and the waiting import is sent again and runs
    assert wait_ready(api, want=200)["checks"] == {"database": "ok", "cache": "ok", "broker": "ok"}

    def finished():
        log = api.get(f"/api/v1/data/logs/{job.json()['id']}/").json()
        return log if log["status"] in {"succeeded", "failed"} else None

    log = wait_for(finished, timeout=90, what="the import to finish", interval=0.5)
    assert (log["status"], log["rows_created"]) == ("succeeded", 2), log
    codes = {order["code"] for order in api.get("/api/v1/orders/", params={"search": "R-"}).json()["results"]}
    assert codes == {"R-1", "R-2"}
    assert api.server_errors() == []

    # And the answer cached before the outage, still in Redis, is not the one given: it counts the new order
    assert len(cached_answers(redis, version=version_before)) == 1
    assert cached_order_count(env, customer) == 2


def test_postgres_restarted_the_next_requests_succeed_without_restarting_gunicorn(stack, postgres):
    # Given gunicorn whose threads each hold a database connection
    web, api = stack(workers=1, threads=4)
    make_catalogue(api)
    workers_before = web.worker_pids()

    def burst() -> list[int]:
        results: list[int] = []
        threads = [
            threading.Thread(target=lambda: results.append(api.get("/api/v1/products/").status_code)) for _ in range(8)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return results

    assert burst() == [200] * 8

    # When PostgreSQL stops, /readyz says so
    postgres.stop()
    ready = requests.get(web.base + "/readyz", timeout=30)
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"].startswith("error")
    assert ready.json()["checks"]["cache"] == "ok"
    # and the API answers 503 with a reason and when to retry, not an HTML 500
    during = api.get("/api/v1/products/")
    assert during.status_code == 503
    assert during.json()["code"] == "database_unavailable"
    assert during.headers["Retry-After"] == "5"

    # When it is back, the very next requests succeed, on every thread, with the same gunicorn processes
    postgres.start()
    assert [api.get("/api/v1/products/").status_code for _ in range(8)] == [200] * 8
    assert burst() == [200] * 8
    assert requests.get(web.base + "/readyz", timeout=30).status_code == 200
    assert web.worker_pids() == workers_before


def _wait_for_order_write_blocked(postgres: ThrowawayPostgres) -> None:
    """Until a backend waits for the data version's row lock: the order's last statement before it commits."""

    def blocked() -> bool:
        with postgres.connect(DATABASE) as db:
            row = db.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'"
                " AND query LIKE 'UPDATE \"analytics_dataversion\"%%'",
                [DATABASE],
            ).fetchone()
        return row[0] == 1

    wait_for(blocked, timeout=30, what="the order write waiting on the data version")


def _post_in_background(api: Api, body: dict) -> tuple[threading.Thread, list]:
    outcome: list = []

    def post() -> None:
        try:
            outcome.append(api.session.post(api.base + "/api/v1/orders/", json=body, timeout=30).status_code)
        except requests.ConnectionError as exc:
            outcome.append(exc)

    thread = threading.Thread(target=post)
    thread.start()
    return thread, outcome


def _respawned(web: Gunicorn, killed: int) -> list[int]:
    def new_worker() -> list[int] | None:
        pids = web.worker_pids()
        return pids if pids and killed not in pids else None

    pids = wait_for(new_worker, timeout=60, what="gunicorn starting a new worker")
    wait_for(lambda: requests.get(web.base + "/healthz", timeout=5).ok, timeout=60, what="the new worker serving")
    return pids


def _stored(postgres: ThrowawayPostgres, product: int, customer: int) -> tuple[int, list[tuple[int, int, int]]]:
    """The product's stock, and each of the customer's orders as (id, number of lines, units of the product)."""
    with postgres.connect(DATABASE) as db:
        stock = db.execute("SELECT stock FROM catalog_product WHERE id = %s", [product]).fetchone()[0]
        orders = db.execute(
            "SELECT o.id, count(l.id), coalesce(sum(l.quantity) FILTER (WHERE l.product_id = %s), 0)"
            " FROM sales_order o LEFT JOIN sales_orderline l ON l.order_id = o.id"
            " WHERE o.customer_id = %s GROUP BY o.id ORDER BY o.id",
            [product, customer],
        ).fetchall()
    return stock, orders


def test_the_web_process_killed_during_an_order_write_leaves_the_order_whole_or_absent(stack, postgres):
    # Given gunicorn and a product of small stock
    web, api = stack(workers=1, threads=4)
    product, customer = make_catalogue(api)
    assert _stored(postgres, product, customer) == (STOCK, [])

    # When the worker process is SIGKILLed while its order write holds the stock, before the write commits
    with postgres.connect(DATABASE) as lock:
        lock.execute("SELECT version FROM analytics_dataversion FOR UPDATE")
        thread, outcome = _post_in_background(api, order_body(product, customer, 3))
        _wait_for_order_write_blocked(postgres)
        [worker] = web.worker_pids()
        os.kill(worker, signal.SIGKILL)
        lock.rollback()
    thread.join()

    # Then the client got no answer, and once PostgreSQL has ended the session the order is absent, stock untouched
    assert isinstance(outcome[0], requests.ConnectionError)
    _respawned(web, worker)
    wait_for(lambda: _stored(postgres, product, customer)[0] == STOCK, timeout=30, what="the stock back at its start")
    assert _stored(postgres, product, customer) == (STOCK, [])
    assert api.get(f"/api/v1/products/{product}/").json()["stock"] == STOCK

    # And killed at any other moment of a write, every order is whole and the stock holds exactly what orders took
    for delay in (0.0, 0.01, 0.02, 0.05, 0.1, 0.2):
        [worker] = web.worker_pids()
        thread, outcome = _post_in_background(api, order_body(product, customer, 1))
        time.sleep(delay)
        os.kill(worker, signal.SIGKILL)
        thread.join()
        _respawned(web, worker)
    time.sleep(1)  # PostgreSQL ends the killed sessions' transactions
    stock, orders = _stored(postgres, product, customer)
    new_orders = [(lines, units) for _order_id, lines, units in orders]
    assert all(lines == 1 and units == 1 for lines, units in new_orders), new_orders
    assert stock == STOCK - len(new_orders) >= 0

    # And the next order on the respawned worker is taken as usual
    assert api.post("/api/v1/orders/", order_body(product, customer, 2)).status_code == 201
    assert api.get(f"/api/v1/products/{product}/").json()["stock"] == STOCK - len(new_orders) - 2
