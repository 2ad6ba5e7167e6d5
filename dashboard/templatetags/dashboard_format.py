"""Numbers as staff read them: thousands separators, money in the dashboard's currency, signed changes."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.conf import settings
from django.utils.html import json_script
from rest_framework.utils.encoders import JSONEncoder

register = template.Library()

MINUS = "\u2212"  # a typographic minus, as wide as the plus sign
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹"}


def _decimal(value) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return None


@register.filter
def money(value) -> str:
    """``1234.5`` → ``$1,234.50`` (a code after the amount for currencies without a symbol here)."""
    amount = _decimal(value)
    if amount is None:
        return "—"
    code = settings.DASHBOARD_CURRENCY
    text = f"{abs(amount.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)):,.2f}"
    sign = MINUS if amount < 0 else ""
    symbol = _SYMBOLS.get(code)
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {code}"


@register.filter
def count(value) -> str:
    """``12345`` → ``12,345``."""
    number = _decimal(value)
    if number is None:
        return "—"
    return f"{number:,.0f}" if number == number.to_integral_value() else f"{number:,.2f}"


@register.filter
def change(value) -> str:
    """A relative change as a signed percentage (``0.125`` → ``+12.5%``); ``None`` means no base to compare."""
    ratio = _decimal(value)
    if ratio is None:
        return "no earlier data"
    percent = (ratio * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if percent == 0:
        return "no change"
    return f"{'+' if percent > 0 else MINUS}{abs(percent)}%"


@register.filter
def api_json_script(value, element_id: str) -> str:
    """``json_script`` written as the API writes JSON (money as numbers), so a page's data equals the API's."""
    return json_script(value, element_id, encoder=JSONEncoder)
