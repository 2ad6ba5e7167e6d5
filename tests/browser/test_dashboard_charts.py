"""In a real browser: the overview's cards and charts show exactly what the API answers for the same range."""

from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import User
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.browser.browser import Browser
from tests.browser.conftest import sign_in
from tests.dashboard.shop import Shop, build_shop

FIRST_HALF = {"start_date": "2024-01-01", "end_date": "2024-06-30", "interval": "month", "model": "quantile"}


@pytest.fixture
def shop(transactional_db) -> Shop:
    return build_shop()


def _dashboard_api(params: dict) -> str:
    return "/api/v1/analytics/dashboard/?" + urlencode(
        {key: params[key] for key in ("start_date", "end_date", "model")}
    )


def _open_overview(browser: Browser, params: dict) -> None:
    browser.open("/dashboard/?" + urlencode(params))
    browser.wait_until(lambda: browser.js("return document.querySelector('.dashboard').dataset.chartsReady") == "true")


def test_kpi_cards_and_the_segment_chart_show_the_api_answer(browser: Browser, superuser: User, shop: Shop):
    sign_in(browser, superuser)
    _open_overview(browser, FIRST_HALF)

    api = browser.api(_dashboard_api(FIRST_HALF))
    assert browser.json_script("dashboard-data") == api
    cards = {
        card.get_attribute("id").removeprefix("kpi-"): card
        for card in browser.driver.find_elements(By.CSS_SELECTOR, ".kpi-card")
    }
    assert list(cards) == [
        "total_sales",
        "total_transactions",
        "products_sold",
        "new_memberships",
        "average_order_value",
    ]
    for key, card in cards.items():
        assert float(card.get_attribute("data-value")) == pytest.approx(api[key]), key
    assert cards["total_sales"].find_element(By.CLASS_NAME, "kpi-value").text == f"${api['total_sales']:,.2f}"
    assert cards["total_transactions"].find_element(By.CLASS_NAME, "kpi-value").text == f"{api['total_transactions']:,}"

    chart = browser.chart("chart-rfm-segments")
    segmentation = api["customer_segments"]["segmentation"]
    assert chart["labels"] == [row["segment"] for row in segmentation]
    assert chart["datasets"][0]["data"] == [row["count"] for row in segmentation]
    assert sum(chart["datasets"][0]["data"]) == len({line["customer"] for line in shop.lines})
    assert browser.screenshot("dashboard") == {"desktop": 0, "phone": 0}


def test_changing_the_controls_redraws_the_charts_for_the_new_range(browser: Browser, superuser: User, shop: Shop):
    sign_in(browser, superuser)
    _open_overview(browser, FIRST_HALF)
    before = browser.json_script("dashboard-data")

    # When staff pick April to June, by week, with k-means, and apply
    form = browser.driver.find_element(By.ID, "dashboard-filters")
    for name, value in (("start_date", "04/01/2024"), ("end_date", "06/30/2024")):
        field = form.find_element(By.NAME, name)
        field.clear()
        field.send_keys(value)
    Select(form.find_element(By.NAME, "interval")).select_by_value("week")
    Select(form.find_element(By.NAME, "model")).select_by_value("kmeans")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    browser.wait_until(lambda: "start_date=2024-04-01" in browser.path)
    browser.wait_until(lambda: browser.js("return document.querySelector('.dashboard').dataset.chartsReady") == "true")
    browser.collect_console()

    # Then the page's numbers are the API's for that range and model, and they changed
    params = {"start_date": "2024-04-01", "end_date": "2024-06-30", "interval": "week", "model": "kmeans"}
    assert browser.path == "/dashboard/?" + urlencode(params)
    after = browser.json_script("dashboard-data")
    assert after == browser.api(_dashboard_api(params))
    assert after["total_sales"] < before["total_sales"]
    assert after["customer_segments"]["algorithm"] == "kmeans"
    assert Select(browser.driver.find_element(By.NAME, "interval")).first_selected_option.text == "Week"
    assert browser.driver.find_element(By.CSS_SELECTOR, "label[for=id_start_date]").text == "From:"


def test_rfm_comparison_heat_map_is_the_api_matrix(browser: Browser, superuser: User, shop: Shop):
    sign_in(browser, superuser)
    for end in ("2024-03-31", "2024-06-30"):  # opening the overview segments its range: two runs
        _open_overview(browser, {**FIRST_HALF, "end_date": end})
    browser.open("/dashboard/rfm/")
    assert browser.screenshot("rfm-runs") == {"desktop": 0, "phone": 0}

    browser.driver.find_element(By.CSS_SELECTOR, "#rfm-compare-form button[type=submit]").click()
    browser.wait_until(lambda: browser.driver.find_elements(By.ID, "rfm-heatmap"))
    browser.collect_console()

    answer = browser.json_script("rfm-compare-data")
    assert answer == browser.api(
        f"/api/v1/analytics/rfm-runs/{answer['later_run']}/compare/?with={answer['earlier_run']}"
    )
    table = browser.driver.find_element(By.ID, "rfm-heatmap")
    headers = [th.get_attribute("textContent") for th in table.find_elements(By.CSS_SELECTOR, "thead th")][1:-1]
    assert headers == answer["to_segments"]
    shown = [
        [td.text for td in tr.find_elements(By.CSS_SELECTOR, "td.cell")]
        for tr in table.find_elements(By.CSS_SELECTOR, "tbody tr")
    ]
    assert shown == [[str(row["counts"][target]) for target in answer["to_segments"]] for row in answer["rows"]]
    assert browser.screenshot("rfm-compare") == {"desktop": 0, "phone": 0}


def test_an_upload_on_the_import_page_shows_up_on_the_dashboard(
    browser: Browser, superuser: User, shop: Shop, settings, tmp_path
):
    settings.IMPORT_ROOT = tmp_path
    sign_in(browser, superuser)
    _open_overview(browser, FIRST_HALF)
    before = browser.json_script("dashboard-data")

    # When staff upload a file of three good orders (and one bad row) and follow the job to its end
    browser.open("/admin/ingestion/importjob/import/")
    browser.driver.find_element(By.ID, "id_file").send_keys(str(Path(__file__).parent / "data" / "small_sales.csv"))
    browser.driver.find_element(By.NAME, "_import").click()
    browser.wait_until(
        lambda: browser.driver.find_element(By.ID, "import-status").get_attribute("data-status") == "succeeded",
        timeout=60,
    )
    browser.collect_console()

    # Then the same range's numbers include them: 252.14 = 50.00 + 12.15 + 25.00 + 119.99 + 45.00
    _open_overview(browser, FIRST_HALF)
    after = browser.json_script("dashboard-data")
    assert after == browser.api(_dashboard_api(FIRST_HALF))
    assert Decimal(str(after["total_sales"])) == Decimal(str(before["total_sales"])) + Decimal("252.14")
    assert after["total_transactions"] == before["total_transactions"] + 3
    assert after["products_sold"] == before["products_sold"] + 17
    card = browser.driver.find_element(By.CSS_SELECTOR, "#kpi-total_sales .kpi-value").text
    assert card == f"${Decimal(str(after['total_sales'])):,.2f}"


def _report_api(browser: Browser, route: str, params: dict) -> object:
    return browser.api(f"/api/v1/analytics/{route}/?" + urlencode(params))


def _charts_match_the_api(browser: Browser, start: str, end: str, interval: str) -> dict:
    """Assert the revenue and team charts draw the API's answers for the range; answer the revenue chart."""
    dates = {"start_date": start, "end_date": end}
    (revenue,) = _report_api(browser, "metrics", {**dates, "metrics": "revenue", "interval": interval, "limit": 400})
    assert browser.json_script("revenue-data") == [revenue]
    line = browser.chart("chart-revenue")
    assert line["type"] == "line"
    assert line["datasets"][0]["data"] == [point["value"] for point in revenue["time_series"]]
    teams = _report_api(browser, "sales/by-team", {**dates, "interval": interval, "sort_by": "period", "order": "asc"})
    assert browser.json_script("by-team-data") == teams
    bars = browser.chart("chart-by-team")
    periods = sorted({row["period"] for row in teams["results"]})
    for dataset in bars["datasets"]:
        values = {
            row["period"]: row["total_revenue"] for row in teams["results"] if row["team_name"] == dataset["label"]
        }
        assert dataset["data"] == [values.get(period, 0) for period in periods], dataset["label"]
    assert {dataset["label"] for dataset in bars["datasets"]} == {row["team_name"] for row in teams["results"]}
    for route, element_id in (("top-products", "top-products-data"), ("top-customers", "top-customers-data")):
        assert browser.json_script(element_id) == _report_api(browser, route, {**dates, "limit": 10})
    return line


def test_revenue_and_team_charts_and_top_tables_are_the_api_answers(browser: Browser, superuser: User, shop: Shop):
    sign_in(browser, superuser)
    _open_overview(browser, {**FIRST_HALF, "end_date": "2024-06-10"})

    line = _charts_match_the_api(browser, "2024-01-01", "2024-06-10", "month")

    assert line["labels"] == ["Jan 2024", "Feb 2024", "Mar 2024", "Apr 2024", "May 2024", "Jun 2024"]
    assert line["datasets"][0]["data"][2] == 0  # March: zero-filled
    # The partial June is drawn as a diamond, and the note says why
    styles = browser.js("return Chart.getChart(document.getElementById('chart-revenue')).data.datasets[0].pointStyle")
    assert styles == ["circle"] * 5 + ["rectRot"]
    assert browser.driver.find_element(By.ID, "revenue-incomplete").is_displayed()
    link = browser.driver.find_element(By.CSS_SELECTOR, "#top-customers tbody tr a")
    assert "/admin/customers/customer/" in link.get_attribute("href")


def test_changing_the_interval_redraws_revenue_by_week(browser: Browser, superuser: User, shop: Shop):
    sign_in(browser, superuser)
    _open_overview(browser, {**FIRST_HALF, "start_date": "2024-04-01"})
    assert len(browser.chart("chart-revenue")["labels"]) == 3  # April, May, June

    Select(browser.driver.find_element(By.NAME, "interval")).select_by_value("week")
    browser.driver.find_element(By.CSS_SELECTOR, "#dashboard-filters button[type=submit]").click()
    browser.wait_until(lambda: "interval=week" in browser.path)
    browser.wait_until(lambda: browser.js("return document.querySelector('.dashboard').dataset.chartsReady") == "true")
    browser.collect_console()

    line = _charts_match_the_api(browser, "2024-04-01", "2024-06-30", "week")
    assert len(line["labels"]) == 13  # the weeks starting Monday 1 April to Monday 24 June: 84 days apart, 13 weeks
    assert line["labels"][0] == "Week of 1 Apr 2024"
