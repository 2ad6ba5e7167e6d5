"""Money arithmetic: Decimal throughout, rounded half-up to cents per line."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def round_money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def compute_line_total(*, quantity: int, unit_price: Decimal, discount: Decimal) -> Decimal:
    """``round_half_up(quantity * unit_price * (1 - discount), 2)``, the spec's line total."""
    return round_money(Decimal(quantity) * Decimal(unit_price) * (Decimal(1) - Decimal(discount)))
