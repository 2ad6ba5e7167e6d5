"""Segment routes against every role: anonymous 401, viewers read (and preview), managers write."""

import pytest
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token

from customers.criteria import criteria_parse
from customers.models import Segment, SegmentSnapshot
from customers.services import segment_create

pytestmark = pytest.mark.django_db

SEGMENTS = "/api/v1/segments/"
BODY = {"name": "Big spenders", "criteria": {"min_revenue": 100}}


@pytest.fixture
def segment(db) -> Segment:
    return segment_create(name="Existing", criteria=criteria_parse({})).segment


def reads(segment: Segment) -> list[str]:
    base = f"{SEGMENTS}{segment.pk}/"
    return [SEGMENTS, base, f"{base}customers/", f"{base}customers/?format=csv", f"{base}history/", f"{base}changes/"]


def test_anonymous_requests_get_401_on_every_segment_route(anon_client, segment):
    detail = f"{SEGMENTS}{segment.pk}/"

    for url in reads(segment):
        assert anon_client.get(url).status_code == 401, url
    assert anon_client.post(SEGMENTS, BODY).status_code == 401
    assert anon_client.put(detail, BODY).status_code == 401
    assert anon_client.patch(detail, {"name": "x"}).status_code == 401
    assert anon_client.delete(detail).status_code == 401
    assert anon_client.post(f"{SEGMENTS}preview/", {"criteria": {}}).status_code == 401
    assert anon_client.post(f"{detail}refresh/").status_code == 401


def test_viewers_read_and_preview_but_every_write_is_403(viewer_client, segment):
    detail = f"{SEGMENTS}{segment.pk}/"

    for url in reads(segment):
        assert viewer_client.get(url).status_code == 200, url
    assert viewer_client.post(f"{SEGMENTS}preview/", {"criteria": {}}).status_code == 200
    assert viewer_client.post(SEGMENTS, BODY).status_code == 403
    assert viewer_client.put(detail, BODY).status_code == 403
    assert viewer_client.patch(detail, {"name": "x"}).status_code == 403
    assert viewer_client.delete(detail).status_code == 403
    assert viewer_client.post(f"{detail}refresh/").status_code == 403
    assert list(Segment.objects.values_list("name", flat=True)) == ["Existing"]
    assert SegmentSnapshot.objects.count() == 1


def test_managers_have_full_crud(manager_client, db):
    created = manager_client.post(SEGMENTS, BODY)
    assert created.status_code == 201, created.json()
    detail = f"{SEGMENTS}{created.json()['id']}/"

    assert manager_client.get(detail).json()["name"] == "Big spenders"
    assert manager_client.put(detail, {"name": "Bigger", "criteria": {"min_revenue": 200}}).status_code == 200
    assert manager_client.patch(detail, {"description": "Top"}).json()["criteria"] == {"min_revenue": 200}
    assert manager_client.post(f"{detail}refresh/").status_code == 200
    assert manager_client.delete(detail).status_code == 204
    assert manager_client.get(detail).status_code == 404


def test_a_user_without_a_role_reads_no_segment(anon_client, segment):
    user = User.objects.create_user(username="nobody", password="x-Very-long-pw-1")
    anon_client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")

    for url in reads(segment):
        assert anon_client.get(url).status_code == 403, url
    assert anon_client.post(f"{SEGMENTS}preview/", {"criteria": {}}).status_code == 403


def test_segment_names_are_unique(manager_client, segment):
    response = manager_client.post(SEGMENTS, {"name": "Existing", "criteria": {}})

    assert response.status_code == 400
    assert "name" in response.json()


def test_segments_list_is_paginated_searchable_and_ordered(viewer_client, db):
    for name, criteria in [("Alpha", {}), ("Beta", {"min_orders": 3}), ("Gamma", {"regions": ["North"]})]:
        segment_create(name=name, criteria=criteria_parse(criteria))

    listed = viewer_client.get(SEGMENTS, {"ordering": "-name", "page_size": 2}).json()
    found = viewer_client.get(SEGMENTS, {"search": "gam"}).json()

    assert listed["count"] == 3
    assert [row["name"] for row in listed["results"]] == ["Gamma", "Beta"]
    assert [row["name"] for row in found["results"]] == ["Gamma"]
    assert set(listed["results"][0]) == {
        "id",
        "name",
        "description",
        "criteria",
        "customers_count",
        "total_revenue",
        "refreshed_at",
        "history_line",
        "created_at",
        "updated_at",
    }
