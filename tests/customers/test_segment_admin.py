"""Segments in the staff admin: readable criteria, member counts, links to members and history."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from customers.criteria import criteria_parse
from customers.models import Segment, SegmentChange, SegmentSnapshot
from customers.services import segment_create, segment_refresh
from tests.customers.conftest import at, expected_members

pytestmark = pytest.mark.django_db

CRITERIA = {"categories": ["Books", "Garden"], "regions": ["North"], "start_date": "2024-01-01", "min_revenue": 10}


@pytest.fixture
def admin_client(client: Client, superuser: User) -> Client:
    client.force_login(superuser)
    return client


@pytest.fixture
def readers(shop) -> Segment:
    return segment_create(name="Northern readers", criteria=criteria_parse(CRITERIA)).segment


def test_the_segment_list_shows_readable_criteria_member_counts_and_links(admin_client, readers):
    response = admin_client.get(reverse("admin:customers_segment_changelist"))

    assert response.status_code == 200
    text = response.text
    assert "Orders: at least 1 · Revenue: at least 10.00 · Categories: Books, Garden · Regions: North" in text
    assert "Ordered: 2024-01-01 to today" in text
    members = reverse("admin:customers_customer_changelist") + f"?segment={readers.pk}"
    assert f'href="{members}"' in text
    assert f'href="/api/v1/segments/{readers.pk}/customers/?format=csv"' in text
    assert f"?segment__id__exact={readers.pk}" in text
    assert [segment.customers_count for segment in response.context["cl"].result_list] == [
        len(expected_members(CRITERIA))
    ]


def test_the_members_link_lists_the_members_of_the_last_refresh(admin_client, shop, readers):
    response = admin_client.get(reverse("admin:customers_customer_changelist"), {"segment": readers.pk})

    assert response.status_code == 200
    assert {customer.pk for customer in response.context["cl"].result_list} == set(expected_members(CRITERIA))


def test_the_history_links_list_snapshots_and_changes(admin_client, shop, readers):
    shop.buy("fay", at("2024-05-05T10:00:00"), "North", [("Books", "20.00")])
    segment_refresh(segment_id=readers.pk, reason="manual")

    snapshots = admin_client.get(
        reverse("admin:customers_segmentsnapshot_changelist"), {"segment__id__exact": readers.pk}
    )
    changes = admin_client.get(reverse("admin:customers_segmentchange_changelist"), {"segment__id__exact": readers.pk})

    assert snapshots.status_code == changes.status_code == 200
    assert snapshots.context["cl"].result_count == 2
    assert [(c.customer.name, c.direction) for c in changes.context["cl"].result_list] == [("Fay", "entered")]
    change = SegmentChange.objects.get()
    assert admin_client.get(reverse("admin:customers_segmentchange_change", args=[change.pk])).status_code == 200
    assert admin_client.post(reverse("admin:customers_segmentchange_delete", args=[change.pk])).status_code == 403


def test_adding_a_segment_in_the_admin_takes_its_first_snapshot(admin_client, shop):
    response = admin_client.post(
        reverse("admin:customers_segment_add"),
        {"name": "Garden", "description": "", "criteria": '{"categories": ["Garden"]}'},
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    segment = Segment.objects.get(name="Garden")
    assert segment.customers_count == len(expected_members({"categories": ["Garden"]}))
    assert SegmentSnapshot.objects.get(segment=segment).reason == "created"


def test_changing_the_criteria_in_the_admin_starts_a_new_history_line(admin_client, readers):
    response = admin_client.post(
        reverse("admin:customers_segment_change", args=[readers.pk]),
        {"name": readers.name, "description": "", "criteria": '{"categories": ["Toys"]}'},
    )

    assert response.status_code == 302
    readers.refresh_from_db()
    assert (readers.history_line, readers.criteria) == (2, {"categories": ["Toys"]})
    assert list(SegmentSnapshot.objects.filter(segment=readers).values_list("line", flat=True)) == [1, 2]


def test_invalid_criteria_in_the_admin_are_refused_with_the_criterion_named(admin_client, db):
    response = admin_client.post(
        reverse("admin:customers_segment_add"), {"name": "Bad", "description": "", "criteria": '{"max_orders": -2}'}
    )

    assert response.status_code == 200
    assert "max_orders" in str(response.context["adminform"].form.errors["criteria"])
    assert not Segment.objects.exists()


def test_the_refresh_action_refreshes_the_selected_segments(admin_client, shop, readers):
    shop.buy("fay", at("2024-05-05T10:00:00"), "North", [("Books", "20.00")])

    response = admin_client.post(
        reverse("admin:customers_segment_changelist"),
        {"action": "refresh_segments", "_selected_action": [readers.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "1 moved and got a new snapshot" in response.text
    assert SegmentChange.objects.filter(segment=readers, direction="entered").count() == 1


def test_segment_pages_open(admin_client, readers):
    for name in ["segment_add", "segmentsnapshot_changelist", "segmentchange_changelist"]:
        assert admin_client.get(reverse(f"admin:customers_{name}")).status_code == 200
    assert admin_client.get(reverse("admin:customers_segment_change", args=[readers.pk])).status_code == 200
    snapshot = SegmentSnapshot.objects.get()
    assert admin_client.get(reverse("admin:customers_segmentsnapshot_change", args=[snapshot.pk])).status_code == 200
