"""The admin's import log and "Import CSV" page: staff upload a file and follow the job to its outcome."""

import html
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from ingestion.models import ImportJob, ImportStatus
from sales.models import Order

IMPORT_URL = "admin:ingestion_importjob_import"
SALES_HEADER = (
    "Order ID,Product ID,Customer ID,Product Name,Category,Region,Date of Sale,Quantity Sold,Unit Price,Discount,"
    "Shipping Cost,Payment Method,Customer Name,Customer Email,Customer Address"
)
# Rows 2 and 3 are two lines of order ORD-1; row 4 sells zero units and must be rejected.
SALES_CSV = "\n".join(
    [
        SALES_HEADER,
        "ORD-1,P-1,C-1,Mystery Novel,Books,North,2024-05-06,2,12.99,0,4.99,PayPal,Ada Lovelace,ada@example.com,"
        '"1 Analytical Way, London"',
        "ORD-1,P-2,C-1,World Atlas,Books,North,2024-05-06,1,39.00,0.1,4.99,PayPal,Ada Lovelace,ada@example.com,"
        '"1 Analytical Way, London"',
        "ORD-2,P-1,C-2,Mystery Novel,Books,South,2024-05-07,0,12.99,0,0,Cash,Grace Hopper,grace@example.com,",
    ]
)


@pytest.fixture(autouse=True)
def _import_root(settings, tmp_path: Path) -> Path:
    """Uploads land in a throwaway directory, never in the project's var/imports."""
    settings.IMPORT_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def admin_client(client: Client, superuser: User) -> Client:
    client.force_login(superuser)
    return client


def _staff_client(user: User) -> Client:
    """The admin only admits staff; the role group decides what they may do there."""
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client = Client()
    client.force_login(user)
    return client


def _upload(content: str, name: str = "sales.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content.encode(), content_type="text/csv")


def test_changelist_links_the_import_page(admin_client: Client):
    response = admin_client.get(reverse("admin:ingestion_importjob_changelist"))

    assert response.status_code == 200
    assert f'href="{reverse(IMPORT_URL)}"' in response.text
    assert "Import CSV" in response.text


def test_import_page_shows_the_upload_form(admin_client: Client):
    response = admin_client.get(reverse(IMPORT_URL))

    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in response.text
    assert "csrfmiddlewaretoken" in response.text
    assert 'accept=".csv,text/csv"' in response.text
    assert re.search(r'<input type="radio" name="kind" value="sales"[^>]* checked>', response.text)  # the default
    assert "Quantity Sold" in response.text  # the expected sales columns
    assert "Product ID, Product Name, Category, Unit Price" in response.text  # the products header


def test_uploaded_sales_csv_loads_good_rows_and_lists_the_rejected_one(
    admin_client: Client, superuser: User, django_capture_on_commit_callbacks
):
    # When staff upload the file (the queued task runs eagerly once the request's transaction commits)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse(IMPORT_URL), {"kind": "sales", "file": _upload(SALES_CSV)})

    # Then they land on the job's page, and the job loaded the two good lines and rejected row 4
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:ingestion_importjob_change", args=[job.pk])
    assert job.source == "upload:sales.csv"
    assert job.created_by == superuser
    assert job.status == ImportStatus.SUCCEEDED
    assert (job.rows_total, job.rows_created, job.rows_rejected) == (3, 2, 1)
    order = Order.objects.get(code="ORD-1")
    assert order.lines.count() == 2
    assert not Order.objects.filter(code="ORD-2").exists()

    page = admin_client.get(response["Location"])
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "Import queued" in text
    assert "3 of 3 rows (100%)" in text
    assert '<table class="import-row-errors" id="row-errors">' in page.text
    assert "<tr><td>4</td><td>Quantity Sold</td><td>Quantity Sold must be at least 1, got 0.</td></tr>" in text
    assert 'http-equiv="refresh"' not in page.text  # finished: no more reloading


def test_file_without_the_required_columns_fails_the_job_with_its_reason(
    admin_client: Client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse(IMPORT_URL), {"kind": "sales", "file": _upload("Order ID,Product ID\nORD-1,P-1\n")}
        )

    job = ImportJob.objects.get()
    assert job.status == ImportStatus.FAILED
    page = admin_client.get(response["Location"])
    text = html.unescape(page.text)
    assert "Import failed: The header lacks the required column(s) Customer ID" in text
    assert 'class="errornote"' in page.text
    assert not Order.objects.exists()


def test_unfinished_job_page_refreshes_itself_and_shows_progress(admin_client: Client):
    job = ImportJob.objects.create(
        kind="sales", source="big.csv", file_path="/tmp/big.csv", status=ImportStatus.RUNNING, rows_total=200
    )
    ImportJob.objects.filter(pk=job.pk).update(rows_processed=50)

    page = admin_client.get(reverse("admin:ingestion_importjob_change", args=[job.pk]))

    assert page.status_code == 200
    assert '<meta http-equiv="refresh" content="2">' in page.text
    assert "50 of 200 rows (25%)" in page.text


def test_import_form_requires_a_file(admin_client: Client):
    response = admin_client.post(reverse(IMPORT_URL), {"kind": "sales"})

    assert response.status_code == 200
    assert "This field is required." in response.text
    assert not ImportJob.objects.exists()


def test_oversize_upload_is_a_form_error_and_queues_nothing(admin_client: Client, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 100

    response = admin_client.post(reverse(IMPORT_URL), {"kind": "sales", "file": _upload(SALES_CSV)})

    assert response.status_code == 200
    assert "The file is larger than the 100 bytes allowed." in response.text
    assert not ImportJob.objects.exists()


def test_viewer_may_not_import_but_a_manager_may(viewer_user: User, manager_user: User):
    viewer, manager = _staff_client(viewer_user), _staff_client(manager_user)

    assert viewer.get(reverse(IMPORT_URL)).status_code == 403
    assert viewer.post(reverse(IMPORT_URL), {"kind": "sales", "file": _upload(SALES_CSV)}).status_code == 403
    assert not ImportJob.objects.exists()
    changelist = viewer.get(reverse("admin:ingestion_importjob_changelist"))
    assert changelist.status_code == 200  # viewers still read the log
    assert "Import CSV" not in changelist.text
    assert manager.get(reverse(IMPORT_URL)).status_code == 200


def test_import_log_cannot_be_added_to_or_deleted_from(admin_client: Client):
    job = ImportJob.objects.create(kind="sales", source="a.csv", file_path="/tmp/a.csv")

    assert admin_client.get(reverse("admin:ingestion_importjob_add")).status_code == 403
    assert admin_client.get(reverse("admin:ingestion_importjob_delete", args=[job.pk])).status_code == 403
    changelist = admin_client.get(reverse("admin:ingestion_importjob_changelist"))
    assert "delete_selected" not in changelist.text
    assert "export_as_csv" in changelist.text
    page = admin_client.post(reverse("admin:ingestion_importjob_change", args=[job.pk]), {"status": "failed"})
    assert page.status_code == 403
    job.refresh_from_db()
    assert job.status == ImportStatus.QUEUED


def test_changelist_search_finds_a_job_by_its_id(admin_client: Client):
    wanted = ImportJob.objects.create(kind="sales", source="a.csv", file_path="/tmp/a.csv")
    ImportJob.objects.create(kind="products", source="b.csv", file_path="/tmp/b.csv")

    response = admin_client.get(reverse("admin:ingestion_importjob_changelist"), {"q": str(wanted.pk)})

    assert [job.pk for job in response.context["cl"].result_list] == [wanted.pk]


def test_import_log_links_each_job_to_its_row_errors_or_its_failure(admin_client: Client):
    errors = [
        {"row": 3, "column": "Quantity Sold", "message": "bad"},
        {"row": 5, "column": "Discount", "message": "bad"},
    ]
    rejected = ImportJob.objects.create(
        kind="sales",
        source="a.csv",
        file_path="/tmp/a.csv",
        status=ImportStatus.SUCCEEDED,
        rows_rejected=2,
        errors=errors,
    )
    failed = ImportJob.objects.create(
        kind="sales", source="b.csv", file_path="/tmp/b.csv", status=ImportStatus.FAILED, error="Not a CSV file."
    )
    clean = ImportJob.objects.create(
        kind="sales", source="c.csv", file_path="/tmp/c.csv", status=ImportStatus.SUCCEEDED
    )

    page = admin_client.get(reverse("admin:ingestion_importjob_changelist"))

    change = lambda job: reverse("admin:ingestion_importjob_change", args=[job.pk])  # noqa: E731
    assert f'<a href="{change(rejected)}#row-errors">2 row errors</a>' in page.text
    assert f'<a href="{change(failed)}#import-status">Failed: see why</a>' in page.text
    assert f"{change(clean)}#" not in page.text


def test_import_log_csv_export_leaves_the_link_column_out(admin_client: Client):
    job = ImportJob.objects.create(kind="sales", source="a.csv", file_path="/tmp/a.csv", status=ImportStatus.FAILED)

    response = admin_client.post(
        reverse("admin:ingestion_importjob_changelist"), {"action": "export_as_csv", "_selected_action": [job.pk]}
    )

    header = b"".join(response.streaming_content).decode().splitlines()[0]
    assert "errors_link" not in header
    assert header.startswith("created_at,kind,source,status,rows_total")
