"""Browser tests: Debian's headless Chromium through Selenium, against pytest-django's live server on 127.0.0.1.

Each test gets a clean browser state; after it, any console error any page logged fails the test. Without
Chromium the tests are skipped with the reason, except in CI (``CI`` set), where that is a failure.
"""

import os
import shutil

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore

from tests.browser.browser import Browser, browser_missing, start_chromium

# The live server listens on loopback only.
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")


@pytest.fixture(scope="session")
def chromium(live_server):
    """One browser for the session; it depends on the live server so that it quits (closing its keep-alive
    connections) before the server and its shared in-memory SQLite connection go away."""
    reason = browser_missing()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"Browser tests must run in CI, but {reason}.")
        pytest.skip(f"Browser tests need headless Chromium: {reason}.")
    driver, profile = start_chromium()
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def browser(chromium, live_server, transactional_db):
    """A browser on the live server with no cookies; fails the test on any console error of any page."""
    chromium.get(live_server.url + "/admin/login/")  # cookies can only be set on a page of the site
    chromium.delete_all_cookies()
    chromium.get_log("browser")  # drop what earlier tests left
    session = Browser(driver=chromium, base_url=live_server.url)
    yield session
    session.collect_console()
    chromium.get("about:blank")  # stop the page's polling before the live server's database goes away
    assert session.console_errors == [], f"console errors on {session.pages}: {session.console_errors}"


def sign_in(browser: Browser, user: User) -> None:
    """Give the browser a logged-in session for ``user`` without going through the form (the login test does)."""
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    browser.driver.add_cookie(
        {"name": settings.SESSION_COOKIE_NAME, "value": store.session_key, "path": "/", "httpOnly": True}
    )
