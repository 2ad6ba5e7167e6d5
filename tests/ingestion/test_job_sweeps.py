"""Housekeeping sweeps: stale running jobs fail, lost queued jobs are sent again, old uploads are deleted."""

import os
from datetime import timedelta

import pytest
from django.utils import timezone

from ingestion.models import ImportJob
from ingestion.services import import_jobs_fail_stale, import_jobs_requeue_lost, import_uploads_delete_expired
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


@pytest.fixture
def uploads(tmp_path, settings):
    settings.IMPORT_ROOT = tmp_path
    settings.IMPORT_UPLOAD_RETENTION_DAYS = 30
    folder = tmp_path / "uploads"
    folder.mkdir()
    return folder


def upload_of(folder, *, status: str, ended_days_ago: float | None) -> tuple[ImportJob, object]:
    job = ImportJob.objects.create(kind="sales", source="upload:x.csv", file_path="", status=status)
    path = folder / f"{job.pk}.csv"
    path.write_text("Order ID\n")
    completed_at = timezone.now() - timedelta(days=ended_days_ago) if ended_days_ago is not None else None
    ImportJob.objects.filter(pk=job.pk).update(file_path=str(path.resolve()), completed_at=completed_at)
    return job, path


def test_uploads_are_deleted_a_retention_period_after_their_job_ends(uploads):
    _old_job, old = upload_of(uploads, status="succeeded", ended_days_ago=31)
    _failed_job, failed = upload_of(uploads, status="failed", ended_days_ago=45)
    _recent_job, recent = upload_of(uploads, status="succeeded", ended_days_ago=2)
    _waiting_job, waiting = upload_of(uploads, status="queued", ended_days_ago=None)

    assert import_uploads_delete_expired() == 2

    assert (old.exists(), failed.exists(), recent.exists(), waiting.exists()) == (False, False, True, True)
    assert ImportJob.objects.count() == 4  # the log keeps every job


def test_stray_uploads_go_by_age_and_files_outside_uploads_are_never_touched(uploads, tmp_path):
    stray_old, stray_new = uploads / "stray-old.csv", uploads / "stray-new.csv"
    for path in (stray_old, stray_new):
        path.write_text("Order ID\n")
    long_ago = (timezone.now() - timedelta(days=40)).timestamp()
    os.utime(stray_old, (long_ago, long_ago))
    users_file = tmp_path / "daily.csv"  # a file_path import reads the user's own file
    users_file.write_text("Order ID\n")
    job = ImportJob.objects.create(kind="sales", source="daily.csv", file_path=str(users_file), status="succeeded")
    ImportJob.objects.filter(pk=job.pk).update(completed_at=timezone.now() - timedelta(days=400))

    assert import_uploads_delete_expired() == 1

    assert (stray_old.exists(), stray_new.exists(), users_file.exists()) == (False, True, True)
