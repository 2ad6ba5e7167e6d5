"""Random CSV files with every kind of flaw, the same for a given seed, for tests that compare two ways of importing."""

import csv
import io
import random
from pathlib import Path

from tests.ingestion.csv_files import AGENT_HEADER, SALES_HEADER

# Cells each reader must judge alike: (valid ones, in plain and unusual forms; bad or doubtful ones).
VARIANTS = {
    "Quantity Sold": (["1", "2", "3", "02", " 4 ", "\t3"], ["0", "-1", "2.0", "1e3", "abc", "", "99999999999"]),
    "Unit Price": (["19.99", "5", "0", "19.990", "0.5"], ["1.999", "-1", "1e2", "12,50", "", "x", "99999999999.99"]),
    "Discount": (["0", "0.1", ".25", "1", ""], ["1.0000", "0.", "1.5", "-0.1", "0.12345", "ten"]),
    "Shipping Cost": (["5.00", "0", "", "7.5"], ["free", "-2", "1e1"]),
    "Date of Sale": (["2024-03-05", "2024-12-31", "2024-03-05T10:30:00+02:00"], ["2024-02-30", "05/03/2024", ""]),
    "Region": (["North", "South", "", "Sud-Est", " South\t"], ["North\nEast", 'The "West"', "x" * 101]),
    "Payment Method": (["Cash", "Card", ""], ["Card\tdebit", "y" * 51]),
    "Customer Name": (["Ana Lima", "Zoë", "Bo, Jr."], ["Ana\x00Lima", "n" * 201, ""]),
    "Customer Email": (["ana@example.com", "", "  b@example.com "], ["zoë@exämple.com", "not-an-email", "a@b@c.d"]),
    "Customer Address": (["1 Main St", "2 Side Rd, Flat 3", ""], ["Line 1\nLine 2", "back\\slash"]),
    "Agent Name": (["Agent", "Agente"], ["", "a" * 201]),
    "Agent Role": (["Agent", "call center agent", "Retail Agent", "ADMIN", ""], ["boss", "Agents"]),
    "Team": (["Team 1", "Team 2", ""], ["t" * 101]),
}
PRODUCTS = [(f"P-{n}", ["Kettle", "Lamp", "Zoë's mug"][n % 3], f"Cat-{n % 3}") for n in range(12)]


def _cell(rng: random.Random, column: str, *, odd: float = 0.03) -> str:
    good, bad = VARIANTS[column]
    return rng.choice(bad if rng.random() < odd else good)


def _order_fields(rng: random.Random, number: int) -> dict[str, str]:
    customer, agent = rng.randrange(15), rng.randrange(6)
    fields = ["Date of Sale", "Region", "Shipping Cost", "Payment Method", "Customer Email", "Customer Address"]
    return {
        "Order ID": f"O-{number}" if rng.random() > 0.01 else " ",
        "Customer ID": f"C-{customer}",
        "Customer Name": f"{_cell(rng, 'Customer Name')} {customer}",
        **{column: _cell(rng, column) for column in fields},
        "Agent ID": "" if rng.random() < 0.2 else f"A-{agent}",
        "Agent Name": f"{_cell(rng, 'Agent Name')} {agent}",
        "Agent Role": _cell(rng, "Agent Role"),
        "Team": _cell(rng, "Team"),
    }


def _line_fields(rng: random.Random) -> dict[str, str]:
    code, name, category = rng.choice(PRODUCTS)
    return {
        "Product ID": code if rng.random() > 0.01 else "",
        "Product Name": name if rng.random() > 0.03 else rng.choice(["Other name", "z" * 201]),
        "Category": category,
        **{column: _cell(rng, column) for column in ("Quantity Sold", "Unit Price", "Discount")},
    }


def random_sales_csv(path: Path, *, seed: int, orders: int) -> Path:
    """About two rows per order; some rows contradict their order or repeat its product; odd records between."""
    rng = random.Random(seed)
    header = SALES_HEADER + AGENT_HEADER
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=rng.choice(["\n", "\r\n"]))
    writer.writerow(header)
    for number in range(orders):
        order = _order_fields(rng, number)
        for _line in range(rng.choice([1, 1, 2, 2, 3])):
            row = order | _line_fields(rng)
            if rng.random() < 0.04:  # contradicts the order's first row
                row = row | {"Customer ID": f"C-{rng.randrange(15)}", "Region": "Elsewhere"}
            writer.writerow([row[name] for name in header])
            odd = rng.random()
            if odd < 0.01:
                buffer.write(writer.dialect.lineterminator)  # a blank line
            elif odd < 0.02:
                writer.writerow([""] * len(header))  # a row of bare commas
            elif odd < 0.03:
                writer.writerow(["O-short", "P-1", "C-1"])  # too few fields
            elif odd < 0.04:
                writer.writerow([row[name] for name in header] + ["extra"])  # too many
            elif odd < 0.06:
                writer.writerow([row[name] for name in header])  # the same line again: a repeated product
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


PRODUCT_VARIANTS = {
    "Product Name": (["Hammer", "Zoë's mug", "Kite, red", " Lamp\t"], ["", "n" * 201, "Nul\x00name"]),
    "Category": (["Tools", "Toys", "Kitchen"], ["", "c" * 101]),
    "Unit Price": (["9.99", "15.50", "0", "2.500", " 7 "], ["-1", "1.999", "free", "", "1e2"]),
    "Description": (["", "Claw, 16 oz", "Two\nlines", 'A "quoted" word'], ["\\x00"]),
    "Stock": (["", "0", "12", "007"], ["-3", "1.5", "many", "99999999999"]),
}


def random_products_csv(path: Path, *, seed: int, rows: int) -> Path:
    """Products with every kind of cell; a few codes come back later (and are rejected as repeats)."""
    rng = random.Random(seed)
    header = ["Product ID", *PRODUCT_VARIANTS]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in range(rows):
        code = rng.choice([f"P-{rng.randrange(row + 1)}", "", " "]) if rng.random() < 0.04 else f"P-{row}"
        cells = [code]
        for column in header[1:]:
            good, bad = PRODUCT_VARIANTS[column]
            cells.append(rng.choice(bad if rng.random() < 0.04 else good))
        writer.writerow(cells)
        if rng.random() < 0.02:
            writer.writerow(cells[:2])  # too few fields
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path
