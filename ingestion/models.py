import uuid

from django.conf import settings
from django.db import models


class ImportKind(models.TextChoices):
    SALES = "sales", "Sales (order lines)"
    PRODUCTS = "products", "Products"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class ImportJob(models.Model):
    """The refresh log: one CSV import, its progress, its counts and its row errors."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=16, choices=ImportKind.choices, default=ImportKind.SALES)
    source = models.CharField(max_length=500, help_text="The file path or uploaded file name the job reads.")
    file_path = models.CharField(max_length=1000, help_text="Where the worker reads the file (inside IMPORT_ROOT).")
    status = models.CharField(max_length=16, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    rows_processed = models.PositiveIntegerField(default=0)
    rows_created = models.PositiveIntegerField(default=0)
    rows_updated = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="The first 1,000 row errors.")
    # null, not "", while the job has not failed: the API contract says so.
    error = models.TextField(null=True, blank=True, help_text="Why the whole job failed.")  # noqa: DJ001
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True, help_text="Last sign of life from the worker.")
    requeued_at = models.DateTimeField(
        null=True, blank=True, help_text="When a job still queued was last sent to the workers again."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="import_jobs"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "heartbeat_at"], name="importjob_status_heartbeat_idx"),
            models.Index(fields=["kind", "-created_at"], name="importjob_kind_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=[choice.value for choice in ImportStatus]), name="importjob_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=[choice.value for choice in ImportKind]), name="importjob_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} import {self.id} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in {ImportStatus.SUCCEEDED, ImportStatus.FAILED}
