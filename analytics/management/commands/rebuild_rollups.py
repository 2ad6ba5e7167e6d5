"""``manage.py rebuild_rollups``: recompute every rollup from the order tables, with a progress bar.

Writes keep the rollups current on their own; this is for a changed
``ANALYTICS_TIME_ZONE`` (reports read the raw tables until it runs) or for
orders written around the services (raw SQL, a restored backup).
"""

import time
from typing import Any

from django.core.management.base import BaseCommand
from tqdm import tqdm

from analytics.rollups import ROLLUPS, rollups_rebuild
from analytics.services import data_version_bump


class Command(BaseCommand):
    help = "Rebuild the analytics rollup tables from the orders, in ANALYTICS_TIME_ZONE."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        with tqdm(
            total=len(ROLLUPS),
            unit="table",
            desc="Rebuilding rollups",
            disable=options["verbosity"] < 1,
            file=self.stderr._out,
        ) as bar:

            def step(name: str) -> None:
                bar.set_postfix(done=name)
                bar.update(1)

            rollups_rebuild(progress=step)
        data_version_bump()  # answers cached from the old rollups must not be served again
        self.stdout.write(
            self.style.SUCCESS(f"Rebuilt {len(ROLLUPS)} rollup tables in {time.monotonic() - started:.1f} s.")
        )
