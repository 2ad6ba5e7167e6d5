"""Metrics: zero-filled series, totals, segments and the previous period, against plain Python sums."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest

from analytics.periods import Interval as PeriodInterval
from analytics.periods import bucket_after
from sales.services import agent_update
from tests.analytics.shop import (
    Sale,
    Shop,
    average,
    bucket_of,
    group_sales,
    iso_start,
    local,
    money,
    within,
)
from tests.factories import make_agent, make_customer, make_product

pytestmark = pytest.mark.django_db

METRICS = "/api/v1/analytics/metrics/"
ALL_METRICS = "revenue,orders,units,customers,average_order_value"


def measure(metric: str, measures: dict | None) -> Decimal | int:
    if not measures:
        return Decimal("0.00") if metric in ("revenue", "average_order_value") else 0
    if metric == "revenue":
        return measures["revenue"]
    if metric == "average_order_value":
        return average(measures["revenue"], measures["orders"])
    if metric == "customers":
        return len(measures["customers"])
    return measures[metric]


def buckets(start: date, end: date, interval: str) -> list[date]:
    """Every bucket start from start's bucket to end's, stepping through the calendar."""
    out, day = [], bucket_of(start, interval)
    while day <= end:
        out.append(day)
        day = bucket_after(day, PeriodInterval(interval))
    return out


def numbers(values) -> list:
    return [money(v) if isinstance(v, float) else v for v in values]


def expected_metric(sales: list[Sale], metric: str, start: date, end: date, interval: str) -> dict:
    in_range = [sale for sale in sales if within(sale, start, end)]
    per_bucket = group_sales(in_range, lambda sale: bucket_of(sale.local_day(), interval))
    total = group_sales(in_range, lambda sale: "all").get("all")
    return {
        "total": measure(metric, total),
        "series": [(iso_start(b), measure(metric, per_bucket.get(b))) for b in buckets(start, end, interval)],
    }


def as_numbers(result: dict) -> dict:
    return {
        "total": money(result["total_value"]) if isinstance(result["total_value"], float) else result["total_value"],
        "series": [
            (point["timestamp"], money(point["value"]) if isinstance(point["value"], float) else point["value"])
            for point in result["time_series"]
        ],
    }


@pytest.mark.parametrize("interval", ["day", "week", "month", "quarter", "year"])
def test_every_metric_matches_a_plain_sum_at_every_interval(viewer_client, world, interval):
    start, end = date(2024, 11, 20), date(2025, 2, 17)

    response = viewer_client.get(
        METRICS,
        {"metrics": ALL_METRICS, "start_date": start, "end_date": end, "interval": interval, "limit": 1000},
    )

    assert response.status_code == 200
    results = response.json()
    assert [result["metric"] for result in results] == ALL_METRICS.split(",")
    for result in results:
        assert as_numbers(result) == expected_metric(world.shop.sales, result["metric"], start, end, interval)


def test_every_bucket_is_present_with_zero_where_nothing_sold(viewer_client, db):
    shop = Shop()
    product, customer = make_product(unit_price="3.00"), make_customer()
    shop.sell(at=local(date(2025, 1, 2)), customer=customer, lines=[(product, 1)])
    shop.sell(at=local(date(2025, 4, 20)), customer=customer, lines=[(product, 2)])

    series = viewer_client.get(
        METRICS, {"metrics": "revenue,orders", "start_date": "2024-12-15", "end_date": "2025-05-10"}
    ).json()

    revenue, orders = series
    assert [(p["timestamp"], p["value"]) for p in revenue["time_series"]] == [
        (iso_start(date(2024, 12, 1)), 0),
        (iso_start(date(2025, 1, 1)), 3.0),
        (iso_start(date(2025, 2, 1)), 0),
        (iso_start(date(2025, 3, 1)), 0),
        (iso_start(date(2025, 4, 1)), 6.0),
        (iso_start(date(2025, 5, 1)), 0),
    ]
    assert [p["value"] for p in orders["time_series"]] == [0, 1, 0, 0, 1, 0]
    assert revenue["total_value"] == 9.0


def test_is_complete_is_false_where_the_range_cuts_a_bucket(viewer_client, db):
    points = viewer_client.get(
        METRICS, {"start_date": "2024-12-15", "end_date": "2025-03-10", "interval": "month"}
    ).json()[0]["time_series"]
    whole = viewer_client.get(METRICS, {"start_date": "2024-01-01", "end_date": "2024-06-30"}).json()[0]

    assert [p["is_complete"] for p in points] == [False, True, True, False]
    assert all(p["is_complete"] for p in whole["time_series"])


def test_an_open_range_runs_from_the_first_sale_to_today_whose_bucket_is_not_complete(viewer_client, db):
    shop = Shop()
    today = date.today()
    first = today - timedelta(days=40)
    shop.sell(at=local(first), customer=make_customer(), lines=[(make_product(unit_price="2.50"), 4)])

    series = viewer_client.get(METRICS, {"interval": "week"}).json()[0]["time_series"]

    assert series[0]["timestamp"] == iso_start(bucket_of(first, "week"))
    assert series[-1]["timestamp"] == iso_start(bucket_of(today, "week"))
    assert series[-1]["is_complete"] is False
    assert sum(money(p["value"]) for p in series) == Decimal("10.00")


@pytest.mark.parametrize("dimension", ["region", "category", "payment_method", "team", "agent_role", "tier"])
def test_segments_match_a_plain_sum_per_value(viewer_client, world, dimension):
    def value_of(sale: Sale):
        if dimension == "region":
            return sale.region or "(none)"
        if dimension == "payment_method":
            return sale.payment_method or "(none)"
        if dimension == "team":
            return sale.agent.team.name if sale.agent and sale.agent.team_id else "(none)"
        if dimension == "agent_role":
            return sale.agent.role if sale.agent else "(none)"
        return sale.tier or "(none)"

    start, end = date(2024, 12, 5), date(2025, 2, 10)
    in_range = [sale for sale in world.shop.sales if within(sale, start, end)]
    if dimension == "category":
        # An order counts once in each category it has lines in; revenue and units split by line.
        expected_groups: dict = {}
        for sale in in_range:
            for name in {line.product.category.name for line in sale.lines}:
                lines = [line for line in sale.lines if line.product.category.name == name]
                group = expected_groups.setdefault(
                    name, {"orders": 0, "revenue": Decimal("0.00"), "units": 0, "customers": set()}
                )
                group["orders"] += 1
                group["revenue"] += sum(line.total for line in lines)
                group["units"] += sum(line.quantity for line in lines)
                group["customers"].add(sale.customer.pk)
    else:
        expected_groups = group_sales(in_range, value_of)

    response = viewer_client.get(
        METRICS, {"metrics": ALL_METRICS, "segment_by": dimension, "start_date": start, "end_date": end}
    )

    for result in response.json():
        got = {key: numbers([value])[0] for key, value in result["segment_data"][dimension].items()}
        want = {key: measure(result["metric"], group) for key, group in expected_groups.items()}
        assert got == want, result["metric"]
    assert len(expected_groups) >= 2


def test_several_dimensions_are_broken_down_side_by_side(viewer_client, world):
    result = viewer_client.get(METRICS, {"segment_by": "region,category,team"}).json()[0]

    assert set(result["segment_data"]) == {"region", "category", "team"}
    for values in result["segment_data"].values():
        assert sum(money(v) for v in values.values()) >= money(result["total_value"])


def test_orders_without_an_agent_count_in_the_metrics(viewer_client, world):
    without_agent = [sale for sale in world.shop.sales if sale.agent is None]

    orders = viewer_client.get(METRICS, {"metrics": "orders", "segment_by": "agent_role"}).json()[0]

    assert orders["total_value"] == len(world.shop.sales)
    assert orders["segment_data"]["agent_role"]["(none)"] == len(without_agent) > 0


def test_customer_id_keeps_one_customers_orders(viewer_client, world):
    customer = world.customers[0]
    mine = [sale for sale in world.shop.sales if sale.customer.pk == customer.pk]
    start, end = date(2024, 11, 1), date(2025, 2, 28)

    results = viewer_client.get(
        METRICS,
        {
            "metrics": "revenue,orders,customers",
            "customer_id": customer.pk,
            "start_date": start,
            "end_date": end,
            "segment_by": "region",
        },
    ).json()

    for result in results:
        assert as_numbers(result) == expected_metric(mine, result["metric"], start, end, "month")
    assert results[2]["total_value"] == 1


def test_compare_previous_period_is_the_same_number_of_whole_buckets_before(viewer_client, world):
    results = viewer_client.get(
        METRICS,
        {
            "metrics": "revenue,customers",
            "start_date": "2025-01-01",
            "end_date": "2025-02-28",
            "compare": "previous_period",
        },
    ).json()

    for result in results:
        previous = expected_metric(world.shop.sales, result["metric"], date(2024, 11, 1), date(2024, 12, 31), "month")
        got = as_numbers({"total_value": result["previous_total_value"], "time_series": result["previous_time_series"]})
        assert got == previous
        assert [p["timestamp"] for p in result["previous_time_series"]] == [
            iso_start(date(2024, 11, 1)),
            iso_start(date(2024, 12, 1)),
        ]


def test_compare_previous_period_of_a_partial_range_is_as_many_days_before(viewer_client, world):
    # 10 Jan to 24 Jan (15 days): the previous period is 26 Dec to 9 Jan.
    result = viewer_client.get(
        METRICS,
        {
            "metrics": "orders",
            "start_date": "2025-01-10",
            "end_date": "2025-01-24",
            "interval": "week",
            "compare": "previous_period",
        },
    ).json()[0]

    expected = expected_metric(world.shop.sales, "orders", date(2024, 12, 26), date(2025, 1, 9), "week")
    assert result["previous_total_value"] == expected["total"]
    assert [(p["timestamp"], p["value"]) for p in result["previous_time_series"]] == expected["series"]


def test_without_compare_there_is_no_previous_period(viewer_client, world):
    result = viewer_client.get(METRICS).json()[0]

    assert set(result) == {"metric", "total_value", "time_series", "segment_data"}


def test_more_buckets_than_limit_is_a_400_naming_limit(viewer_client, db):
    response = viewer_client.get(
        METRICS, {"interval": "day", "start_date": "2024-01-01", "end_date": "2024-12-31", "limit": 100}
    )
    enough = viewer_client.get(
        METRICS, {"interval": "day", "start_date": "2024-01-01", "end_date": "2024-12-31", "limit": 366}
    )

    assert response.status_code == 400
    assert "limit" in response.json()
    assert "366" in response.json()["limit"][0]
    assert enough.status_code == 200
    assert len(enough.json()[0]["time_series"]) == 366


def test_metrics_in_new_york_bucket_a_2330_order_in_its_local_day(viewer_client, new_york):
    shop = Shop()
    shop.sell(
        at=local(date(2025, 3, 31), 23, 30), customer=make_customer(), lines=[(make_product(unit_price="7.00"), 1)]
    )

    result = viewer_client.get(
        METRICS, {"start_date": "2025-03-01", "end_date": "2025-04-30", "interval": "month"}
    ).json()[0]

    assert [(p["timestamp"], p["value"]) for p in result["time_series"]] == [
        ("2025-03-01T00:00:00-05:00", 7.0),
        ("2025-04-01T00:00:00-04:00", 0),  # daylight saving time has begun
    ]


def test_an_agents_new_team_takes_their_history_in_segments(viewer_client, db):
    shop = Shop()
    agent = make_agent()
    shop.sell(at=local(date(2025, 2, 3)), customer=make_customer(), agent=agent, lines=[(make_product(), 1)])
    from tests.factories import make_team

    agent_update(agent=agent, team=make_team(name="Renamed"))

    result = viewer_client.get(METRICS, {"metrics": "orders", "segment_by": "team"}).json()[0]
    assert result["segment_data"]["team"] == {"Renamed": 1}


def test_metrics_read_a_constant_number_of_queries(viewer_client, world, django_assert_num_queries):
    params = {
        "metrics": "revenue,orders",
        "segment_by": "region,category",
        "start_date": "2024-11-01",
        "end_date": "2025-02-28",
    }
    # token, permission, data version, rollup state, whole months, region, category
    with django_assert_num_queries(7):
        assert viewer_client.get(METRICS, params).status_code == 200
    with django_assert_num_queries(3):
        viewer_client.get(METRICS, params)


def test_metrics_csv_has_one_line_per_number(viewer_client, world):
    params = {
        "metrics": "revenue,orders",
        "segment_by": "region",
        "start_date": "2025-01-01",
        "end_date": "2025-02-28",
        "compare": "previous_period",
    }
    as_json = viewer_client.get(METRICS, params).json()

    lines = list(csv.DictReader(io.StringIO(viewer_client.get(METRICS, {**params, "format": "csv"}).content.decode())))

    assert list(lines[0]) == ["metric", "part", "dimension", "key", "timestamp", "value", "is_complete"]
    revenue = [line for line in lines if line["metric"] == "revenue"]
    assert money(next(line["value"] for line in revenue if line["part"] == "total")) == money(as_json[0]["total_value"])
    assert [money(line["value"]) for line in revenue if line["part"] == "series"] == [
        money(p["value"]) for p in as_json[0]["time_series"]
    ]
    assert {line["key"]: money(line["value"]) for line in revenue if line["part"] == "segment"} == {
        key: money(value) for key, value in as_json[0]["segment_data"]["region"].items()
    }
    assert [line["value"] for line in lines if line["metric"] == "orders" and line["part"] == "previous_series"] == [
        str(p["value"]) for p in as_json[1]["previous_time_series"]
    ]
