"""Writes owned by analytics: the data version that keys every cached report."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from analytics.models import DataVersion


@transaction.atomic
def data_version_bump() -> int:
    """Move to a new data version so no cached analytics answer outlives the caller's write.

    Call it inside the write's own transaction, as its last statement: the new
    version then commits (or rolls back) with the write, and its row lock is held
    only for the commit that follows.
    """
    row = DataVersion.objects.filter(pk=DataVersion.SINGLETON_ID)
    if not row.update(version=F("version") + 1, changed_at=timezone.now()):
        # A migration makes the row; a flushed database (tests, `flush`) makes it again here.
        _, created = DataVersion.objects.get_or_create(pk=DataVersion.SINGLETON_ID, defaults={"version": 2})
        if not created:  # a concurrent bump made it first: still move past what it wrote
            row.update(version=F("version") + 1, changed_at=timezone.now())
    return DataVersion.objects.values_list("version", flat=True).get(pk=DataVersion.SINGLETON_ID)
