"""The dashboard over the demo dataset, as a new user first sees it; its screenshot is the README's."""

from datetime import date

from django.contrib.auth.models import User
from selenium.webdriver.common.by import By

from sales.demo_data import generate_demo_data
from tests.browser.browser import Browser
from tests.browser.conftest import sign_in


def test_demo_dashboard_renders_every_panel_without_errors(browser: Browser, superuser: User):
    generate_demo_data(customers=300, orders=3000, years=2, seed=42, today=date(2026, 6, 15))
    sign_in(browser, superuser)

    browser.open("/dashboard/")
    browser.wait_until(lambda: browser.js("return document.querySelector('.dashboard').dataset.chartsReady") == "true")

    canvases = browser.driver.find_elements(By.CSS_SELECTOR, "canvas[data-chart]")
    assert canvases, "no chart on the page"
    for canvas in canvases:
        chart = browser.chart(canvas.get_attribute("id"))
        assert chart and chart["datasets"] and any(chart["datasets"][0]["data"]), canvas.get_attribute("id")
    assert browser.screenshot("dashboard-demo") == {"desktop": 0, "phone": 0}

    # The admin's dark theme (its toggle stores the choice) applies to the dashboard too
    browser.js("localStorage.setItem('theme', 'dark')")
    browser.open("/dashboard/")
    browser.wait_until(lambda: browser.js("return document.querySelector('.dashboard').dataset.chartsReady") == "true")
    assert browser.js("return document.documentElement.dataset.theme") == "dark"
    background = browser.js("return getComputedStyle(document.querySelector('.kpi-card')).backgroundColor")
    assert background != "rgb(255, 255, 255)"
    browser.screenshot("dashboard-demo-dark")
    browser.js("localStorage.removeItem('theme')")
