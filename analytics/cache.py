"""Cached analytics answers: one key per normalised query and data version, computed once per miss.

A key holds the data version read before the answer is computed, so an answer
stored under a version is never older than that version's data; a write moves
the version and every later read misses. Nothing is ever deleted by pattern:
old versions' entries simply expire.

Concurrent misses of one key compute it once: the first takes a short lock
(``cache.add``) and the others wait for its answer. The cache is an
accelerator, never a dependency: when it cannot be reached the answer is
computed from the database, uncached, and the request still succeeds.
"""

import contextlib
import dataclasses
import enum
import hashlib
import json
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache

from analytics.selectors import data_version_current

logger = logging.getLogger(__name__)

T = TypeVar("T")

KEY_PREFIX = "analytics:report"
POLL_SECONDS = 0.02
_MISSING = object()


class _CacheUnavailable(Exception):
    """The cache backend raised; the caller goes on without it."""


def _normalise(value: Any) -> Any:
    """A JSON-ready form of a query in which equal queries are equal, whatever their order or types."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: _normalise(getattr(value, field.name)) for field in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(key): _normalise(item) for key, item in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted((_normalise(item) for item in value), key=repr)
    if isinstance(value, (list, tuple)):
        return [_normalise(item) for item in value]
    if isinstance(value, enum.Enum):
        return _normalise(value.value)
    if isinstance(value, (date, datetime, Decimal)):
        return str(value)
    return value


def report_cache_key(*, report: str, query: Any, version: int) -> str:
    """The cache key of ``report`` answering ``query`` (a dataclass or mapping) at data ``version``."""
    canonical = json.dumps(_normalise(query), sort_keys=True, separators=(",", ":"), default=str)
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:32]
    return f"{KEY_PREFIX}:{report}:v{version}:{digest}"


def _call(operation: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    try:
        return operation(*args, **kwargs)
    except Exception as exc:  # any backend failure (Redis down, timeouts): serve from the database
        logger.warning("analytics cache unavailable (%s: %s); answering uncached", exc.__class__.__name__, exc)
        raise _CacheUnavailable from exc


def cached_report(*, report: str, query: Any, compute: Callable[[], T]) -> T:
    """``compute()``'s answer to ``query``, from the cache when this data version already has it."""
    key = report_cache_key(report=report, query=query, version=data_version_current())
    try:
        return _cached(key, compute)
    except _CacheUnavailable:
        return compute()


def _cached(key: str, compute: Callable[[], T]) -> T:
    value = _call(cache.get, key, _MISSING)
    if value is not _MISSING:
        return value
    lock_key, token = f"{key}:lock", uuid.uuid4().hex
    lock_seconds = settings.ANALYTICS_CACHE_LOCK_SECONDS
    deadline = time.monotonic() + lock_seconds
    while not _call(cache.add, lock_key, token, timeout=lock_seconds):
        # Another request is computing this answer: wait for it rather than compute it again.
        time.sleep(POLL_SECONDS)
        value = _call(cache.get, key, _MISSING)
        if value is not _MISSING:
            return value
        if time.monotonic() > deadline:
            return compute()  # the lock holder is stuck or gone; answer without waiting longer
    try:
        value = compute()
        with contextlib.suppress(_CacheUnavailable):  # answered all the same; the next request computes again
            _call(cache.set, key, value, timeout=settings.ANALYTICS_CACHE_SECONDS)
        return value
    finally:
        with contextlib.suppress(_CacheUnavailable):
            if _call(cache.get, lock_key) == token:
                _call(cache.delete, lock_key)
