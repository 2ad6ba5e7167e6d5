"""Sales by agent and by team: every number against a plain Python sum over the orders the test made."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from sales.models import AgentRole
from sales.services import agent_update
from tests.analytics.shop import Shop, comparable, expected_sales_rows, iso_start, local, money
from tests.factories import make_agent, make_customer, make_product, make_team

pytestmark = pytest.mark.django_db

BY_AGENT = "/api/v1/analytics/sales/by-agent/"
BY_TEAM = "/api/v1/analytics/sales/by-team/"
INTERVALS = ["day", "week", "month", "quarter", "year"]


def ordered(rows: list[dict], *, sort_by: str = "period", order: str = "desc", id_field: str = "agent_id") -> list:
    """The spec's order: the key, then period, in the asked direction; ids ascending among equals."""
    rows = sorted(rows, key=lambda row: row[id_field])
    return sorted(rows, key=lambda row: (row[sort_by], row["period"]), reverse=order == "desc")


def test_by_agent_matches_a_plain_sum_at_every_interval(viewer_client, world):
    for interval in INTERVALS:
        response = viewer_client.get(BY_AGENT, {"interval": interval})

        assert response.status_code == 200
        body = response.json()
        expected = ordered(expected_sales_rows(world.shop.sales, group="agent", interval=interval))
        assert body["count"] == len(expected) > 5
        assert comparable(body["results"]) == expected, interval


def test_by_team_matches_a_plain_sum_at_every_interval(viewer_client, world):
    for interval in INTERVALS:
        response = viewer_client.get(BY_TEAM, {"interval": interval})

        assert response.status_code == 200
        expected = ordered(expected_sales_rows(world.shop.sales, group="team", interval=interval), id_field="team_id")
        assert comparable(response.json()["results"]) == expected, interval
        assert len(expected) >= 3


def test_by_agent_default_interval_is_month_and_period_is_the_local_bucket_start(viewer_client, world):
    rows = viewer_client.get(BY_AGENT).json()["results"]

    assert {row["period"] for row in rows} <= {
        iso_start(date(y, m, 1)) for y, m in ((2024, 11), (2024, 12), (2025, 1), (2025, 2))
    }
    assert rows[0]["period"].endswith("T00:00:00Z")


@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "2024-12-01"},
        {"end_date": "2025-01-15"},
        {"start_date": "2024-12-10", "end_date": "2025-01-20", "interval": "week"},
        {"role": "Retail Agent"},
        {"role": "call center agent"},  # role names are matched regardless of case
        {"agent_ids": [0, 2]},
        {"agent_ids": [1], "role": "Admin"},
        {"agent_ids": [0, 1, 3], "start_date": "2024-12-15", "end_date": "2025-01-31", "interval": "day"},
    ],
)
def test_by_agent_filters_alone_and_combined(viewer_client, world, params):
    params = dict(params)
    ids = [world.agents[i].pk for i in params.pop("agent_ids", [])]
    query = {**params, **({"agent_id": ",".join(map(str, ids))} if ids else {})}
    role = next((value for value in AgentRole.values if value.lower() == params.get("role", "").lower()), None)

    response = viewer_client.get(BY_AGENT, query)

    expected = expected_sales_rows(
        world.shop.sales,
        group="agent",
        interval=params.get("interval", "month"),
        start=date.fromisoformat(params["start_date"]) if "start_date" in params else None,
        end=date.fromisoformat(params["end_date"]) if "end_date" in params else None,
        ids=ids,
        role=role,
    )
    assert response.status_code == 200
    assert comparable(response.json()["results"]) == ordered(expected)


@pytest.mark.parametrize(
    "params",
    [
        {"role": "Agent"},
        {"team_ids": [0]},
        {"team_ids": [1, 2], "role": "Admin", "interval": "week"},
        {"start_date": "2025-01-01", "end_date": "2025-01-31", "interval": "day", "role": "Retail Agent"},
    ],
)
def test_by_team_filters_and_role_keeps_only_that_roles_sales(viewer_client, world, params):
    params = dict(params)
    ids = [world.teams[i].pk for i in params.pop("team_ids", [])]
    query = {**params, **({"team_id": ",".join(map(str, ids))} if ids else {})}

    response = viewer_client.get(BY_TEAM, query)

    expected = expected_sales_rows(
        world.shop.sales,
        group="team",
        interval=params.get("interval", "month"),
        start=date.fromisoformat(params["start_date"]) if "start_date" in params else None,
        end=date.fromisoformat(params["end_date"]) if "end_date" in params else None,
        ids=ids,
        role=params.get("role"),
    )
    assert response.status_code == 200
    assert comparable(response.json()["results"]) == ordered(expected, id_field="team_id")


def test_by_agent_sorts_by_each_key_with_period_second(viewer_client, world):
    expected = expected_sales_rows(world.shop.sales, group="agent", interval="week")
    for sort_by in ("period", "total_revenue", "sales_count", "average_revenue", "agent_id"):
        for order in ("asc", "desc"):
            response = viewer_client.get(BY_AGENT, {"sort_by": sort_by, "order": order, "interval": "week"})

            rows = comparable(response.json()["results"])
            assert rows == ordered(expected, sort_by=sort_by, order=order), (sort_by, order)


@pytest.mark.parametrize("sort_by", ["total_revenue", "team_id"])
def test_by_team_sorts_ascending(viewer_client, world, sort_by):
    response = viewer_client.get(BY_TEAM, {"sort_by": sort_by, "order": "asc"})

    expected = expected_sales_rows(world.shop.sales, group="team")
    assert comparable(response.json()["results"]) == ordered(expected, sort_by=sort_by, order="asc", id_field="team_id")


def test_a_range_without_sales_is_an_empty_list(viewer_client, world):
    for route in (BY_AGENT, BY_TEAM):
        response = viewer_client.get(route, {"start_date": "2030-01-01", "end_date": "2030-12-31"})
        assert response.status_code == 200
        assert response.json() == {"count": 0, "results": []}


def test_no_sales_at_all_is_an_empty_list(viewer_client, db):
    assert viewer_client.get(BY_AGENT).json() == {"count": 0, "results": []}
    assert viewer_client.get(BY_TEAM, {"interval": "day"}).json() == {"count": 0, "results": []}


def test_orders_without_an_agent_are_not_anyones_sales(viewer_client, world):
    without_agent = [sale for sale in world.shop.sales if sale.agent is None]
    with_team = [sale for sale in world.shop.sales if sale.agent and sale.agent.team_id]

    by_agent = viewer_client.get(BY_AGENT, {"interval": "year"}).json()["results"]
    by_team = viewer_client.get(BY_TEAM, {"interval": "year"}).json()["results"]

    assert without_agent, "the world has orders without an agent"
    assert sum(row["sales_count"] for row in by_agent) == len(world.shop.sales) - len(without_agent)
    assert sum(row["sales_count"] for row in by_team) == len(with_team)


def test_an_order_at_2330_local_time_belongs_to_that_day_and_month(viewer_client, new_york):
    # Given an order at 23:30 on 31 January in New York, which is already 1 February in UTC
    shop = Shop()
    agent = make_agent()
    late = datetime(2025, 1, 31, 23, 30, tzinfo=ZoneInfo(new_york))
    assert late.astimezone(ZoneInfo("UTC")).date() == date(2025, 2, 1)
    shop.sell(at=late, customer=make_customer(), agent=agent, lines=[(make_product(unit_price="10.00"), 2)])

    # When the month and that day are asked for
    monthly = viewer_client.get(BY_AGENT).json()["results"]
    on_the_31st = viewer_client.get(BY_AGENT, {"start_date": "2025-01-31", "end_date": "2025-01-31"}).json()
    from_the_1st = viewer_client.get(BY_AGENT, {"start_date": "2025-02-01"}).json()
    daily = viewer_client.get(BY_AGENT, {"interval": "day"}).json()["results"]

    # Then it is January's, and the 31st's
    assert [(row["period"], row["sales_count"]) for row in monthly] == [("2025-01-01T00:00:00-05:00", 1)]
    assert on_the_31st["count"] == 1
    assert money(on_the_31st["results"][0]["total_revenue"]) == Decimal("20.00")
    assert from_the_1st["count"] == 0
    assert daily[0]["period"] == "2025-01-31T00:00:00-05:00"


def test_a_week_spanning_new_year_is_one_monday_bucket(viewer_client, new_york):
    shop = Shop()
    agent = make_agent()
    product = make_product(unit_price="5.00")
    customer = make_customer()
    for day in (date(2024, 12, 30), date(2025, 1, 1), date(2025, 1, 5), date(2025, 1, 6)):
        shop.sell(at=local(day, 23, 30), customer=customer, agent=agent, lines=[(product, 1)])

    weeks = viewer_client.get(BY_AGENT, {"interval": "week", "order": "asc"}).json()["results"]
    years = viewer_client.get(BY_AGENT, {"interval": "year", "order": "asc"}).json()["results"]

    assert [(row["period"], row["sales_count"]) for row in weeks] == [
        ("2024-12-30T00:00:00-05:00", 3),  # Monday 30 December to Sunday 5 January
        ("2025-01-06T00:00:00-05:00", 1),
    ]
    assert [(row["period"], row["sales_count"]) for row in years] == [
        ("2024-01-01T00:00:00-05:00", 1),
        ("2025-01-01T00:00:00-05:00", 3),
    ]


def test_orders_url_lists_exactly_the_rows_orders(viewer_client, world):
    queries = [
        (BY_AGENT, {"interval": "week"}),
        (BY_AGENT, {"interval": "month", "start_date": "2024-12-10", "end_date": "2025-01-20"}),
        (BY_TEAM, {"interval": "quarter", "role": "Agent"}),
        (BY_TEAM, {"interval": "day", "start_date": "2025-01-01", "end_date": "2025-01-31"}),
    ]
    checked = 0
    for route, params in queries:
        for row in viewer_client.get(route, params).json()["results"]:
            listed = viewer_client.get(row["orders_url"])
            assert listed.status_code == 200, row["orders_url"]
            assert listed.json()["count"] == row["sales_count"], row["orders_url"]
            revenue = sum(money(line["line_total"]) for order in listed.json()["results"] for line in order["lines"])
            if listed.json()["count"] <= 50:
                assert revenue == money(row["total_revenue"])
            checked += 1
    assert checked > 20


def test_orders_url_keeps_the_role_in_a_team_drill_down(viewer_client, db):
    shop = Shop()
    team = make_team()
    admin, agent = make_agent(team=team, role=AgentRole.ADMIN), make_agent(team=team, role=AgentRole.AGENT)
    product, customer = make_product(), make_customer()
    for seller in (admin, agent, agent):
        shop.sell(at=local(date(2025, 3, 3)), customer=customer, agent=seller, lines=[(product, 1)])

    row = viewer_client.get(BY_TEAM, {"role": "Agent"}).json()["results"][0]

    assert row["sales_count"] == 2
    assert viewer_client.get(row["orders_url"]).json()["count"] == 2
    assert "agent_role=Agent" in row["orders_url"]


def test_by_team_follows_an_agent_to_their_new_team(viewer_client, db):
    shop = Shop()
    old, new = make_team(name="Old"), make_team(name="New")
    agent = make_agent(team=old)
    shop.sell(at=local(date(2025, 2, 3)), customer=make_customer(), agent=agent, lines=[(make_product(), 1)])

    agent_update(agent=agent, team=new)

    rows = viewer_client.get(BY_TEAM).json()["results"]
    assert [(row["team_name"], row["sales_count"]) for row in rows] == [("New", 1)]


def test_by_agent_reads_a_constant_number_of_queries(viewer_client, world, django_assert_num_queries):
    # token, the viewer's permission, data version, rollup state, the daily rows
    with django_assert_num_queries(5):
        assert viewer_client.get(BY_AGENT, {"interval": "day"}).json()["count"] > 30
    with django_assert_num_queries(7):  # whole months, plus the two partial months' days
        viewer_client.get(BY_TEAM, {"start_date": "2024-11-25", "end_date": "2025-01-10"})
    with django_assert_num_queries(3):  # asked again: the cached answer, after the data version
        viewer_client.get(BY_TEAM, {"start_date": "2024-11-25", "end_date": "2025-01-10"})


def test_csv_has_a_header_and_the_same_numbers(viewer_client, world):
    as_json = viewer_client.get(BY_AGENT, {"interval": "week"}).json()["results"]
    response = viewer_client.get(BY_AGENT, {"interval": "week", "format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert list(rows[0]) == list(as_json[0])
    assert len(rows) == len(as_json)
    for line, row in zip(rows, as_json, strict=True):
        assert money(line["total_revenue"]) == money(row["total_revenue"])
        assert int(line["sales_count"]) == row["sales_count"]
        assert line["orders_url"] == row["orders_url"]
        assert line["period"] == row["period"]


def test_csv_of_an_empty_report_is_just_the_header(viewer_client, db):
    response = viewer_client.get(BY_TEAM, {"format": "csv"})

    assert response.content.decode().splitlines() == [
        "period,team_id,team_name,sales_count,total_revenue,average_revenue,orders_url"
    ]
