"""A thin layer over Selenium for the browser tests: Debian's headless Chromium, console errors, screenshots."""

import base64
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = os.environ.get("BROWSER_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("BROWSER_CHROMEDRIVER", "/usr/bin/chromedriver")
SCREENSHOT_DIR = Path(os.environ.get("BROWSER_SCREENSHOT_DIR", settings.BASE_DIR / "var" / "screenshots"))
DESKTOP = (1366, 900)
PHONE = (390, 844)
# Full-page screenshots stop here, so a runaway page cannot make a huge image.
MAX_SCREENSHOT_HEIGHT = 6000
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-extensions",
    "--disable-default-apps",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
    "--lang=en-US",
)


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or ``None`` when Chromium and ChromeDriver are installed."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            return f"{path} is not installed (Debian: apt-get install chromium chromium-driver)"
    return None


def start_chromium() -> tuple[WebDriver, str]:
    """A headless Chromium with a fresh profile, logging the page's console for the tests to read."""
    profile = tempfile.mkdtemp(prefix="salesanalytics-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size={DESKTOP[0]},{DESKTOP[1]}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    except Exception:
        shutil.rmtree(profile, ignore_errors=True)
        raise
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(30)
    return driver, profile


@dataclass
class Browser:
    """One test's view of the shared driver: the live server's address and the console errors seen so far."""

    driver: WebDriver
    base_url: str
    console_errors: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)

    def open(self, path: str) -> None:
        self.driver.get(self.base_url + path)
        self.wait_until(lambda: self.driver.execute_script("return document.readyState") == "complete")
        self.pages.append(path)
        self.collect_console()

    @property
    def path(self) -> str:
        return self.driver.current_url.removeprefix(self.base_url)

    def collect_console(self) -> list[str]:
        """Errors the page logged (console.error, uncaught exceptions, failed loads) since the last call."""
        errors = [entry["message"] for entry in self.driver.get_log("browser") if entry["level"] == "SEVERE"]
        self.console_errors.extend(errors)
        return errors

    def wait_until(self, condition: Callable[[], Any], *, timeout: float = 15, message: str = "") -> Any:
        return WebDriverWait(self.driver, timeout, poll_frequency=0.1).until(lambda _driver: condition(), message)

    def js(self, script: str, *args: Any) -> Any:
        return self.driver.execute_script(script, *args)

    def api(self, path: str) -> Any:
        """What the API answers ``path`` with, fetched by the page itself with the browser's session."""
        result = self.driver.execute_async_script(
            """
            const done = arguments[arguments.length - 1];
            fetch(arguments[0], {headers: {Accept: "application/json"}, credentials: "same-origin"})
              .then(r => r.json().then(body => done({status: r.status, body: body})))
              .catch(e => done({status: 0, body: String(e)}));
            """,
            path,
        )
        assert result["status"] == 200, f"GET {path} answered {result['status']}: {result['body']}"
        return result["body"]

    def json_script(self, element_id: str) -> Any:
        """The data a page embedded with ``json_script`` under ``element_id``."""
        return json.loads(self.js("return document.getElementById(arguments[0]).textContent", element_id))

    def chart(self, canvas_id: str) -> dict:
        """What Chart.js draws on ``canvas_id``: its type, labels and each dataset's label and values."""
        return self.js(
            """
            const chart = Chart.getChart(document.getElementById(arguments[0]));
            if (!chart) { return null; }
            return {
              type: chart.config.type,
              labels: chart.data.labels,
              datasets: chart.data.datasets.map(d => ({label: d.label, data: d.data, type: d.type || null})),
            };
            """,
            canvas_id,
        )

    def screenshot(self, name: str) -> dict[str, int]:
        """The whole page at desktop and at phone width, as ``<name>-desktop.png`` and ``<name>-phone.png``.

        The phone is emulated (viewport, touch, mobile layout) through the DevTools protocol, which also
        captures beyond the viewport. Answers, per width, how many pixels the page is wider than its viewport
        (0: nothing scrolls sideways).
        """
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        overflow = {}
        for label, (width, height) in (("desktop", DESKTOP), ("phone", PHONE)):
            metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": label == "phone"}
            self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
            time.sleep(0.3)  # let the layout and the charts follow the new viewport
            overflow[label] = self.horizontal_overflow()
            full = min(self.js("return Math.ceil(document.documentElement.scrollHeight)"), MAX_SCREENSHOT_HEIGHT)
            shot = self.driver.execute_cdp_cmd(
                "Page.captureScreenshot",
                {
                    "format": "png",
                    "captureBeyondViewport": True,
                    "clip": {"x": 0, "y": 0, "width": width, "height": max(full, height), "scale": 1},
                },
            )
            (SCREENSHOT_DIR / f"{name}-{label}.png").write_bytes(base64.b64decode(shot["data"]))
        self.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        self.collect_console()
        return overflow

    def horizontal_overflow(self) -> int:
        """How many pixels the page is wider than the window (0 when nothing scrolls sideways)."""
        return self.js("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
