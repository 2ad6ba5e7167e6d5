"""Seed 002 (sales backend) at /compat/sales-api/api/v1/: sales by user (agent) and by group (team)."""

from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest

from sales.models import AgentRole
from sales.services import order_create
from tests.compat.conftest import at
from tests.factories import make_agent, make_customer, make_product, make_team

pytestmark = pytest.mark.django_db

BASE = "/compat/sales-api/api/v1/"
USER_ROW = {"period", "user_id", "user_name", "user_role", "sales_count", "total_revenue", "average_revenue"}
GROUP_ROW = {"period", "group_id", "group_name", "sales_count", "total_revenue", "average_revenue"}


@pytest.fixture
def floor(db):
    """Two teams, three agents of three roles, orders from January to April 2021 and one with no agent."""
    north, south = make_team(name="Sales Team A"), make_team(name="Sales Team B")
    ada = make_agent(team=north, role=AgentRole.AGENT)
    rui = make_agent(team=north, role=AgentRole.RETAIL_AGENT)
    cho = make_agent(team=south, role=AgentRole.CALL_CENTER_AGENT)
    lamp, desk = make_product(unit_price="100.00", stock=1000), make_product(unit_price="250.00", stock=1000)
    customer = make_customer()
    sales = [
        (ada, "2021-01-05", lamp, 2),
        (ada, "2021-01-20", desk, 1),
        (ada, "2021-02-11", lamp, 1),
        (rui, "2021-01-07", desk, 2),
        (rui, "2021-03-30", lamp, 3),
        (cho, "2021-02-01", lamp, 1),
        (cho, "2021-02-02", desk, 1),
        (cho, "2021-04-02", desk, 4),
        (None, "2021-02-15", lamp, 9),
    ]
    for agent, day, product, quantity in sales:
        order_create(
            customer=customer, agent=agent, ordered_at=at(day), lines=[{"product": product, "quantity": quantity}]
        )
    return {"ada": ada, "rui": rui, "cho": cho, "north": north, "south": south, "sales": sales}


def ok(response) -> list[dict]:
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"success", "count", "data"}
    assert body["success"] is True
    assert body["count"] == len(body["data"])
    return body["data"]


def error(response, status: int = 400) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"success", "error", "details"}
    assert body["success"] is False
    return body


def unified(client, route: str, params: dict) -> list[dict]:
    response = client.get(f"/api/v1/analytics/sales/{route}/", params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def by_hand(floor, *, key, start: str = "2000-01-01", end: str = "2999-12-31", role=None) -> dict:
    """(owner id, month) -> (orders, revenue), summed in plain Python over the sales the fixture made."""
    totals: dict = defaultdict(lambda: [0, Decimal(0)])
    for agent, day, product, quantity in floor["sales"]:
        if agent is None or not start <= day <= end or (role and agent.role != role):
            continue
        month = date.fromisoformat(day).replace(day=1).isoformat()
        total = totals[(key(agent), f"{month}T00:00:00.000Z")]
        total[0] += 1
        total[1] += product.unit_price * quantity
    return {owner: (count, float(revenue)) for owner, (count, revenue) in totals.items()}


def as_ours(row: dict, owner: str) -> tuple:
    return (row["period"].replace(".000Z", "Z"), row[f"{owner}_id"], row["sales_count"], row["total_revenue"])


def test_get_all_sales_by_user(viewer_client, floor):
    data = ok(viewer_client.get(f"{BASE}sales/by-user"))

    assert all(set(row) == USER_ROW for row in data)
    assert {(row["user_id"], row["period"]): (row["sales_count"], row["total_revenue"]) for row in data} == by_hand(
        floor, key=lambda agent: agent.pk
    )
    ours = unified(viewer_client, "by-agent", {})
    assert [as_ours(row, "user") for row in data] == [
        (row["period"], row["agent_id"], row["sales_count"], row["total_revenue"]) for row in ours
    ]
    ada = next(row for row in data if row["user_id"] == floor["ada"].pk and row["period"].startswith("2021-01"))
    assert (ada["user_name"], ada["user_role"], ada["average_revenue"]) == (floor["ada"].name, "Agent", 225.0)
    # Newest period first (the default sort, descending).
    assert [row["period"] for row in data] == sorted((row["period"] for row in data), reverse=True)


def test_get_sales_for_one_user_in_a_date_range(viewer_client, floor):
    ada = floor["ada"].pk
    params = {"user_id": str(ada), "start_date": "2021-01-01", "end_date": "2021-03-31"}

    data = ok(viewer_client.get(f"{BASE}sales/by-user", params))

    assert [(row["period"], row["sales_count"], row["total_revenue"]) for row in data] == [
        ("2021-02-01T00:00:00.000Z", 1, 100.0),
        ("2021-01-01T00:00:00.000Z", 2, 450.0),
    ]
    ours = unified(viewer_client, "by-agent", {**params, "agent_id": params.pop("user_id")})
    assert [as_ours(row, "user") for row in data] == [
        (row["period"], row["agent_id"], row["sales_count"], row["total_revenue"]) for row in ours
    ]


def test_get_sales_for_several_users_sorted_by_revenue(viewer_client, floor):
    ids = ",".join(str(floor[name].pk) for name in ("ada", "rui", "cho"))

    data = ok(viewer_client.get(f"{BASE}sales/by-user", {"user_id": ids, "sort_by": "total_revenue"}))

    revenues = [row["total_revenue"] for row in data]
    assert revenues == sorted(revenues, reverse=True)
    assert revenues[0] == 1000.0  # Cho's four desks in April
    ours = unified(viewer_client, "by-agent", {"agent_id": ids, "sort_by": "total_revenue"})
    assert [as_ours(row, "user") for row in data] == [
        (row["period"], row["agent_id"], row["sales_count"], row["total_revenue"]) for row in ours
    ]
    by_user = ok(viewer_client.get(f"{BASE}sales/by-user", {"user_id": ids, "sort_by": "user_id"}))
    assert [row["user_id"] for row in by_user] == sorted((row["user_id"] for row in by_user), reverse=True)


def test_filter_sales_by_user_role(viewer_client, floor):
    data = ok(viewer_client.get(f"{BASE}sales/by-user", {"role": "Agent"}))

    assert {row["user_id"] for row in data} == {floor["ada"].pk}
    assert {row["user_role"] for row in data} == {"Agent"}
    assert sum(row["total_revenue"] for row in data) == 550.0


def test_get_daily_sales_by_user(viewer_client, floor):
    data = ok(viewer_client.get(f"{BASE}sales/by-user", {"interval": "day"}))

    assert len(data) == 8  # one row per agent and day with a sale; the agentless order is not in it
    assert {row["period"] for row in data} >= {"2021-01-05T00:00:00.000Z", "2021-04-02T00:00:00.000Z"}
    ours = unified(viewer_client, "by-agent", {"interval": "day"})
    assert [as_ours(row, "user") for row in data] == [
        (row["period"], row["agent_id"], row["sales_count"], row["total_revenue"]) for row in ours
    ]


def test_get_all_sales_by_group(viewer_client, floor):
    data = ok(viewer_client.get(f"{BASE}sales/by-group"))

    assert all(set(row) == GROUP_ROW for row in data)
    assert {(row["group_id"], row["period"]): (row["sales_count"], row["total_revenue"]) for row in data} == by_hand(
        floor, key=lambda agent: agent.team_id
    )
    ours = unified(viewer_client, "by-team", {})
    assert [as_ours(row, "group") for row in data] == [
        (row["period"], row["team_id"], row["sales_count"], row["total_revenue"]) for row in ours
    ]
    assert {row["group_name"] for row in data} == {"Sales Team A", "Sales Team B"}


def test_get_sales_for_one_group_in_a_date_range(viewer_client, floor):
    north = floor["north"].pk
    params = {"group_id": str(north), "start_date": "2021-01-01", "end_date": "2021-03-31"}

    data = ok(viewer_client.get(f"{BASE}sales/by-group", params))

    expected = by_hand(floor, key=lambda agent: agent.team_id, start="2021-01-01", end="2021-03-31")
    assert {(row["group_id"], row["period"]): (row["sales_count"], row["total_revenue"]) for row in data} == {
        key: value for key, value in expected.items() if key[0] == north
    }
    ours = unified(viewer_client, "by-team", {**params, "team_id": params.pop("group_id")})
    assert [as_ours(row, "group") for row in data] == [
        (row["period"], row["team_id"], row["sales_count"], row["total_revenue"]) for row in ours
    ]


def test_get_sales_for_several_groups_sorted_by_sales_count(viewer_client, floor):
    ids = f"{floor['north'].pk},{floor['south'].pk}"

    data = ok(viewer_client.get(f"{BASE}sales/by-group", {"group_id": ids, "sort_by": "sales_count"}))

    counts = [row["sales_count"] for row in data]
    assert counts == sorted(counts, reverse=True)
    ours = unified(viewer_client, "by-team", {"team_id": ids, "sort_by": "sales_count"})
    assert [as_ours(row, "group") for row in data] == [
        (row["period"], row["team_id"], row["sales_count"], row["total_revenue"]) for row in ours
    ]


def test_filter_group_sales_by_the_role_of_their_users(viewer_client, floor):
    data = ok(viewer_client.get(f"{BASE}sales/by-group", {"role": "Retail Agent"}))

    # Only Rui's sales, in Team A.
    assert [(row["group_id"], row["period"], row["total_revenue"]) for row in data] == [
        (floor["north"].pk, "2021-03-01T00:00:00.000Z", 300.0),
        (floor["north"].pk, "2021-01-01T00:00:00.000Z", 500.0),
    ]


def test_get_weekly_sales_by_group(viewer_client, floor):
    data = ok(viewer_client.get(f"{BASE}sales/by-group", {"interval": "week"}))

    # Weeks start on Monday: 2021-01-04 holds the 5th and 7th.
    first_week = next(row for row in data if row["period"] == "2021-01-04T00:00:00.000Z")
    assert (first_week["group_id"], first_week["sales_count"], first_week["total_revenue"]) == (
        floor["north"].pk,
        2,
        700.0,
    )
    ours = unified(viewer_client, "by-team", {"interval": "week"})
    assert [as_ours(row, "group") for row in data] == [
        (row["period"], row["team_id"], row["sales_count"], row["total_revenue"]) for row in ours
    ]


def test_no_match_is_an_empty_list_with_count_zero(viewer_client, floor):
    body = viewer_client.get(f"{BASE}sales/by-user", {"start_date": "2030-01-01"}).json()
    assert body == {"success": True, "count": 0, "data": []}


def test_a_periods_start_is_the_local_midnight_in_utc(viewer_client, floor, settings):
    settings.ANALYTICS_TIME_ZONE = "Europe/Paris"

    data = ok(viewer_client.get(f"{BASE}sales/by-user", {"user_id": str(floor["ada"].pk)}))

    assert [row["period"] for row in data] == ["2021-01-31T23:00:00.000Z", "2020-12-31T23:00:00.000Z"]


@pytest.mark.parametrize(
    ("route", "params", "name"),
    [
        ("by-user", {"user_id": "abc"}, "user_id"),
        ("by-user", {"user_id": "1,,2"}, "user_id"),
        ("by-group", {"group_id": "1.5"}, "group_id"),
        ("by-user", {"start_date": "2021-13-01"}, "start_date"),
        ("by-user", {"end_date": "yesterday"}, "end_date"),
        ("by-user", {"start_date": "2021-03-01", "end_date": "2021-01-01"}, "start_date"),
        ("by-user", {"role": "Manager"}, "role"),
        ("by-group", {"role": "Agent,Admin"}, "role"),
        ("by-user", {"sort_by": "agent_id"}, "sort_by"),
        ("by-user", {"sort_by": "group_id"}, "sort_by"),
        ("by-group", {"sort_by": "user_id"}, "sort_by"),
        ("by-user", {"interval": "hour"}, "interval"),
    ],
)
def test_bad_parameters_are_400_naming_them(viewer_client, floor, route, params, name):
    body = error(viewer_client.get(f"{BASE}sales/{route}", params))

    assert name in body["details"], body
    assert body["error"].startswith(f"{name}: ")


def test_a_repeated_parameter_is_400_as_on_the_unified_route(viewer_client, floor):
    body = error(viewer_client.get(f"{BASE}sales/by-user?interval=day&interval=week"))
    assert body["details"] == {"interval": ["Give this parameter once."]}
