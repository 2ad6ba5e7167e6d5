"""``manage.py import_csv PATH --kind sales|products``: the API's import, synchronous, with a progress bar."""

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from ingestion.models import ImportKind, ImportStatus
from ingestion.readers import ReadProgress
from ingestion.services import import_job_create_local, import_job_run

ERRORS_SHOWN = 10


class Command(BaseCommand):
    help = "Import a sales or products CSV now, in this process, recording the job in the refresh log."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="The CSV file to import.")
        parser.add_argument("--kind", choices=ImportKind.values, default=ImportKind.SALES, help="What the file holds.")

    def handle(self, *args: Any, **options: Any) -> None:
        self.import_file(path=options["path"], kind=options["kind"], verbosity=options["verbosity"])

    def import_file(self, *, path: Path, kind: str, verbosity: int) -> None:
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")
        started = time.monotonic()
        job = import_job_create_local(kind=kind, path=path)
        with tqdm(
            total=path.stat().st_size,
            unit="B",
            unit_scale=True,
            desc=f"Importing {path.name}",
            disable=verbosity < 1,
            file=self.stderr._out,
        ) as bar:

            def show(progress: ReadProgress) -> None:
                bar.update(progress.bytes_read - bar.n)
                bar.set_postfix(rows=f"{progress.rows:,}")

            job = import_job_run(job_id=job.pk, on_progress=show)
        seconds = time.monotonic() - started
        if job.status != ImportStatus.SUCCEEDED:
            raise CommandError(f"Import {job.pk} failed: {job.error}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Import {job.pk} succeeded in {seconds:.1f} s: {job.rows_total:,} rows, "
                f"{job.rows_created:,} created, {job.rows_updated:,} updated, {job.rows_rejected:,} rejected."
            )
        )
        for error in job.errors[:ERRORS_SHOWN]:
            self.stdout.write(f"  row {error['row']}, {error['column'] or 'row'}: {error['message']}")
        if job.rows_rejected > ERRORS_SHOWN:
            self.stdout.write(f"  … see the job in the refresh log for the first {len(job.errors):,} errors.")
