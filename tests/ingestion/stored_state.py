"""Everything an import can write, read back keyed by external code, to compare whole database states."""

from typing import Any

from catalog.models import Product
from customers.models import Customer
from ingestion.models import ImportJob
from sales.models import Agent, Order, OrderLine


def stored_state() -> dict[str, dict[Any, tuple]]:
    def keyed(rows, width: int = 1) -> dict[Any, tuple]:
        return {(row[0] if width == 1 else row[:width]): row[width:] for row in rows}

    return {
        "orders": keyed(
            Order.objects.values_list(
                "code",
                "customer__code",
                "agent__code",
                "ordered_at",
                "region",
                "payment_method",
                "shipping_cost",
                "subtotal",
                "total_amount",
            )
        ),
        "lines": keyed(
            OrderLine.objects.values_list(
                "order__code", "product__code", "quantity", "unit_price", "discount", "line_total"
            ),
            width=2,
        ),
        "customers": keyed(Customer.objects.values_list("code", "name", "email", "address", "region")),
        "products": keyed(
            Product.objects.values_list("code", "name", "category__name", "unit_price", "description", "stock")
        ),
        "agents": keyed(Agent.objects.values_list("code", "name", "role", "team__name")),
    }


def job_outcome(job: ImportJob) -> dict[str, Any]:
    """What the refresh log tells of a finished job."""
    return {
        "job": (job.status, job.error, job.rows_total, job.rows_created, job.rows_updated, job.rows_rejected),
        "errors": job.errors,
    }
