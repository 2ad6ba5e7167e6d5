"""Reads owned by analytics."""

from django.core.cache import cache

from analytics.services import DATA_VERSION_KEY


def data_version_current() -> int:
    """The version cached analytics responses are keyed by; it changes after every write."""
    return cache.get_or_set(DATA_VERSION_KEY, 1, timeout=None)
