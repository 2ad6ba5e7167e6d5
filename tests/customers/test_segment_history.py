"""History: snapshots of a segment's size and revenue, and the customers who entered and left it."""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from customers.criteria import criteria_parse
from customers.models import Customer, Segment, SegmentChange, SegmentMember, SegmentSnapshot
from customers.services import segment_create, segment_refresh, segment_refresh_gate_key, segment_update
from customers.tasks import refresh_all_segments
from ingestion.services import import_job_create_local, import_job_run
from sales.models import Order
from sales.services import order_delete, order_update
from tests.customers.conftest import at, expected_members
from tests.ingestion.csv_files import sales_row, write_csv

pytestmark = pytest.mark.django_db

SEGMENTS = "/api/v1/segments/"


def line(order_id: str, customer: str, amount: str, date: str = "2024-03-05") -> dict[str, str]:
    return sales_row(
        order_id=order_id,
        customer_id=customer,
        customer_name=f"Customer {customer}",
        customer_email=f"{customer.lower()}@example.com",
        unit_price=amount,
        quantity_sold="1",
        date_of_sale=date,
    )


def run_import(path: Path) -> None:
    job = import_job_run(job_id=import_job_create_local(kind="sales", path=path).pk)
    assert job.status == "succeeded", job.error


def changes_of(segment: Segment) -> set[tuple[str, str]]:
    return set(SegmentChange.objects.filter(segment=segment).values_list("customer__code", "direction"))


def test_an_import_that_moves_two_customers_in_and_one_out_records_exactly_those_changes(
    tmp_path, django_capture_on_commit_callbacks
):
    # Given three customers inside a 50..200 revenue band, and the segment's first snapshot
    run_import(
        write_csv(
            tmp_path / "a.csv",
            [line("O-1", "C-1", "100.00"), line("O-2", "C-2", "60.00"), line("O-3", "C-3", "150.00")],
        )
    )
    segment = segment_create(name="Mid", criteria=criteria_parse({"min_revenue": 50, "max_revenue": 200})).segment
    first = SegmentSnapshot.objects.get(segment=segment)
    assert (first.customers_count, first.entered_count, first.left_count) == (3, 0, 0)

    # When an import brings C-4 and C-5 into the band and pushes C-3 above it
    rows = [
        line("O-1", "C-1", "100.00"),
        line("O-4", "C-4", "80.00"),
        line("O-5", "C-5", "120.00"),
        line("O-6", "C-3", "100.00"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        run_import(write_csv(tmp_path / "b.csv", rows))

    # Then exactly those three changes are recorded, on a new snapshot of the new size and revenue
    assert changes_of(segment) == {("C-4", "entered"), ("C-5", "entered"), ("C-3", "left")}
    assert SegmentChange.objects.filter(segment=segment).count() == 3
    latest = SegmentSnapshot.objects.filter(segment=segment).latest("taken_at")
    assert latest.pk != first.pk
    expected = expected_members({"min_revenue": 50, "max_revenue": 200})
    assert set(Customer.objects.filter(pk__in=expected).values_list("code", flat=True)) == {"C-1", "C-2", "C-4", "C-5"}
    assert (latest.customers_count, latest.entered_count, latest.left_count, latest.reason) == (4, 2, 1, "import")
    assert (
        latest.total_revenue == sum((stats.total_revenue for stats in expected.values()), Decimal(0)) == Decimal("360")
    )
    assert set(SegmentChange.objects.filter(segment=segment).values_list("snapshot_id", flat=True)) == {latest.pk}
    segment.refresh_from_db()
    assert (segment.customers_count, segment.total_revenue) == (4, Decimal("360.00"))

    # And a second refresh with no change in the data adds no change rows and no snapshot
    again = segment_refresh(segment_id=segment.pk, reason="manual")
    assert (again.snapshot, again.entered, again.left) == (None, 0, 0)
    assert SegmentChange.objects.filter(segment=segment).count() == 3
    assert SegmentSnapshot.objects.filter(segment=segment).count() == 2


def test_a_criteria_change_starts_a_new_history_line_without_reporting_every_member(manager_client, shop):
    segment = segment_create(name="Books", criteria=criteria_parse({"categories": ["Books"]})).segment

    response = manager_client.patch(f"{SEGMENTS}{segment.pk}/", {"criteria": {"categories": ["Toys"]}})

    assert response.status_code == 200
    assert response.json()["history_line"] == 2
    snapshots = list(SegmentSnapshot.objects.filter(segment=segment).order_by("taken_at", "id"))
    assert [(s.line, s.reason, s.criteria) for s in snapshots] == [
        (1, "created", {"categories": ["Books"]}),
        (2, "criteria_changed", {"categories": ["Toys"]}),
    ]
    assert snapshots[1].customers_count == len(expected_members({"categories": ["Toys"]}))
    assert (snapshots[1].entered_count, snapshots[1].left_count) == (0, 0)
    assert not SegmentChange.objects.filter(segment=segment).exists()
    assert set(SegmentMember.objects.filter(segment=segment).values_list("customer_id", flat=True)) == set(
        expected_members({"categories": ["Toys"]})
    )


def test_a_change_that_keeps_the_rules_keeps_the_history_line(manager_client, shop):
    segment = segment_create(name="Books", criteria=criteria_parse({"categories": ["Books"]})).segment

    renamed = manager_client.patch(f"{SEGMENTS}{segment.pk}/", {"name": "Readers", "description": "Bookish"})
    restated = manager_client.patch(
        f"{SEGMENTS}{segment.pk}/", {"criteria": {"categories": ["Books"], "min_orders": 1}}
    )

    assert renamed.status_code == restated.status_code == 200
    assert restated.json()["history_line"] == 1
    assert restated.json()["criteria"] == {"categories": ["Books"], "min_orders": 1}
    assert SegmentSnapshot.objects.filter(segment=segment).count() == 1


def test_order_writes_record_who_entered_and_left(shop, django_capture_on_commit_callbacks):
    # Given a segment of customers with two or more orders in 2024 (ann, cat, dan)
    criteria = {"start_date": "2024-01-01", "end_date": "2024-12-31", "min_orders": 2}
    segment = segment_create(name="Repeat", criteria=criteria_parse(criteria)).segment
    assert shop.names(SegmentMember.objects.filter(segment=segment).values_list("customer_id", flat=True)) == {
        "ann",
        "cat",
        "dan",
    }

    # When gus orders again, and one of dan's orders moves out of 2024
    with django_capture_on_commit_callbacks(execute=True):
        shop.buy("gus", at("2024-09-09T10:00:00"), "South", [("Toys", "5.00")])
    dans_order = Order.objects.filter(customer=shop.customers["dan"]).order_by("ordered_at").first()
    with django_capture_on_commit_callbacks(execute=True):
        order_update(order=dans_order, ordered_at=at("2025-02-01T00:00:00"))

    # Then gus entered and dan left, each at its own refresh, after the order writes
    assert [
        (shop.names([pk]).pop(), direction, reason)
        for pk, direction, reason in SegmentChange.objects.filter(segment=segment)
        .order_by("at", "id")
        .values_list("customer_id", "direction", "snapshot__reason")
    ] == [("gus", "entered", "orders"), ("dan", "left", "orders")]

    # And deleting one of cat's two orders takes cat out too
    with django_capture_on_commit_callbacks(execute=True):
        order_delete(order=Order.objects.filter(customer=shop.customers["cat"]).first())
    assert ("Cat", "left") in {(c.customer.name, c.direction) for c in SegmentChange.objects.filter(segment=segment)}
    assert SegmentMember.objects.filter(segment=segment).count() == len(expected_members(criteria)) == 2


def test_order_writes_while_a_refresh_is_scheduled_schedule_no_other(shop, django_capture_on_commit_callbacks):
    # Given a segment whose debounced refresh is already scheduled (its gate is taken)
    segment = segment_create(name="All", criteria=criteria_parse({})).segment
    cache.add(segment_refresh_gate_key(segment.pk), 1, timeout=settings.SEGMENT_REFRESH_DEBOUNCE_SECONDS)

    # When orders are written meanwhile
    with django_capture_on_commit_callbacks(execute=True):
        shop.buy("fay", at("2024-09-09T10:00:00"), "South", [("Toys", "5.00")])
        shop.buy("eve", at("2024-09-09T10:00:00"), "South", [("Toys", "5.00")])

    # Then no refresh ran for them: the scheduled one will see both writes
    assert SegmentSnapshot.objects.filter(segment=segment).count() == 1

    # And once the gate is open again the next write refreshes, seeing all three
    cache.delete(segment_refresh_gate_key(segment.pk))
    with django_capture_on_commit_callbacks(execute=True):
        shop.buy("eve", at("2024-09-10T10:00:00"), "South", [("Toys", "5.00")])
    latest = SegmentSnapshot.objects.filter(segment=segment).latest("taken_at")
    assert (latest.reason, latest.entered_count) == ("orders", 1)
    assert changes_of(segment) == {(shop.customers["fay"].code, "entered")}


def test_the_daily_beat_refreshes_every_segment(shop):
    assert settings.CELERY_BEAT_SCHEDULE["refresh-all-segments"]["task"] == "customers.tasks.refresh_all_segments"
    north = segment_create(name="North", criteria=criteria_parse({"regions": ["North"]})).segment
    south = segment_create(name="South", criteria=criteria_parse({"regions": ["South"]})).segment
    Order.objects.filter(region="South").update(region="North")  # a write no hook sees

    assert refresh_all_segments() == 2

    for segment, direction in ((north, "entered"), (south, "left")):
        latest = SegmentSnapshot.objects.filter(segment=segment).latest("taken_at")
        assert latest.reason == "daily"
        assert {d for _, d in changes_of(segment)} == {direction}
    assert SegmentMember.objects.filter(segment=south).count() == 0


def test_refresh_on_demand_is_for_managers(anon_client, viewer_client, manager_client, shop):
    segment = segment_create(name="All", criteria=criteria_parse({})).segment
    shop.buy("fay", at("2024-09-09T10:00:00"), "South", [("Toys", "5.00")])  # not captured: no hook ran
    url = f"{SEGMENTS}{segment.pk}/refresh/"

    assert anon_client.post(url).status_code == 401
    assert viewer_client.post(url).status_code == 403
    response = manager_client.post(url)

    assert response.status_code == 200
    body = response.json()
    assert (body["entered"], body["left"]) == (1, 0)
    assert body["snapshot"]["customers_count"] == body["segment"]["customers_count"] == 7
    assert body["snapshot"]["reason"] == "manual"
    again = manager_client.post(url).json()
    assert (again["snapshot"], again["entered"], again["left"]) == (None, 0, 0)
    assert manager_client.post(f"{SEGMENTS}999/refresh/").status_code == 404


def _segment_with_history(shop) -> Segment:
    """Three snapshots a day apart: created (6 members), fay entered, then ann left."""
    segment = segment_create(name="All", criteria=criteria_parse({"max_revenue": 400})).segment
    shop.buy("fay", at("2024-09-09T10:00:00"), "South", [("Toys", "5.00")])
    segment_refresh(segment_id=segment.pk, reason="manual")
    shop.buy("dan", at("2024-09-09T10:00:00"), "South", [("Toys", "300.00")])
    segment_refresh(segment_id=segment.pk, reason="manual")
    snapshots = list(SegmentSnapshot.objects.filter(segment=segment).order_by("id"))
    base = timezone.now().replace(microsecond=0) - timedelta(days=3)
    for n, snapshot in enumerate(snapshots):
        SegmentSnapshot.objects.filter(pk=snapshot.pk).update(taken_at=base + timedelta(days=n))
        SegmentChange.objects.filter(snapshot=snapshot).update(at=base + timedelta(days=n))
    return segment


def test_history_lists_the_snapshots_oldest_first_for_a_chart(viewer_client, shop):
    segment = _segment_with_history(shop)

    body = viewer_client.get(f"{SEGMENTS}{segment.pk}/history/").json()

    assert body["count"] == 3
    assert [(row["customers_count"], row["entered_count"], row["left_count"]) for row in body["results"]] == [
        (5, 0, 0),  # ann, bob, cat, gus and eve (dan's 349.99 is within 400, eve's 500 is not) ...
        (6, 1, 0),
        (5, 0, 1),
    ]
    assert [row["reason"] for row in body["results"]] == ["created", "manual", "manual"]
    assert body["results"][0]["criteria"] == {"max_revenue": 400}
    assert [row["total_revenue"] for row in body["results"]][-1] == float(
        sum(s.total_revenue for s in expected_members({"max_revenue": 400}).values())
    )


def test_changes_are_filtered_by_time_and_direction_and_paginated(viewer_client, shop):
    segment = _segment_with_history(shop)
    url = f"{SEGMENTS}{segment.pk}/changes/"
    entered, left = SegmentChange.objects.order_by("at")

    everything = viewer_client.get(url).json()
    only_left = viewer_client.get(url, {"direction": "left"}).json()
    since_second_day = viewer_client.get(url, {"since": left.at.isoformat()}).json()
    until_first_change = viewer_client.get(url, {"until": entered.at.date().isoformat()}).json()
    paged = viewer_client.get(url, {"page_size": 1, "page": 2}).json()

    assert [(row["customer"], row["direction"]) for row in everything["results"]] == [
        (shop.id("fay"), "entered"),
        (shop.id("dan"), "left"),
    ]
    assert everything["results"][0]["customer_name"] == "Fay"
    assert [row["direction"] for row in only_left["results"]] == ["left"]
    assert [row["customer"] for row in since_second_day["results"]] == [shop.id("dan")]
    assert [row["customer"] for row in until_first_change["results"]] == [shop.id("fay")]
    assert (paged["count"], [row["customer"] for row in paged["results"]]) == (2, [shop.id("dan")])


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"since": "yesterday"}, "since"),
        ({"until": "2024-13-01"}, "until"),
        ({"until": "9999-12-31"}, "until"),
        ({"since": "0001-01-01T00:00:00+14:00"}, "since"),
        ({"direction": "sideways"}, "direction"),
        ({"since": "2024-02-02", "until": "2024-02-01"}, "since"),
        ({"ordering": "customer__email"}, "ordering"),
    ],
)
def test_bad_change_filters_are_400_naming_the_parameter(viewer_client, shop, params, name):
    segment = segment_create(name="All", criteria=criteria_parse({})).segment

    response = viewer_client.get(f"{SEGMENTS}{segment.pk}/changes/", params)

    assert response.status_code == 400
    assert name in response.json()


def test_storage_stays_bounded_a_refresh_writes_counts_and_changes_only(shop):
    segment = segment_create(name="All", criteria=criteria_parse({})).segment
    members = SegmentMember.objects.filter(segment=segment).count()
    for _ in range(5):
        segment_refresh(segment_id=segment.pk, reason="manual")
    shop.buy("fay", at("2024-09-09T10:00:00"), "South", [("Toys", "5.00")])
    segment_refresh(segment_id=segment.pk, reason="manual")

    # One current-member row per member, one snapshot per refresh that moved, one row per change
    assert SegmentMember.objects.filter(segment=segment).count() == members + 1
    assert SegmentSnapshot.objects.filter(segment=segment).count() == 2
    assert SegmentChange.objects.filter(segment=segment).count() == 1


def test_deleting_a_segment_deletes_its_history(manager_client, shop):
    segment = segment_create(name="All", criteria=criteria_parse({})).segment
    segment_update(segment=segment, criteria=criteria_parse({"regions": ["North"]}))

    assert manager_client.delete(f"{SEGMENTS}{segment.pk}/").status_code == 204

    assert not SegmentSnapshot.objects.exists()
    assert not SegmentMember.objects.exists()


def test_an_order_write_succeeds_when_its_segment_refresh_cannot_be_queued(
    manager_client, shop, monkeypatch, django_capture_on_commit_callbacks
):
    # Given a segment, and a broker that refuses every message
    from kombu.exceptions import OperationalError

    from customers.tasks import refresh_segment_debounced

    segment = segment_create(name="All", criteria=criteria_parse({})).segment

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to broker. Connection refused.")

    monkeypatch.setattr(refresh_segment_debounced, "apply_async", broker_down)
    product = shop.category("Books").products.first()

    # When a manager writes an order
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            "/api/v1/orders/", {"customer": shop.id("fay"), "lines": [{"product": product.pk, "quantity": 1}]}
        )

    # Then the order is saved and answered; the segment catches up at its next refresh
    assert response.status_code == 201
    assert Order.objects.filter(customer=shop.customers["fay"]).count() == 1
    assert SegmentSnapshot.objects.filter(segment=segment).count() == 1
    assert cache.get(segment_refresh_gate_key(segment.pk)) is None  # the next write tries again
    assert segment_refresh(segment_id=segment.pk, reason="daily").entered == 1
