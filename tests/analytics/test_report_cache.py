"""The analytics answer cache: keyed by query and data version, one computation per miss, optional."""

import socket
import threading
from dataclasses import dataclass
from datetime import date

import pytest
from django.db import connection, transaction

from analytics.cache import cached_report, report_cache_key
from analytics.selectors import data_version_current
from analytics.services import data_version_bump
from tests.factories import make_customer, make_product

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class _Query:
    start_date: date
    agent_ids: tuple[int, ...]


class _Counter:
    def __init__(self, answer):
        self.calls = 0
        self.answer = answer
        self._lock = threading.Lock()

    def __call__(self):
        with self._lock:
            self.calls += 1
        return self.answer


def test_the_same_query_is_computed_once_until_the_data_version_moves():
    compute = _Counter({"total": 3})
    query = _Query(start_date=date(2026, 1, 1), agent_ids=(1, 2))

    first = cached_report(report="demo", query=query, compute=compute)
    second = cached_report(report="demo", query=query, compute=compute)
    assert first == second == {"total": 3}
    assert compute.calls == 1

    data_version_bump()
    cached_report(report="demo", query=query, compute=compute)
    assert compute.calls == 2


def test_equal_queries_share_a_key_and_different_ones_do_not():
    version = data_version_current()
    key = report_cache_key(report="r", query={"a": 1, "b": [date(2026, 1, 1)]}, version=version)

    assert key == report_cache_key(report="r", query={"b": [date(2026, 1, 1)], "a": 1}, version=version)
    assert key != report_cache_key(report="r", query={"a": 2, "b": [date(2026, 1, 1)]}, version=version)
    assert key != report_cache_key(report="other", query={"a": 1, "b": [date(2026, 1, 1)]}, version=version)
    assert key != report_cache_key(report="r", query={"a": 1, "b": [date(2026, 1, 1)]}, version=version + 1)


def test_a_stored_answer_of_none_or_zero_is_a_hit_too():
    compute = _Counter(0)
    for _ in range(3):
        assert cached_report(report="zero", query={}, compute=compute) == 0
    assert compute.calls == 1


def test_a_bump_rolled_back_with_its_write_leaves_the_version_where_it_was():
    before = data_version_current()
    with pytest.raises(RuntimeError), transaction.atomic():
        data_version_bump()
        raise RuntimeError("the write failed")

    assert data_version_current() == before


def test_writes_to_records_reports_name_move_the_version():
    versions = [data_version_current()]
    customer = make_customer(region="North")
    versions.append(data_version_current())
    customer.region = "South"
    customer.save()
    versions.append(data_version_current())
    make_product()
    versions.append(data_version_current())
    customer.delete()
    versions.append(data_version_current())

    assert versions == sorted(versions)
    assert len(set(versions)) == len(versions)


@pytest.mark.django_db(transaction=True)
def test_concurrent_misses_of_one_key_compute_it_once():
    started = threading.Barrier(6)
    release = threading.Event()
    calls: list[int] = []
    answers: list[object] = []

    def compute():
        calls.append(1)
        release.wait(5)  # hold the lock while the other requests arrive
        return {"rows": [1, 2, 3]}

    def request():
        try:
            started.wait(5)
            answers.append(cached_report(report="slow", query={"q": 1}, compute=compute))
        finally:
            connection.close()

    threads = [threading.Thread(target=request) for _ in range(6)]
    for thread in threads:
        thread.start()
    # Give every thread time to miss and find the lock taken, then let the one computing finish.
    threading.Event().wait(0.5)
    release.set()
    for thread in threads:
        thread.join(10)

    assert len(calls) == 1
    assert answers == [{"rows": [1, 2, 3]}] * 6


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_cache_server_answers_from_the_database_every_time(settings):
    # A real Redis client pointed at a port nothing listens on: every cache call fails.
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
        }
    }
    compute = _Counter({"total": 7})

    assert cached_report(report="down", query={}, compute=compute) == {"total": 7}
    assert cached_report(report="down", query={}, compute=compute) == {"total": 7}
    assert compute.calls == 2
