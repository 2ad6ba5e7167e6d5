"""Sales by agent and by team per calendar bucket (seed 002's by-user and by-group reports).

A sale is an order; an order without an agent is nobody's sale here (it
still counts in the metrics), and by team means by the agent's current team
(sales of agents without a team are left out). ``role`` keeps only sales by
agents of that role. The rollup path reads day x agent rows; the raw path
reads order lines; both join the agent for names, roles and teams as they are
now, so moving an agent moves their history with them.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Q, Sum

from analytics.params import Grouping, SalesQuery, SalesSort, SortOrder
from analytics.selectors.sources import (
    Source,
    agent_rollup_parts,
    local_bucket,
    money,
    ordered_between,
    ratio,
    use_rollups,
)
from sales.models import OrderLine


@dataclass(frozen=True)
class SalesRow:
    period: date  # the bucket's first local day
    sales_count: int
    total_revenue: Decimal
    team_id: int | None
    team_name: str | None
    agent_id: int | None = None  # by-agent rows only
    agent_name: str | None = None
    agent_role: str | None = None

    @property
    def average_revenue(self) -> Decimal:
        return ratio(self.total_revenue, self.sales_count)


# Fields each grouping reports, as (row field, path from the agent).
_AGENT_FIELDS = {
    "agent_id": "id",
    "agent_name": "name",
    "agent_role": "role",
    "team_id": "team_id",
    "team_name": "team__name",
}
_TEAM_FIELDS = {"team_id": "team_id", "team_name": "team__name"}


def sales_by_agent(query: SalesQuery, *, source: Source = Source.AUTO) -> list[SalesRow]:
    """One row per agent and bucket with sales in the range; ``query.ids`` are agent ids."""
    return _sales(query, source=source)


def sales_by_team(query: SalesQuery, *, source: Source = Source.AUTO) -> list[SalesRow]:
    """One row per team and bucket with sales in the range; ``query.ids`` are team ids."""
    return _sales(query, source=source)


def _sales(query: SalesQuery, *, source: Source) -> list[SalesRow]:
    zone = ZoneInfo(query.zone)
    fields = _AGENT_FIELDS if query.group is Grouping.AGENT else _TEAM_FIELDS
    if use_rollups(source, zone=query.zone):
        parts = _rollup_parts(query, fields)
    else:
        parts = [
            OrderLine.objects.filter(ordered_between("order__ordered_at", query.start_date, query.end_date, zone))
            .filter(_agent_filter(query, prefix="order__agent__"))
            .annotate(period=local_bucket("order__ordered_at", query.interval, zone))
            .values("period", **_paths(fields, "order__agent__"))
            .annotate(sales_count=Count("order_id", distinct=True), total_revenue=Sum("line_total"))
            .order_by()
        ]
    # Parts cover disjoint days; a bucket split between them (a partial month) is added up here.
    merged: dict[tuple, dict] = {}
    for part in parts:
        for row in part:
            key = (row["period"], row[f"row_{next(iter(fields))}"])
            if key in merged:
                merged[key]["sales_count"] += row["sales_count"]
                merged[key]["total_revenue"] += row["total_revenue"]
            else:
                merged[key] = row
    result = [
        SalesRow(
            period=row["period"],
            sales_count=row["sales_count"],
            total_revenue=money(row["total_revenue"]),
            **{name: row[f"row_{name}"] for name in fields},
        )
        for row in merged.values()
    ]
    return _sorted(result, query)


def _rollup_parts(query: SalesQuery, fields: dict[str, str]) -> list:
    parts = agent_rollup_parts(
        query.start_date, query.end_date, interval=query.interval, condition=_agent_filter(query, prefix="agent__")
    )
    return [
        part.values("period", **_paths(fields, "agent__")).annotate(
            sales_count=Sum("orders"), total_revenue=Sum("revenue")
        )
        for part in parts
    ]


def _paths(fields: dict[str, str], prefix: str) -> dict:
    # Aliased as row_<field> so the names cannot clash with the models' own fields.
    return {f"row_{name}": F(prefix + path) for name, path in fields.items()}


def _agent_filter(query: SalesQuery, *, prefix: str) -> Q:
    if query.group is Grouping.AGENT:
        condition = Q(**{f"{prefix}isnull": False})
        if query.ids:
            condition &= Q(**{f"{prefix}id__in": query.ids})
    else:
        condition = Q(**{f"{prefix}team__isnull": False})
        if query.ids:
            condition &= Q(**{f"{prefix}team_id__in": query.ids})
    if query.role:
        condition &= Q(**{f"{prefix}role": query.role})
    return condition


def _sorted(rows: list[SalesRow], query: SalesQuery) -> list[SalesRow]:
    """Sorted on the values the response shows (the average rounded as shown), ``period`` second.

    The last key, the agent or team id ascending, makes the order total.
    """
    key_of = {
        SalesSort.PERIOD: lambda row: (row.period,),
        SalesSort.TOTAL_REVENUE: lambda row: (row.total_revenue, row.period),
        SalesSort.SALES_COUNT: lambda row: (row.sales_count, row.period),
        SalesSort.AVERAGE_REVENUE: lambda row: (row.average_revenue, row.period),
        SalesSort.AGENT_ID: lambda row: (row.agent_id, row.period),
        SalesSort.TEAM_ID: lambda row: (row.team_id, row.period),
    }[query.sort_by]
    group_id = (lambda row: row.agent_id) if query.group is Grouping.AGENT else (lambda row: row.team_id)
    rows = sorted(rows, key=group_id)  # stable sorts: ids ascending stay the tie-break
    return sorted(rows, key=key_of, reverse=query.order is SortOrder.DESC)
