import pytest

from tests.rfm.dataset import build_hand_dataset


@pytest.fixture
def hand_dataset(db):
    """Customers A..L of ``tests/rfm/dataset.py``, by name."""
    return build_hand_dataset()


@pytest.fixture
def start_run(manager_client, django_capture_on_commit_callbacks):
    """POST a run, let eager Celery run it once committed, and return the run as the API shows it then."""

    def start(**body):
        with django_capture_on_commit_callbacks(execute=True):
            response = manager_client.post("/api/v1/analytics/rfm-runs/", body, format="json")
        assert response.status_code == 202, response.json()
        assert response.json()["status"] == "queued"
        return manager_client.get(f"/api/v1/analytics/rfm-runs/{response.json()['id']}/").json()

    return start


def customer_rows(client, run_id: int, **params) -> list[dict]:
    response = client.get(f"/api/v1/analytics/rfm-runs/{run_id}/customers/", {"page_size": 500, **params})
    assert response.status_code == 200, response.json()
    return response.json()["results"]
