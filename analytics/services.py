"""Writes owned by analytics: the data version that keys every cached report."""

from django.core.cache import cache

DATA_VERSION_KEY = "analytics:data_version"


def data_version_bump() -> int:
    """Move to a new data version so no cached analytics response outlives a write."""
    try:
        return cache.incr(DATA_VERSION_KEY)
    except ValueError:
        # First write since the cache was emptied: start past any version readers may have seen.
        cache.add(DATA_VERSION_KEY, 1, timeout=None)
        return cache.incr(DATA_VERSION_KEY)
