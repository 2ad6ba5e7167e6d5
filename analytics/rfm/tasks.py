"""Celery tasks of RFM runs: thin wrappers that take ids and call services."""

from celery import shared_task
from celery.signals import worker_ready
from django.db import InterfaceError, OperationalError

from analytics.rfm.services import rfm_run_execute, rfm_runs_fail_stale


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    max_retries=3,
    retry_backoff=True,
)
def run_rfm_run(run_id: int) -> str:
    """Run one RFM run. Idempotent: a redelivered message finds the run claimed and does nothing."""
    return rfm_run_execute(run_id=run_id).status


@shared_task
def fail_stale_rfm_runs() -> int:
    """Beat, every minute: fail runs whose worker died mid-run."""
    return rfm_runs_fail_stale()


@worker_ready.connect
def _fail_stale_runs_on_worker_start(**kwargs) -> None:
    # A worker that restarts after a crash settles its predecessor's runs at once, not at the next beat.
    rfm_runs_fail_stale()
