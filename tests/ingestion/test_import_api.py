import io
import os

import pytest

from ingestion.models import ImportJob
from sales.models import Order
from tests.ingestion.csv_files import sales_row, write_csv

pytestmark = pytest.mark.django_db

REFRESH = "/api/v1/data/refresh/"
LOGS = "/api/v1/data/logs/"
JOB_FIELDS = {
    "id",
    "kind",
    "source",
    "status",
    "rows_total",
    "rows_processed",
    "rows_created",
    "rows_updated",
    "rows_rejected",
    "errors",
    "error",
    "started_at",
    "completed_at",
    "created_at",
    "created_by",
}


@pytest.fixture
def import_root(tmp_path, settings):
    root = tmp_path / "imports"
    root.mkdir()
    settings.IMPORT_ROOT = root
    return root


def test_a_manager_imports_a_file_under_the_import_root_and_polls_its_log(
    manager_client, manager_user, import_root, django_capture_on_commit_callbacks
):
    (import_root / "daily").mkdir()
    write_csv(import_root / "daily" / "sales.csv", [sales_row(), sales_row(order_id="O-2", quantity_sold="0")])

    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(REFRESH, {"kind": "sales", "file_path": "daily/sales.csv"})

    assert response.status_code == 202
    assert set(response.json()) == JOB_FIELDS
    log = manager_client.get(f"{LOGS}{response.json()['id']}/").json()
    assert log["status"] == "succeeded"
    assert (log["rows_total"], log["rows_processed"], log["rows_created"], log["rows_rejected"]) == (2, 2, 1, 1)
    assert log["errors"] == [
        {"row": 3, "column": "Quantity Sold", "message": "Quantity Sold must be at least 1, got 0."}
    ]
    assert log["error"] is None
    assert log["source"] == "daily/sales.csv"
    assert log["created_by"] == manager_user.pk
    assert manager_client.get("/api/v1/orders/", {"code": "O-1"}).json()["count"] == 1


def test_an_uploaded_file_is_imported(manager_client, import_root, django_capture_on_commit_callbacks, tmp_path):
    path = write_csv(tmp_path / "upload.csv", [sales_row()])

    with django_capture_on_commit_callbacks(execute=True), path.open("rb") as upload:
        response = manager_client.post(REFRESH, {"kind": "sales", "file": upload}, format="multipart")

    assert response.status_code == 202
    job = ImportJob.objects.get(pk=response.json()["id"])
    assert job.status == "succeeded"
    assert job.source == "upload:upload.csv"
    assert os.path.dirname(job.file_path) == str(import_root.resolve() / "uploads")
    assert Order.objects.filter(code="O-1").exists()


def test_an_unreadable_file_is_accepted_then_fails_with_its_message(
    manager_client, import_root, django_capture_on_commit_callbacks
):
    (import_root / "garbage.csv").write_bytes(b"\x00\x01\x02 not a csv")

    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(REFRESH, {"file_path": "garbage.csv"})

    assert response.status_code == 202
    log = manager_client.get(f"{LOGS}{response.json()['id']}/").json()
    assert log["status"] == "failed"
    assert log["error"]


@pytest.mark.parametrize(
    "file_path",
    ["/etc/passwd", "../outside.csv", "daily/../../outside.csv", "..", "", "   ", "a\x00b.csv"],
)
def test_paths_outside_the_import_root_are_400_naming_file_path(manager_client, import_root, file_path):
    (import_root.parent / "outside.csv").write_text("Order ID\n")

    response = manager_client.post(REFRESH, {"file_path": file_path})

    assert response.status_code == 400
    assert "file_path" in response.json()
    assert ImportJob.objects.count() == 0


def test_a_symlink_that_escapes_the_import_root_is_400(manager_client, import_root):
    secret = import_root.parent / "secret.csv"
    secret.write_text("Order ID\n")
    (import_root / "innocent.csv").symlink_to(secret)
    (import_root / "inside-dir").symlink_to(import_root.parent)

    via_file = manager_client.post(REFRESH, {"file_path": "innocent.csv"})
    via_dir = manager_client.post(REFRESH, {"file_path": "inside-dir/secret.csv"})

    assert via_file.status_code == 400
    assert "file_path" in via_file.json()
    assert via_dir.status_code == 400
    assert ImportJob.objects.count() == 0


def test_an_absolute_path_inside_the_root_is_accepted(manager_client, import_root):
    write_csv(import_root / "sales.csv", [sales_row()])

    response = manager_client.post(REFRESH, {"file_path": str(import_root / "sales.csv")})

    assert response.status_code == 202


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "file_path"),
        ({"kind": "invoices", "file_path": "x.csv"}, "kind"),
    ],
)
def test_bad_start_requests_are_400_naming_the_field(manager_client, import_root, body, field):
    response = manager_client.post(REFRESH, body)
    assert response.status_code == 400
    assert field in response.json()


def test_file_path_and_file_together_are_400(manager_client, import_root):
    upload = io.BytesIO(b"Order ID\n")
    upload.name = "x.csv"
    response = manager_client.post(REFRESH, {"file_path": "x.csv", "file": upload}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()


def test_uploads_over_the_size_limit_are_400_naming_file(manager_client, import_root, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 10
    upload = io.BytesIO(b"Order ID,Product ID\n" * 5)
    upload.name = "big.csv"

    response = manager_client.post(REFRESH, {"file": upload}, format="multipart")

    assert response.status_code == 400
    assert "file" in response.json()
    assert ImportJob.objects.count() == 0
    assert not (import_root / "uploads").exists() or not any((import_root / "uploads").iterdir())


def test_only_managers_start_imports_while_viewers_read_the_log(viewer_client, anon_client, import_root):
    write_csv(import_root / "sales.csv", [sales_row()])
    job = ImportJob.objects.create(kind="sales", source="sales.csv", file_path=str(import_root / "sales.csv"))

    assert viewer_client.post(REFRESH, {"file_path": "sales.csv"}).status_code == 403
    assert anon_client.post(REFRESH, {"file_path": "sales.csv"}).status_code == 401
    assert anon_client.get(LOGS).status_code == 401
    assert viewer_client.get(LOGS).json()["count"] == 1
    assert viewer_client.get(f"{LOGS}{job.pk}/").status_code == 200
    assert ImportJob.objects.count() == 1


def test_logs_filter_by_status_and_kind_and_unknown_ids_are_404(viewer_client):
    ok = ImportJob.objects.create(kind="sales", source="a.csv", file_path="/a", status="succeeded")
    ImportJob.objects.create(kind="products", source="b.csv", file_path="/b", status="failed")

    def ids(params):
        return [row["id"] for row in viewer_client.get(LOGS, params).json()["results"]]

    assert ids({"status": "succeeded"}) == [str(ok.pk)]
    assert ids({"kind": "sales"}) == [str(ok.pk)]
    assert viewer_client.get(LOGS, {"status": "exploded"}).status_code == 400
    assert viewer_client.get(f"{LOGS}00000000-0000-0000-0000-000000000000/").status_code == 404
    assert viewer_client.get(f"{LOGS}not-a-uuid/").status_code == 404
