"""Celery tasks of the customers app: segment refreshes, thin wrappers that take ids."""

from celery import shared_task
from django.core.cache import cache
from django.db import InterfaceError, OperationalError

from customers.models import RefreshReason, Segment
from customers.services import segment_refresh, segment_refresh_gate_key, segments_refresh_all


@shared_task(acks_late=True, autoretry_for=(OperationalError, InterfaceError), max_retries=3, retry_backoff=True)
def refresh_segment(segment_id: int, reason: str) -> int | None:
    """Refresh one segment; returns the new snapshot's id (None: nothing moved, or the segment is gone).

    Idempotent: a redelivered message finds the members as the first run left them and adds nothing.
    """
    try:
        result = segment_refresh(segment_id=segment_id, reason=reason)
    except Segment.DoesNotExist:
        return None
    return result.snapshot.pk if result.snapshot else None


@shared_task(acks_late=True, autoretry_for=(OperationalError, InterfaceError), max_retries=3, retry_backoff=True)
def refresh_segment_debounced(segment_id: int) -> int | None:
    """The refresh an order write scheduled; it opens the gate before reading, so no later write is missed."""
    cache.delete(segment_refresh_gate_key(segment_id))
    return refresh_segment.run(segment_id, RefreshReason.ORDERS)


@shared_task
def refresh_all_segments() -> int:
    """Beat, daily: catches what no other trigger refreshes after (catalog edits, deleted customers, a lost message)."""
    return segments_refresh_all(reason=RefreshReason.DAILY)
