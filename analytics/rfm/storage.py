"""Writing a run's per-customer rows in bulk: COPY on PostgreSQL, executemany elsewhere.

A large run stores over a hundred thousand rows; building model instances for
``bulk_create`` would cost more than the whole clustering, so the rows go
straight from the numpy columns to the database.
"""

from collections.abc import Callable

import numpy as np
from django.db import connection

from analytics.rfm.models import RfmRunCustomer

COLUMNS = (
    "run_id",
    "customer_id",
    "segment",
    "cluster",
    "recency",
    "frequency",
    "monetary",
    "r_score",
    "f_score",
    "m_score",
)
CHUNK = 20_000


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _rows(*, run_id: int, columns: dict[str, np.ndarray], start: int, stop: int) -> list[tuple]:
    clusters = columns["cluster"]
    return [
        (
            run_id,
            customer_id,
            segment,
            None if cluster is None else int(cluster),
            recency,
            frequency,
            _money(cents),
            r,
            f,
            m,
        )
        for customer_id, segment, cluster, recency, frequency, cents, r, f, m in zip(
            columns["customer_id"][start:stop].tolist(),
            columns["segment"][start:stop].tolist(),
            clusters[start:stop].tolist() if clusters is not None else [None] * (stop - start),
            columns["recency"][start:stop].tolist(),
            columns["frequency"][start:stop].tolist(),
            columns["monetary_cents"][start:stop].tolist(),
            columns["r_score"][start:stop].tolist(),
            columns["f_score"][start:stop].tolist(),
            columns["m_score"][start:stop].tolist(),
            strict=True,
        )
    ]


def _copy_text(*, run_id: int, columns: dict[str, np.ndarray], start: int, stop: int) -> str:
    """Rows in COPY's text format; segment names never hold tabs, newlines or backslashes."""
    clusters = columns["cluster"]
    cluster_text = [str(c) for c in clusters[start:stop].tolist()] if clusters is not None else ["\\N"] * (stop - start)
    return "".join(
        f"{run_id}\t{customer_id}\t{segment}\t{cluster}\t{recency}\t{frequency}\t{_money(cents)}\t{r}\t{f}\t{m}\n"
        for customer_id, segment, cluster, recency, frequency, cents, r, f, m in zip(
            columns["customer_id"][start:stop].tolist(),
            columns["segment"][start:stop].tolist(),
            cluster_text,
            columns["recency"][start:stop].tolist(),
            columns["frequency"][start:stop].tolist(),
            columns["monetary_cents"][start:stop].tolist(),
            columns["r_score"][start:stop].tolist(),
            columns["f_score"][start:stop].tolist(),
            columns["m_score"][start:stop].tolist(),
            strict=True,
        )
    )


def run_customers_insert(
    *, run_id: int, columns: dict[str, np.ndarray], on_progress: Callable[[int], None] | None = None
) -> int:
    """Insert one row per customer of the run; the caller holds the transaction."""
    table = RfmRunCustomer._meta.db_table
    total = len(columns["customer_id"])
    with connection.cursor() as cursor:
        for start in range(0, total, CHUNK):
            stop = min(start + CHUNK, total)
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                    copy.write(_copy_text(run_id=run_id, columns=columns, start=start, stop=stop))
            else:
                placeholders = ", ".join(["%s"] * len(COLUMNS))
                rows = _rows(run_id=run_id, columns=columns, start=start, stop=stop)
                cursor.executemany(f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES ({placeholders})", rows)
            if on_progress is not None:
                on_progress(stop)
    return total
