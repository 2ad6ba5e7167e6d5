"""Seed 000 (segments backend) at /compat/segments-api/api/v1/: data refresh and logs."""

import pytest

from ingestion.models import ImportJob
from sales.models import Order
from tests.ingestion.csv_files import sales_row, write_csv

pytestmark = pytest.mark.django_db

BASE = "/compat/segments-api/api/v1/"
DOCUMENTED_LOG_KEYS = {"id", "status", "recordsProcessed", "startedAt", "completedAt"}
LOG_KEYS = DOCUMENTED_LOG_KEYS | {
    "filePath",
    "kind",
    "recordsTotal",
    "recordsCreated",
    "recordsUpdated",
    "recordsRejected",
    "error",
    "createdAt",
}


def error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error", "details"}
    assert body["error"]
    return body


@pytest.fixture
def import_root(tmp_path, settings):
    root = tmp_path / "imports"
    root.mkdir()
    settings.IMPORT_ROOT = root
    return root


def test_data_refresh_imports_the_file_and_its_log_matches_the_unified_log(
    manager_client, import_root, django_capture_on_commit_callbacks
):
    write_csv(import_root / "sales.csv", [sales_row(), sales_row(order_id="O-2", quantity_sold="0")])

    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(f"{BASE}data/refresh", {"filePath": "sales.csv"})

    assert response.status_code == 202, response.content
    queued = response.json()
    assert set(queued) == LOG_KEYS
    assert set(queued) >= DOCUMENTED_LOG_KEYS
    assert (queued["filePath"], queued["kind"]) == ("sales.csv", "sales")
    logs = manager_client.get(f"{BASE}data/logs").json()
    assert logs["meta"] == {"page": 1, "limit": 10, "total": 1, "totalPages": 1}
    log = logs["data"][0]
    unified = manager_client.get(f"/api/v1/data/logs/{queued['id']}/").json()
    assert log["id"] == queued["id"] == unified["id"]
    assert (log["status"], log["recordsProcessed"], log["recordsCreated"], log["recordsRejected"]) == (
        unified["status"],
        unified["rows_processed"],
        unified["rows_created"],
        unified["rows_rejected"],
    )
    assert (log["status"], log["recordsProcessed"], log["recordsRejected"]) == ("succeeded", 2, 1)
    assert (log["startedAt"], log["completedAt"]) == (unified["started_at"], unified["completed_at"])
    assert Order.objects.filter(code="O-1").exists()


def test_data_logs_pages_by_page_and_limit_newest_first(viewer_client, manager_user, import_root):
    jobs = [ImportJob.objects.create(kind="sales", source=f"day{n}.csv", file_path="/x") for n in range(3)]

    first = viewer_client.get(f"{BASE}data/logs", {"limit": 2}).json()
    second = viewer_client.get(f"{BASE}data/logs", {"limit": 2, "page": 2}).json()
    beyond = viewer_client.get(f"{BASE}data/logs", {"limit": 2, "page": 3}).json()
    unified = viewer_client.get("/api/v1/data/logs/").json()["results"]

    newest_first = [str(job.pk) for job in reversed(jobs)]
    assert [row["id"] for row in first["data"] + second["data"]] == newest_first == [row["id"] for row in unified]
    assert first["meta"] == {"page": 1, "limit": 2, "total": 3, "totalPages": 2}
    assert second["meta"] == {"page": 2, "limit": 2, "total": 3, "totalPages": 2}
    assert beyond == {"data": [], "meta": {"page": 3, "limit": 2, "total": 3, "totalPages": 2}}
    assert viewer_client.get(f"{BASE}data/logs", {"limit": 5000}).json()["meta"]["limit"] == 100


def test_no_logs_yet_is_an_empty_page(viewer_client):
    assert viewer_client.get(f"{BASE}data/logs").json() == {
        "data": [],
        "meta": {"page": 1, "limit": 10, "total": 0, "totalPages": 0},
    }


@pytest.mark.parametrize(
    ("params", "name"),
    [({"page": 0}, "page"), ({"page": "two"}, "page"), ({"limit": -5}, "limit"), ({"limit": "1e3"}, "limit")],
)
def test_bad_page_or_limit_is_400_naming_it(viewer_client, params, name):
    body = error(viewer_client.get(f"{BASE}data/logs", params), 400)
    assert list(body["details"]) == [name]
    assert body["error"].startswith(f"{name}: ")


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        ({}, "This field is required."),
        ({"filePath": ""}, "may not be blank"),
        ({"filePath": ["a.csv"]}, "Not a valid string."),
        ({"filePath": "../secrets.csv"}, "must not contain '..'"),
        ({"filePath": "/etc/passwd"}, "inside the import directory"),
        ({"file_path": "sales.csv"}, "This field is required."),
    ],
)
def test_a_bad_file_path_is_400_naming_filepath(manager_client, import_root, payload, words):
    body = error(manager_client.post(f"{BASE}data/refresh", payload, format="json"), 400)

    assert list(body["details"]) == ["filePath"]
    assert words in body["details"]["filePath"][0]
    assert not ImportJob.objects.exists()


def test_an_unreadable_file_is_accepted_then_its_log_says_why(
    manager_client, import_root, django_capture_on_commit_callbacks
):
    (import_root / "notes.csv").write_text("hello,world\n1,2\n")

    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(f"{BASE}data/refresh", {"filePath": "notes.csv"})

    assert response.status_code == 202
    log = manager_client.get(f"{BASE}data/logs").json()["data"][0]
    assert log["status"] == "failed"
    assert log["error"] == manager_client.get(f"/api/v1/data/logs/{log['id']}/").json()["error"]
    assert log["error"]


def test_a_viewer_may_read_the_logs_but_not_refresh(viewer_client, import_root):
    assert viewer_client.get(f"{BASE}data/logs").status_code == 200
    body = error(viewer_client.post(f"{BASE}data/refresh", {"filePath": "sales.csv"}), 403)
    assert body["details"] == {}
    assert not ImportJob.objects.exists()
