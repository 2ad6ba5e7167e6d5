"""Chart.js is served from our own static files, pinned, with its licence beside it."""

import hashlib
import re
from pathlib import Path

from django.contrib.staticfiles import finders

VENDOR = "dashboard/vendor/chartjs"


def test_chartjs_is_vendored_with_its_licence_and_the_documented_version_and_checksum():
    script, licence, readme = (finders.find(f"{VENDOR}/{name}") for name in ("chart.umd.js", "LICENSE.md", "README.md"))
    assert script and licence and readme

    code = Path(script).read_bytes()
    version = re.search(rb"Chart\.js v(\d+\.\d+\.\d+)", code[:200]).group(1).decode()
    notes = Path(readme).read_text(encoding="utf-8")
    digest = hashlib.sha256(code).hexdigest()
    assert f"Chart.js {version}" in notes
    assert f"chart.js@{version}" in notes
    assert digest in notes
    assert "MIT License" in Path(licence).read_text(encoding="utf-8")


def test_dashboard_pages_load_the_local_copy_not_a_cdn(superuser, client):
    client.force_login(superuser)

    page = client.get("/dashboard/").text

    assert f'src="/static/{VENDOR}/chart.umd.js"' in page
    assert "cdn" not in page.lower()
