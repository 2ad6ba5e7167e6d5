"""The segment pages' data: a page of members and the history, as the segments API answers them."""

from typing import Any

from django.core.paginator import Page, Paginator

from customers.criteria import criteria_parse
from customers.models import Segment
from customers.selectors import segment_member_customers, segment_members, segment_snapshot_list
from customers.serializers import SegmentMemberSerializer, SegmentSnapshotSerializer

MEMBERS_PER_PAGE = 25
# The history chart draws this many of the latest snapshots (a daily refresh makes one a day at most).
HISTORY_POINTS = 200


def member_page(*, segment: Segment, number: str | int | None) -> tuple[Page, list[dict[str, Any]]]:
    """One page of ``segments/{id}/customers/`` (ordered by customer id, as the API is by default)."""
    rows = segment_members(criteria=criteria_parse(segment.criteria)).order_by("customer_id")
    page = Paginator(rows, MEMBERS_PER_PAGE).get_page(number)
    members = segment_member_customers(page.object_list)
    return page, SegmentMemberSerializer(members, many=True).data


def history(*, segment: Segment) -> list[dict[str, Any]]:
    """The latest snapshots, oldest first: ``segments/{id}/history/?ordering=-taken_at`` reversed."""
    latest = segment_snapshot_list(segment=segment).order_by("-taken_at", "-id")[:HISTORY_POINTS]
    return list(reversed(SegmentSnapshotSerializer(latest, many=True).data))
