"""How the dashboard writes numbers: thousands separators, money in the configured currency, signed changes."""

from decimal import Decimal

import pytest

from dashboard.templatetags.dashboard_format import change, count, money


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("1234567.891"), "$1,234,567.89"),
        (Decimal("0.005"), "$0.01"),  # half-up, like the stored money
        (12, "$12.00"),
        (-2500.5, "\u2212$2,500.50"),  # a typographic minus before the symbol
        (None, "—"),
    ],
)
def test_money_in_dollars(settings, value, expected):
    settings.DASHBOARD_CURRENCY = "USD"
    assert money(value) == expected


def test_money_in_a_currency_without_a_symbol_names_its_code(settings):
    settings.DASHBOARD_CURRENCY = "CHF"
    assert money(Decimal("9876.5")) == "9,876.50 CHF"


def test_count_groups_thousands():
    assert count(1234567) == "1,234,567"
    assert count(Decimal("1234.50")) == "1,234.50"
    assert count("not a number") == "—"


@pytest.mark.parametrize(
    ("ratio", "expected"),
    [(Decimal("0.125"), "+12.5%"), (Decimal("-0.5"), "\u221250.0%"), (0, "no change"), (None, "no earlier data")],
)
def test_change_is_a_signed_percentage(ratio, expected):
    assert change(ratio) == expected
