"""Writing small import files for tests, exactly as a user's spreadsheet export would look."""

import csv
import io
from pathlib import Path

SALES_HEADER = [
    "Order ID",
    "Product ID",
    "Customer ID",
    "Product Name",
    "Category",
    "Region",
    "Date of Sale",
    "Quantity Sold",
    "Unit Price",
    "Discount",
    "Shipping Cost",
    "Payment Method",
    "Customer Name",
    "Customer Email",
    "Customer Address",
]
AGENT_HEADER = ["Agent ID", "Agent Name", "Agent Role", "Team"]


def sales_row(**overrides: str) -> dict[str, str]:
    """A valid order line; keyword names are the header's, snake_cased (``quantity_sold="0"``)."""
    row = {
        "Order ID": "O-1",
        "Product ID": "P-1",
        "Customer ID": "C-1",
        "Product Name": "Kettle",
        "Category": "Kitchen",
        "Region": "North",
        "Date of Sale": "2024-03-05",
        "Quantity Sold": "2",
        "Unit Price": "19.99",
        "Discount": "0",
        "Shipping Cost": "5.00",
        "Payment Method": "Cash",
        "Customer Name": "Ana Lima",
        "Customer Email": "ana@example.com",
        "Customer Address": "1 Main St",
    }
    for key, value in overrides.items():
        row[key.replace("_", " ").title().replace(" Id", " ID").replace(" Of ", " of ")] = value
    return row


def write_csv(
    path: Path,
    rows: list[dict[str, str]],
    *,
    header: list[str] | None = None,
    encoding: str = "utf-8",
    newline: str = "\n",
) -> Path:
    header = header or (SALES_HEADER + AGENT_HEADER if any("Agent ID" in row for row in rows) else SALES_HEADER)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator=newline, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path
