"""The overview with data: every number is the analytics API's answer for the same range, and right by hand."""

import calendar
import json
import re
from datetime import UTC, date, datetime

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from customers.models import Customer
from sales.models import Agent, Team
from sales.services import order_create
from tests.dashboard.shop import Shop, build_shop

DASHBOARD = "/dashboard/"
FIRST_HALF = {"start_date": "2024-01-01", "end_date": "2024-06-30", "interval": "month", "model": "quantile"}


@pytest.fixture
def shop(db) -> Shop:
    return build_shop()


@pytest.fixture
def staff(client: Client, superuser: User) -> Client:
    client.force_login(superuser)
    return client


def embedded(response, element_id: str):
    """The JSON a page embedded with ``json_script``."""
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', response.text, re.S)
    assert match, f"no {element_id} in the page"
    return json.loads(match.group(1))


def test_overview_embeds_the_dashboard_api_answer_for_its_range(staff: Client, shop: Shop):
    page = staff.get(DASHBOARD, FIRST_HALF)
    api = staff.get(
        "/api/v1/analytics/dashboard/", {key: FIRST_HALF[key] for key in ("start_date", "end_date", "model")}
    )

    assert page.status_code == 200
    assert api.status_code == 200
    assert embedded(page, "dashboard-data") == api.json()


def test_kpi_cards_show_the_hand_sums_and_the_period_before(staff: Client, shop: Shop):
    # Given April to June (91 days), compared with the 91 days before: 1 January to 31 March 2024 (a leap year)
    page = staff.get(DASHBOARD, {**FIRST_HALF, "start_date": "2024-04-01"})

    cards = {card.key: card for card in page.context["panels"].kpis}
    now, before = (date(2024, 4, 1), date(2024, 6, 30)), (date(2024, 1, 1), date(2024, 3, 31))
    assert cards["total_sales"].value == shop.revenue(*now)
    assert cards["total_sales"].previous == shop.revenue(*before)
    assert cards["total_transactions"].value == shop.orders_between(*now) == 5
    assert cards["total_transactions"].previous == 4
    assert cards["products_sold"].value == shop.units(*now)
    # 1 Apr and 30 Jun, against 1 Jan and 14 Feb (31 Dec 2023 is before either range)
    assert (cards["new_memberships"].value, cards["new_memberships"].previous) == (2, 2)
    expected_change = (shop.revenue(*now) - shop.revenue(*before)) / shop.revenue(*before)
    assert cards["total_sales"].change == expected_change
    assert "1 Jan 2024 \N{EN DASH} 31 Mar 2024" in page.text
    money_now = shop.revenue(*now)
    assert f"${money_now:,.2f}" in page.text


def test_unknown_interval_or_reversed_range_is_a_400_naming_the_control(staff: Client, shop: Shop):
    reversed_range = staff.get(DASHBOARD, {**FIRST_HALF, "start_date": "2024-07-01"})
    bad_interval = staff.get(DASHBOARD, {**FIRST_HALF, "interval": "fortnight"})
    bad_date = staff.get(DASHBOARD, {**FIRST_HALF, "end_date": "2024-02-30"})

    assert reversed_range.status_code == 400
    assert "The end date is before the start date." in reversed_range.text
    assert bad_interval.status_code == 400
    assert "Select a valid choice. fortnight is not one of the available choices." in bad_interval.text
    assert bad_date.status_code == 400
    assert 'id="id_end_date_errors"' in bad_date.text
    assert "<canvas" not in bad_date.text


def test_default_range_is_the_twelve_months_up_to_the_latest_order(staff: Client, shop: Shop):
    page = staff.get(DASHBOARD)

    panels = page.context["panels"]
    assert (panels.start_date, panels.end_date) == (date(2024, 1, 1), date(2024, 6, 18))  # the first order's month
    assert panels.interval == "month"


def test_overview_query_count_does_not_grow_with_orders(staff: Client, shop: Shop):
    def queries() -> int:
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            assert staff.get(DASHBOARD, FIRST_HALF).status_code == 200
        return len(captured)

    staff.get(DASHBOARD, FIRST_HALF)  # the first visit of a data version also runs the range's RFM segmentation
    few = queries()
    # Given ten more orders in the range, by other customers, agents and products
    for n in range(10):
        order_create(
            customer=Customer.objects.create(code=f"DX-{n}", name=f"Buyer {n}"),
            agent=Agent.objects.create(code=f"DXA-{n}", name=f"Agent {n}", team=Team.objects.create(name=f"Team {n}")),
            ordered_at=datetime(2024, 3, n + 1, 9, 0, tzinfo=UTC),
            lines=[{"product": shop.products[n % 4], "quantity": n + 1}],
        )
    staff.get(DASHBOARD, FIRST_HALF)
    many = queries()

    assert few == many


def test_a_range_too_large_to_segment_at_once_follows_its_run(staff: Client, shop: Shop, settings):
    settings.RFM_DASHBOARD_SYNC_MAX_CUSTOMERS = 0  # every range is "large": its run is queued, not run inline

    page = staff.get(DASHBOARD, FIRST_HALF)

    segments = page.context["panels"].segments
    assert segments["status"] == "running"
    assert f'data-poll-url="/api/v1/analytics/rfm-runs/{segments["run_id"]}/"' in page.text
    assert 'id="chart-rfm-segments"' not in page.text
    assert embedded(page, "dashboard-data")["total_sales"] == float(shop.revenue(date(2024, 1, 1), date(2024, 6, 30)))


REPORTS = {
    "revenue-data": "/api/v1/analytics/metrics/",
    "by-team-data": "/api/v1/analytics/sales/by-team/",
    "top-products-data": "/api/v1/analytics/top-products/",
    "top-customers-data": "/api/v1/analytics/top-customers/",
}
PARAMS = {"revenue-data": "metrics", "by-team-data": "by_team", "top-products-data": "top_products",
          "top-customers-data": "top_customers"}  # fmt: skip


@pytest.mark.parametrize("interval", ["week", "month", "quarter"])
def test_every_chart_and_table_embeds_the_api_answer_for_the_same_query(staff: Client, shop: Shop, interval):
    page = staff.get(DASHBOARD, {**FIRST_HALF, "interval": interval})

    params = page.context["panels"].params
    for element_id, route in REPORTS.items():
        api = staff.get(route, params[PARAMS[element_id]])
        assert api.status_code == 200, api.json()
        assert embedded(page, element_id) == api.json(), element_id


def test_revenue_line_is_zero_filled_and_flags_the_partial_last_month(staff: Client, shop: Shop):
    # Given a range that ends inside June, by month
    page = staff.get(DASHBOARD, {**FIRST_HALF, "end_date": "2024-06-10"})

    (revenue,) = embedded(page, "revenue-data")
    points = [(p["timestamp"][:10], p["value"], p["is_complete"]) for p in revenue["time_series"]]

    def month(n: int, last_day: int | None = None) -> float:
        return float(shop.revenue(date(2024, n, 1), date(2024, n, last_day or calendar.monthrange(2024, n)[1])))

    assert points == [
        ("2024-01-01", month(1), True),
        ("2024-02-01", month(2), True),
        ("2024-03-01", 0, True),  # nothing sold in March, and March is there
        ("2024-04-01", month(4), True),
        ("2024-05-01", month(5), True),
        ("2024-06-01", month(6, 10), False),
    ]
    assert month(3) == 0
    assert 'id="revenue-incomplete"' in page.text


def test_top_tables_link_to_the_admin_pages_and_rank_by_hand(staff: Client, shop: Shop):
    page = staff.get(DASHBOARD, FIRST_HALF)

    customers = embedded(page, "top-customers-data")["results"]
    spent = {n: sum(line["total"] for line in shop.lines if line["customer"] == n) for n in range(6)}
    ranked = sorted(range(6), key=lambda n: (-spent[n], shop.customers[n].pk))
    assert [row["customer"] for row in customers] == [shop.customers[n].pk for n in ranked]
    first = shop.customers[ranked[0]]
    assert f'href="/admin/customers/customer/{first.pk}/change/">{first.name}</a>' in page.text
    products = embedded(page, "top-products-data")["results"]
    top = shop.products[products[0]["product"] - shop.products[0].pk]
    assert f'href="/admin/catalog/product/{top.pk}/change/">{top.name}</a>' in page.text


def test_too_many_buckets_for_a_chart_is_a_400_naming_the_interval(staff: Client, shop: Shop):
    page = staff.get(DASHBOARD, {**FIRST_HALF, "start_date": "2020-01-01", "interval": "day"})

    assert page.status_code == 400
    assert "That range has more than 400 days; pick a longer interval." in page.text
