"""Criteria validation: every rule of SPEC §6 is a 400 naming the criterion; valid forms are stored canonically."""

import json

import pytest

from customers.models import Segment, SegmentSnapshot

pytestmark = pytest.mark.django_db

SEGMENTS = "/api/v1/segments/"
PREVIEW = "/api/v1/segments/preview/"

INVALID = [
    ({"minPurchases": 2}, "minPurchases"),
    ({"min_orders": -1}, "min_orders"),
    ({"max_orders": -1}, "max_orders"),
    ({"min_revenue": -0.01}, "min_revenue"),
    ({"max_revenue": "-5"}, "max_revenue"),
    ({"min_orders": 3, "max_orders": 2}, "min_orders"),
    ({"max_orders": 0}, "max_orders"),  # below the default min_orders of 1
    ({"min_revenue": 100, "max_revenue": "99.99"}, "min_revenue"),
    ({"start_date": "2024-02-01", "end_date": "2024-01-31"}, "start_date"),
    ({"categories": "Books"}, "categories"),
    ({"regions": {"North": True}}, "regions"),
    ({"categories": []}, "categories"),
    ({"categories": ["Books", 7]}, "categories"),
    ({"regions": ["  "]}, "regions"),
    ({"regions": ["x" * 101]}, "regions"),
    ({"start_date": "2024-02-30"}, "start_date"),
    ({"end_date": "31/12/2024"}, "end_date"),
    ({"start_date": 20240101}, "start_date"),
    ({"end_date": "2024-W01-1"}, "end_date"),
    ({"start_date": "2024-01-01T00:00:00"}, "start_date"),
    ({"min_orders": "abc"}, "min_orders"),
    ({"max_revenue": []}, "max_revenue"),
    ({"min_revenue": {}}, "min_revenue"),
    ({"min_revenue": "NaN"}, "min_revenue"),
    ({"max_revenue": "Infinity"}, "max_revenue"),
    ({"max_orders": "-inf"}, "max_orders"),
    ({"min_orders": True}, "min_orders"),
    ({"max_revenue": False}, "max_revenue"),
    ({"min_orders": 1.5}, "min_orders"),
    ({"min_revenue": 10.001}, "min_revenue"),
    ({"min_orders": 10**12}, "min_orders"),
    ({"max_revenue": 1e20}, "max_revenue"),
]


@pytest.mark.parametrize(("criteria", "key"), INVALID, ids=[f"{key}={criteria}" for criteria, key in INVALID])
def test_invalid_criteria_are_400_naming_the_criterion(manager_client, criteria, key):
    created = manager_client.post(SEGMENTS, {"name": "Bad", "criteria": criteria})
    previewed = manager_client.post(PREVIEW, {"criteria": criteria})

    for response in (created, previewed):
        assert response.status_code == 400, response.json()
        errors = response.json()["criteria"]
        assert list(errors) == [key], errors
        assert errors[key][0]
    assert not Segment.objects.exists()


@pytest.mark.parametrize(
    ("literal", "key"),
    [("NaN", "min_revenue"), ("Infinity", "max_revenue"), ("-Infinity", "min_orders"), ("1e400", "max_revenue")],
)
def test_nan_and_infinity_literals_are_400_naming_the_criterion(manager_client, literal, key):
    body = '{"name": "Bad", "criteria": {"' + key + '": ' + literal + "}}"

    response = manager_client.post(SEGMENTS, data=body, content_type="application/json")

    assert response.status_code == 400
    assert list(response.json()["criteria"]) == [key]


def test_every_criterion_at_fault_is_named_at_once(manager_client):
    response = manager_client.post(
        SEGMENTS, {"name": "Bad", "criteria": {"min_orders": -1, "regions": "North", "colour": "red"}}
    )

    assert response.status_code == 400
    assert set(response.json()["criteria"]) == {"min_orders", "regions", "colour"}


@pytest.mark.parametrize("criteria", ["min_orders>1", [], 3])
def test_criteria_that_are_not_an_object_are_400(manager_client, criteria):
    response = manager_client.post(SEGMENTS, {"name": "Bad", "criteria": criteria})

    assert response.status_code == 400
    assert isinstance(response.json()["criteria"], list)


def test_a_patch_with_invalid_criteria_changes_nothing(manager_client, db):
    created = manager_client.post(SEGMENTS, {"name": "Good", "criteria": {"min_orders": 2}}).json()

    response = manager_client.patch(f"{SEGMENTS}{created['id']}/", {"criteria": {"max_orders": 0}})

    assert response.status_code == 400
    assert list(response.json()["criteria"]) == ["max_orders"]
    assert Segment.objects.get().criteria == {"min_orders": 2}
    assert SegmentSnapshot.objects.count() == 1


def test_valid_criteria_are_stored_in_canonical_form(manager_client, db):
    criteria = {
        "min_orders": "2",
        "max_orders": 5.0,
        "min_revenue": "10.50",
        "max_revenue": 1000,
        "categories": ["Garden", " Books ", "Books"],
        "regions": ["North"],
        "start_date": "2024-01-01",
        "end_date": None,
    }

    response = manager_client.post(
        SEGMENTS, data=json.dumps({"name": "Good", "criteria": criteria}), content_type="application/json"
    )

    assert response.status_code == 201, response.json()
    expected = {
        "min_orders": 2,
        "max_orders": 5,
        "min_revenue": 10.5,
        "max_revenue": 1000,
        "categories": ["Books", "Garden"],
        "regions": ["North"],
        "start_date": "2024-01-01",
    }
    assert response.json()["criteria"] == expected
    assert Segment.objects.get().criteria == expected


def test_min_orders_defaults_to_1_without_being_written_into_the_criteria(manager_client, db):
    response = manager_client.post(SEGMENTS, {"name": "Anyone", "criteria": {}})

    assert response.status_code == 201
    assert response.json()["criteria"] == {}
