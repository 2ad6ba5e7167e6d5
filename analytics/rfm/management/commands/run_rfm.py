"""``manage.py run_rfm --algorithm quantile|kmeans|dbscan``: the API's RFM run, synchronous, with a progress bar."""

import time
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from analytics.rfm.models import RfmAlgorithm, RfmRunStatus
from analytics.rfm.services import rfm_run_create, rfm_run_execute
from common.exceptions import ApplicationError

STAGES = ("features", "scoring", "clustering", "evaluation", "storing")


class Command(BaseCommand):
    help = "Segment the customers who ordered in a window now, in this process; the run is stored like an API run."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--algorithm", choices=RfmAlgorithm.values, default=RfmAlgorithm.QUANTILE)
        parser.add_argument("--start-date", type=date.fromisoformat, help="First day of the window (YYYY-MM-DD).")
        parser.add_argument("--end-date", type=date.fromisoformat, help="Last day and reference date; default today.")
        parser.add_argument("--n-clusters", type=int, help="kmeans: clusters (default: best silhouette over 2-8).")
        parser.add_argument("--eps", type=float, help="dbscan: neighbourhood radius in scaled units.")
        parser.add_argument("--min-samples", type=int, help="dbscan: neighbours that make a core point.")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            run = rfm_run_create(
                algorithm=options["algorithm"],
                start_date=options["start_date"],
                end_date=options["end_date"],
                n_clusters=options["n_clusters"],
                eps=options["eps"],
                min_samples=options["min_samples"],
            )
        except ApplicationError as exc:
            raise CommandError(f"{exc.field}: {exc.message}" if exc.field else exc.message) from exc
        stages = [stage for stage in STAGES if stage != "clustering" or run.algorithm != RfmAlgorithm.QUANTILE]
        with tqdm(
            total=len(stages),
            desc=f"RFM run {run.pk} ({run.algorithm})",
            unit="step",
            disable=options["verbosity"] < 1,
            file=self.stderr._out,
        ) as bar:

            def show(stage: str) -> None:
                bar.update(stages.index(stage) - bar.n if stage in stages else 0)
                bar.set_postfix(stage=stage)

            run = rfm_run_execute(run_id=run.pk, on_progress=show)
            bar.update(len(stages) - bar.n)
        if run.status != RfmRunStatus.SUCCEEDED:
            raise CommandError(f"RFM run {run.pk} failed: {run.error}")
        seconds = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"RFM run {run.pk} succeeded in {seconds:.1f} s: {run.customers_count:,} customers, "
                f"reference date {run.reference_date}."
            )
        )
        for segment in run.segments.order_by("-customers_count", "name"):
            self.stdout.write(f"  {segment.name}: {segment.customers_count:,} customers, {segment.total_revenue:,}")
        if run.silhouette_score is not None:
            self.stdout.write(
                f"  silhouette {run.silhouette_score:.3f}, Davies-Bouldin {run.davies_bouldin_index:.3f}"
                f" (sample of {run.evaluation_sample_size:,})"
            )
