"""The run API's contract: bad parameters are 400s naming them, roles, and queries that do not grow."""

from datetime import timedelta

import pytest
from django.utils import timezone

from analytics.rfm.models import RfmRun
from analytics.rfm.services import rfm_runs_fail_stale
from tests.rfm.dataset import WINDOW

pytestmark = pytest.mark.django_db

RUNS = "/api/v1/analytics/rfm-runs/"

INVALID = [
    ({}, "algorithm"),
    ({"algorithm": "hdbscan"}, "algorithm"),
    ({"algorithm": "kmeans\x00"}, "algorithm"),
    ({"algorithm": "kmeans", "n_clusters": 1}, "n_clusters"),
    ({"algorithm": "kmeans", "n_clusters": 0}, "n_clusters"),
    ({"algorithm": "kmeans", "n_clusters": 11}, "n_clusters"),  # 10 customers ordered in the window
    ({"algorithm": "kmeans", "n_clusters": 10**30}, "n_clusters"),
    ({"algorithm": "kmeans", "n_clusters": "3.5"}, "n_clusters"),
    ({"algorithm": "kmeans", "n_clusters": True}, "n_clusters"),
    ({"algorithm": "kmeans", "n_clusters": "NaN"}, "n_clusters"),
    ({"algorithm": "dbscan", "n_clusters": 3}, "n_clusters"),
    ({"algorithm": "dbscan", "eps": 0}, "eps"),
    ({"algorithm": "dbscan", "eps": -0.5}, "eps"),
    ({"algorithm": "dbscan", "eps": "NaN"}, "eps"),
    ({"algorithm": "dbscan", "eps": "nan"}, "eps"),
    ({"algorithm": "dbscan", "eps": "Infinity"}, "eps"),
    ({"algorithm": "dbscan", "eps": 1e308}, "eps"),
    ({"algorithm": "dbscan", "eps": "1e400"}, "eps"),
    ({"algorithm": "dbscan", "eps": True}, "eps"),
    ({"algorithm": "kmeans", "eps": 0.5}, "eps"),
    ({"algorithm": "dbscan", "min_samples": 0}, "min_samples"),
    ({"algorithm": "dbscan", "min_samples": 10**12}, "min_samples"),
    ({"algorithm": "quantile", "start_date": "2024-02-30"}, "start_date"),
    ({"algorithm": "quantile", "start_date": "yesterday"}, "start_date"),
    ({"algorithm": "quantile", "start_date": "2024-01-01\x00"}, "start_date"),
    ({"algorithm": "quantile", "end_date": "2024-06-31"}, "end_date"),
    ({"algorithm": "quantile", "start_date": "2024-07-01", "end_date": "2024-06-30"}, "start_date"),
    ({"algorithm": "quantile", "n_cluster": 3}, "n_cluster"),
]


@pytest.mark.parametrize(("body", "field"), INVALID, ids=[f"{field}-{i}" for i, (_b, field) in enumerate(INVALID)])
def test_every_invalid_parameter_is_a_400_naming_it(hand_dataset, manager_client, body, field):
    response = manager_client.post(RUNS, {**WINDOW, **body} if "start_date" not in body else body, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not RfmRun.objects.exists()


def test_a_json_nan_literal_is_a_400_not_a_500(manager_client):
    response = manager_client.post(RUNS, '{"algorithm": "dbscan", "eps": NaN}', content_type="application/json")

    assert response.status_code == 400
    assert not RfmRun.objects.exists()


def test_a_form_encoded_nan_is_a_400_naming_eps(manager_client):
    response = manager_client.post(RUNS, {"algorithm": "dbscan", "eps": "nan"}, format="multipart")

    assert response.status_code == 400
    assert "eps" in response.json()


def test_n_clusters_up_to_the_customer_count_is_accepted(hand_dataset, start_run):
    run = start_run(algorithm="kmeans", n_clusters=10, **WINDOW)

    assert run["status"] == "succeeded"
    assert sum(segment["count"] for segment in run["segments"]) == 10


def test_anonymous_requests_get_401(anon_client, hand_dataset, start_run):
    run = start_run(algorithm="quantile", **WINDOW)
    for url in (RUNS, f"{RUNS}{run['id']}/", f"{RUNS}{run['id']}/customers/", f"{RUNS}{run['id']}/compare/?with=1"):
        assert anon_client.get(url).status_code == 401, url
    assert anon_client.post(RUNS, {"algorithm": "quantile"}, format="json").status_code == 401


def test_a_viewer_reads_runs_but_cannot_start_one(viewer_client, hand_dataset, start_run):
    run = start_run(algorithm="quantile", **WINDOW)

    assert viewer_client.post(RUNS, {"algorithm": "quantile"}, format="json").status_code == 403
    assert viewer_client.get(f"{RUNS}{run['id']}/").status_code == 200
    assert viewer_client.get(f"{RUNS}{run['id']}/customers/").status_code == 200
    assert RfmRun.objects.count() == 1


def test_the_run_list_takes_the_same_queries_for_one_run_or_five(
    viewer_client, hand_dataset, start_run, django_assert_num_queries
):
    start_run(algorithm="quantile", **WINDOW)
    # token + user, permissions (user's, groups'), count, runs, their segments
    with django_assert_num_queries(6):
        assert viewer_client.get(RUNS).json()["count"] == 1
    for algorithm in ("kmeans", "dbscan", "quantile", "kmeans"):
        start_run(algorithm=algorithm, **WINDOW)
    with django_assert_num_queries(6):
        body = viewer_client.get(RUNS).json()
    assert body["count"] == 5
    assert all(run["segments"] for run in body["results"])


def test_the_customer_rows_take_the_same_queries_whatever_the_page(
    viewer_client, hand_dataset, start_run, django_assert_num_queries
):
    run = start_run(algorithm="quantile", **WINDOW)
    # token + user, permissions (user's, groups'), the run exists, count, rows
    with django_assert_num_queries(6):
        rows = viewer_client.get(f"{RUNS}{run['id']}/customers/", {"page_size": 3}).json()
    assert (rows["count"], len(rows["results"])) == (10, 3)
    with django_assert_num_queries(6):
        assert len(viewer_client.get(f"{RUNS}{run['id']}/customers/").json()["results"]) == 10


def test_the_rows_of_an_unknown_run_are_404(viewer_client):
    assert viewer_client.get(f"{RUNS}999/customers/").status_code == 404


def test_a_running_run_whose_heartbeat_stopped_is_failed_and_a_live_one_is_not(settings):
    settings.RFM_STALE_AFTER_SECONDS = 120
    now = timezone.now()
    dead = RfmRun.objects.create(
        algorithm="kmeans", status="running", reference_date=now.date(), heartbeat_at=now - timedelta(minutes=5)
    )
    alive = RfmRun.objects.create(algorithm="kmeans", status="running", reference_date=now.date(), heartbeat_at=now)

    assert rfm_runs_fail_stale() == 1

    dead.refresh_from_db()
    assert (dead.status, dead.completed_at is not None) == ("failed", True)
    assert "no heartbeat for 120 s" in dead.error
    assert RfmRun.objects.get(pk=alive.pk).status == "running"


def test_a_run_no_worker_took_within_the_hour_is_failed_and(settings):
    settings.RFM_QUEUED_EXPIRE_SECONDS = 3600
    now = timezone.now()
    lost = RfmRun.objects.create(algorithm="quantile", reference_date=now.date())
    RfmRun.objects.filter(pk=lost.pk).update(created_at=now - timedelta(hours=2))
    waiting = RfmRun.objects.create(algorithm="quantile", reference_date=now.date())

    assert rfm_runs_fail_stale() == 1

    lost.refresh_from_db()
    assert (lost.status, "No worker took this run" in lost.error) == ("failed", True)
    assert RfmRun.objects.get(pk=waiting.pk).status == "queued"
