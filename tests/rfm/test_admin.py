"""The RFM run admin: runs listed with what a manager looks for, a run's segments inline, read-only."""

import pytest
from django.test import Client

from tests.rfm.dataset import WINDOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client: Client, superuser) -> Client:
    client.force_login(superuser)
    return client


def test_the_run_list_shows_status_algorithm_range_counts_and_evaluation(hand_dataset, start_run, admin_client):
    run = start_run(algorithm="kmeans", n_clusters=3, **WINDOW)

    page = admin_client.get("/admin/rfm/rfmrun/")

    assert page.status_code == 200
    text = page.content.decode()
    for column in ("Status", "Algorithm", "Start date", "End date", "Customers count", "Segments", "Silhouette score"):
        assert column in text
    assert f"{run['evaluation']['silhouette_score']:.3f}"[:4] in text
    assert "Succeeded" in text and "k-means" in text


def test_a_run_page_shows_its_segments_inline_and_cannot_be_edited(hand_dataset, start_run, admin_client):
    run = start_run(algorithm="quantile", **WINDOW)

    page = admin_client.get(f"/admin/rfm/rfmrun/{run['id']}/change/")

    assert page.status_code == 200
    text = page.content.decode()
    for segment in run["segments"]:
        assert segment["segment"].replace("'", "&#x27;") in text
    assert 'name="_save"' not in text  # read-only
    assert admin_client.get("/admin/rfm/rfmrun/add/").status_code == 403
