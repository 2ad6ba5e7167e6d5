"""``manage.py generate_sales_csv``: write a seeded, realistic sales CSV to try or benchmark imports."""

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from ingestion.sample_data import write_sales_csv

PROGRESS_MIN_ROWS = 100_000


def _rows(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {value!r}")
    return number


class Command(BaseCommand):
    help = "Write a reproducible sales CSV (the import's `sales` format) of any size, in constant memory."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rows", type=_rows, default=10_000, help="Order lines to write (default 10000).")
        parser.add_argument("--seed", type=int, default=42, help="Random seed; the same seed gives the same file.")
        parser.add_argument("--out", required=True, help="File to write, or - for standard output.")
        parser.add_argument(
            "--no-agents", action="store_true", help="Leave out the Agent ID/Name/Role and Team columns."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        rows: int = options["rows"]
        to_stdout = options["out"] == "-"
        # The bar goes to the real stderr: Django's wrapper would end every redraw with a newline.
        with tqdm(
            total=rows,
            unit="row",
            unit_scale=True,
            desc="Rows",
            file=sys.stderr,
            disable=options["verbosity"] < 1 or rows < PROGRESS_MIN_ROWS,
        ) as bar:
            started = time.perf_counter()
            common = {"rows": rows, "seed": options["seed"], "with_agents": not options["no_agents"]}
            if to_stdout:
                write_sales_csv(out=self.stdout, progress=bar.update, **common)
                self.stdout.flush()
                return
            path = Path(options["out"])
            try:
                written = write_sales_csv(out=path, progress=bar.update, **common)
            except OSError as exc:
                raise CommandError(f"cannot write {path}: {exc.strerror or exc}") from exc
            seconds = time.perf_counter() - started
        if options["verbosity"] >= 1:
            self.stderr.write(
                f"Wrote {written} rows to {path} ({path.stat().st_size} bytes) in {seconds:.1f} s.",
                style_func=self.style.SUCCESS,
            )
