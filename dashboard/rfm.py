"""The RFM pages' data: stored runs to pick from, and the migration matrix of two runs as a heat map."""

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from analytics.rfm.models import RfmRun, RfmRunStatus
from analytics.rfm.selectors import rfm_run_list, rfm_run_migration
from analytics.rfm.serializers import MigrationMatrixSerializer


def comparable_runs() -> QuerySet[RfmRun]:
    """Runs that finished with segments, newest first: the only ones a comparison accepts."""
    return rfm_run_list().filter(status=RfmRunStatus.SUCCEEDED).order_by("-created_at", "-id")


@dataclass(frozen=True)
class HeatCell:
    target: str
    count: int
    share: float  # of the row's customers, 0..1: the cell's colour strength
    stayed: bool  # the same segment in both runs


@dataclass(frozen=True)
class HeatRow:
    segment: str
    total: int
    cells: list[HeatCell]


def migration_answer(*, earlier: RfmRun, later: RfmRun) -> dict[str, Any]:
    """``GET analytics/rfm-runs/{id}/compare/?with=``'s body, from the same selector and serializer."""
    return MigrationMatrixSerializer(rfm_run_migration(earlier=earlier, later=later)).data


def heat_rows(answer: dict[str, Any]) -> list[HeatRow]:
    """The answer's rows with each cell's share of its row, for the table's colours."""
    return [
        HeatRow(
            segment=row["segment"],
            total=row["total"],
            cells=[
                HeatCell(
                    target=target,
                    count=row["counts"][target],
                    share=row["counts"][target] / row["total"] if row["total"] else 0.0,
                    stayed=target == row["segment"],
                )
                for target in answer["to_segments"]
            ],
        )
        for row in answer["rows"]
    ]
