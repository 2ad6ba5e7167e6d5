"""Loading a CSV in two steps: stage it (streamed, outside any transaction), then merge it (one transaction).

Staging reads and validates the file into a temporary table while progress is
written; the merge moves the staged rows into the domain tables set-based. Only
the merge writes domain rows, and it commits all of them or none.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.db import connection

from ingestion.loaders import products, sales
from ingestion.loaders.columnar import FastPathUnavailable, stage_csv_columnar
from ingestion.loaders.staging import StageTable, stage_create, stage_drop, stage_rows
from ingestion.readers import ReadProgress, RowErrors, read_csv, read_header

ERROR_LIMIT = 1_000
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Loader:
    stage: StageTable
    merge: Callable[..., tuple[int, int, int, list[RowErrors]]]


LOADERS = {
    "sales": Loader(sales.STAGE, sales.merge_sales),
    "products": Loader(products.STAGE, products.merge_products),
}


@dataclass
class StagedFile:
    kind: str
    # The header cell of each staging column, as the file writes it: row errors the merge finds name these.
    headers: dict[str, str] = field(default_factory=dict)
    rows_staged: int = 0
    rows_rejected: int = 0
    errors: list[RowErrors] = field(default_factory=list)

    @property
    def rows_total(self) -> int:
        return self.rows_staged + self.rows_rejected


@dataclass(frozen=True)
class ImportCounts:
    rows_total: int
    rows_created: int
    rows_updated: int
    rows_rejected: int
    errors: list[dict[str, Any]]


def stage_csv(*, path: Path, kind: str, on_progress: Callable[[ReadProgress], None] | None = None) -> StagedFile:
    """Read and validate ``path`` into the kind's staging table; bad rows are kept as errors, not staged.

    ``on_progress`` is called between staging batches, when it may use the database.
    """
    loader = LOADERS[kind]
    _header, _index, headers = read_header(path, kind=kind)
    staged = StagedFile(kind=kind, headers=headers)
    stage_create(connection, loader.stage)
    if connection.vendor == "postgresql":
        try:
            staged.rows_staged, staged.rows_rejected, staged.errors = stage_csv_columnar(
                path=path,
                kind=kind,
                stage=loader.stage,
                progress=ReadProgress(),
                on_progress=on_progress,
                error_limit=ERROR_LIMIT,
            )
            return staged
        except FastPathUnavailable as exc:
            logger.info("%s cannot be copied as it is (%s); reading it row by row", path, exc)
            stage_create(connection, loader.stage)
    progress = ReadProgress()

    def good_rows():
        for item in read_csv(path, kind=kind, progress=progress):
            if isinstance(item, RowErrors):
                staged.rows_rejected += 1
                if len(staged.errors) < ERROR_LIMIT:
                    staged.errors.append(item)
                continue
            staged.rows_staged += 1
            row_number, values = item
            yield (row_number, *values)

    stage_rows(
        connection,
        loader.stage,
        good_rows(),
        after_batch=(lambda: on_progress(progress)) if on_progress is not None else None,
    )
    if on_progress is not None:
        on_progress(progress)
    return staged


def merge_staged(*, staged: StagedFile, now: datetime) -> ImportCounts:
    """Move the staged rows into the domain tables. Call inside a transaction: it is the job's only write."""
    loader = LOADERS[staged.kind]
    created, updated, rejected, merge_errors = loader.merge(
        connection, now=now, error_limit=ERROR_LIMIT, headers=staged.headers
    )
    stage_drop(connection, loader.stage.name)
    rows = sorted([*staged.errors, *merge_errors], key=lambda error: error.row)
    errors = [problem for row in rows for problem in row.as_dicts()][:ERROR_LIMIT]
    return ImportCounts(
        rows_total=staged.rows_total,
        rows_created=created,
        rows_updated=updated,
        rows_rejected=staged.rows_rejected + rejected,
        errors=errors,
    )


def staged_order_dates(*, kind: str) -> str | None:
    """SQL of the staged rows' (code, ordered_at) order pairs, for rollups to find orders a file moves in time."""
    if kind != "sales":
        return None
    return f"SELECT order_code AS code, ordered_at FROM {LOADERS[kind].stage.name}"


def discard_staged(*, kind: str) -> None:
    stage_drop(connection, LOADERS[kind].stage.name)
