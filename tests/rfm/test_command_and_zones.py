"""run_rfm on the command line, and recency counted in local days of ANALYTICS_TIME_ZONE."""

from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from analytics.rfm.models import RfmRun
from sales.services import order_create
from tests.factories import make_customer, make_product
from tests.rfm.conftest import customer_rows

pytestmark = pytest.mark.django_db


def test_run_rfm_runs_now_shows_progress_and_prints_the_segments(hand_dataset):
    out, err = StringIO(), StringIO()

    call_command(
        "run_rfm",
        "--algorithm",
        "quantile",
        "--start-date",
        "2024-01-01",
        "--end-date",
        "2024-06-30",
        stdout=out,
        stderr=err,
    )

    run = RfmRun.objects.get()
    assert (run.status, run.customers_count) == ("succeeded", 10)
    assert f"RFM run {run.pk} succeeded" in out.getvalue()
    assert "Hibernating: 2 customers, 70.00" in out.getvalue()
    assert "4/4" in err.getvalue()  # the progress bar reached its last step


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--algorithm", "kmeans", "--n-clusters", "1"], "n_clusters"),
        (["--algorithm", "dbscan", "--eps", "0"], "eps"),
        (["--algorithm", "quantile", "--start-date", "2024-07-01", "--end-date", "2024-06-30"], "start_date"),
    ],
)
def test_run_rfm_refuses_bad_parameters_by_name(hand_dataset, arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("run_rfm", *arguments, stdout=StringIO(), stderr=StringIO())
    assert not RfmRun.objects.exists()


def test_recency_and_the_window_follow_the_analytics_time_zone(settings, start_run, viewer_client):
    # New York: 2024-03-10 03:30 UTC is 22:30 on the 9th there; 2024-03-11 03:00 UTC is 23:00 on the 10th
    # (daylight saving began that night), so it is inside a window ending on the 10th.
    settings.ANALYTICS_TIME_ZONE = "America/New_York"
    product = make_product(unit_price="10.00", stock=100)
    late_evening, last_minute = make_customer(name="late evening"), make_customer(name="last minute")
    order_create(
        customer=late_evening,
        ordered_at=datetime(2024, 3, 10, 3, 30, tzinfo=UTC),
        lines=[{"product": product, "quantity": 1}],
    )
    order_create(
        customer=last_minute,
        ordered_at=datetime(2024, 3, 11, 3, 0, tzinfo=UTC),
        lines=[{"product": product, "quantity": 1}],
    )
    outside = make_customer(name="too late")
    order_create(
        customer=outside,
        ordered_at=datetime(2024, 3, 11, 4, 30, tzinfo=UTC),
        lines=[{"product": product, "quantity": 1}],
    )

    run = start_run(algorithm="quantile", start_date="2024-03-01", end_date="2024-03-10")

    recency = {row["customer"]: row["recency"] for row in customer_rows(viewer_client, run["id"])}
    assert recency == {late_evening.pk: 1, last_minute.pk: 0}  # 00:30 on the 11th in New York is outside
