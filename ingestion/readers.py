"""Reading import CSVs: header matching, decoding and per-row validation.

A reader streams the file once and yields rows ready for staging, or the row's
errors, so memory stays flat whatever the file size. A file that cannot be read
as a CSV of its kind raises ``UnreadableFile`` and the job writes nothing.
"""

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from common.models import MAX_COUNT
from sales.models import AgentRole

CENT = Decimal("0.01")
MAX_PRICE = Decimal(10) ** 10  # unit prices are stored with 12 digits, 2 decimals
MAX_AMOUNT = Decimal(10) ** 12  # line totals and shipping with 14 digits
PROGRESS_EVERY = 1_000
SCAN_BYTES = 1 << 20
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ROLES = {role.value.lower(): role.value for role in AgentRole}

# Cells are trimmed of ASCII whitespace only, exactly as the PostgreSQL fast path's btrim() does.
TRIM = " \t\r\n\x0b\x0c"

# A cell too long for its column is a row error up to this size, on either backend; a longer one
# (an unbalanced quote swallowing the rest of the file, most likely) fails the file.
CELL_LIMIT = 8 << 20
csv.field_size_limit(CELL_LIMIT)


class UnreadableFile(Exception):
    """The file as a whole is not a CSV of the expected kind; nothing of it is loaded."""


@dataclass(frozen=True)
class Column:
    name: str  # as the spec writes it in the header
    key: str  # the staging column it fills
    required: bool = True  # must be in the header
    max_length: int | None = None
    required_value: bool = False  # a blank cell rejects the row


SALES_COLUMNS = (
    Column("Order ID", "order_code", max_length=64, required_value=True),
    Column("Product ID", "product_code", max_length=64, required_value=True),
    Column("Customer ID", "customer_code", max_length=64, required_value=True),
    Column("Product Name", "product_name", max_length=200, required_value=True),
    Column("Category", "category", max_length=100, required_value=True),
    Column("Region", "region", max_length=100),
    Column("Date of Sale", "ordered_at", required_value=True),
    Column("Quantity Sold", "quantity", required_value=True),
    Column("Unit Price", "unit_price", required_value=True),
    Column("Discount", "discount"),
    Column("Shipping Cost", "shipping_cost"),
    Column("Payment Method", "payment_method", max_length=50),
    Column("Customer Name", "customer_name", max_length=200, required_value=True),
    Column("Customer Email", "customer_email", max_length=254),
    Column("Customer Address", "customer_address"),
    Column("Agent ID", "agent_code", required=False, max_length=64),
    Column("Agent Name", "agent_name", required=False, max_length=200),
    Column("Agent Role", "agent_role", required=False),
    Column("Team", "team", required=False, max_length=100),
)

PRODUCT_COLUMNS = (
    Column("Product ID", "product_code", max_length=64, required_value=True),
    Column("Product Name", "product_name", max_length=200, required_value=True),
    Column("Category", "category", max_length=100, required_value=True),
    Column("Unit Price", "unit_price", required_value=True),
    Column("Description", "description", required=False),
    Column("Stock", "stock", required=False),
)


@dataclass
class RowErrors:
    row: int
    problems: list[tuple[str, str]]  # (CSV column as written in the file, message)

    def as_dicts(self) -> list[dict[str, Any]]:
        return [{"row": self.row, "column": column, "message": message} for column, message in self.problems]


def normalize_header(name: str) -> str:
    """``Order ID``, ``order_id`` and `` ORDER  Id`` all name the same column."""
    return re.sub(r"[\s_]+", "", name.replace("\ufeff", "")).lower()


class _Row:
    """One CSV record's stripped cells by staging key, collecting problems as they are found."""

    __slots__ = ("cells", "headers", "problems")

    def __init__(self, cells: dict[str, str], headers: dict[str, str]):
        self.cells = cells
        self.headers = headers
        self.problems: list[tuple[str, str]] = []

    def fail(self, key: str, message: str) -> None:
        column = self.headers.get(key, key)
        self.problems.append((column, f"{column} {message}."))

    def check_text(self, columns: tuple["Column", ...]) -> None:
        """Required cells present, no cell too long and none holding a NUL, for every column of the kind."""
        cells = self.cells
        for column in columns:
            value = cells.get(column.key, "")
            if not value:
                if column.required_value:
                    self.fail(column.key, "is required")
            elif column.max_length is not None and len(value) > column.max_length:
                self.fail(column.key, f"is longer than {column.max_length} characters")
            elif "\x00" in value:  # PostgreSQL text cannot hold it, so no backend stores it
                self.fail(column.key, "contains a NUL character")

    def money(self, key: str, *, limit: Decimal, blank_is_zero: bool = False) -> Decimal | None:
        raw = self.cells.get(key, "")
        if not raw:
            return Decimal("0.00") if blank_is_zero else None  # a missing required cell is already reported
        try:
            value = Decimal(raw)
        except InvalidOperation:
            self.fail(key, f"is not a number: {raw!r}")
            return None
        if not value.is_finite() or value < 0:
            self.fail(key, f"must be zero or more, got {raw!r}")
        elif value >= limit:
            self.fail(key, f"is too large: {raw!r}")
        else:
            rounded = value.quantize(CENT)
            if rounded == value:
                return rounded
            self.fail(key, f"has more than two decimal places: {raw!r}")
        return None

    def count(self, key: str, *, minimum: int) -> int | None:
        raw = self.cells.get(key, "")
        if not raw:
            return None
        try:
            value = int(raw)
        except ValueError:
            self.fail(key, f"is not a whole number: {raw!r}")
            return None
        if value < minimum:
            self.fail(key, f"must be at least {minimum}, got {value}")
        elif value > MAX_COUNT:
            self.fail(key, f"is too large: {value}")
        else:
            return value
        return None


def _parse_moment(raw: str, zone: ZoneInfo) -> datetime | None:
    """A date (midnight in the analytics time zone) or an ISO 8601 date-time."""
    try:
        if len(raw) == 10:
            return datetime.combine(date.fromisoformat(raw), time(), tzinfo=zone)
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def parse_sales_row(row: _Row, zone: ZoneInfo) -> tuple | None:
    """One order line, typed and with its line total, or ``None`` with ``row.problems`` filled."""
    cells = row.cells
    row.check_text(SALES_COLUMNS)
    raw_date = cells["ordered_at"]
    ordered_at = _parse_moment(raw_date, zone) if raw_date else None
    if raw_date and ordered_at is None:
        row.fail("ordered_at", f"is not a date (YYYY-MM-DD): {raw_date!r}")
    quantity = row.count("quantity", minimum=1)
    unit_price = row.money("unit_price", limit=MAX_PRICE)
    discount = _parse_discount(row)
    shipping_cost = row.money("shipping_cost", limit=MAX_AMOUNT, blank_is_zero=True)
    customer_email = cells["customer_email"]
    if customer_email and not EMAIL_PATTERN.match(customer_email):
        row.fail("customer_email", f"is not an email address: {customer_email!r}")
    agent_code = cells.get("agent_code", "") or None
    agent_name = agent_role = team = None
    if agent_code:
        agent_name = cells.get("agent_name", "")
        if not agent_name:
            row.fail("agent_name", "is required when an Agent ID is given")
        raw_role = cells.get("agent_role", "")
        agent_role = ROLES.get(raw_role.lower()) if raw_role else AgentRole.AGENT.value
        if agent_role is None:
            row.fail("agent_role", f"must be one of {', '.join(ROLES.values())}, got {raw_role!r}")
        team = cells.get("team", "") or None
    if row.problems:
        return None
    line_total = (quantity * unit_price * (1 - discount)).quantize(CENT, rounding=ROUND_HALF_UP)
    if line_total >= MAX_AMOUNT:
        row.fail("quantity", "times Unit Price is too large")
        return None
    return (
        cells["order_code"],
        cells["product_code"],
        cells["customer_code"],
        cells["product_name"],
        cells["category"],
        cells["region"],
        ordered_at,
        quantity,
        unit_price,
        discount,
        shipping_cost,
        cells["payment_method"],
        cells["customer_name"],
        customer_email,
        cells["customer_address"],
        agent_code,
        agent_name,
        agent_role,
        team,
        line_total,
    )


def _parse_discount(row: _Row) -> Decimal | None:
    raw = row.cells.get("discount", "")
    if not raw:
        return Decimal(0)
    try:
        value = Decimal(raw)
    except InvalidOperation:
        row.fail("discount", f"is not a number: {raw!r}")
        return None
    if not value.is_finite() or not 0 <= value <= 1:
        row.fail("discount", f"must be between 0 and 1, got {raw!r}")
        return None
    if value != value.quantize(Decimal("0.0001")):
        row.fail("discount", f"has more than four decimal places: {raw!r}")
        return None
    return value


def parse_product_row(row: _Row, zone: ZoneInfo) -> tuple | None:
    """One catalogue entry; ``stock`` and ``description`` are ``None`` when the file leaves them out."""
    cells = row.cells
    row.check_text(PRODUCT_COLUMNS)
    unit_price = row.money("unit_price", limit=MAX_PRICE)
    stock = row.count("stock", minimum=0)
    if row.problems:
        return None
    return (
        cells["product_code"],
        cells["product_name"],
        cells["category"],
        unit_price,
        cells.get("description"),
        stock,
    )


@dataclass(frozen=True)
class CsvKind:
    columns: tuple[Column, ...]
    parse: Callable[[_Row, ZoneInfo], tuple | None]


KINDS = {
    "sales": CsvKind(SALES_COLUMNS, parse_sales_row),
    "products": CsvKind(PRODUCT_COLUMNS, parse_product_row),
}


def _match_header(header: list[str], columns: tuple[Column, ...]) -> tuple[dict[str, int], dict[str, str]]:
    """Map staging keys to positions; a missing required or a repeated column makes the file unreadable."""
    wanted = {normalize_header(column.name): column for column in columns}
    index: dict[str, int] = {}
    headers: dict[str, str] = {}
    for position, name in enumerate(header):
        column = wanted.get(normalize_header(name))
        if column is None:
            continue
        if column.key in index:
            raise UnreadableFile(f"The header names the column {column.name!r} twice.")
        index[column.key] = position
        headers[column.key] = name.replace("\ufeff", "").strip()
    missing = [column.name for column in columns if column.required and column.key not in index]
    if missing:
        found = ", ".join(repr(name) for name in header[:30]) or "nothing"
        raise UnreadableFile(f"The header lacks the required column(s) {', '.join(missing)}; it has {found}.")
    return index, headers


def parse_record(
    row_number: int,
    values: list[str],
    *,
    positions: list[tuple[str, int]],
    headers: dict[str, str],
    kind: "CsvKind",
    zone: ZoneInfo,
) -> tuple[int, tuple] | RowErrors | None:
    """Validate one record of the right width: ``(row_number, values)``, its ``RowErrors``, or ``None`` if blank.

    A record with no value in any of the kind's columns (a blank line, or only
    separators, as spreadsheets export unused rows) holds nothing to load.
    """
    row = _Row({key: values[position].strip(TRIM) for key, position in positions}, headers)
    if not any(row.cells.values()):
        return None
    parsed = kind.parse(row, zone)
    return (row_number, parsed) if parsed is not None else RowErrors(row_number, row.problems)


def ragged_row(row_number: int, *, fields: int, width: int) -> RowErrors:
    """The error for a record whose field count differs from the header's."""
    return RowErrors(row_number, [("", f"Row has {fields} fields; the header has {width}.")])


def not_utf8(path: Path, *, found: tuple[int, int] | None = None) -> UnreadableFile:
    """The error for a file with bytes that are not UTF-8, saying where the first one is (``found``, or looked up)."""
    found = found or first_non_utf8_byte(path)
    where = f": the byte at offset {found[0]:,} (line {found[1]:,}) is not valid UTF-8" if found else ""
    return UnreadableFile(f"The file is not UTF-8 text{where}. Export it as UTF-8 CSV and import it again.")


def first_non_utf8_byte(path: Path) -> tuple[int, int] | None:
    """(offset, line number) of the file's first byte that is not UTF-8, or ``None``; a scan at decoding speed."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset, lines = 0, 1
    with path.open("rb") as raw:
        while True:
            chunk = raw.read(SCAN_BYTES)
            carried = len(decoder.getstate()[0])  # the first bytes of a character the last chunk cut off
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                position = offset - carried + exc.start
                return position, lines + chunk[: max(0, position - offset)].count(b"\n")
            if not chunk:
                return None
            offset += len(chunk)
            lines += chunk.count(b"\n")


def read_header(path: Path, *, kind: str) -> tuple[list[str], dict[str, int], dict[str, str]]:
    """The file's header and where each column of ``kind`` sits in it; ``UnreadableFile`` if it does not fit."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as text:
            header = next(csv.reader(text), None)
    except OSError as exc:
        raise UnreadableFile(f"The file cannot be opened: {exc.strerror or exc}.") from exc
    except UnicodeDecodeError as exc:
        raise not_utf8(path) from exc
    except csv.Error as exc:
        raise UnreadableFile(f"The file is not a readable CSV: {exc}.") from exc
    if not header or not any(cell.strip() for cell in header):
        raise UnreadableFile("The file is empty: no header row.")
    index, headers = _match_header(header, KINDS[kind].columns)
    return header, index, headers


@dataclass
class ReadProgress:
    rows: int = 0
    bytes_read: int = 0


def read_csv(path: Path, *, kind: str, progress: ReadProgress | None = None) -> Iterator[tuple[int, tuple] | RowErrors]:
    """Yield ``(row_number, values)`` for good rows and ``RowErrors`` for bad ones, header being row 1.

    UTF-8 with or without BOM, CRLF or LF, quoted fields with commas and
    newlines. Raises ``UnreadableFile`` for a file that is not such a CSV.
    ``progress`` is updated in place as records are read (it never writes anywhere).
    """
    csv_kind = KINDS[kind]
    zone = ZoneInfo(settings.ANALYTICS_TIME_ZONE)
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise UnreadableFile(f"The file cannot be opened: {exc.strerror or exc}.") from exc
    progress = progress if progress is not None else ReadProgress()
    with raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as text:
        records = csv.reader(text)
        try:
            header = next(records, None)
            if not header or not any(cell.strip() for cell in header):
                raise UnreadableFile("The file is empty: no header row.")
            index, headers = _match_header(header, csv_kind.columns)
            positions = list(index.items())
            width = len(header)
            for row_number, values in enumerate(records, start=2):
                progress.rows = row_number - 1
                if progress.rows % PROGRESS_EVERY == 0:
                    progress.bytes_read = raw.tell()
                if not values:
                    continue  # a blank line: no record to load, but it keeps its row number
                if len(values) != width:
                    yield ragged_row(row_number, fields=len(values), width=width)
                    continue
                item = parse_record(row_number, values, positions=positions, headers=headers, kind=csv_kind, zone=zone)
                if item is not None:
                    yield item
        except UnicodeDecodeError as exc:
            raise not_utf8(path) from exc
        except csv.Error as exc:
            raise UnreadableFile(f"The file is not a readable CSV: {exc} (on line {records.line_num:,}).") from exc
    progress.bytes_read = path.stat().st_size
