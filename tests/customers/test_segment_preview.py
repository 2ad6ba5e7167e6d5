"""Preview: what criteria would select, saving nothing; warnings say why a segment may come out empty."""

import pytest

from customers.models import Segment, SegmentChange, SegmentMember, SegmentSnapshot
from tests.customers.conftest import at, expected_members, stats_of

pytestmark = pytest.mark.django_db

SEGMENTS = "/api/v1/segments/"
PREVIEW = "/api/v1/segments/preview/"


def stored_rows() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (Segment, SegmentSnapshot, SegmentChange, SegmentMember))


def test_preview_answers_the_count_and_first_20_members_and_saves_nothing(viewer_client, shop):
    # Given more than 20 customers who match
    for n in range(20):
        name = f"extra{n}"
        shop.customers[name] = type(shop.customers["ann"]).objects.create(code=f"X-{n}", name=name)
        shop.buy(name, at("2024-04-01T10:00:00"), "North", [("Books", f"{n + 1}.00")])
    criteria = {"start_date": "2024-01-01", "end_date": "2024-12-31"}
    before = stored_rows()

    response = viewer_client.post(PREVIEW, {"criteria": criteria})

    assert response.status_code == 200, response.json()
    body = response.json()
    expected = expected_members(criteria)
    assert body["count"] == len(expected) > 20
    assert [row["id"] for row in body["results"]] == sorted(expected)[:20]
    assert stats_of(body["results"]) == {pk: expected[pk] for pk in sorted(expected)[:20]}
    assert body["warnings"] == []
    assert stored_rows() == before


def test_preview_warns_of_a_category_that_matches_nothing_and_suggests_the_name(viewer_client, shop):
    response = viewer_client.post(PREVIEW, {"criteria": {"categories": ["Bokos", "Garden", "garden"]}})

    body = response.json()
    assert response.status_code == 200
    assert body["count"] == len(expected_members({"categories": ["Garden"]})) > 0
    assert [(w["code"], w["field"], w["value"]) for w in body["warnings"]] == [
        ("unknown_category", "categories", "Bokos"),
        ("unknown_category", "categories", "garden"),
    ]
    assert "Did you mean 'Books'?" in body["warnings"][0]["message"]
    assert "Did you mean 'Garden'?" in body["warnings"][1]["message"]


def test_preview_warns_of_a_region_no_order_carries(viewer_client, shop):
    body = viewer_client.post(PREVIEW, {"criteria": {"regions": ["Nort"]}}).json()

    assert body["count"] == 0
    assert [(w["code"], w["value"]) for w in body["warnings"]] == [("unknown_region", "Nort"), ("no_members", None)]
    assert "Did you mean 'North'?" in body["warnings"][0]["message"]


@pytest.mark.parametrize(
    ("criteria", "reason"),
    [
        ({"start_date": "2030-01-01"}, "no order falls between start_date and end_date"),
        ({"categories": ["Toys"], "regions": ["South", "North"], "start_date": "2024-09-01"}, "categories and regions"),
        ({"min_orders": 4}, "within the bounds"),
        ({"min_revenue": 10000}, "within the bounds"),
    ],
)
def test_criteria_no_customer_meets_are_warned_of_with_the_reason(viewer_client, shop, criteria, reason):
    body = viewer_client.post(PREVIEW, {"criteria": criteria}).json()

    assert expected_members(criteria) == {}
    assert body["count"] == 0
    assert body["results"] == []
    assert [w["code"] for w in body["warnings"]] == ["no_members"]
    assert reason in body["warnings"][0]["message"]


def test_create_answers_the_same_warnings_and_saves_the_segment(manager_client, shop):
    response = manager_client.post(SEGMENTS, {"name": "Typo", "criteria": {"categories": ["Bokos"]}})

    assert response.status_code == 201
    body = response.json()
    assert [w["code"] for w in body["warnings"]] == ["unknown_category", "no_members"]
    assert body["customers_count"] == 0
    assert Segment.objects.get().name == "Typo"


def test_create_of_a_healthy_segment_has_no_warnings_and_counts_its_members(manager_client, shop):
    criteria = {"categories": ["Books"], "regions": ["North", "South"]}

    body = manager_client.post(SEGMENTS, {"name": "Readers", "criteria": criteria}).json()

    assert body["warnings"] == []
    assert body["customers_count"] == len(expected_members(criteria))
    assert body["refreshed_at"]
    assert body["history_line"] == 1


def test_preview_is_open_to_viewers_but_not_to_anonymous_users(anon_client, viewer_client, db):
    assert anon_client.post(PREVIEW, {"criteria": {}}).status_code == 401
    assert viewer_client.post(PREVIEW, {"criteria": {}}).status_code == 200


def test_preview_needs_criteria(viewer_client, db):
    response = viewer_client.post(PREVIEW, {})

    assert response.status_code == 400
    assert "criteria" in response.json()
