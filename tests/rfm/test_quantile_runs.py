"""Quantile runs over the hand-worked dataset of ``tests/rfm/dataset.py``."""

from datetime import date

import pytest

from analytics.rfm.window import analytics_today
from tests.rfm.conftest import customer_rows
from tests.rfm.dataset import CUT_POINTS, EXPECTED, WINDOW

pytestmark = pytest.mark.django_db


def test_every_customer_gets_the_hand_worked_values_scores_and_segment(hand_dataset, start_run, viewer_client):
    run = start_run(algorithm="quantile", **WINDOW)

    assert run["status"] == "succeeded", run
    assert (run["reference_date"], run["customers_count"], run["error"]) == ("2024-06-30", 10, None)
    assert run["cut_points"] == {name: pytest.approx(cuts) for name, cuts in CUT_POINTS.items()}
    by_id = {customer.pk: name for name, customer in hand_dataset.items()}
    rows = {
        by_id[row["customer"]]: (
            row["recency"],
            row["frequency"],
            f"{row['monetary']:.2f}",
            row["r_score"],
            row["f_score"],
            row["m_score"],
            row["segment"],
        )
        for row in customer_rows(viewer_client, run["id"])
    }
    assert rows == EXPECTED  # K (before the window) and L (after it) are absent


def test_the_segments_summary_counts_and_sums_each_segment(hand_dataset, start_run):
    run = start_run(algorithm="quantile", **WINDOW)

    summary = {s["segment"]: (s["count"], s["total_revenue"]) for s in run["segments"]}
    expected: dict[str, tuple[int, float]] = {}
    for _r, _f, monetary, *_scores, segment in EXPECTED.values():
        count, revenue = expected.get(segment, (0, 0.0))
        expected[segment] = (count + 1, round(revenue + float(monetary), 2))
    assert summary == expected
    assert summary["Hibernating"] == (2, 70.0) and summary["Promising"] == (2, 330.0)


def test_the_rows_filter_by_segment(hand_dataset, start_run, viewer_client):
    run = start_run(algorithm="quantile", **WINDOW)

    rows = customer_rows(viewer_client, run["id"], segment="Hibernating")

    assert sorted(row["customer"] for row in rows) == sorted([hand_dataset["H"].pk, hand_dataset["J"].pk])
    assert customer_rows(viewer_client, run["id"], segment="Nobody") == []


def test_the_reference_date_is_the_end_date(hand_dataset, start_run, viewer_client):
    # Ending on 2024-06-20, A's orders of 06-30 and later fall out: 06-01 and 05-01 remain.
    run = start_run(algorithm="quantile", start_date="2024-01-01", end_date="2024-06-20")

    assert run["reference_date"] == "2024-06-20"
    row = customer_rows(viewer_client, run["id"], customer=hand_dataset["A"].pk)[0]
    assert (row["recency"], row["frequency"], row["monetary"]) == (19, 2, 150.0)
    d = customer_rows(viewer_client, run["id"], customer=hand_dataset["D"].pk)[0]
    assert (d["recency"], d["frequency"]) == (0, 4)  # its 06-20 order is on the reference date


def test_without_an_end_date_recency_counts_from_today(hand_dataset, start_run, viewer_client):
    run = start_run(algorithm="quantile")

    today = analytics_today()
    assert run["reference_date"] == today.isoformat()
    assert run["customers_count"] == 12  # no window: K and L count too
    row = customer_rows(viewer_client, run["id"], customer=hand_dataset["L"].pk)[0]
    assert row["recency"] == (today - date(2024, 7, 1)).days
    a = customer_rows(viewer_client, run["id"], customer=hand_dataset["A"].pk)[0]
    assert (a["recency"], a["frequency"], a["monetary"]) == ((today - date(2024, 7, 1)).days, 4, 270.0)


def test_a_window_without_orders_gives_an_empty_succeeded_run(hand_dataset, start_run):
    run = start_run(algorithm="quantile", start_date="2020-01-01", end_date="2020-12-31")

    assert (run["status"], run["customers_count"], run["segments"]) == ("succeeded", 0, [])
    assert run["evaluation"] == {"silhouette_score": None, "davies_bouldin_index": None, "sample_size": None}


def test_the_rows_as_csv_are_every_matching_row_unpaginated(hand_dataset, start_run, viewer_client):
    run = start_run(algorithm="quantile", **WINDOW)

    response = viewer_client.get(
        f"/api/v1/analytics/rfm-runs/{run['id']}/customers/", {"format": "csv", "segment": "Promising", "page_size": 1}
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0] == "customer,segment,cluster,recency,frequency,monetary,r_score,f_score,m_score"
    c, e = hand_dataset["C"].pk, hand_dataset["E"].pk
    assert lines[1:] == [f"{c},Promising,,5,1,300.00,4,1,5", f"{e},Promising,,10,1,30.00,4,1,2"]
