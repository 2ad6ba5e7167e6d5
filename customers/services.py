"""Writes to customers, memberships and segments (including the segments' history)."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from common.codes import generate_code
from common.queueing import task_send
from common.services import record_create, record_update
from customers.criteria import SegmentCriteria, criteria_parse
from customers.models import (
    ChangeDirection,
    Customer,
    Membership,
    RefreshReason,
    Segment,
    SegmentChange,
    SegmentMember,
    SegmentSnapshot,
)
from customers.selectors import segment_members


def customer_create(*, code: str | None = None, **data: Any) -> Customer:
    return record_create(model=Customer, data={"code": code or generate_code(prefix="CUS"), **data})


def customer_update(*, customer: Customer, **data: Any) -> Customer:
    return record_update(instance=customer, data=data)


def customer_delete(*, customer: Customer) -> None:
    """Refused with a conflict while orders reference the customer; memberships go with it."""
    customer.delete()


def membership_create(*, number: str | None = None, **data: Any) -> Membership:
    return record_create(model=Membership, data={"number": number or generate_code(prefix="MEM"), **data})


def membership_update(*, membership: Membership, **data: Any) -> Membership:
    return record_update(instance=membership, data=data)


def membership_delete(*, membership: Membership) -> None:
    """Orders made under the membership keep existing, with no membership."""
    membership.delete()


@dataclass(frozen=True)
class SegmentRefresh:
    """What one refresh found; ``snapshot`` is None when nothing moved since the last one."""

    segment: Segment
    snapshot: SegmentSnapshot | None
    entered: int
    left: int


@transaction.atomic
def segment_create(*, name: str, criteria: SegmentCriteria, description: str = "") -> SegmentRefresh:
    """Save a segment and take its first snapshot, which starts history line 1."""
    segment = record_create(
        model=Segment, data={"name": name, "description": description, "criteria": criteria.as_json()}
    )
    return segment_refresh(segment_id=segment.pk, reason=RefreshReason.CREATED)


@transaction.atomic
def segment_update(
    *,
    segment: Segment,
    name: str | None = None,
    description: str | None = None,
    criteria: SegmentCriteria | None = None,
) -> SegmentRefresh | None:
    """Change a segment; new criteria start a new history line at once (the refresh is returned), so the
    members the old rules chose are not reported as leaving, nor the new ones as entering."""
    segment = Segment.objects.select_for_update().get(pk=segment.pk)
    data: dict[str, Any] = {}
    if name is not None:
        data["name"] = name
    if description is not None:
        data["description"] = description
    rules_changed = criteria is not None and criteria != criteria_parse(segment.criteria)
    if criteria is not None:
        data["criteria"] = criteria.as_json()
    if rules_changed:
        data["history_line"] = segment.history_line + 1
    record_update(instance=segment, data=data)
    if rules_changed:
        return segment_refresh(segment_id=segment.pk, reason=RefreshReason.CRITERIA_CHANGED)
    return None


def segment_delete(*, segment: Segment) -> None:
    """Its snapshots, changes and member list go with it."""
    segment.delete()


# Rows per INSERT or per IN list: under SQLite's limit on bound variables, and short statements elsewhere.
_BATCH = 500


@transaction.atomic
def segment_refresh(*, segment_id: int, reason: str) -> SegmentRefresh:
    """Recompute the segment's members and record who entered and left since its last snapshot.

    Refreshes of one segment take turns on its row lock. The members are read once, by one grouped
    query, so the counts, the revenue and the changes all describe the same moment even while
    imports commit. A refresh that finds the same members and revenue writes no snapshot (only
    ``refreshed_at`` moves); the first refresh of a history line writes one with no changes.
    """
    segment = Segment.objects.select_for_update().get(pk=segment_id)
    criteria = criteria_parse(segment.criteria)
    taken_at = timezone.now()
    members = segment_members(criteria=criteria, with_categories=False)
    revenue = {row["customer_id"]: Decimal(row["total_revenue"]) for row in members}
    total = sum(revenue.values(), Decimal("0.00"))
    stored = SegmentMember.objects.filter(segment_id=segment.pk)
    previous = set(stored.values_list("customer_id", flat=True))
    joining = sorted(revenue.keys() - previous)
    leaving = sorted(previous - revenue.keys())
    last = segment.snapshots.order_by("-taken_at", "-id").only("line").first()
    if last is None or last.line != segment.history_line:
        # A new line: the stored members were chosen by other rules, so nobody entered or left.
        entered: list[int] = []
        left: list[int] = []
    else:
        entered, left = joining, leaving
        if not entered and not left and len(revenue) == segment.customers_count and total == segment.total_revenue:
            Segment.objects.filter(pk=segment.pk).update(refreshed_at=taken_at)
            segment.refreshed_at = taken_at
            return SegmentRefresh(segment=segment, snapshot=None, entered=0, left=0)
    snapshot = SegmentSnapshot.objects.create(
        segment=segment,
        line=segment.history_line,
        taken_at=taken_at,
        reason=reason,
        criteria=segment.criteria,
        customers_count=len(revenue),
        total_revenue=total,
        entered_count=len(entered),
        left_count=len(left),
    )
    moves = [(pk, ChangeDirection.ENTERED) for pk in entered] + [(pk, ChangeDirection.LEFT) for pk in left]
    SegmentChange.objects.bulk_create(
        (
            SegmentChange(segment=segment, snapshot=snapshot, customer_id=pk, direction=direction, at=taken_at)
            for pk, direction in moves
        ),
        batch_size=_BATCH,
    )
    # The stored members follow the new ones row by row: writes in proportion to who moved.
    for start in range(0, len(leaving), _BATCH):
        stored.filter(customer_id__in=leaving[start : start + _BATCH]).delete()
    SegmentMember.objects.bulk_create(
        (SegmentMember(segment_id=segment.pk, customer_id=pk) for pk in joining), batch_size=_BATCH
    )
    fields = {"customers_count": len(revenue), "total_revenue": total, "refreshed_at": taken_at}
    Segment.objects.filter(pk=segment.pk).update(**fields)
    for field, value in fields.items():
        setattr(segment, field, value)
    return SegmentRefresh(segment=segment, snapshot=snapshot, entered=len(entered), left=len(left))


def segments_refresh_all(*, reason: str) -> int:
    """Queue a refresh of every segment, one task each; returns how many were sent."""
    from customers.tasks import refresh_segment

    segment_ids = list(Segment.objects.values_list("pk", flat=True))
    # A segment whose refresh could not be sent is caught up by the next write or the daily refresh.
    return sum(task_send(task=refresh_segment, args=(segment_id, reason)) for segment_id in segment_ids)


def segments_refresh_after_import() -> None:
    """After a successful import (an on-commit callback): any customer may have moved."""
    segments_refresh_all(reason=RefreshReason.IMPORT)


def segment_refresh_gate_key(segment_id: int) -> str:
    return f"segments:refresh-scheduled:{segment_id}"


def segments_refresh_after_order_write() -> None:
    """After an order write (an on-commit callback), debounced: at most one refresh per segment a minute.

    The first write while no refresh of a segment is scheduled claims a cache gate (``cache.add``)
    and schedules one ``SEGMENT_REFRESH_DEBOUNCE_SECONDS`` later; writes meanwhile find the gate taken
    and schedule nothing, since that refresh will see them. The refresh opens the gate before it
    reads, so a write it cannot see schedules the next one. (Eager Celery, the embedded default,
    has no countdown: there each write refreshes at once.)
    """
    from customers.tasks import refresh_segment_debounced

    delay = settings.SEGMENT_REFRESH_DEBOUNCE_SECONDS
    for segment_id in Segment.objects.values_list("pk", flat=True):
        gate = segment_refresh_gate_key(segment_id)
        if cache.add(gate, 1, timeout=delay + 60) and not task_send(
            task=refresh_segment_debounced, args=(segment_id,), countdown=delay
        ):
            cache.delete(gate)  # nothing was scheduled: the next write must try again
