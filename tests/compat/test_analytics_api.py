"""Seed 003 (analytics dashboard backend) at /compat/analytics-api/api/: analytics/data and refresh-cache."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from analytics.selectors import data_version_current

pytestmark = pytest.mark.django_db

BASE = "/compat/analytics-api/api/"
RANGE = {"startDate": "2024-01-01", "endDate": "2024-02-29"}
OURS_RANGE = {"start_date": "2024-01-01", "end_date": "2024-02-29", "interval": "day"}
METRIC_KEYS = {"metricName", "totalValue", "timeSeriesData", "segmentData"}


def ok(response) -> list[dict]:
    assert response.status_code == 200, response.content
    body = response.json()
    assert isinstance(body, list)
    assert all(set(item) == METRIC_KEYS for item in body)
    return body


def error(response, status: int = 400) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error", "details"}
    assert all(set(issue) == {"path", "message"} for issue in body["details"])
    return body


def unified(client, params: dict) -> list[dict]:
    response = client.get("/api/v1/analytics/metrics/", params)
    assert response.status_code == 200, response.content
    return response.json()


def same_numbers(ours: dict, theirs: dict) -> None:
    assert theirs["totalValue"] == ours["total_value"]
    assert [(p["timestamp"], p["value"]) for p in theirs["timeSeriesData"]] == [
        (p["timestamp"][:10], p["value"]) for p in ours["time_series"]
    ]


def test_the_documented_request_answers_metrics_with_series_and_segments(viewer_client, shop):
    data = ok(
        viewer_client.get(f"{BASE}analytics/data", {**RANGE, "metrics": ["revenue", "orders"], "segments": "region"})
    )
    ours = unified(viewer_client, {**OURS_RANGE, "metrics": "revenue,orders", "segment_by": "region"})

    assert [item["metricName"] for item in data] == ["revenue", "orders"]
    revenue, orders = data
    # By hand: January 2 x 12.50; February 40.00 + 3 x 25.00 x 0.9 (Ana, North) and 25.00 (Ben, South).
    assert revenue["totalValue"] == 25.0 + 107.5 + 25.0
    assert revenue["segmentData"] == {"North": 132.5, "South": 25.0}
    assert (orders["totalValue"], orders["segmentData"]) == (3, {"North": 2, "South": 1})
    assert len(revenue["timeSeriesData"]) == 60  # every day of the range, zero where nothing sold
    days = {point["timestamp"]: point["value"] for point in revenue["timeSeriesData"]}
    assert (days["2024-01-10"], days["2024-02-03"], days["2024-02-20"], days["2024-01-11"]) == (25.0, 107.5, 25.0, 0)
    for item, unified_item in zip(data, ours, strict=True):
        same_numbers(unified_item, item)
        assert item["segmentData"] == unified_item["segment_data"]["region"]


@pytest.mark.parametrize(
    "query",
    [
        "metrics=units&metrics=customers&metrics=averageOrderValue",
        "metrics[]=units&metrics[]=customers&metrics[]=averageOrderValue",
        "metrics=units,customers,averageOrderValue",
        "metrics=UNITS,customers,average_order_value",
    ],
)
def test_metrics_arrays_are_read_in_every_way_express_reads_them(viewer_client, shop, query):
    data = ok(viewer_client.get(f"{BASE}analytics/data?startDate=2024-01-01&endDate=2024-02-29&{query}"))

    assert [(item["metricName"], item["totalValue"]) for item in data] == [
        ("units", 2 + 1 + 3 + 1),
        ("customers", 2),
        ("averageOrderValue", 52.5),  # 157.50 over 3 orders
    ]


def test_user_id_is_a_customer_and_several_segments_are_keyed_by_dimension(viewer_client, shop):
    params = {**RANGE, "userId": shop.ana.pk, "metrics": "revenue", "segments": "category,tier,paymentMethod"}

    (revenue,) = ok(viewer_client.get(f"{BASE}analytics/data", params))
    (ours,) = unified(
        viewer_client, {**OURS_RANGE, "customer_id": shop.ana.pk, "segment_by": "category,tier,payment_method"}
    )

    assert revenue["totalValue"] == 132.5
    assert revenue["segmentData"] == {
        "category:Books": 65.0,
        "category:Games": 67.5,
        "tier:(none)": 25.0,
        "tier:gold": 107.5,
        "paymentMethod:(none)": 132.5,
    }
    theirs = {"payment_method": "paymentMethod"}
    assert revenue["segmentData"] == {
        f"{theirs.get(dimension, dimension)}:{key}": value
        for dimension, values in ours["segment_data"].items()
        for key, value in values.items()
    }
    same_numbers(ours, revenue)


def test_an_interval_may_be_asked_for(viewer_client, shop):
    data = ok(viewer_client.get(f"{BASE}analytics/data", {**RANGE, "interval": "month"}))
    assert data[0]["timeSeriesData"] == [
        {"timestamp": "2024-01-01", "value": 25.0},
        {"timestamp": "2024-02-01", "value": 132.5},
    ]


@pytest.mark.parametrize(
    ("params", "path", "words"),
    [
        ({"metrics": "pageViews"}, ["metrics"], "'pageViews' is not a metric of this product"),
        ({"segments": "device"}, ["segments"], "'device' is not a segment dimension"),
        ({"startDate": "01/01/2024"}, ["startDate"], "YYYY-MM-DD"),
        ({"endDate": "2024-02-30"}, ["endDate"], "YYYY-MM-DD"),
        ({"startDate": "2024-03-01", "endDate": "2024-02-01"}, ["startDate"], "after"),
        ({"userId": "abc"}, ["userId"], "whole number"),
        ({"limit": "0"}, ["limit"], "whole number"),
        ({"limit": "10"}, ["limit"], "raise limit"),
        ({"interval": "hour"}, ["interval"], "Must be one of"),
    ],
)
def test_bad_parameters_are_400_with_the_path_of_the_parameter(viewer_client, shop, params, path, words):
    body = error(viewer_client.get(f"{BASE}analytics/data", {**RANGE, **params}))

    assert [issue["path"] for issue in body["details"]] == [path]
    assert words in body["details"][0]["message"]


def test_refresh_cache_moves_the_data_version_as_the_unified_refresh_does(manager_client, shop):
    before = data_version_current()

    response = manager_client.post(f"{BASE}analytics/refresh-cache", {"metrics": ["revenue"], **RANGE}, format="json")

    assert response.status_code == 200, response.content
    assert response.json() == {"success": True, "message": "Cache refreshed", "dataVersion": before + 1}
    assert data_version_current() == before + 1
    assert manager_client.post("/api/v1/analytics/cache/refresh/").json() == {"data_version": before + 2}


def test_answers_are_cached_until_the_cache_is_refreshed(manager_client, shop):
    url, params = f"{BASE}analytics/data", {**RANGE, "metrics": "revenue"}
    first = manager_client.get(url, params).json()
    with CaptureQueriesContext(connection) as cached:
        assert manager_client.get(url, params).json() == first

    manager_client.post(f"{BASE}analytics/refresh-cache")
    with CaptureQueriesContext(connection) as recomputed:
        assert manager_client.get(url, params).json() == first

    assert len(recomputed) > len(cached)


@pytest.mark.parametrize(
    ("body", "path"), [({"metrics": ["pageViews"]}, ["metrics"]), ({"startDate": "soon"}, ["startDate"]), ([1], [])]
)
def test_a_refresh_with_bad_parameters_is_400_and_refreshes_nothing(manager_client, shop, body, path):
    before = data_version_current()

    response = error(manager_client.post(f"{BASE}analytics/refresh-cache", body, format="json"))

    assert [issue["path"] for issue in response["details"]] == [path]
    assert data_version_current() == before
