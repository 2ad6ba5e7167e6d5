"""Reads of the refresh log."""

from django.db.models import QuerySet

from ingestion.models import ImportJob


def import_job_list() -> QuerySet[ImportJob]:
    return ImportJob.objects.select_related("created_by")
