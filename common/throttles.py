"""DRF throttles that count in the ``throttles`` cache, which lets requests through while Redis is down."""

from django.core.cache import caches
from django.utils.connection import ConnectionProxy
from rest_framework import throttling


class ScopedRateThrottle(throttling.ScopedRateThrottle):
    """DRF's scoped throttle; a Redis outage skips the count (logged) instead of failing the request."""

    cache = ConnectionProxy(caches, "throttles")
