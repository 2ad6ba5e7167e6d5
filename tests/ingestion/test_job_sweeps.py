"""The sweeps that keep jobs from waiting forever: stale running jobs fail, lost queued jobs are sent again."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ingestion.models import ImportJob
from ingestion.services import import_jobs_fail_stale, import_jobs_requeue_lost
from sales.models import Order
from tests.ingestion.csv_files import sales_row, write_csv

pytestmark = pytest.mark.django_db


def queued_job(tmp_path, *, age: timedelta, **fields) -> ImportJob:
    path = write_csv(tmp_path / "sales.csv", [sales_row(order_id="O-1"), sales_row(order_id="O-2")])
    job = ImportJob.objects.create(kind="sales", source="sales.csv", file_path=str(path), **fields)
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - age)
    return job


def test_a_job_whose_message_was_lost_is_sent_again_and_runs(tmp_path, settings):
    # Given a job queued 15 minutes ago that no worker ever received (the test broker runs tasks at once)
    settings.IMPORT_REQUEUE_AFTER_SECONDS = 600
    job = queued_job(tmp_path, age=timedelta(minutes=15))

    sent = import_jobs_requeue_lost()

    job.refresh_from_db()
    assert sent == 1
    assert job.requeued_at is not None
    assert (job.status, job.rows_created) == ("succeeded", 2)
    assert Order.objects.count() == 2


def test_a_job_queued_moments_ago_is_left_to_its_message(tmp_path):
    job = queued_job(tmp_path, age=timedelta(seconds=30))

    assert import_jobs_requeue_lost() == 0
    job.refresh_from_db()
    assert (job.status, job.requeued_at) == ("queued", None)


def test_a_job_is_sent_again_at_most_once_per_interval(tmp_path):
    # Given an old job that was already sent again a minute ago
    job = queued_job(tmp_path, age=timedelta(hours=2), requeued_at=timezone.now() - timedelta(minutes=1))

    assert import_jobs_requeue_lost() == 0
    assert ImportJob.objects.get(pk=job.pk).status == "queued"


def test_nothing_is_sent_again_while_an_import_runs(tmp_path):
    # Given a long import still beating, and a job waiting behind it
    ImportJob.objects.create(kind="sales", source="big.csv", status="running", heartbeat_at=timezone.now())
    job = queued_job(tmp_path, age=timedelta(hours=1))

    assert import_jobs_requeue_lost() == 0
    assert ImportJob.objects.get(pk=job.pk).status == "queued"


def test_a_running_job_whose_heartbeat_stopped_is_failed_and_a_live_one_is_not(settings):
    settings.IMPORT_STALE_AFTER_SECONDS = 120
    now = timezone.now()
    dead = ImportJob.objects.create(
        kind="sales", source="a.csv", status="running", heartbeat_at=now - timedelta(minutes=5)
    )
    alive = ImportJob.objects.create(kind="sales", source="b.csv", status="running", heartbeat_at=now)

    assert import_jobs_fail_stale() == 1

    dead.refresh_from_db()
    assert dead.status == "failed"
    assert "no heartbeat for 120 s" in dead.error
    assert dead.completed_at is not None
    assert ImportJob.objects.get(pk=alive.pk).status == "running"
