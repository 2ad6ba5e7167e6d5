"""Bad report parameters are 400s that name the parameter; no input gives a 500."""

import pytest

pytestmark = pytest.mark.django_db

ROUTES = {
    "/api/v1/analytics/sales/by-agent/": ["start_date", "end_date", "agent_id", "role", "interval", "sort_by", "order"],
    "/api/v1/analytics/sales/by-team/": ["start_date", "end_date", "team_id", "role", "interval", "sort_by", "order"],
    "/api/v1/analytics/metrics/": [
        "metrics",
        "start_date",
        "end_date",
        "interval",
        "segment_by",
        "customer_id",
        "limit",
        "compare",
    ],
    "/api/v1/analytics/top-customers/": ["limit", "start_date", "end_date", "by"],
    "/api/v1/analytics/top-products/": ["limit", "start_date", "end_date", "by"],
}

INVALID = [
    ("interval", "fortnight"),
    ("interval", "Month "),  # trimmed and matched regardless of case: valid, checked below
    ("metrics", "revenue,profit"),
    ("metrics", ","),
    ("segment_by", "colour"),
    ("sort_by", "agent_name"),
    ("order", "up"),
    ("role", "Manager"),
    ("by", "margin"),
    ("compare", "last_year"),
    ("start_date", "2024-02-30"),
    ("start_date", "2024/01/01"),
    ("start_date", "20240101"),
    ("end_date", "yesterday"),
    ("end_date", "1899-12-31"),
    ("end_date", "3000-01-01"),
    ("agent_id", "1,x"),
    ("agent_id", "1,,2"),
    ("agent_id", "-3"),
    ("agent_id", "1.5"),
    ("team_id", "0"),
    ("customer_id", "abc"),
    ("limit", "0"),
    ("limit", "101"),
    ("limit", "-1"),
]
MALFORMED = [
    "\x00",
    "1\x00",
    "NaN",
    "nan",
    "Infinity",
    "1e309",
    "9" * 30,
    str(2**63),
    "x" * 3000,
    "1," * 1500,
    "%00",
    "' OR 1=1 --",
    "\u202e\ufeff",
    " ",
]


def routes_with(parameter: str) -> list[str]:
    return [route for route, parameters in ROUTES.items() if parameter in parameters]


@pytest.mark.parametrize(("parameter", "value"), INVALID)
def test_an_invalid_value_is_a_400_naming_the_parameter(viewer_client, parameter, value):
    for route in routes_with(parameter):
        response = viewer_client.get(route, {parameter: value})
        if value == "Month ":
            assert response.status_code == 200, route
            continue
        if parameter == "limit" and value == "101" and route.endswith("metrics/"):
            assert response.status_code == 200  # a series may hold up to 10,000 points
            continue
        assert response.status_code == 400, (route, value, response.content[:200])
        assert parameter in response.json(), (route, response.json())


def test_a_reversed_range_is_a_400_naming_start_date(viewer_client):
    for route in ROUTES:
        response = viewer_client.get(route, {"start_date": "2025-02-01", "end_date": "2025-01-31"})
        assert response.status_code == 400
        assert "start_date" in response.json()


def test_every_bad_parameter_is_named_at_once(viewer_client):
    response = viewer_client.get(
        "/api/v1/analytics/sales/by-agent/", {"interval": "hour", "order": "sideways", "agent_id": "a"}
    )

    assert response.status_code == 400
    assert {"interval", "order", "agent_id"} <= set(response.json())


def test_a_repeated_parameter_is_a_400_except_for_lists(viewer_client, world):
    repeated = viewer_client.get("/api/v1/analytics/sales/by-agent/?interval=day&interval=week")
    ids = viewer_client.get(
        f"/api/v1/analytics/sales/by-agent/?agent_id={world.agents[0].pk}&agent_id={world.agents[1].pk}"
    )
    joined = viewer_client.get(
        "/api/v1/analytics/sales/by-agent/", {"agent_id": f"{world.agents[0].pk},{world.agents[1].pk}"}
    )

    assert repeated.status_code == 400
    assert "interval" in repeated.json()
    assert ids.status_code == 200
    assert ids.json() == joined.json()


def test_no_malformed_value_gives_a_500_on_any_route(viewer_client, world):
    for value in MALFORMED:
        for route, parameters in ROUTES.items():
            for parameter in parameters:
                response = viewer_client.get(route, {parameter: value})
                assert response.status_code in (200, 400), (route, parameter, value, response.status_code)
                if response.status_code == 400:
                    assert parameter in response.json(), (route, parameter, response.json())
            everything = viewer_client.get(route, dict.fromkeys(parameters, value))
            assert everything.status_code in (200, 400), (route, value)
    for route, parameters in ROUTES.items():
        repeated = viewer_client.get(route + "?" + "&".join(f"{p}=1&{p}=2" for p in parameters))
        assert repeated.status_code == 400, route
        assert set(parameters) - {"agent_id", "team_id", "metrics", "segment_by"} <= set(repeated.json()), route


def test_huge_ids_that_fit_no_key_are_400_and_large_ones_that_do_are_empty(viewer_client, world):
    too_big = viewer_client.get("/api/v1/analytics/sales/by-agent/", {"agent_id": str(2**63)})
    largest = viewer_client.get("/api/v1/analytics/sales/by-agent/", {"agent_id": str(2**63 - 1)})
    customer = viewer_client.get("/api/v1/analytics/metrics/", {"customer_id": str(2**63 - 1)})

    assert too_big.status_code == 400
    assert largest.json() == {"count": 0, "results": []}
    assert customer.status_code == 200


def test_the_far_ends_of_the_date_range_are_answered(viewer_client, world):
    for route in ROUTES:
        # 13,200 months; metrics may chart 10,000 points, so they are asked for years.
        extra = {"interval": "year", "limit": 10000} if route.endswith("metrics/") else {}
        response = viewer_client.get(route, {"start_date": "1900-01-01", "end_date": "2999-12-31", **extra})
        assert response.status_code == 200, route
    daily = viewer_client.get(
        "/api/v1/analytics/metrics/",
        {"start_date": "1900-01-01", "end_date": "2999-12-31", "interval": "day", "limit": 10000},
    )
    previous = viewer_client.get(
        "/api/v1/analytics/metrics/",
        {"start_date": "1900-01-01", "end_date": "1900-01-31", "compare": "previous_period"},
    )
    assert daily.status_code == 400
    assert "limit" in daily.json()
    assert previous.status_code == 400
    assert "compare" in previous.json()


def test_errors_stay_json_under_format_csv(viewer_client):
    response = viewer_client.get("/api/v1/analytics/top-customers/", {"limit": "many", "format": "csv"})

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert "limit" in response.json()
