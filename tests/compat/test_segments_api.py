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


# --- Segments ----------------------------------------------------------------------------------

SEGMENT_KEYS = {
    "id",
    "name",
    "description",
    "criteria",
    "createdAt",
    "updatedAt",
    "customerCount",
    "totalRevenue",
    "refreshedAt",
}
CUSTOMER_KEYS = {
    "id",
    "code",
    "name",
    "email",
    "gender",
    "region",
    "createdAt",
    "ordersCount",
    "totalRevenue",
    "averageOrderValue",
    "categories",
}


def test_a_segment_is_created_from_the_originals_criteria_and_lists_its_customers(manager_client, shop):
    # Given the original's request body, camelCase criteria and a JavaScript Date among them
    body = {
        "name": "February big spenders",
        "description": "Spent 30 or more in February",
        "criteria": {"minRevenue": 30, "startDate": "2024-02-01T00:00:00.000Z", "endDate": "2024-02-29"},
    }

    # When it is created and its customers are asked for
    response = manager_client.post(f"{BASE}segments", body, format="json")
    assert response.status_code == 201, response.content
    segment = response.json()
    members = manager_client.get(f"{BASE}segments/{segment['id']}/customers")

    # Then the answer is the original's, and the numbers are the unified API's
    assert set(segment) == SEGMENT_KEYS | {"warnings"}
    assert (segment["name"], segment["description"], segment["warnings"]) == (body["name"], body["description"], [])
    assert segment["criteria"] == {"minRevenue": 30, "startDate": "2024-02-01", "endDate": "2024-02-29"}
    unified = manager_client.get(f"/api/v1/segments/{segment['id']}/").json()
    assert unified["criteria"] == {"min_revenue": 30, "start_date": "2024-02-01", "end_date": "2024-02-29"}
    assert (segment["customerCount"], segment["totalRevenue"]) == (unified["customers_count"], unified["total_revenue"])
    assert segment["createdAt"] == unified["created_at"]

    assert members.status_code == 200
    page = members.json()
    assert set(page) == {"customers", "total", "meta"}
    # By hand: Ana's February order is 40.00 + 3 x 25.00 x 0.9 = 107.50; Ben's 25.00 is under 30.
    assert page["total"] == 1
    assert [(c["id"], c["ordersCount"], c["totalRevenue"], c["categories"]) for c in page["customers"]] == [
        (shop.ana.pk, 1, 107.5, ["Books", "Games"])
    ]
    assert set(page["customers"][0]) == CUSTOMER_KEYS
    ours = manager_client.get(f"/api/v1/segments/{segment['id']}/customers/").json()
    assert [(c["id"], c["ordersCount"], c["totalRevenue"], c["averageOrderValue"]) for c in page["customers"]] == [
        (c["id"], c["orders_count"], c["total_revenue"], c["average_order_value"]) for c in ours["results"]
    ]


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        ({"minPurchases": 2}, {"ana": (2, "132.50")}),
        ({"categories": ["Games"]}, {"ana": (1, "67.50"), "ben": (1, "25.00")}),
        ({"regions": ["South"], "maxRevenue": 100}, {"ben": (1, "25.00")}),
        ({"minPurchases": 1, "maxPurchases": 1}, {"ben": (1, "25.00")}),
        ({}, {"ana": (2, "132.50"), "ben": (1, "25.00")}),
    ],
)
def test_segment_members_follow_each_criterion(manager_client, shop, criteria, expected):
    created = manager_client.post(f"{BASE}segments", {"name": "S", "criteria": criteria}, format="json").json()

    page = manager_client.get(f"{BASE}segments/{created['id']}/customers").json()

    ids = {"ana": shop.ana.pk, "ben": shop.ben.pk}
    assert {c["id"]: (c["ordersCount"], f"{c['totalRevenue']:.2f}") for c in page["customers"]} == {
        ids[name]: value for name, value in expected.items()
    }
    assert page["total"] == created["customerCount"] == len(expected)


def test_segments_list_pages_by_page_and_limit(viewer_client, manager_client, shop):
    for name in ("Gamma", "Alpha", "Beta"):
        manager_client.post(f"{BASE}segments", {"name": name, "criteria": {}}, format="json")

    first = viewer_client.get(f"{BASE}segments", {"limit": 2}).json()
    second = viewer_client.get(f"{BASE}segments", {"limit": 2, "page": 2}).json()
    unified = viewer_client.get("/api/v1/segments/").json()["results"]

    assert [row["name"] for row in first["data"] + second["data"]] == ["Alpha", "Beta", "Gamma"]
    assert [row["id"] for row in first["data"] + second["data"]] == [row["id"] for row in unified]
    assert first["meta"] == {"page": 1, "limit": 2, "total": 3, "totalPages": 2}
    assert all(set(row) == SEGMENT_KEYS for row in first["data"])


def test_segment_customers_page_by_page_and_limit(manager_client, shop):
    segment = manager_client.post(f"{BASE}segments", {"name": "All", "criteria": {}}, format="json").json()

    first = manager_client.get(f"{BASE}segments/{segment['id']}/customers", {"limit": 1}).json()
    second = manager_client.get(f"{BASE}segments/{segment['id']}/customers", {"limit": 1, "page": 2}).json()

    assert [c["id"] for c in first["customers"] + second["customers"]] == [shop.ana.pk, shop.ben.pk]
    assert first["total"] == second["total"] == 2
    assert second["meta"] == {"page": 2, "limit": 1, "total": 2, "totalPages": 2}


def test_a_segment_naming_nothing_known_warns_with_the_originals_field_names(manager_client, shop):
    body = {"name": "Typos", "criteria": {"categories": ["books"], "regions": ["Atlantis"]}}
    created = manager_client.post(f"{BASE}segments", body, format="json").json()

    assert [(w["code"], w["field"], w["value"]) for w in created["warnings"]] == [
        ("unknown_category", "categories", "books"),
        ("unknown_region", "regions", "Atlantis"),
        ("no_members", None, None),
    ]
    assert "Did you mean 'Books'?" in created["warnings"][0]["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"criteria": {}}, "name"),
        ({"name": "", "criteria": {}}, "name"),
        ({"name": "Taken", "criteria": {}}, "name"),
        ({"name": "S", "criteria": {"minOrders": 2}}, "criteria.minOrders"),
        ({"name": "S", "criteria": {"min_orders": 2}}, "criteria.min_orders"),
        ({"name": "S", "criteria": {"minPurchases": -1}}, "criteria.minPurchases"),
        ({"name": "S", "criteria": {"minPurchases": 1.5}}, "criteria.minPurchases"),
        ({"name": "S", "criteria": {"minPurchases": 5, "maxPurchases": 2}}, "criteria.minPurchases"),
        ({"name": "S", "criteria": {"minRevenue": "lots"}}, "criteria.minRevenue"),
        ({"name": "S", "criteria": {"minRevenue": 90, "maxRevenue": 10}}, "criteria.minRevenue"),
        ({"name": "S", "criteria": {"categories": "Books"}}, "criteria.categories"),
        ({"name": "S", "criteria": {"regions": []}}, "criteria.regions"),
        ({"name": "S", "criteria": {"startDate": "March"}}, "criteria.startDate"),
        ({"name": "S", "criteria": {"startDate": "2024-03-01", "endDate": "2024-02-01"}}, "criteria.startDate"),
        ({"name": "S", "criteria": ["minPurchases"]}, "criteria"),
    ],
)
def test_bad_segments_are_400_naming_the_originals_field(manager_client, shop, body, field):
    manager_client.post(f"{BASE}segments", {"name": "Taken", "criteria": {}}, format="json")

    response = error(manager_client.post(f"{BASE}segments", body, format="json"), 400)

    assert field in response["details"], response
    assert response["error"].startswith(f"{field}: ")
    assert viewer_count(manager_client) == 1


def viewer_count(client) -> int:
    return client.get("/api/v1/segments/").json()["count"]


@pytest.mark.parametrize("raw_id", ["3fa85f64-5717-4562-b3fc-2c963f66afa6", "vip", "0"])
def test_a_segment_id_that_is_not_ours_is_404(viewer_client, raw_id):
    body = error(viewer_client.get(f"{BASE}segments/{raw_id}/customers"), 404)
    assert "positive integers" in body["error"]


def test_a_missing_segment_is_404(viewer_client):
    assert error(viewer_client.get(f"{BASE}segments/999999/customers"), 404)["error"] == "No segment with id 999999."
