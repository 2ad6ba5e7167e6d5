"""PostgreSQL fast path for staging: read the file in column batches, check them vectorised, ``COPY`` the good rows.

pyarrow parses each block of the file while the server ingests the rows of the
previous one. The checks below accept a strict subset of what the
reader's ``parse_record`` accepts and stage exactly the values it would; every
row they do not accept is judged by ``parse_record`` itself, so errors read the
same on every backend. Records of the wrong width are set aside as pyarrow meets
them, with their record numbers. A file with bytes that are not UTF-8 fails at
once, with the place of the first one; anything else pyarrow will not read
raises ``FastPathUnavailable`` and the caller reads the file row by row, which
also finds the words for what is wrong.
"""

import codecs
import io
import re
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import ExitStack, closing
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from django.conf import settings
from django.db import connection, transaction

from ingestion.loaders.staging import StageTable, stage_analyze, stage_rows
from ingestion.readers import (
    KINDS,
    MAX_AMOUNT,
    MAX_PRICE,
    ROLES,
    TRIM,
    Column,
    CsvKind,
    ReadProgress,
    RowErrors,
    first_non_utf8_byte,
    not_utf8,
    parse_record,
    ragged_row,
    read_header,
)
from sales.models import AgentRole

BLOCK_BYTES = 1 << 20  # pyarrow's parse block: RSS stays flat whatever the file size
PROGRESS_ROWS = 50_000

# Plain decimal forms only; anything else (exponents, signs, more places) goes to parse_record.
QUANTITY = r"^[0-9]{1,9}$"
PRICE = rf"^[0-9]{{1,{len(str(MAX_PRICE)) - 1}}}(\.[0-9]{{1,2}})?$"
SHIPPING = rf"^(|[0-9]{{1,{len(str(MAX_AMOUNT)) - 1}}}(\.[0-9]{{1,2}})?)$"
DISCOUNT = r"^(|0|1|0?\.[0-9]{1,4}|0\.|1\.0{0,4})$"
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Printable ASCII without "@" on each side: a strict subset of the reader's ^[^@\s]+@[^@\s]+\.[^@\s]+$.
EMAIL = r"^([!-?A-~]+@[!-?A-~]+\.[!-?A-~]+)?$"


class FastPathUnavailable(Exception):
    """pyarrow could not read this file (a line break in the header, say); the Python reader takes over."""


def _all(*masks: pa.ChunkedArray | pa.Array) -> pa.Array:
    result = masks[0]
    for mask in masks[1:]:
        result = pc.and_(result, mask)
    return result


def _text_ok(cells: dict[str, pa.Array], columns: tuple[Column, ...]) -> list[pa.Array]:
    """Required cells present, none too long, none with a NUL: the reader's ``check_text`` (absent ones are blank).

    Lengths and NULs are first judged for the whole column at once (bytes bound
    characters from above; one scan of the values finds any NUL), so the
    per-cell checks run only for the rare columns that need them.
    """
    masks = []
    for column in columns:
        if column.key not in cells:
            continue  # the header check already refused files that lack a required column
        values = cells[column.key]
        if column.required_value:
            masks.append(pc.not_equal(values, ""))
        if column.max_length is not None and (pc.max(pc.binary_length(values)).as_py() or 0) > column.max_length:
            masks.append(pc.less_equal(pc.utf8_length(values), column.max_length))
        if _holds_nul(values):
            masks.append(pc.invert(pc.match_substring(values, "\x00")))
    return masks


def _holds_nul(values: pa.Array) -> bool:
    data = values.buffers()[2]  # the cells' bytes, end to end
    return data is not None and data.to_pybytes().find(b"\x00") != -1


def _valid_dates(days: pa.Array) -> pa.Array:
    """Which cells are plain YYYY-MM-DD calendar dates by the reader's own ``date.fromisoformat``.

    Checked once per distinct value: a block holds a few hundred dates at most.
    """
    valid = []
    for day in pc.unique(days).to_pylist():
        if not DATE.fullmatch(day):
            continue
        try:
            date.fromisoformat(day)
        except ValueError:
            continue
        valid.append(day)
    return pc.is_in(days, value_set=pa.array(valid, pa.string()))


def _trim(cells: pa.Array) -> pa.Array:
    """The reader's ``strip(TRIM)``, by bytes when ``TRIM`` is all ASCII.

    An ASCII byte is never part of a longer UTF-8 character, so trimming bytes
    gives the same cells as trimming characters, at twice the speed.
    """
    if TRIM.isascii():
        return pc.ascii_trim(cells, characters=TRIM)
    return pc.utf8_trim(cells, characters=TRIM)


def _blank_as(cells: pa.Array, value: str) -> pa.Array:
    return pc.if_else(pc.equal(cells, ""), value, cells)


def _only_with_agent(has_agent: pa.Array, cells: pa.Array) -> pa.Array:
    return pc.if_else(has_agent, cells, pa.scalar(None, pa.string()))


def _checked_block(orders: pa.Array, products: pa.Array, *, block: int) -> pa.Array:
    """``block`` on each row whose (Order ID, Product ID) no earlier row of the block has; NULL on the later ones.

    An order whose rows all carry one block number repeats no product, so the
    merge looks for repeats only in the other orders. A row the checks refused
    can only leave a later row of its pair unchecked, never hide a repeat.
    """
    rows = len(orders)
    order_numbers = pc.dictionary_encode(orders)
    product_numbers = pc.dictionary_encode(products)
    pairs = pc.dictionary_encode(
        pc.add(
            pc.multiply(pc.cast(order_numbers.indices, pa.int64()), len(product_numbers.dictionary)),
            pc.cast(product_numbers.indices, pa.int64()),
        )
    )
    checked = pa.repeat(pa.scalar(block, pa.int64()), rows)
    if len(pairs.dictionary) == rows:
        return checked
    positions = pa.array(range(rows), pa.int64())
    # index_in answers each pair's first position; a row anywhere else repeats it.
    firsts = pc.index_in(positions.slice(0, len(pairs.dictionary)), value_set=pairs.indices)
    later = pc.not_equal(pc.take(firsts, pairs.indices), positions)
    return pc.if_else(later, pa.scalar(None, pa.int64()), checked)


def _sales_batch(cells: dict[str, pa.Array], rows: int, *, block: int) -> tuple[pa.Array, list[pa.Array]]:
    """(which rows pass, the staged columns after ``row_no``, in the stage's order)."""
    blank = pa.array([""] * rows, pa.string())

    def cell(key: str) -> pa.Array:
        return cells.get(key, blank)

    quantity, price, discount, shipping = cell("quantity"), cell("unit_price"), cell("discount"), cell("shipping_cost")
    day, agent, role = cell("ordered_at"), cell("agent_code"), cell("agent_role")
    has_agent = pc.not_equal(agent, "")
    roles = [*ROLES, ""]
    role_index = pc.index_in(pc.ascii_lower(role), value_set=pa.array(roles, pa.string()))
    point = pc.find_substring(price, ".")
    price_digits = pc.if_else(pc.equal(point, -1), pc.utf8_length(price), point)
    ok = _all(
        *_text_ok(cells, KINDS["sales"].columns),
        pc.match_substring_regex(quantity, QUANTITY),
        pc.not_equal(pc.utf8_ltrim(quantity, characters="0"), ""),  # at least 1
        pc.match_substring_regex(price, PRICE),
        pc.match_substring_regex(discount, DISCOUNT),
        pc.match_substring_regex(shipping, SHIPPING),
        pc.match_substring_regex(cell("customer_email"), EMAIL),
        _valid_dates(day),
        # Fewer than 13 digits before the point in quantity and price together: the line total fits.
        pc.less_equal(pc.add(pc.utf8_length(quantity), price_digits), len(str(MAX_AMOUNT)) - 1),
        pc.or_(
            pc.invert(has_agent),
            pc.and_(pc.not_equal(cell("agent_name"), ""), pc.is_valid(role_index)),
        ),
    )
    canonical = pa.array([ROLES.get(name, AgentRole.AGENT.value) for name in roles], pa.string())
    blank_discount, blank_shipping = _blank_as(discount, "0"), _blank_as(shipping, "0.00")
    staged = [
        cell("order_code"),
        cell("product_code"),
        cell("customer_code"),
        cell("product_name"),
        cell("category"),
        cell("region"),
        day,
        quantity,
        price,
        blank_discount,
        blank_shipping,
        cell("payment_method"),
        cell("customer_name"),
        cell("customer_email"),
        cell("customer_address"),
        _only_with_agent(has_agent, agent),
        _only_with_agent(has_agent, cell("agent_name")),
        _only_with_agent(has_agent, pc.take(canonical, pc.fill_null(role_index, len(roles) - 1))),
        _only_with_agent(pc.and_(has_agent, pc.not_equal(cell("team"), "")), cell("team")),
        _line_totals(ok, quantity, price, blank_discount),
        _checked_block(cell("order_code"), cell("product_code"), block=block),
    ]
    return ok, staged


def _line_totals(ok: pa.Array, quantity: pa.Array, price: pa.Array, discount: pa.Array) -> pa.Array:
    """Quantity x Unit Price x (1 - Discount), rounded half up to cents in exact decimal arithmetic, as the reader does.

    Rows the checks refused get a placeholder: their cells may not even be numbers.
    """

    def number(cells: pa.Array, fallback: str, type_: pa.DataType) -> pa.Array:
        return pc.cast(pc.if_else(ok, cells, fallback), type_)

    exact = pc.multiply(
        pc.multiply(number(quantity, "0", pa.decimal128(10, 0)), number(price, "0", pa.decimal128(12, 2))),
        pc.subtract(pa.scalar(1, pa.decimal128(5, 4)), number(discount, "0", pa.decimal128(5, 4))),
    )
    return pc.cast(pc.cast(pc.round(exact, ndigits=2, round_mode="half_up"), pa.decimal128(30, 2)), pa.string())


def _products_batch(cells: dict[str, pa.Array], rows: int, *, block: int) -> tuple[pa.Array, list[pa.Array]]:
    price = cells["unit_price"]
    stock = cells.get("stock")
    checks = [*_text_ok(cells, KINDS["products"].columns), pc.match_substring_regex(price, PRICE)]
    if stock is not None:
        checks.append(pc.match_substring_regex(stock, r"^(|[0-9]{1,9})$"))
    no_value = pa.nulls(rows, pa.string())
    staged = [
        cells["product_code"],
        cells["product_name"],
        cells["category"],
        price,
        cells.get("description", no_value),
        pc.if_else(pc.equal(stock, ""), pa.scalar(None, pa.string()), stock) if stock is not None else no_value,
    ]
    return _all(*checks), staged


BATCHES = {"sales": _sales_batch, "products": _products_batch}


# PostgreSQL's text format parses faster than CSV; it fits rows without quotes, tabs, line breaks or backslashes.
TEXT_INPUT = pa_csv.WriteOptions(include_header=False, delimiter="\t", quoting_style="none", null_string="\\N")
CSV_INPUT = pa_csv.WriteOptions(include_header=False)


def _copy_input(rows: pa.Table) -> tuple[bytes, str]:
    """``rows`` as ``COPY`` input: (the bytes, their format), text format where the cells allow it, else CSV."""
    if not rows.num_rows:
        return b"", "text"
    text = io.BytesIO()
    try:
        pa_csv.write_csv(rows, text, TEXT_INPUT)
    except pa.ArrowInvalid:  # a quote, tab or line break in a cell
        pass
    else:
        # Every backslash must be a NULL marker: text format would read any other as an escape.
        if text.getvalue().count(b"\\") == sum(column.null_count for column in rows.columns):
            return text.getvalue(), "text"
    csv = io.BytesIO()
    pa_csv.write_csv(rows, csv, CSV_INPUT)
    return csv.getvalue(), "csv"


@dataclass
class _Batch:
    good: bytes  # the accepted rows as COPY input …
    good_format: str  # … in this COPY format
    good_rows: int
    others: pa.RecordBatch | None  # the records the checks did not accept, for parse_record
    other_row_numbers: list[int]
    ragged: list[RowErrors]  # records whose field count differs from the header's


class _RaggedRows:
    """pyarrow's handler for records of the wrong width: note each one's record number and skip it.

    pyarrow numbers records (the header is 1) only when it parses on the
    calling thread; without a number the row cannot be placed, so the file goes
    to the Python reader instead.
    """

    def __init__(self, width: int) -> None:
        self.width = width
        self.pending: deque[RowErrors] = deque()

    def __call__(self, row: pa_csv.InvalidRow) -> str:
        if row.number is None:
            return "error"
        self.pending.append(ragged_row(row.number, fields=row.actual_columns, width=self.width))
        return "skip"

    def number_rows(self, first: int, rows: int) -> tuple[pa.Array, list[RowErrors]]:
        """Record numbers of the ``rows`` parsed from ``first`` on, and the ragged records among them."""
        ranges, skipped, row = [], [], first
        while self.pending and self.pending[0].row < row + rows:
            ragged = self.pending.popleft()
            ranges.append(range(row, ragged.row))
            rows -= ragged.row - row
            row = ragged.row + 1
            skipped.append(ragged)
        ranges.append(range(row, row + rows))
        numbers = ranges[0] if len(ranges) == 1 else [number for span in ranges for number in span]
        return pa.array(numbers, pa.int64()), skipped


class _Utf8Checked(io.RawIOBase):
    """The file as pyarrow reads it, failing at the first chunk that is not UTF-8.

    pyarrow checks only the columns it converts, and a record of the wrong
    width that it cannot decode escapes to stderr instead of reaching the row
    handler; checking every byte on the way in fails the file as the Python
    reader does, whatever column or record the byte is in.
    """

    def __init__(self, raw: io.BufferedReader) -> None:
        self.raw = raw
        self.decoder = codecs.getincrementaldecoder("utf-8")()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        size = self.raw.readinto(buffer)
        self.decoder.decode(memoryview(buffer)[:size], final=not size)
        return size

    def tell(self) -> int:
        return self.raw.tell()


def _read_batches(
    path: Path,
    *,
    kind: str,
    stage: StageTable,
    header: list[str],
    positions: list[tuple[str, int]],
    progress: ReadProgress,
) -> Iterator[_Batch]:
    """Yield the file block by block, checked and ready to copy; ``progress`` advances as it goes."""
    names = [f"c{position}" for position in range(len(header))]
    columns = stage.column_names
    ragged = _RaggedRows(width=len(header))
    with path.open("rb") as raw, _Utf8Checked(raw) as source:
        try:
            reader = pa_csv.open_csv(
                source,
                read_options=pa_csv.ReadOptions(
                    block_size=BLOCK_BYTES, skip_rows=1, column_names=names, use_threads=False
                ),
                parse_options=pa_csv.ParseOptions(
                    newlines_in_values=True, ignore_empty_lines=False, invalid_row_handler=ragged
                ),
                convert_options=pa_csv.ConvertOptions(
                    column_types=dict.fromkeys(names, pa.string()),
                    check_utf8=False,  # _Utf8Checked has checked every byte
                    include_columns=[names[position] for _key, position in positions],
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
            for block, batch in enumerate(reader):
                row_numbers, skipped = ragged.number_rows(progress.rows + 2, batch.num_rows)  # the header is row 1
                cells = {key: _trim(batch.column(names[at])) for key, at in positions}
                ok, values = BATCHES[kind](cells, batch.num_rows, block=block)
                good = pa.table([row_numbers, *values], names=columns).filter(ok)
                good_text, good_format = _copy_input(good)
                rejected = pc.invert(ok)
                progress.rows += batch.num_rows + len(skipped)
                progress.bytes_read = source.tell()
                yield _Batch(
                    good=good_text,
                    good_format=good_format,
                    good_rows=good.num_rows,
                    others=batch.filter(rejected),
                    other_row_numbers=pc.filter(row_numbers, rejected).to_pylist(),
                    ragged=skipped,
                )
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            if found := first_non_utf8_byte(path):
                raise not_utf8(path, found=found) from exc  # no reader could do more with it
            raise FastPathUnavailable(str(exc)) from exc
    if ragged.pending:  # the last records of the file
        progress.rows += len(ragged.pending)
        yield _Batch(
            good=b"", good_format="text", good_rows=0, others=None, other_row_numbers=[], ragged=list(ragged.pending)
        )


def stage_csv_columnar(
    *,
    path: Path,
    kind: str,
    stage: StageTable,
    progress: ReadProgress,
    on_progress: Callable[[ReadProgress], None] | None,
    error_limit: int,
) -> tuple[int, int, list[RowErrors]]:
    """Fill ``stage`` from ``path``; returns (rows staged, rows rejected, first rejected rows).

    The good rows of many blocks go through one ``COPY`` (a new one where a
    block must switch between text and CSV format), so the server parses a
    block while the next one is read and checked. It is closed every
    ``PROGRESS_ROWS`` rows, when the connection is free to report progress and
    to stage the rows ``parse_record`` accepted.
    """
    header, index, headers = read_header(path, kind=kind)
    if any("\n" in name or "\r" in name for name in header):
        raise FastPathUnavailable("a line break inside the header")
    positions = list(index.items())
    names = [f"c{position}" for position in range(len(header))]
    csv_kind, zone = KINDS[kind], ZoneInfo(settings.ANALYTICS_TIME_ZONE)
    columns = stage.column_names
    copy_sql = {
        input_format: f"COPY {stage.name} ({', '.join(columns)}) FROM STDIN WITH (FORMAT {input_format})"
        for input_format in ("text", "csv")
    }
    batches = _read_batches(path, kind=kind, stage=stage, header=header, positions=positions, progress=progress)
    staged = rejected = 0
    errors: list[RowErrors] = []
    with closing(batches), connection.cursor() as cursor:
        # Dates are staged as midnight in the analytics time zone, as the reader makes them.
        cursor.execute("SELECT set_config('TimeZone', %s, false)", [settings.ANALYTICS_TIME_ZONE])
        try:
            finished = False
            while not finished:
                report_at, rescued = progress.rows + PROGRESS_ROWS, []
                try:
                    with transaction.atomic(), ExitStack() as open_copy:
                        copy_format = None
                        while progress.rows < report_at and len(rescued) < PROGRESS_ROWS:
                            batch = next(batches, None)
                            if batch is None:
                                finished = True
                                break
                            if batch.good_rows and batch.good_format != copy_format:
                                open_copy.close()  # the rows so far are in; go on in the other format
                                copy = open_copy.enter_context(cursor.cursor.copy(copy_sql[batch.good_format]))
                                copy_format = batch.good_format
                            if batch.good_rows:
                                copy.write(batch.good)
                            staged += batch.good_rows
                            problems = batch.ragged
                            if batch.others is not None and batch.others.num_rows:
                                good, judged = _judge_rows(
                                    batch.others,
                                    batch.other_row_numbers,
                                    width=len(header),
                                    positions=positions,
                                    headers=headers,
                                    csv_kind=csv_kind,
                                    zone=zone,
                                    names=names,
                                )
                                rescued.extend(good)
                                problems = sorted([*problems, *judged], key=lambda error: error.row)
                            rejected += len(problems)
                            errors.extend(problems[: max(0, error_limit - len(errors))])
                except psycopg.Error as exc:  # e.g. a NUL character, which PostgreSQL text cannot hold
                    raise FastPathUnavailable(str(exc)) from exc
                if rescued:
                    stage_rows(connection, stage, rescued, analyze=False)
                    staged += len(rescued)
                if on_progress is not None:
                    on_progress(progress)
        finally:
            cursor.execute("SELECT set_config('TimeZone', %s, false)", [connection.timezone_name])
        stage_analyze(cursor, stage.name)
    progress.bytes_read = path.stat().st_size
    if on_progress is not None:
        on_progress(progress)
    return staged, rejected, errors


def _judge_rows(
    batch: pa.RecordBatch,
    row_numbers: list[int],
    *,
    width: int,
    positions: list[tuple[str, int]],
    headers: dict[str, str],
    csv_kind: CsvKind,
    zone: ZoneInfo,
    names: list[str],
) -> tuple[list[tuple], list[RowErrors]]:
    """The rows the vectorised checks did not accept, judged one by one: (rows to stage, their errors)."""
    columns = {position: batch.column(names[position]).to_pylist() for _key, position in positions}
    good, errors = [], []
    for offset, row_number in enumerate(row_numbers):
        values = [""] * width
        for position, cells in columns.items():
            values[position] = cells[offset]
        result = parse_record(row_number, values, positions=positions, headers=headers, kind=csv_kind, zone=zone)
        if result is None:
            continue  # a blank record: nothing to load
        if isinstance(result, RowErrors):
            errors.append(result)
        else:
            good.append((result[0], *result[1]))
    return good, errors
