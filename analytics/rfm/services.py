"""Writes of RFM runs: starting one, running it to ``succeeded`` or ``failed``, and failing stale ones."""

import logging
import math
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.utils import timezone

from analytics.rfm.features import RfmFeatures, rfm_customers_count, rfm_features
from analytics.rfm.models import RfmAlgorithm, RfmRun, RfmRunCustomer, RfmRunSegment, RfmRunStatus
from analytics.rfm.scoring import SEGMENT_NAMES, quintile_cut_points, quintile_scores, segment_indexes, segment_of
from analytics.rfm.storage import run_customers_insert
from analytics.rfm.window import DateWindow, analytics_today
from common.exceptions import ApplicationError
from common.heartbeat import heartbeat
from common.queueing import task_send

if TYPE_CHECKING:
    from analytics.rfm import clustering

logger = logging.getLogger(__name__)

MAX_CLUSTERS = 100
# Scaled features have unit variance: past a few standard deviations every customer is one neighbourhood,
# and DBSCAN's memory grows with the neighbours it must list.
MAX_EPS = 5.0
MAX_MIN_SAMPLES = 100_000
DEFAULT_EPS = 0.5
DEFAULT_MIN_SAMPLES = 10
NOISE_SEGMENT = "Noise"
# Every random choice (samples, k-means seeds) is fixed, so the same data gives the same run.
RANDOM_SEED = 0

ProgressCallback = Callable[[str], None]


def _check_parameters(
    *,
    algorithm: str,
    start_date: date | None,
    end_date: date | None,
    n_clusters: int | None,
    eps: float | None,
    min_samples: int | None,
) -> None:
    if algorithm not in RfmAlgorithm.values:
        raise ApplicationError(f"Unknown algorithm; choose one of {', '.join(RfmAlgorithm.values)}.", field="algorithm")
    if start_date and end_date and start_date > end_date:
        raise ApplicationError("start_date must not be after end_date.", field="start_date")
    if n_clusters is not None and algorithm != RfmAlgorithm.KMEANS:
        raise ApplicationError("n_clusters applies to kmeans only.", field="n_clusters")
    for name, value in (("eps", eps), ("min_samples", min_samples)):
        if value is not None and algorithm != RfmAlgorithm.DBSCAN:
            raise ApplicationError(f"{name} applies to dbscan only.", field=name)
    if n_clusters is not None and not 2 <= n_clusters <= MAX_CLUSTERS:
        raise ApplicationError(f"n_clusters must be between 2 and {MAX_CLUSTERS}.", field="n_clusters")
    if eps is not None and not (math.isfinite(eps) and 0 < eps <= MAX_EPS):
        raise ApplicationError(f"eps must be a number above 0 and at most {MAX_EPS}.", field="eps")
    if min_samples is not None and not 1 <= min_samples <= MAX_MIN_SAMPLES:
        raise ApplicationError(f"min_samples must be between 1 and {MAX_MIN_SAMPLES:,}.", field="min_samples")


def _enqueue(run: RfmRun) -> None:
    # After commit, so the worker always finds the run row.
    transaction.on_commit(lambda: _send(run.pk))


def _send(run_id: int) -> None:
    """Send the run to the workers once; a run the broker did not take fails at once, saying why.

    Failing it (rather than leaving it queued) lets the caller start it again,
    and lets the dashboard start another once the broker is back.
    """
    from analytics.rfm.tasks import run_rfm_run

    if not task_send(task=run_rfm_run, args=(run_id,)):
        RfmRun.objects.filter(pk=run_id, status=RfmRunStatus.QUEUED).update(
            status=RfmRunStatus.FAILED,
            error="The task queue could not be reached; start the run again once it is back.",
            completed_at=timezone.now(),
        )


def rfm_run_create(
    *,
    algorithm: str,
    start_date: date | None = None,
    end_date: date | None = None,
    n_clusters: int | None = None,
    eps: float | None = None,
    min_samples: int | None = None,
    created_by: AbstractBaseUser | None = None,
    data_version: int | None = None,
) -> RfmRun:
    """A queued run, its parameters checked (``n_clusters`` against the window's customers too)."""
    _check_parameters(
        algorithm=algorithm,
        start_date=start_date,
        end_date=end_date,
        n_clusters=n_clusters,
        eps=eps,
        min_samples=min_samples,
    )
    if n_clusters is not None:
        customers = rfm_customers_count(window=DateWindow(start_date=start_date, end_date=end_date))
        if n_clusters > customers:
            raise ApplicationError(
                f"n_clusters ({n_clusters}) is above the {customers} customer(s) who ordered in the window.",
                field="n_clusters",
            )
    return RfmRun.objects.create(
        algorithm=algorithm,
        start_date=start_date,
        end_date=end_date,
        reference_date=end_date or analytics_today(),
        n_clusters=n_clusters,
        eps=eps,
        min_samples=min_samples,
        created_by=created_by if created_by is not None and created_by.is_authenticated else None,
        data_version=data_version,
    )


@transaction.atomic
def rfm_run_start(**parameters) -> RfmRun:
    """Create a run (see ``rfm_run_create``) and send it to the workers once committed."""
    run = rfm_run_create(**parameters)
    _enqueue(run)
    return run


def _heartbeat(run_id: int) -> AbstractContextManager[None]:
    return heartbeat(
        rows=RfmRun.objects.filter(pk=run_id, status=RfmRunStatus.RUNNING),
        every_seconds=settings.RFM_HEARTBEAT_SECONDS,
        name=f"rfm-heartbeat-{run_id}",
    )


def _stage(run_id: int, stage: str, on_progress: ProgressCallback | None) -> None:
    RfmRun.objects.filter(pk=run_id).update(stage=stage, heartbeat_at=timezone.now())
    if on_progress is not None:
        on_progress(stage)


def _cut_points(features: RfmFeatures) -> dict[str, list[float]]:
    return {
        "recency": quintile_cut_points(features.recency),
        "frequency": quintile_cut_points(features.frequency),
        "monetary": [cut / 100 for cut in quintile_cut_points(features.monetary_cents)],
    }


def _scores(values: dict[str, np.ndarray], cuts: dict[str, list[float]]) -> tuple[np.ndarray, ...]:
    """R, F, M scores; monetary values and cuts in money units (cents / 100) alike."""
    return (
        quintile_scores(values["recency"], cuts["recency"], reverse=True),
        quintile_scores(values["frequency"], cuts["frequency"]),
        quintile_scores(values["monetary"], cuts["monetary"]),
    )


def _cluster_names(
    *, centres: dict[int, np.ndarray], space: "clustering.FeatureSpace", cuts: dict[str, list[float]]
) -> tuple[dict[int, str], dict[int, dict]]:
    """Each cluster named through the grid from its centre's scores; clusters sharing a cell are numbered."""
    labels = sorted(centres)
    if not labels:
        return {}, {}
    original = space.to_original_units(np.array([centres[label] for label in labels]))
    r, f, m = _scores({"recency": original[:, 0], "frequency": original[:, 1], "monetary": original[:, 2]}, cuts)
    details = {
        label: {
            "recency": float(original[i, 0]),
            "frequency": float(original[i, 1]),
            "monetary": float(original[i, 2]),
            "r_score": int(r[i]),
            "f_score": int(f[i]),
            "m_score": int(m[i]),
        }
        for i, label in enumerate(labels)
    }
    by_cell: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        by_cell.setdefault(segment_of(r_score=int(r[i]), f_score=int(f[i])), []).append(label)
    names: dict[int, str] = {}
    for cell, members in by_cell.items():
        if len(members) == 1:
            names[members[0]] = cell
            continue
        members.sort(key=lambda label: -details[label]["monetary"])
        for position, label in enumerate(members, start=1):
            names[label] = f"{cell} ({position} of {len(members)})"
    return names, details


def _segment_rows(
    *, run_id: int, segment_codes: np.ndarray, names: list[str], monetary_cents: np.ndarray, extra: dict[str, dict]
) -> list[RfmRunSegment]:
    counts = np.bincount(segment_codes, minlength=len(names))
    revenue = np.zeros(len(names), dtype=np.int64)
    np.add.at(revenue, segment_codes, monetary_cents)  # exact integer cents
    return [
        RfmRunSegment(
            run_id=run_id,
            name=name,
            customers_count=int(counts[code]),
            total_revenue=Decimal(int(revenue[code])) / 100,
            **extra.get(name, {}),
        )
        for code, name in enumerate(names)
        if counts[code]
    ]


def _compute(run: RfmRun, features: RfmFeatures, on_progress: ProgressCallback | None) -> dict:
    """Scores, segments and evaluation of one run, in memory; storing is the caller's."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=settings.RFM_THREADS):
        return _compute_in(run, features, on_progress)


def _compute_in(run: RfmRun, features: RfmFeatures, on_progress: ProgressCallback | None) -> dict:
    # scikit-learn takes seconds to import: only processes that compute a run pay for it.
    from analytics.rfm import clustering

    _stage(run.pk, "scoring", on_progress)
    cuts = _cut_points(features)
    money = features.monetary_cents / 100
    r, f, m = _scores({"recency": features.recency, "frequency": features.frequency, "monetary": money}, cuts)
    space = clustering.feature_space(recency=features.recency, frequency=features.frequency, monetary=money)
    cluster_labels = None
    extra: dict[str, dict] = {}
    parameters: dict = {}
    if run.algorithm == RfmAlgorithm.QUANTILE:
        segment_codes = segment_indexes(r_scores=r, f_scores=f).astype(np.int64)
        names = list(SEGMENT_NAMES)
        evaluation_labels = segment_codes
        parameters = {"log_transformed": list(space.log_transformed)}
    else:
        _stage(run.pk, "clustering", on_progress)
        if len(features) == 0:
            result = clustering.Clustering(labels=np.zeros(0, dtype=np.int32), centres={})
        elif run.algorithm == RfmAlgorithm.KMEANS:
            result = clustering.kmeans_clusters(
                space=space,
                n_clusters=run.n_clusters,
                selection_sample=settings.RFM_K_SELECTION_SAMPLE_SIZE,
                seed=RANDOM_SEED,
            )
        else:
            result = clustering.dbscan_clusters(
                space=space,
                eps=run.eps if run.eps is not None else DEFAULT_EPS,
                min_samples=run.min_samples if run.min_samples is not None else DEFAULT_MIN_SAMPLES,
                fit_sample=settings.RFM_DBSCAN_FIT_SAMPLE_SIZE,
                seed=RANDOM_SEED,
            )
        parameters = result.parameters
        label_names, details = _cluster_names(centres=result.centres, space=space, cuts=cuts)
        labels = sorted(label_names)
        names = [label_names[label] for label in labels]
        code_of = {label: code for code, label in enumerate(labels)}
        extra = {label_names[label]: {"cluster": label, **details[label]} for label in labels}
        if (result.labels == clustering.NOISE).any():
            code_of[clustering.NOISE] = len(names)
            names.append(NOISE_SEGMENT)
            extra[NOISE_SEGMENT] = {"cluster": clustering.NOISE}
        # Indexed by cluster label; noise (-1) lands on the last slot, past every real label.
        lookup = np.zeros((max(labels) + 2) if labels else 1, dtype=np.int64)
        for label, code in code_of.items():
            lookup[label] = code
        segment_codes = lookup[result.labels] if len(result.labels) else np.zeros(0, dtype=np.int64)
        cluster_labels = result.labels
        evaluation_labels = result.labels
    _stage(run.pk, "evaluation", on_progress)
    evaluation = clustering.evaluate(
        matrix=space.matrix, labels=evaluation_labels, sample_size=settings.RFM_EVALUATION_SAMPLE_SIZE, seed=RANDOM_SEED
    )
    return {
        "cuts": cuts,
        "parameters": parameters,
        "evaluation": evaluation,
        "clusters_count": None if cluster_labels is None else len([n for n in names if n != NOISE_SEGMENT]),
        "segments": _segment_rows(
            run_id=run.pk,
            segment_codes=segment_codes,
            names=names,
            monetary_cents=features.monetary_cents,
            extra=extra,
        ),
        "columns": {
            "customer_id": features.customer_ids,
            "segment": np.array(names, dtype=object)[segment_codes] if names else np.zeros(0, dtype=object),
            "cluster": cluster_labels,
            "recency": features.recency,
            "frequency": features.frequency,
            "monetary_cents": features.monetary_cents,
            "r_score": r,
            "f_score": f,
            "m_score": m,
        },
    }


def _fail(run_id: int, message: str) -> None:
    RfmRun.objects.filter(pk=run_id).update(status=RfmRunStatus.FAILED, error=message, completed_at=timezone.now())


def rfm_run_execute(*, run_id: int, on_progress: ProgressCallback | None = None) -> RfmRun:
    """Run a queued run to ``succeeded`` or ``failed``; a run already claimed or finished is left alone.

    The rows, the segments and ``succeeded`` are one transaction, so a run that
    is not ``succeeded`` has no rows.
    """
    from analytics.selectors import data_version_current

    now = timezone.now()
    claimed = RfmRun.objects.filter(pk=run_id, status=RfmRunStatus.QUEUED).update(
        status=RfmRunStatus.RUNNING, started_at=now, heartbeat_at=now
    )
    run = RfmRun.objects.get(pk=run_id)
    if not claimed:
        logger.info("RFM run %s is %s already; not running it again", run_id, run.status)
        return run
    try:
        with _heartbeat(run_id):
            # Read before the features: a write during the run leaves it on an older version, never a newer one.
            data_version = run.data_version if run.data_version is not None else data_version_current()
            _stage(run_id, "features", on_progress)
            features = rfm_features(
                window=DateWindow(start_date=run.start_date, end_date=run.end_date or run.reference_date),
                reference_date=run.reference_date,
            )
            result = _compute(run, features, on_progress)
            _stage(run_id, "storing", on_progress)
            evaluation = result["evaluation"]
            with transaction.atomic():
                if connection.vendor == "postgresql":
                    # Derived rows: a crash that loses this commit leaves the run running, and the stale
                    # sweep fails it, so the commit need not wait for its WAL flush.
                    with connection.cursor() as cursor:
                        cursor.execute("SET LOCAL synchronous_commit = off")
                RfmRunCustomer.objects.filter(run_id=run_id).delete()
                RfmRunSegment.objects.filter(run_id=run_id).delete()
                run_customers_insert(run_id=run_id, columns=result["columns"])
                RfmRunSegment.objects.bulk_create(result["segments"])
                RfmRun.objects.filter(pk=run_id).update(
                    status=RfmRunStatus.SUCCEEDED,
                    stage="",
                    parameters=result["parameters"],
                    cut_points=result["cuts"],
                    customers_count=len(features),
                    clusters_count=result["clusters_count"],
                    silhouette_score=evaluation.silhouette_score,
                    davies_bouldin_index=evaluation.davies_bouldin_index,
                    evaluation_sample_size=evaluation.sample_size,
                    data_version=data_version,
                    completed_at=timezone.now(),
                )
    except Exception as exc:
        logger.exception("RFM run %s failed", run_id)
        _fail(run_id, f"The run stopped on an internal error ({exc.__class__.__name__}: {exc}).")
    run.refresh_from_db()
    return run


def rfm_runs_fail_stale(*, stale_after: timedelta | None = None, queued_for: timedelta | None = None) -> int:
    """Fail running runs whose worker stopped beating (their rows never committed), and runs no worker took.

    A run still queued after ``RFM_QUEUED_EXPIRE_SECONDS`` lost its message (a
    broker restarted empty, say); failing it lets the dashboard start another.
    """
    stale_after = stale_after or timedelta(seconds=settings.RFM_STALE_AFTER_SECONDS)
    queued_for = queued_for or timedelta(seconds=settings.RFM_QUEUED_EXPIRE_SECONDS)
    now = timezone.now()
    failed = RfmRun.objects.filter(status=RfmRunStatus.RUNNING, heartbeat_at__lt=now - stale_after).update(
        status=RfmRunStatus.FAILED,
        stage="",
        error=f"The worker running this run stopped (no heartbeat for {int(stale_after.total_seconds())} s).",
        completed_at=now,
    )
    failed += RfmRun.objects.filter(status=RfmRunStatus.QUEUED, created_at__lt=now - queued_for).update(
        status=RfmRunStatus.FAILED,
        error=f"No worker took this run in {int(queued_for.total_seconds())} s; start it again.",
        completed_at=now,
    )
    if failed:
        logger.warning("marked %d stale RFM run(s) as failed", failed)
    return failed
