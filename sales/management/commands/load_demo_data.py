"""``manage.py load_demo_data``: fill the database with a seeded, realistic demo dataset."""

import argparse
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sales.demo_data import PROGRESS_MIN_ORDERS, generate_demo_data
from sales.models import Order


def _count(minimum: int) -> Callable[[str], int]:
    """An argparse type for whole numbers of at least ``minimum``, with a readable error."""

    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            number = minimum - 1
        if number < minimum:
            raise argparse.ArgumentTypeError(f"expected a whole number >= {minimum}, got {value!r}")
        return number

    return parse


class Command(BaseCommand):
    help = "Load a reproducible demo dataset: catalog, teams, agents, customers, memberships and orders."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--customers", type=_count(0), default=500, help="Customers to add (default 500).")
        parser.add_argument("--orders", type=_count(0), default=5000, help="Orders to add (default 5000).")
        parser.add_argument("--years", type=_count(1), default=3, help="Years of history ending today (default 3).")
        parser.add_argument("--seed", type=int, default=42, help="Random seed; the same seed gives the same data.")
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when the database already holds orders."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and Order.objects.exists():
            self.stdout.write("Orders already exist; demo data not loaded (--if-empty).")
            return
        try:
            counts = generate_demo_data(
                customers=options["customers"],
                orders=options["orders"],
                years=options["years"],
                seed=options["seed"],
                progress=options["verbosity"] >= 1 and options["orders"] >= PROGRESS_MIN_ORDERS,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                "Demo data loaded: "
                + ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in counts.items())
                + f" (seed {options['seed']})."
            )
        )
