"""In a real browser: a segment's members and history, and a new history point after an import."""

from pathlib import Path

import pytest
from django.contrib.auth.models import User
from selenium.webdriver.common.by import By

from customers.criteria import criteria_parse
from customers.models import Segment
from customers.services import segment_create
from tests.browser.browser import Browser
from tests.browser.conftest import sign_in
from tests.dashboard.shop import Shop, build_shop


@pytest.fixture
def east(transactional_db) -> tuple[Shop, Segment]:
    """Customers who bought in the East: only Alan in the shop."""
    shop = build_shop()
    return shop, segment_create(name="East buyers", criteria=criteria_parse({"regions": ["East"]})).segment


def _open_segment(browser: Browser, segment: Segment) -> None:
    browser.open(f"/dashboard/segments/{segment.pk}/")
    browser.wait_until(lambda: browser.js("return document.querySelector('.dashboard').dataset.chartsReady") == "true")


def test_history_chart_gains_a_point_when_an_import_changes_the_members(
    browser: Browser, superuser: User, east, settings, tmp_path
):
    _, segment = east
    settings.IMPORT_ROOT = tmp_path
    sign_in(browser, superuser)
    browser.open("/dashboard/segments/")
    browser.driver.find_element(By.LINK_TEXT, "East buyers").click()
    browser.wait_until(lambda: browser.js("return document.querySelector('.dashboard').dataset.chartsReady") == "true")
    browser.collect_console()

    before = browser.chart("chart-segment-history")
    assert before["datasets"][0]["data"] == [1]  # members: Alan
    assert (
        browser.json_script("segment-history-data") == browser.api(f"/api/v1/segments/{segment.pk}/history/")["results"]
    )
    members = browser.json_script("segment-members-data")
    assert members["results"] == browser.api(f"/api/v1/segments/{segment.pk}/customers/?page_size=25")["results"]
    assert browser.screenshot("segment") == {"desktop": 0, "phone": 0}

    # When a file with a new East customer (B-3) is imported on the admin page
    browser.open("/admin/ingestion/importjob/import/")
    browser.driver.find_element(By.ID, "id_file").send_keys(str(Path(__file__).parent / "data" / "small_sales.csv"))
    browser.driver.find_element(By.NAME, "_import").click()
    browser.wait_until(
        lambda: browser.driver.find_element(By.ID, "import-status").get_attribute("data-status") == "succeeded",
        timeout=60,
    )
    browser.collect_console()

    # Then the history has a new point: two members, one entered, none left
    _open_segment(browser, segment)
    after = browser.chart("chart-segment-history")
    assert [dataset["label"] for dataset in after["datasets"]] == ["Members", "Entered", "Left"]
    assert after["datasets"][0]["data"] == [1, 2]
    assert after["datasets"][1]["data"] == [0, 1]
    assert after["datasets"][2]["data"] == [0, 0]
    history = browser.api(f"/api/v1/segments/{segment.pk}/history/")["results"]
    assert browser.json_script("segment-history-data") == history
    assert history[-1]["reason"] == "import"
    assert "Alan Turing" in browser.driver.find_element(By.ID, "segment-members").text
