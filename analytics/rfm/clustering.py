"""k-means and DBSCAN over scaled RFM features, and their evaluation on a bounded sample.

Features are log-transformed where skewed (RFM's frequency and monetary nearly
always are), then standardised, so no dimension dominates the distances by its
units. Every random choice is seeded, so a run over the same data gives the
same clusters.
"""

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.stats import skew
from sklearn.cluster import DBSCAN, KMeans
from sklearn.metrics import davies_bouldin_score, silhouette_score
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import StandardScaler

FEATURE_NAMES = ("recency", "frequency", "monetary")
NOISE = -1
# A dimension whose sample skewness is above this is log-transformed (log1p) before scaling.
SKEW_THRESHOLD = 1.0
K_CANDIDATES = range(2, 9)


@dataclass(frozen=True)
class FeatureSpace:
    """The matrix clustering runs on, and how to take a centre back to days, orders and money."""

    matrix: np.ndarray
    log_transformed: tuple[str, ...]
    scaler: StandardScaler | None

    def to_original_units(self, centres: np.ndarray) -> np.ndarray:
        """Centres given in the scaled space, in the features' own units."""
        values = self.scaler.inverse_transform(centres) if self.scaler is not None else centres.copy()
        for index, name in enumerate(FEATURE_NAMES):
            if name in self.log_transformed:
                values[:, index] = np.expm1(values[:, index])
        return values


def feature_space(*, recency: np.ndarray, frequency: np.ndarray, monetary: np.ndarray) -> FeatureSpace:
    columns = []
    logged = []
    for name, values in zip(FEATURE_NAMES, (recency, frequency, monetary), strict=True):
        values = values.astype(np.float64)
        if len(values) > 2 and np.ptp(values) > 0 and skew(values) > SKEW_THRESHOLD:
            values = np.log1p(values)
            logged.append(name)
        columns.append(values)
    raw = np.column_stack(columns) if columns and len(columns[0]) else np.zeros((0, 3))
    if len(raw) == 0:
        return FeatureSpace(matrix=raw, log_transformed=tuple(logged), scaler=None)
    scaler = StandardScaler().fit(raw)
    return FeatureSpace(matrix=scaler.transform(raw), log_transformed=tuple(logged), scaler=scaler)


@dataclass(frozen=True)
class Clustering:
    """Cluster labels per customer (``NOISE`` for DBSCAN's noise) and what the run should record."""

    labels: np.ndarray
    centres: dict[int, np.ndarray]
    parameters: dict = field(default_factory=dict)


def _sample(rng: np.random.Generator, size: int, limit: int) -> np.ndarray:
    if size <= limit:
        return np.arange(size)
    return np.sort(rng.choice(size, size=limit, replace=False))


def _centres_of(matrix: np.ndarray, labels: np.ndarray) -> dict[int, np.ndarray]:
    return {int(label): matrix[labels == label].mean(axis=0) for label in np.unique(labels) if label != NOISE}


def choose_k(*, matrix: np.ndarray, sample_size: int, seed: int) -> tuple[int, dict[str, float], int]:
    """The k in 2-8 whose k-means has the best silhouette on a random sample (k-means itself is seeded)."""
    rng = np.random.default_rng(seed)
    sample = matrix[_sample(rng, len(matrix), sample_size)]
    distinct = len(np.unique(sample, axis=0))
    scores: dict[str, float] = {}
    for k in K_CANDIDATES:
        if k >= distinct:  # silhouette needs 2 <= labels <= points - 1
            break
        labels = KMeans(n_clusters=k, n_init=1, random_state=seed).fit_predict(sample)
        if len(np.unique(labels)) < 2:
            continue
        scores[str(k)] = float(silhouette_score(sample, labels))
    if not scores:
        return min(2, len(matrix)), scores, len(sample)
    best = max(scores, key=lambda k: (scores[k], -int(k)))
    return int(best), scores, len(sample)


def kmeans_clusters(*, space: FeatureSpace, n_clusters: int | None, selection_sample: int, seed: int) -> Clustering:
    matrix = space.matrix
    parameters: dict = {"log_transformed": list(space.log_transformed)}
    if n_clusters is None:
        n_clusters, scores, sample_size = choose_k(matrix=matrix, sample_size=selection_sample, seed=seed)
        parameters |= {
            "n_clusters": n_clusters,
            "n_clusters_chosen_by": f"best silhouette of k-means with k in 2-8 on a random sample of {sample_size:,}",
            "silhouette_by_k": scores,
        }
    else:
        parameters |= {"n_clusters": n_clusters, "n_clusters_chosen_by": "given"}
    model = KMeans(n_clusters=n_clusters, n_init="auto", random_state=seed).fit(matrix)
    labels = model.labels_.astype(np.int32)
    # The model's own centroids; a cluster k-means left empty (fewer distinct points than k) is absent.
    centres = {int(label): model.cluster_centers_[label] for label in np.unique(labels)}
    return Clustering(labels=labels, centres=centres, parameters=parameters)


def dbscan_clusters(*, space: FeatureSpace, eps: float, min_samples: int, fit_sample: int, seed: int) -> Clustering:
    """DBSCAN on all customers up to ``fit_sample``; above it, on a random sample of that size.

    DBSCAN's memory grows with the neighbours of every point, which on a large
    dense data set exhausts any machine. Above the bound it runs on a sample
    with ``min_samples`` scaled by the sample's share (the same density), and
    every other customer joins the cluster of its nearest core point within
    ``eps``, or is noise: the prediction step DBSCAN itself lacks.
    """
    matrix = space.matrix
    parameters: dict = {"eps": eps, "min_samples": min_samples, "log_transformed": list(space.log_transformed)}
    if len(matrix) <= fit_sample:
        labels = DBSCAN(eps=eps, min_samples=min_samples).fit_predict(matrix).astype(np.int32)
        return Clustering(labels=labels, centres=_centres_of(matrix, labels), parameters=parameters)
    rng = np.random.default_rng(seed)
    sample_index = _sample(rng, len(matrix), fit_sample)
    sample_min_samples = max(2, math.ceil(min_samples * fit_sample / len(matrix)))
    model = DBSCAN(eps=eps, min_samples=sample_min_samples).fit(matrix[sample_index])
    labels = np.full(len(matrix), NOISE, dtype=np.int32)
    core = model.core_sample_indices_
    if len(core):
        distances, nearest = NearestNeighbors(n_neighbors=1).fit(matrix[sample_index][core]).kneighbors(matrix)
        within = distances[:, 0] <= eps
        labels[within] = model.labels_[core][nearest[within, 0]]
    labels[sample_index] = model.labels_  # the sample keeps DBSCAN's own answer, border points included
    parameters |= {
        "fit_sample_size": len(sample_index),
        "fit_min_samples": sample_min_samples,
        "fitted_on": f"a random sample of {len(sample_index):,}; the others joined their nearest core point",
    }
    return Clustering(labels=labels, centres=_centres_of(matrix, labels), parameters=parameters)


@dataclass(frozen=True)
class Evaluation:
    silhouette_score: float | None
    davies_bouldin_index: float | None
    sample_size: int | None


def evaluate(*, matrix: np.ndarray, labels: np.ndarray, sample_size: int, seed: int) -> Evaluation:
    """Silhouette and Davies-Bouldin on a random sample of the clustered (not noise) customers.

    Both need at least two clusters and fewer clusters than points; where that
    fails the metrics are undefined and come back as ``None``.
    """
    clustered = np.flatnonzero(labels != NOISE)
    rng = np.random.default_rng(seed)
    chosen = clustered[_sample(rng, len(clustered), sample_size)]
    points, point_labels = matrix[chosen], labels[chosen]
    n_labels = len(np.unique(point_labels))
    if n_labels < 2 or n_labels >= len(points):
        return Evaluation(silhouette_score=None, davies_bouldin_index=None, sample_size=None)
    return Evaluation(
        silhouette_score=float(silhouette_score(points, point_labels)),
        davies_bouldin_index=float(davies_bouldin_score(points, point_labels)),
        sample_size=len(points),
    )
