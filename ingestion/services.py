"""Writes of the ingestion app: starting, running and failing import jobs."""

import logging
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models.functions import Coalesce
from django.utils import timezone

from analytics.rollups import rollups_follow_import
from analytics.services import data_version_bump
from common.exceptions import ApplicationError
from common.heartbeat import heartbeat
from common.queueing import task_send
from customers.services import segments_refresh_after_import
from ingestion.loaders import discard_staged, merge_staged, stage_csv, staged_order_dates
from ingestion.models import ImportJob, ImportStatus
from ingestion.readers import ReadProgress, UnreadableFile

logger = logging.getLogger(__name__)

# Any constant works: every import's merge takes the same PostgreSQL advisory lock.
MERGE_LOCK_KEY = 7_340_001


def import_path_resolve(*, file_path: str) -> Path:
    """The absolute path of ``file_path`` if it stays inside ``IMPORT_ROOT`` once symlinks are followed."""
    root = Path(settings.IMPORT_ROOT).resolve()
    if not file_path or not file_path.strip():
        raise ApplicationError("A file path is required.", field="file_path")
    raw = Path(file_path)
    if ".." in raw.parts:
        raise ApplicationError("The file path must not contain '..'.", field="file_path")
    try:
        resolved = (raw if raw.is_absolute() else root / raw).resolve()
    except (OSError, ValueError) as exc:
        raise ApplicationError(f"The file path is not valid: {exc}.", field="file_path") from exc
    if not resolved.is_relative_to(root):
        raise ApplicationError(f"The file path must be inside the import directory {root}.", field="file_path")
    return resolved


def _send(job_id: uuid.UUID) -> bool:
    """Send the job to the workers once; a job the broker did not take stays ``queued``.

    The requeue sweep sends it again once the broker is back (``import_jobs_requeue_lost``).
    """
    from ingestion.tasks import run_import_job

    return task_send(task=run_import_job, args=(str(job_id),))


def _enqueue(job: ImportJob) -> None:
    # After commit, so the worker always finds the job row.
    transaction.on_commit(lambda: _send(job.pk))


@transaction.atomic
def import_job_start_from_path(*, kind: str, file_path: str, created_by: AbstractBaseUser | None) -> ImportJob:
    """Queue an import of a file already on the server, inside ``IMPORT_ROOT``."""
    resolved = import_path_resolve(file_path=file_path)
    job = ImportJob.objects.create(kind=kind, source=file_path, file_path=str(resolved), created_by=created_by)
    _enqueue(job)
    return job


@transaction.atomic
def import_job_start_from_upload(*, kind: str, upload: UploadedFile, created_by: AbstractBaseUser | None) -> ImportJob:
    """Store an uploaded file under ``IMPORT_ROOT/uploads`` and queue its import."""
    if upload.size is not None and upload.size > settings.IMPORT_MAX_UPLOAD_BYTES:
        raise ApplicationError(
            f"The file is larger than the {settings.IMPORT_MAX_UPLOAD_BYTES:,} bytes allowed.", field="file"
        )
    job_id = uuid.uuid4()
    target = Path(settings.IMPORT_ROOT).resolve() / "uploads" / f"{job_id}.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    source = f"upload:{Path(upload.name or 'file.csv').name}"[:500]
    job = ImportJob.objects.create(id=job_id, kind=kind, source=source, file_path=str(target), created_by=created_by)
    _enqueue(job)
    return job


def import_job_create_local(*, kind: str, path: Path) -> ImportJob:
    """A job for a file named on the command line; ops read whatever their shell can."""
    resolved = path.resolve()
    return ImportJob.objects.create(kind=kind, source=str(path), file_path=str(resolved))


def _heartbeat(job_id: uuid.UUID) -> AbstractContextManager[None]:
    return heartbeat(
        rows=ImportJob.objects.filter(pk=job_id, status=ImportStatus.RUNNING),
        every_seconds=settings.IMPORT_HEARTBEAT_SECONDS,
        name=f"import-heartbeat-{job_id}",
    )


def _fail(job_id: uuid.UUID, message: str) -> None:
    ImportJob.objects.filter(pk=job_id).update(status=ImportStatus.FAILED, error=message, completed_at=timezone.now())


def import_job_run(*, job_id: uuid.UUID, on_progress: Callable[[ReadProgress], None] | None = None) -> ImportJob:
    """Run a queued job to ``succeeded`` or ``failed``; a job already claimed or finished is left alone.

    Staging writes progress as it reads. The merge and the job's ``succeeded``
    are one transaction, so a job that is not ``succeeded`` loaded nothing.
    """
    now = timezone.now()
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, started_at=now, heartbeat_at=now
    )
    job = ImportJob.objects.get(pk=job_id)
    if not claimed:
        logger.info("import %s is %s already; not running it again", job_id, job.status)
        return job

    def report(progress: ReadProgress) -> None:
        ImportJob.objects.filter(pk=job_id).update(rows_processed=progress.rows, heartbeat_at=timezone.now())
        if on_progress is not None:
            on_progress(progress)

    try:
        with _heartbeat(job_id):
            staged = stage_csv(path=Path(job.file_path), kind=job.kind, on_progress=report)
            ImportJob.objects.filter(pk=job_id).update(rows_total=staged.rows_total, rows_processed=staged.rows_total)
            with transaction.atomic():
                if connection.vendor == "postgresql":
                    # One merge at a time: concurrent upserts of overlapping codes could deadlock.
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [MERGE_LOCK_KEY])
                merged_at = timezone.now()
                with rollups_follow_import(stamp=merged_at, staged_orders=staged_order_dates(kind=job.kind)):
                    counts = merge_staged(staged=staged, now=merged_at)
                ImportJob.objects.filter(pk=job_id).update(
                    status=ImportStatus.SUCCEEDED,
                    rows_total=counts.rows_total,
                    rows_processed=counts.rows_total,
                    rows_created=counts.rows_created,
                    rows_updated=counts.rows_updated,
                    rows_rejected=counts.rows_rejected,
                    errors=counts.errors,
                    completed_at=timezone.now(),
                )
                data_version_bump()
                transaction.on_commit(segments_refresh_after_import, robust=True)
    except UnreadableFile as exc:
        discard_staged(kind=job.kind)
        _fail(job_id, str(exc))
    except Exception as exc:
        logger.exception("import %s failed", job_id)
        discard_staged(kind=job.kind)
        _fail(job_id, f"The import stopped on an internal error ({exc.__class__.__name__}); nothing was loaded.")
    job.refresh_from_db()
    return job


def import_uploads_delete_expired(*, keep_for: timedelta | None = None) -> int:
    """Delete uploaded files of jobs that finished more than ``keep_for`` ago, and strays as old.

    Uploads are copies made for the worker to read; the job keeps its counts and
    errors. A stray is a file no job refers to (its request failed after the
    upload was stored). Files named by ``file_path`` imports are the user's and
    are never touched. Returns how many files were deleted.
    """
    keep_for = keep_for or timedelta(days=settings.IMPORT_UPLOAD_RETENTION_DAYS)
    uploads = Path(settings.IMPORT_ROOT).resolve() / "uploads"
    if not uploads.is_dir():
        return 0
    cutoff = timezone.now() - keep_for
    uploaded = ImportJob.objects.filter(file_path__startswith=f"{uploads}/")
    jobs = {job.file_path: job for job in uploaded.only("file_path", "status", "completed_at")}
    deleted = 0
    for path in uploads.glob("*.csv"):
        job = jobs.get(str(path))
        if job is None:
            expired = path.stat().st_mtime < cutoff.timestamp()
        else:
            expired = job.is_finished and job.completed_at is not None and job.completed_at < cutoff
        if expired:
            path.unlink(missing_ok=True)
            deleted += 1
    if deleted:
        logger.info("deleted %d expired upload(s) from %s", deleted, uploads)
    return deleted


def import_jobs_requeue_lost(*, requeue_after: timedelta | None = None) -> int:
    """Send queued jobs to the workers again when their message seems lost (e.g. a broker restarted empty).

    Only while no import runs: a busy worker explains a wait, and sending again
    then would pile up messages behind it. A job is sent again at most once per
    ``requeue_after``; a copy that arrives late finds the job claimed and does nothing.
    """
    requeue_after = requeue_after or timedelta(seconds=settings.IMPORT_REQUEUE_AFTER_SECONDS)
    now = timezone.now()
    live_cutoff = now - timedelta(seconds=settings.IMPORT_STALE_AFTER_SECONDS)
    if ImportJob.objects.filter(status=ImportStatus.RUNNING, heartbeat_at__gte=live_cutoff).exists():
        return 0
    waiting = (
        ImportJob.objects.filter(status=ImportStatus.QUEUED)
        .annotate(sent_at=Coalesce("requeued_at", "created_at"))
        .filter(sent_at__lt=now - requeue_after)
        .values_list("pk", "requeued_at")
    )
    sent = 0
    for job_id, requeued_at in waiting:
        # Claimed by a conditional update, so two sweepers never both send it.
        claimed = ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED, requeued_at=requeued_at)
        if not claimed.update(requeued_at=now):
            continue
        if not _send(job_id):
            # The broker went away again: the next sweep tries this job first, and the rest with it.
            ImportJob.objects.filter(pk=job_id, requeued_at=now).update(requeued_at=requeued_at)
            break
        sent += 1
    if sent:
        logger.warning("sent %d queued import job(s) to the workers again", sent)
    return sent


def import_jobs_fail_stale(*, stale_after: timedelta | None = None) -> int:
    """Mark running jobs whose worker stopped beating as failed; their merge never committed."""
    stale_after = stale_after or timedelta(seconds=settings.IMPORT_STALE_AFTER_SECONDS)
    cutoff = timezone.now() - stale_after
    failed = ImportJob.objects.filter(status=ImportStatus.RUNNING, heartbeat_at__lt=cutoff).update(
        status=ImportStatus.FAILED,
        error=f"The worker running this import stopped (no heartbeat for {int(stale_after.total_seconds())} s); "
        "nothing was loaded.",
        completed_at=timezone.now(),
    )
    if failed:
        logger.warning("marked %d stale import job(s) as failed", failed)
    return failed
