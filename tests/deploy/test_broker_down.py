"""A broker that is down loses no import: the request still answers 202 and the job waits, queued, for the sweep."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from ingestion.models import ImportJob
from ingestion.services import import_jobs_requeue_lost
from salesanalytics.celery import app as celery_app
from tests.ingestion.csv_files import sales_row, write_csv

pytestmark = pytest.mark.django_db(transaction=True)  # on_commit sends for real


def _forget_broker_connections() -> None:
    """Forget the app's pools, so the next send goes through kombu's pools for the broker the settings now name."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def broker_down(settings):
    """Tasks go to a broker address where nothing listens, as when Redis is stopped."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    saved = {key: celery_app.conf[key] for key in ("task_always_eager", "broker_url", "broker_write_url")}
    celery_app.conf.update(task_always_eager=False, broker_url="redis://127.0.0.1:9/0", broker_write_url=None)
    _forget_broker_connections()
    yield
    celery_app.conf.update(saved)
    _forget_broker_connections()


@pytest.fixture
def import_root(tmp_path, settings):
    settings.IMPORT_ROOT = tmp_path
    write_csv(tmp_path / "sales.csv", [sales_row(order_id="O-1"), sales_row(order_id="O-2")])
    return tmp_path


def test_an_import_requested_while_the_broker_is_down_is_accepted_at_once_and_stays_queued(
    manager_client, import_root, broker_down, caplog
):
    started = time.monotonic()
    response = manager_client.post("/api/v1/data/refresh/", {"kind": "sales", "file_path": "sales.csv"})
    took = time.monotonic() - started

    assert response.status_code == 202
    assert took < 3  # one attempt, no retrying through the connect timeout
    job = ImportJob.objects.get(pk=response.json()["id"])
    assert (job.status, job.requeued_at) == ("queued", None)
    assert "could not be sent to the workers" in caplog.text


def test_the_sweep_keeps_a_job_it_could_not_send_first_in_line(import_root, broker_down, settings):
    # Given a job queued long ago, while the broker is still down
    settings.IMPORT_REQUEUE_AFTER_SECONDS = 60
    job = ImportJob.objects.create(kind="sales", source="sales.csv", file_path=str(import_root / "sales.csv"))
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=5))

    assert import_jobs_requeue_lost() == 0

    # Then it is not counted as sent: the next sweep, a minute later, tries it again
    job.refresh_from_db()
    assert (job.status, job.requeued_at) == ("queued", None)


def test_an_rfm_run_requested_while_the_broker_is_down_answers_at_once_and_says_it_must_be_started_again(
    manager_client, broker_down
):
    started = time.monotonic()
    response = manager_client.post("/api/v1/analytics/rfm-runs/", {"algorithm": "quantile"})
    took = time.monotonic() - started

    assert response.status_code == 202
    assert took < 3
    run = manager_client.get(f"/api/v1/analytics/rfm-runs/{response.json()['id']}/").json()
    assert run["status"] == "failed"
    assert "could not be reached" in run["error"]


def test_an_order_written_while_the_broker_is_down_succeeds_and_leaves_the_segment_refresh_to_the_next_write(
    manager_client, broker_down
):
    from django.core.cache import cache

    from customers.criteria import criteria_parse
    from customers.services import segment_create, segment_refresh_gate_key
    from tests.factories import make_customer, make_product

    segment = segment_create(name="Everyone", criteria=criteria_parse({})).segment
    customer, product = make_customer(), make_product(stock=5)

    response = manager_client.post(
        "/api/v1/orders/", {"customer": customer.pk, "lines": [{"product": product.pk, "quantity": 2}]}
    )

    assert response.status_code == 201
    product.refresh_from_db()
    assert product.stock == 3
    # Nothing was scheduled, so the gate is open again for the next write to schedule the refresh.
    assert cache.get(segment_refresh_gate_key(segment.pk)) is None
