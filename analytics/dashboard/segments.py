"""The dashboard's customer segments: a stored run of the same window, model and data, or a new one.

A run the dashboard can reuse has default parameters, the same window and
reference date, and the data version the answer is keyed by. Without one, a
window of few enough customers is segmented while the request waits; a larger
one is queued and the answer says ``running`` with the run's id to poll.
"""

from dataclasses import dataclass
from typing import Any

from django.conf import settings

from analytics.dashboard.params import DashboardQuery
from analytics.rfm.features import rfm_customers_count
from analytics.rfm.models import RfmRun, RfmRunStatus
from analytics.rfm.selectors import rfm_run_list, rfm_run_reusable
from analytics.rfm.services import rfm_run_create, rfm_run_execute, rfm_run_start
from analytics.rfm.window import analytics_today


@dataclass(frozen=True)
class DashboardSegments:
    algorithm: str
    run_id: int | None
    status: str
    segmentation: list[dict[str, Any]]
    evaluation: dict[str, Any]
    error: str | None = None

    @property
    def is_final(self) -> bool:
        return self.status == RfmRunStatus.SUCCEEDED


def _answer(run: RfmRun) -> DashboardSegments:
    succeeded = run.status == RfmRunStatus.SUCCEEDED
    return DashboardSegments(
        algorithm=run.algorithm,
        run_id=run.pk,
        status=run.status if run.is_finished else RfmRunStatus.RUNNING,
        segmentation=[
            {"segment": s.name, "count": s.customers_count, "total_revenue": s.total_revenue}
            for s in (run.segments.all() if succeeded else [])
        ],
        evaluation={
            "silhouette_score": run.silhouette_score,
            "davies_bouldin_index": run.davies_bouldin_index,
            "sample_size": run.evaluation_sample_size,
        },
        error=run.error,
    )


def dashboard_segments(*, query: DashboardQuery, data_version: int, orders: int) -> DashboardSegments:
    """``orders`` in the window bounds its customers: at most that many, it needs no count to run at once."""
    reference_date = query.end_date or analytics_today()
    run = rfm_run_reusable(
        algorithm=query.model,
        start_date=query.start_date,
        end_date=query.end_date,
        reference_date=reference_date,
        data_version=data_version,
    )
    if run is not None:
        return _answer(run)
    window = {"algorithm": query.model, "start_date": query.start_date, "end_date": query.end_date}
    limit = settings.RFM_DASHBOARD_SYNC_MAX_CUSTOMERS
    if orders > limit and rfm_customers_count(window=query.window) > limit:
        return _answer(rfm_run_start(**window, data_version=data_version))
    run = rfm_run_create(**window, data_version=data_version)
    rfm_run_execute(run_id=run.pk)
    return _answer(rfm_run_list().get(pk=run.pk))
