"""Reads of RFM runs: lists, a run's customers, the migration matrix between two runs."""

from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Prefetch, QuerySet

from analytics.rfm.models import RfmRun, RfmRunCustomer, RfmRunSegment, RfmRunStatus

NEW = "new"
GONE = "gone"


def rfm_run_list() -> QuerySet[RfmRun]:
    """Runs with their segment summaries, in two queries whatever the page size."""
    return RfmRun.objects.prefetch_related(
        Prefetch("segments", queryset=RfmRunSegment.objects.order_by("-customers_count", "name"))
    )


def rfm_run_customer_list(*, run_id: int) -> QuerySet[RfmRunCustomer]:
    return RfmRunCustomer.objects.filter(run_id=run_id)


def rfm_run_reusable(*, algorithm: str, start_date, end_date, reference_date, data_version: int) -> RfmRun | None:
    """The newest run with default parameters over exactly this window and data, finished or on its way."""
    return (
        RfmRun.objects.filter(
            algorithm=algorithm,
            start_date=start_date,
            end_date=end_date,
            reference_date=reference_date,
            data_version=data_version,
            n_clusters__isnull=True,
            eps__isnull=True,
            min_samples__isnull=True,
            status__in=[RfmRunStatus.QUEUED, RfmRunStatus.RUNNING, RfmRunStatus.SUCCEEDED],
        )
        .prefetch_related(Prefetch("segments", queryset=RfmRunSegment.objects.order_by("-customers_count", "name")))
        .order_by("-status", "-created_at", "-id")  # succeeded sorts before running and queued
        .first()
    )


@dataclass(frozen=True)
class MigrationMatrix:
    """How many customers of each segment of ``earlier`` are in each segment of ``later``."""

    earlier: RfmRun
    later: RfmRun
    from_segments: list[str]
    to_segments: list[str]
    counts: dict[str, dict[str, int]]

    @property
    def moved(self) -> int:
        return sum(n for source, row in self.counts.items() for target, n in row.items() if source != target)

    @property
    def earlier_run(self) -> int:
        return self.earlier.pk

    @property
    def later_run(self) -> int:
        return self.later.pk

    @property
    def rows(self) -> list[dict[str, Any]]:
        """One row per earlier segment: its counts in each later segment and its customers in all."""
        return [
            {"segment": source, "counts": self.counts[source], "total": sum(self.counts[source].values())}
            for source in self.from_segments
        ]


# Each customer once, with their segment in either run (NULL where absent), then counted per pair.
_MIGRATION_SQL = (
    "SELECT from_segment, to_segment, COUNT(*) FROM ("
    " SELECT customer_id,"
    " MAX(CASE WHEN run_id = %s THEN segment END) AS from_segment,"
    " MAX(CASE WHEN run_id = %s THEN segment END) AS to_segment"
    f" FROM {RfmRunCustomer._meta.db_table} WHERE run_id IN (%s, %s) GROUP BY customer_id"
    ") moves GROUP BY from_segment, to_segment"
)


def rfm_runs_in_order(first: RfmRun, second: RfmRun) -> tuple[RfmRun, RfmRun]:
    """The earlier and the later of two runs: by reference date, then creation."""
    earlier, later = sorted([first, second], key=lambda run: (run.reference_date, run.created_at, run.pk))
    return earlier, later


def rfm_run_migration(*, earlier: RfmRun, later: RfmRun) -> MigrationMatrix:
    with connection.cursor() as cursor:
        cursor.execute(_MIGRATION_SQL, [earlier.pk, later.pk, earlier.pk, later.pk])
        pairs = cursor.fetchall()
    from_segments = [segment.name for segment in earlier.segments.all()] + [NEW]
    to_segments = [segment.name for segment in later.segments.all()] + [GONE]
    counts = {source: dict.fromkeys(to_segments, 0) for source in from_segments}
    for source, target, n in pairs:
        counts[source or NEW][target or GONE] = n
    return MigrationMatrix(
        earlier=earlier, later=later, from_segments=from_segments, to_segments=to_segments, counts=counts
    )
