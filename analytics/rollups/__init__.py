"""Rollups: sales pre-aggregated by local day or month, kept exact inside every write's transaction.

Grains, each chosen for the reports it serves (``docs/analytics.md`` has the sizes):

- day x agent: by-agent and by-team at every interval (a day is the finest
  bucket and date bounds are whole days; agents' names, roles and teams are
  joined when a report runs, so renaming or moving an agent needs no refresh),
  and the metrics' totals and team / agent-role segments;
- day x category and day x region x payment method: the metrics' other
  segments (a dimension each, never their cross product, which would be
  nearly as large as the orders);
- month x customer and month x product: top lists over whole months; the
  partial months at the ends of a range are read from the raw tables;
- customer totals (summed from the months): the all-time top customers, the
  seed's "most valuable customer", without summing every month each time.

Refreshing recomputes the touched days (and their months, for the monthly
rollups) from the raw tables, which keeps the rollups self-correcting and
exact; a write touches one or two days, an import the days its orders fall
on. Concurrent writers serialise per month on a PostgreSQL advisory lock, the
last lock each transaction takes; SQLite serialises writers already.
Rollups are built for one ``ANALYTICS_TIME_ZONE`` (``RollupState``): under
another zone reports read the raw tables until ``rebuild_rollups`` is run.
"""

from analytics.rollups.refresh import (
    CATEGORY_ONLY,
    RollupTouch,
    connect_rollup_receivers,
    order_touch,
    product_category_changed,
    rollups_follow_import,
    rollups_rebuild,
    rollups_refresh,
    rollups_usable,
)
from analytics.rollups.tables import ROLLUPS

__all__ = [
    "CATEGORY_ONLY",
    "ROLLUPS",
    "RollupTouch",
    "connect_rollup_receivers",
    "order_touch",
    "product_category_changed",
    "rollups_follow_import",
    "rollups_rebuild",
    "rollups_refresh",
    "rollups_usable",
]
