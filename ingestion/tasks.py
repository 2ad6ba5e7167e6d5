"""Celery tasks of the ingestion app: thin wrappers that take ids and call services."""

import uuid

from celery import shared_task
from celery.signals import worker_ready
from django.db import InterfaceError, OperationalError

from ingestion.services import (
    import_job_run,
    import_jobs_fail_stale,
    import_jobs_requeue_lost,
    import_uploads_delete_expired,
)


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    max_retries=3,
    retry_backoff=True,
    # The job row is the result: sending one must not wait on the result store (Redis), which may be down.
    ignore_result=True,
)
def run_import_job(job_id: str) -> str:
    """Run one import job. Idempotent: a redelivered message finds the job claimed and does nothing."""
    return import_job_run(job_id=uuid.UUID(job_id)).status


@shared_task
def fail_stale_import_jobs() -> int:
    """Beat, every minute: fail jobs whose worker died mid-import."""
    return import_jobs_fail_stale()


@shared_task
def requeue_lost_import_jobs() -> int:
    """Beat, every minute: send again jobs queued long past any reason to wait."""
    return import_jobs_requeue_lost()


@shared_task
def delete_expired_uploads() -> int:
    """Beat, daily: uploaded files are kept ``IMPORT_UPLOAD_RETENTION_DAYS`` after their job ends."""
    return import_uploads_delete_expired()


@worker_ready.connect
def _fail_stale_jobs_on_worker_start(**kwargs) -> None:
    # A worker that restarts after a crash settles its predecessor's jobs at once, not at the next beat.
    import_jobs_fail_stale()
