"""Per-customer recency, frequency and monetary value, from one set-based query.

Revenue is the sum of ``line_total`` (shipping excluded). Every order has at
least one line and its ``subtotal`` is the sum of its line totals (kept so by
every write: the order services and the import's merge), so the query reads
the orders alone: frequency is their count and monetary the sum of their
subtotals, the same numbers as a join over the lines at a fifth of the cost.
Money comes back in integer cents and the last order as epoch seconds, so
scoring and clustering work on exact numbers in numpy on both backends. Raw
SQL because the ORM cannot return those two expressions portably.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
from django.db import connection
from django.db.models import Count

from analytics.rfm.window import DateWindow, analytics_zone, local_midnight
from sales.models import Order

_SQL = {
    "postgresql": {
        "epoch": "CAST(FLOOR(EXTRACT(EPOCH FROM MAX(o.ordered_at))) AS BIGINT)",
        "cents": "CAST(SUM(o.subtotal) * 100 AS BIGINT)",
    },
    "sqlite": {
        "epoch": "CAST(strftime('%%s', MAX(o.ordered_at)) AS INTEGER)",
        "cents": "CAST(ROUND(SUM(o.subtotal) * 100) AS INTEGER)",
    },
}


@dataclass(frozen=True)
class RfmFeatures:
    """Columns of equal length, one entry per customer who ordered in the window, by customer id."""

    reference_date: date
    customer_ids: np.ndarray
    recency: np.ndarray
    frequency: np.ndarray
    monetary_cents: np.ndarray

    def __len__(self) -> int:
        return len(self.customer_ids)


def _where(window: DateWindow) -> tuple[str, list]:
    clauses, params = [], []
    if window.starts_at is not None:
        clauses.append("o.ordered_at >= %s")
        params.append(connection.ops.adapt_datetimefield_value(window.starts_at))
    if window.ends_before is not None:
        clauses.append("o.ordered_at < %s")
        params.append(connection.ops.adapt_datetimefield_value(window.ends_before))
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def features_sql(*, window: DateWindow) -> tuple[str, list]:
    """The feature query and its parameters (also run by the benchmark beside hand-written SQL)."""
    sql = _SQL["postgresql" if connection.vendor == "postgresql" else "sqlite"]
    where, params = _where(window)
    query = (
        f"SELECT o.customer_id, {sql['epoch']}, COUNT(*), {sql['cents']}"
        f" FROM sales_order o{where} GROUP BY o.customer_id ORDER BY o.customer_id"
    )
    return query, params


def _local_days_back(*, epochs: np.ndarray, reference_date: date) -> np.ndarray:
    """Whole local days from each instant's date to ``reference_date``, exact in any time zone (DST too)."""
    if len(epochs) == 0:
        return np.zeros(0, dtype=np.int32)
    earliest = datetime.fromtimestamp(int(epochs.min()), tz=analytics_zone()).date()
    days_back = (reference_date - earliest).days
    midnights = np.array(
        [local_midnight(reference_date - timedelta(days=back)).timestamp() for back in range(days_back, -1, -1)]
    )
    day_index = np.searchsorted(midnights, epochs, side="right") - 1
    return (days_back - day_index).astype(np.int32)


def rfm_features(*, window: DateWindow, reference_date: date) -> RfmFeatures:
    """R, F and M of every customer with an order line in ``window``; the others are absent."""
    query, params = features_sql(window=window)
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        rows = cursor.fetchall()
    table = np.array(rows, dtype=np.int64).reshape(-1, 4)
    return RfmFeatures(
        reference_date=reference_date,
        customer_ids=table[:, 0],
        recency=_local_days_back(epochs=table[:, 1], reference_date=reference_date),
        frequency=table[:, 2],
        monetary_cents=table[:, 3],
    )


def rfm_customers_count(*, window: DateWindow) -> int:
    """How many customers a run over ``window`` would score (the upper bound of ``n_clusters``)."""
    orders = Order.objects.all()
    if window.starts_at is not None:
        orders = orders.filter(ordered_at__gte=window.starts_at)
    if window.ends_before is not None:
        orders = orders.filter(ordered_at__lt=window.ends_before)
    return orders.aggregate(customers=Count("customer_id", distinct=True))["customers"]
