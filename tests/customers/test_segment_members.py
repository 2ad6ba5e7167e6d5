"""Members of a segment and their stats, against a plain Python reading of SPEC §6 over the same rows."""

import csv
import io
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from customers.criteria import criteria_parse
from customers.services import segment_create
from tests.customers.conftest import Stats, expected_members, stats_of

pytestmark = pytest.mark.django_db

SEGMENTS = "/api/v1/segments/"

CASES = {
    "window only": {"start_date": "2024-01-01", "end_date": "2024-12-31"},
    "categories and regions together": {"categories": ["Books", "Garden"], "regions": ["North", "South"]},
    "window, categories and regions": {
        "start_date": "2024-01-01",
        "end_date": "2024-12-31",
        "categories": ["Books", "Toys"],
        "regions": ["North", "East"],
    },
    # ann's 2024 lines sum to exactly 10.40 (10.10 + 0.20 + 0.10: 10.399999999999999 as doubles); her
    # 100.00 of December 2023 must not count, nor bob's 200.00 of January 2025.
    "revenue bounds on the window's lines only": {
        "start_date": "2024-01-01",
        "end_date": "2024-12-31",
        "min_revenue": "10.40",
        "max_revenue": 100,
    },
    "order bounds": {"min_orders": 2, "max_orders": 2},
    "no criteria: every customer with an order": {},
    "default min_orders: nothing matches a category no line has": {"categories": ["Kitchen"]},
    "default min_orders: nothing matches an empty window": {"start_date": "2030-01-01"},
    "min_orders 0: customers with no order in the window count": {
        "start_date": "2024-01-01",
        "end_date": "2024-12-31",
        "min_orders": 0,
        "max_orders": 0,
    },
    "min_orders 0 with a revenue ceiling": {"categories": ["Books"], "min_orders": 0, "max_revenue": "10.30"},
}


def members_of(client, segment_id: int, **params) -> dict:
    response = client.get(f"{SEGMENTS}{segment_id}/customers/", {"page_size": 500, **params})
    assert response.status_code == 200, response.json()
    return response.json()


@pytest.mark.parametrize("criteria", CASES.values(), ids=CASES.keys())
def test_members_and_their_stats_follow_the_spec(viewer_client, shop, criteria):
    segment = segment_create(name="S", criteria=criteria_parse(criteria)).segment

    body = members_of(viewer_client, segment.pk)

    expected = expected_members(criteria)
    assert stats_of(body["results"]) == expected
    assert body["count"] == len(expected)
    segment.refresh_from_db()
    assert segment.customers_count == len(expected)
    assert segment.total_revenue == sum((stats.total_revenue for stats in expected.values()), Decimal(0))


def test_the_cases_are_not_trivial(shop):
    # The cases above only prove something if they select different, non-empty groups of customers.
    chosen = {name: frozenset(expected_members(criteria)) for name, criteria in CASES.items()}
    assert len(set(chosen.values())) >= 8
    assert shop.names(chosen["revenue bounds on the window's lines only"]) == {"ann", "bob", "cat", "gus"}
    assert shop.names(chosen["min_orders 0: customers with no order in the window count"]) == {"eve", "fay"}
    assert chosen["default min_orders: nothing matches a category no line has"] == frozenset()


def test_orders_exactly_on_both_window_edges_count_in_the_analytics_time_zone(viewer_client, shop, settings):
    # Given a window in New York time and orders a microsecond inside and outside each end of it
    settings.ANALYTICS_TIME_ZONE = "America/New_York"
    new_york = ZoneInfo("America/New_York")
    shop.buy("fay", datetime(2024, 2, 1, 0, 0, tzinfo=new_york), "West", [("Books", "1.00")])
    shop.buy("fay", datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=new_york), "West", [("Books", "2.00")])
    shop.buy("eve", datetime(2024, 1, 31, 23, 59, 59, 999999, tzinfo=new_york), "West", [("Books", "4.00")])
    shop.buy("eve", datetime(2024, 3, 1, 0, 0, tzinfo=new_york), "West", [("Books", "8.00")])
    criteria = {"start_date": "2024-02-01", "end_date": "2024-02-29", "regions": ["West"]}

    # When the segment's members are listed
    segment = segment_create(name="February", criteria=criteria_parse(criteria)).segment
    body = members_of(viewer_client, segment.pk)

    # Then both of fay's edge orders count and neither of eve's does
    assert stats_of(body["results"]) == expected_members(criteria, time_zone="America/New_York")
    assert stats_of(body["results"]) == {shop.id("fay"): Stats(2, Decimal("3.00"), Decimal("1.50"), ["Books"])}


def test_members_order_by_each_stat_with_ties_broken_by_id(viewer_client, shop):
    segment = segment_create(name="All", criteria=criteria_parse({})).segment
    expected = expected_members({})

    for key in ["orders_count", "total_revenue", "average_order_value"]:
        for descending in (False, True):
            body = members_of(viewer_client, segment.pk, ordering=f"-{key}" if descending else key)
            ranked = sorted(
                expected,
                key=lambda pk: (-getattr(expected[pk], key) if descending else getattr(expected[pk], key), pk),
            )
            assert [row["id"] for row in body["results"]] == ranked, key


def test_ordering_by_anything_else_is_400_naming_the_parameter(viewer_client, shop):
    segment = segment_create(name="All", criteria=criteria_parse({})).segment

    response = viewer_client.get(f"{SEGMENTS}{segment.pk}/customers/", {"ordering": "email,password"})

    assert response.status_code == 400
    assert "ordering" in response.json()


def test_members_are_paginated(viewer_client, shop):
    segment = segment_create(name="All", criteria=criteria_parse({})).segment
    expected = expected_members({})

    seen, url = [], f"{SEGMENTS}{segment.pk}/customers/?page_size=2&ordering=-total_revenue"
    while url:
        body = viewer_client.get(url).json()
        assert body["count"] == len(expected)
        assert len(body["results"]) <= 2
        seen += [row["id"] for row in body["results"]]
        url = body["next"]

    assert seen == sorted(expected, key=lambda pk: (-expected[pk].total_revenue, pk))


def test_members_can_be_searched_and_filtered_by_customer_fields(viewer_client, shop):
    segment = segment_create(name="All", criteria=criteria_parse({})).segment

    found = members_of(viewer_client, segment.pk, search="gus")

    assert [row["id"] for row in found["results"]] == [shop.id("gus")]
    assert found["results"][0]["total_revenue"] == 15.34


def test_the_members_route_costs_the_same_queries_for_any_number_of_members(
    viewer_client, shop, django_assert_num_queries
):
    few = segment_create(name="Few", criteria=criteria_parse({"categories": ["Garden"], "regions": ["South"]}))
    many = segment_create(name="Many", criteria=criteria_parse({}))
    assert len(expected_members({"categories": ["Garden"], "regions": ["South"]})) == 2
    assert len(expected_members({})) == 6

    # token, the user's and the group's permissions, the segment, the count, the page, its customers
    for segment in (few.segment, many.segment):
        with django_assert_num_queries(7):
            members_of(viewer_client, segment.pk)


def test_members_as_csv_are_every_member_with_the_same_stats(viewer_client, shop):
    criteria = {"start_date": "2024-01-01", "end_date": "2024-12-31"}
    segment = segment_create(name="2024", criteria=criteria_parse(criteria)).segment

    response = viewer_client.get(f"{SEGMENTS}{segment.pk}/customers/", {"format": "csv", "page_size": 2})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    expected = expected_members(criteria)
    assert len(rows) == len(expected) > 2  # not paginated
    assert {
        int(row["id"]): Stats(
            int(row["orders_count"]),
            Decimal(row["total_revenue"]),
            Decimal(row["average_order_value"]),
            row["categories"].split("; "),
        )
        for row in rows
    } == expected


def test_csv_cells_that_a_spreadsheet_would_run_as_formulas_are_kept_as_text(viewer_client, shop):
    shop.customers["gus"].name = '=HYPERLINK("http://evil.example")'
    shop.customers["gus"].save()
    segment = segment_create(name="All", criteria=criteria_parse({})).segment

    response = viewer_client.get(f"{SEGMENTS}{segment.pk}/customers/", {"format": "csv", "search": "evil"})

    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row["name"] for row in rows] == ['\'=HYPERLINK("http://evil.example")']


def test_the_members_of_a_missing_segment_are_404_also_as_csv(viewer_client, db):
    assert viewer_client.get(f"{SEGMENTS}999/customers/").status_code == 404
    response = viewer_client.get(f"{SEGMENTS}999/customers/", {"format": "csv"})
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_with_min_orders_0_customers_without_lines_order_search_and_export_with_the_rest(viewer_client, shop):
    # Given a segment of customers with at most one order in 2024, none at all included
    criteria = {"start_date": "2024-01-01", "end_date": "2024-12-31", "min_orders": 0, "max_orders": 1}
    segment = segment_create(name="Rare", criteria=criteria_parse(criteria)).segment
    expected = expected_members(criteria)
    assert shop.names(expected) == {"bob", "gus", "eve", "fay"}

    # When they are listed by revenue, searched, and exported
    by_revenue = members_of(viewer_client, segment.pk, ordering="-total_revenue")
    found = members_of(viewer_client, segment.pk, search="fay")
    exported = viewer_client.get(f"{SEGMENTS}{segment.pk}/customers/", {"format": "csv"})

    # Then the customers with no line sit at zero among the others, ties broken by id
    assert [row["id"] for row in by_revenue["results"]] == sorted(
        expected, key=lambda pk: (-expected[pk].total_revenue, pk)
    )
    assert stats_of(by_revenue["results"]) == expected
    assert stats_of(found["results"]) == {shop.id("fay"): Stats(0, Decimal("0"), Decimal("0"), [])}
    rows = list(csv.DictReader(io.StringIO(b"".join(exported.streaming_content).decode())))
    assert {int(row["id"]) for row in rows} == set(expected)
