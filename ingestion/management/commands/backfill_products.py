"""``manage.py backfill_products PATH``: load a product catalogue CSV (the products import, synchronous)."""

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from ingestion.management.commands.import_csv import Command as ImportCommand
from ingestion.models import ImportKind


class Command(ImportCommand):
    help = "Backfill the catalogue from a products CSV (Product ID, Product Name, Category, Unit Price[, ...])."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="The products CSV file.")

    def handle(self, *args: Any, **options: Any) -> None:
        self.import_file(path=options["path"], kind=ImportKind.PRODUCTS, verbosity=options["verbosity"])
