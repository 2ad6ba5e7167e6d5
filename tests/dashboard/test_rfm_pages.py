"""The RFM pages: finished runs listed, and two runs compared as the API's migration matrix."""

import json
import re

import pytest
from django.contrib.auth.models import User
from django.test import Client

from analytics.rfm.models import RfmRun, RfmRunStatus
from tests.dashboard.shop import Shop, build_shop


@pytest.fixture
def staff(client: Client, superuser: User) -> Client:
    client.force_login(superuser)
    return client


@pytest.fixture
def two_runs(staff: Client, db) -> tuple[Shop, RfmRun, RfmRun]:
    """A first-quarter and a first-half quantile run, each made by opening the overview on its range."""
    shop = build_shop()
    for end in ("2024-03-31", "2024-06-30"):
        assert staff.get("/dashboard/", {"start_date": "2024-01-01", "end_date": end}).status_code == 200
    first, second = RfmRun.objects.order_by("end_date")
    assert first.status == second.status == RfmRunStatus.SUCCEEDED
    return shop, first, second


def _embedded(response, element_id: str):
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', response.text, re.S)
    return json.loads(match.group(1))


def test_runs_page_lists_finished_runs_newest_first(staff: Client, two_runs):
    _, first, second = two_runs

    page = staff.get("/dashboard/rfm/")

    assert page.status_code == 200
    assert [run.pk for run in page.context["page"]] == [second.pk, first.pk]
    assert f'href="/admin/rfm/rfmrun/{first.pk}/change/"' in page.text
    assert 'id="rfm-compare-form"' in page.text


def test_runs_page_without_runs_says_how_to_get_one(staff: Client):
    page = staff.get("/dashboard/rfm/")

    assert "No finished RFM runs yet" in page.text
    assert "python manage.py run_rfm" in page.text


def test_compare_page_shows_the_api_migration_matrix_earlier_to_later(staff: Client, two_runs):
    _, first, second = two_runs

    # Given the later run picked first, the page still reads earlier -> later, as the API does
    page = staff.get("/dashboard/rfm/compare/", {"run": second.pk, "other": first.pk})
    api = staff.get(f"/api/v1/analytics/rfm-runs/{second.pk}/compare/", {"with": first.pk})

    assert page.status_code == 200
    answer = _embedded(page, "rfm-compare-data")
    assert answer == api.json()
    assert (answer["earlier_run"], answer["later_run"]) == (first.pk, second.pk)
    cells = [int(n) for n in re.findall(r'<td class="cell[^"]*" data-count="(\d+)"', page.text)]
    assert cells == [row["counts"][target] for row in answer["rows"] for target in answer["to_segments"]]
    # Customers who bought only after March are new in the later run: Edsger, Barbara, Donald
    new_row = next(row for row in answer["rows"] if row["segment"] == "new")
    assert new_row["total"] == 3


def test_comparing_a_run_with_itself_or_a_missing_run_is_a_400(staff: Client, two_runs):
    _, first, _ = two_runs

    same = staff.get("/dashboard/rfm/compare/", {"run": first.pk, "other": first.pk})
    missing = staff.get("/dashboard/rfm/compare/", {"run": first.pk, "other": 999999})

    assert same.status_code == 400
    assert "Pick another run to compare with." in same.text
    assert missing.status_code == 400
    assert "Select a valid choice." in missing.text
    assert 'id="rfm-heatmap"' not in missing.text


def test_rfm_pages_are_for_staff_only(client: Client, viewer_user: User, db):
    assert client.get("/dashboard/rfm/").status_code == 302
    client.force_login(viewer_user)
    assert client.get("/dashboard/rfm/compare/").status_code == 403
