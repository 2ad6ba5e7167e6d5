"""In a real browser: who may open the dashboard, the empty state, and following an import on the admin pages."""

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from selenium.webdriver.common.by import By

from ingestion.models import ImportJob, ImportStatus
from sales.models import Order
from tests.browser.browser import Browser
from tests.browser.conftest import sign_in

PASSWORD = "s3cure-Passw0rd!"  # the suite's users' password (tests/conftest.py)


@pytest.fixture(autouse=True)
def _import_root(settings, tmp_path: Path) -> Path:
    settings.IMPORT_ROOT = tmp_path
    return tmp_path


def test_anonymous_visitor_is_sent_to_the_login_page_and_back(browser: Browser, superuser: User):
    browser.open("/dashboard/?interval=week")

    assert browser.path.startswith("/admin/login/?next=")
    assert "/dashboard/" in browser.path
    browser.screenshot("login")

    browser.driver.find_element(By.ID, "id_username").send_keys(superuser.username)
    browser.driver.find_element(By.ID, "id_password").send_keys(PASSWORD)
    browser.driver.find_element(By.CSS_SELECTOR, "#login-form [type=submit]").click()
    browser.wait_until(lambda: browser.path.startswith("/dashboard/"))
    browser.collect_console()

    assert browser.path == "/dashboard/?interval=week"
    assert browser.driver.find_element(By.TAG_NAME, "h1").text == "Sales dashboard"


def test_signed_in_user_who_is_not_staff_is_refused(browser: Browser, viewer_user: User):
    sign_in(browser, viewer_user)  # a viewer over the API, but not a staff account

    browser.open("/dashboard/")

    assert browser.path == "/dashboard/"
    assert "Dashboard not available" in browser.driver.title
    assert "not a staff account" in browser.driver.find_element(By.CSS_SELECTOR, ".errornote").text
    assert not browser.driver.find_elements(By.CSS_SELECTOR, "canvas")
    # The 403 itself is a failed load in the console; it is the point of this page, not an error of it.
    assert [error for error in browser.console_errors if "403" not in error] == []
    browser.console_errors.clear()
    assert browser.screenshot("refused") == {"desktop": 0, "phone": 0}


def test_empty_database_shows_how_to_import_data(browser: Browser, superuser: User):
    sign_in(browser, superuser)

    browser.open("/dashboard/")

    empty = browser.driver.find_element(By.ID, "empty-state")
    assert "No sales yet" in empty.text
    assert "python manage.py import_csv PATH --kind sales" in empty.text
    upload = empty.find_element(By.LINK_TEXT, "Upload a sales CSV")
    assert upload.get_attribute("href").endswith("/admin/ingestion/importjob/import/")
    assert not browser.driver.find_elements(By.CSS_SELECTOR, "canvas")
    assert browser.screenshot("dashboard-empty") == {"desktop": 0, "phone": 0}  # nothing scrolls sideways


def test_admin_index_and_header_link_the_dashboard_and_the_import_page(browser: Browser, superuser: User):
    sign_in(browser, superuser)

    browser.open("/admin/")

    module = browser.driver.find_element(By.ID, "dashboard-links")
    assert module.find_element(By.LINK_TEXT, "Sales dashboard").get_attribute("href").endswith("/dashboard/")
    assert (
        module.find_element(By.LINK_TEXT, "Import CSV")
        .get_attribute("href")
        .endswith("/admin/ingestion/importjob/import/")
    )
    browser.screenshot("admin-index")
    browser.driver.find_element(By.ID, "header-dashboard-link").click()
    browser.wait_until(lambda: browser.path == "/dashboard/")
    browser.collect_console()


def test_job_page_follows_a_running_import_without_reloading(browser: Browser, superuser: User):
    # Given an import a worker is running, 50 of 200 rows in
    job = ImportJob.objects.create(
        kind="sales", source="upload:big.csv", file_path="/tmp/big.csv", status=ImportStatus.RUNNING, rows_total=200
    )
    ImportJob.objects.filter(pk=job.pk).update(rows_processed=50)
    sign_in(browser, superuser)
    browser.open(f"/admin/ingestion/importjob/{job.pk}/change/")
    browser.js("window.__samePage = true")  # a reload would drop this
    bar = browser.driver.find_element(By.CSS_SELECTOR, "#import-status progress")
    assert (bar.get_attribute("value"), bar.get_attribute("max")) == ("50", "200")
    browser.screenshot("import-job-running")

    # When the worker moves on, the page follows by polling the job
    ImportJob.objects.filter(pk=job.pk).update(rows_processed=150)
    browser.wait_until(lambda: bar.get_attribute("value") == "150", message="progress bar did not move")
    assert "150 of 200 rows (75%)" in browser.driver.find_element(By.ID, "import-status").text
    assert browser.js("return window.__samePage") is True

    # And once the job has finished the page shows its outcome and row errors
    ImportJob.objects.filter(pk=job.pk).update(
        rows_processed=200,
        rows_created=199,
        rows_rejected=1,
        status=ImportStatus.SUCCEEDED,
        errors=[{"row": 7, "column": "Quantity Sold", "message": "Quantity Sold must be at least 1, got 0."}],
    )
    rows = browser.wait_until(lambda: browser.driver.find_elements(By.CSS_SELECTOR, "#row-errors tbody tr"))
    browser.collect_console()
    assert (
        "Import succeeded: 199 created, 0 updated, 1 rejected"
        in browser.driver.find_element(By.ID, "import-status").text
    )
    assert [row.text for row in rows] == ["7 Quantity Sold Quantity Sold must be at least 1, got 0."]


def test_upload_on_the_import_page_reaches_succeeded_and_the_log_links_its_errors(browser: Browser, superuser: User):
    csv_path = Path(__file__).parent / "data" / "small_sales.csv"
    sign_in(browser, superuser)
    browser.open("/admin/")
    browser.driver.find_element(By.LINK_TEXT, "Import CSV").click()
    browser.wait_until(lambda: browser.path == "/admin/ingestion/importjob/import/")
    browser.collect_console()
    browser.screenshot("import-csv")

    browser.driver.find_element(By.ID, "id_file").send_keys(str(csv_path))
    browser.driver.find_element(By.NAME, "_import").click()
    browser.wait_until(lambda: re.fullmatch(r"/admin/ingestion/importjob/[0-9a-f-]+/change/", browser.path))
    browser.wait_until(lambda: browser.driver.find_element(By.ID, "import-status").get_attribute("data-status")
                       == "succeeded", timeout=60)  # fmt: skip
    browser.collect_console()

    status = browser.driver.find_element(By.ID, "import-status").text
    assert "Import succeeded: 5 created, 0 updated, 1 rejected" in status
    assert Order.objects.count() == 3
    browser.screenshot("import-job-succeeded")

    browser.open("/admin/ingestion/importjob/")
    link = browser.driver.find_element(By.LINK_TEXT, "1 row error")
    link.click()
    browser.wait_until(lambda: browser.driver.current_url.endswith("#row-errors"))
    rows = browser.driver.find_elements(By.CSS_SELECTOR, "#row-errors tbody tr")
    assert [row.text.split(" ")[0] for row in rows] == ["7"]
