"""The fitting step of each algorithm in :data:`core.cluster.ALGORITHMS`, on a checked float matrix.

Each fitter returns a :class:`RawFit` with labels in the algorithm's own numbering; :func:`core.cluster.fit`
renumbers them by size and adds centres and confidence. O(n^2) algorithms fit on seeded samples above the
sizes in :mod:`core.cluster._registry` and place the other customers by nearest centre or nearest neighbour.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn import config_context
from sklearn.metrics import pairwise_distances, pairwise_distances_argmin_min

from core.cluster import _registry as reg
from core.cluster._neighbours import k_distance
from core.errors import DataError

SCIPY_METRIC = {"euclidean": "euclidean", "manhattan": "cityblock", "cosine": "cosine"}
# Above GMM_SAMPLE customers the mixture is fitted on a seeded sample of that many, then everyone is assigned
# (its fit on all 1,000,000 rows took 57 s here); smaller tables are fitted whole, exactly as before.
GMM_SAMPLE = 100_000
# Above KMEANS_SAMPLE customers K-Means runs its restarts on a seeded sample of that many, then refines the best
# start with full Lloyd rounds on everyone (1,000,000 x 23: 6.2 s of CPU for four restarts on everyone, 1.5 s
# this way, same inertia to 1e-6); smaller tables are fitted whole, exactly as before.
KMEANS_SAMPLE = 100_000


@dataclass(frozen=True)
class NearestReference:
    """Customers with known labels; a new customer takes the label of the nearest one (within ``radius``).

    Attributes
    ----------
    points : numpy.ndarray
        Reference customers (rows) in matrix space.
    labels : numpy.ndarray
        Their segment ids (final numbering once :func:`core.cluster.fit` has renumbered them).
    radius : float or None
        Farther than this from every reference customer means noise (``-1``); ``None`` means no limit.
    """

    points: np.ndarray
    labels: np.ndarray
    radius: float | None = None

    def predict(self, matrix: np.ndarray) -> np.ndarray:
        """Return the label of each row's nearest reference customer (``-1`` beyond ``radius``)."""
        position, distance = nearest(matrix, self.points, "euclidean")
        labels = self.labels[position].astype(np.int64)
        if self.radius is not None:
            labels[distance > self.radius] = -1
        return labels


@dataclass
class RawFit:
    """What an algorithm found, in its own label numbering (``centres[i]`` belongs to raw label ``i``)."""

    labels: np.ndarray
    centres: np.ndarray | None = None
    proba: np.ndarray | None = None
    model: Any = None
    notes: list[str] = field(default_factory=list)
    sample_rows: int | None = None  # customers the model was fitted on, when a sample of them


def one_thread():
    """Return a context that runs BLAS and OpenMP on one thread.

    Measured on the 2-core machine while other work ran: the k sweep on 8,950 x 17 took 87 s wall (67 s of
    CPU, threads spinning while they waited for each other) with the default two threads per pool, and 3.3 s
    with one; K-Means at 1,000,000 x 17 took 5.0 s with two threads and 3.9 s with one.
    """
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


def as_matrix(matrix: pd.DataFrame | np.ndarray) -> tuple[np.ndarray, tuple[str, ...]]:
    """Return the matrix as a float64 array (a copy) and its feature names; refuse what cannot be segmented.

    Parameters
    ----------
    matrix : pandas.DataFrame or numpy.ndarray
        One row per customer, one numeric column per (scaled) feature.

    Raises
    ------
    DataError
        When the matrix is empty, not numeric, has missing or infinite values, or every feature is constant.
    """
    if isinstance(matrix, pd.DataFrame):
        names = tuple(str(c) for c in matrix.columns)
        try:
            values = matrix.to_numpy(dtype=np.float64, copy=True)
        except (TypeError, ValueError):
            raise DataError("Every feature must be numeric: clean the data on the Clean page first.") from None
    else:
        try:
            values = np.array(matrix, dtype=np.float64, copy=True)
        except (TypeError, ValueError):
            raise DataError("Every feature must be numeric: clean the data on the Clean page first.") from None
        if values.ndim != 2:
            raise DataError("The feature matrix must have one row per customer and one column per feature.")
        names = tuple(f"feature_{i + 1}" for i in range(values.shape[1]))
    if values.ndim != 2 or values.shape[0] == 0 or values.shape[1] == 0:
        raise DataError("There are no customers or no features to segment: load and clean a table first.")
    if not np.isfinite(values).all():
        raise DataError("The features contain missing or infinite values: fill them in on the Clean page first.")
    if values.shape[0] < 2 or np.all(np.ptp(values, axis=0) == 0):
        raise DataError(
            "Every feature has the same value for all customers, so there is nothing to tell them apart: "
            "choose other features on the Clean page."
        )
    return values, names


def check_k(n_rows: int, k: int) -> None:
    """Refuse asking for more segments than there are customers."""
    if n_rows < k:
        raise DataError(
            f"There are only {n_rows:,} customers, fewer than the {k} segments asked for: choose k of at most "
            f"{max(n_rows - 1, 1)}, or load more customers."
        )


def nearest(matrix: np.ndarray, centres: np.ndarray, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """Return, for each row, the position of and distance to its nearest centre (in memory-bounded chunks)."""
    with config_context(working_memory=64):
        return pairwise_distances_argmin_min(matrix, centres, metric=metric)


def seeded_sample(n_rows: int, size: int, random_state: int) -> np.ndarray:
    """Return ``size`` sorted row positions drawn without replacement (all rows when there are fewer)."""
    if n_rows <= size:
        return np.arange(n_rows)
    return np.sort(np.random.default_rng(random_state).choice(n_rows, size=size, replace=False))


def member_means(matrix: np.ndarray, labels: np.ndarray, n_segments: int) -> np.ndarray:
    """Return the mean row of each segment ``0..n_segments-1`` (noise ignored)."""
    kept = labels >= 0
    sums = np.zeros((n_segments, matrix.shape[1]))
    np.add.at(sums, labels[kept], matrix[kept])
    counts = np.bincount(labels[kept], minlength=n_segments)[:, None]
    return sums / np.maximum(counts, 1)


def fit_kmeans(matrix: np.ndarray, params: dict[str, Any], random_state: int) -> RawFit:
    """K-Means (full Lloyd; measured faster than MiniBatch at 1,000,000 x 17 here).

    Above :data:`KMEANS_SAMPLE` rows the restarts run on a seeded sample and the best start is refined on every
    row (a note says so); smaller matrices are fitted whole.
    """
    from sklearn.cluster import KMeans

    check_k(len(matrix), params["k"])
    k, n_init = params["k"], params["n_init"]
    notes = []
    if len(matrix) > KMEANS_SAMPLE:
        rows = seeded_sample(len(matrix), KMEANS_SAMPLE, random_state)
        start = KMeans(n_clusters=k, init=params["init"], n_init=n_init, random_state=random_state).fit(matrix[rows])
        model = KMeans(n_clusters=k, init=start.cluster_centers_, n_init=1, random_state=random_state).fit(matrix)
        restarts = "its restart ran" if n_init == 1 else f"its {n_init} restarts ran"
        notes.append(
            f"K-Means: {restarts} on a seeded sample of {len(rows):,} customers, then the best start was refined "
            f"on all {len(matrix):,} (Lloyd rounds until it settled), so every customer is in the segment of the "
            "nearest centre."
        )
    else:
        model = KMeans(n_clusters=k, init=params["init"], n_init=n_init, random_state=random_state).fit(matrix)
    if model.n_iter_ >= model.max_iter:
        notes.append(f"K-Means stopped after {model.max_iter} rounds before settling; try more restarts.")
    return RawFit(model.labels_, model.cluster_centers_, model=model, notes=notes)


def _pam(matrix: np.ndarray, k: int, metric: str, random_state: int):
    import kmedoids

    distances = pairwise_distances(matrix, metric=metric).astype(np.float32)
    # one thread: measured faster than the default thread pool on 2 busy cores
    return kmedoids.fasterpam(distances, k, random_state=random_state, n_cpu=1)


def fit_kmedoids(matrix: np.ndarray, params: dict[str, Any], random_state: int) -> RawFit:
    """K-Medoids by FasterPAM; CLARA-style (best of several seeded samples) above the full-matrix size."""
    k, metric = params["k"], params["metric"]
    check_k(len(matrix), k)
    n = len(matrix)
    if n <= reg.KMEDOIDS_FULL_MAX:
        result = _pam(matrix, k, metric, random_state)
        rows = np.asarray(result.medoids, dtype=np.int64)
        labels = np.asarray(result.labels, dtype=np.int64)
        return RawFit(labels, matrix[rows], model={"metric": metric, "medoid_rows": rows})
    evaluation = matrix[seeded_sample(n, reg.KMEDOIDS_EVAL, random_state + 1)]
    best_rows, best_cost = None, np.inf
    for draw in range(reg.KMEDOIDS_DRAWS):
        sample = seeded_sample(n, reg.KMEDOIDS_SAMPLE, random_state + 100 + draw)
        result = _pam(matrix[sample], k, metric, random_state + draw)
        rows = sample[np.asarray(result.medoids, dtype=np.int64)]
        cost = nearest(evaluation, matrix[rows], metric)[1].sum()
        if cost < best_cost:
            best_rows, best_cost = rows, cost
    labels, _ = nearest(matrix, matrix[best_rows], metric)
    note = (
        f"K-Medoids was fitted on {reg.KMEDOIDS_DRAWS} seeded samples of {reg.KMEDOIDS_SAMPLE:,} customers; "
        f"the medoids that fit {len(evaluation):,} customers best were kept and everyone was assigned to the "
        "nearest medoid."
    )
    return RawFit(labels, matrix[best_rows], model={"metric": metric, "medoid_rows": best_rows}, notes=[note])


def fit_gmm(matrix: np.ndarray, params: dict[str, Any], random_state: int) -> RawFit:
    """Gaussian mixture; non-convergence becomes a note, not an error."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.mixture import GaussianMixture

    check_k(len(matrix), params["k"])
    model = GaussianMixture(
        n_components=params["k"], covariance_type=params["covariance_type"], random_state=random_state
    )
    rows = seeded_sample(len(matrix), GMM_SAMPLE, random_state)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(matrix[rows] if len(rows) < len(matrix) else matrix)
    notes = []
    if len(rows) < len(matrix):
        notes.append(
            f"The mixture was fitted on a seeded sample of {len(rows):,} of the {len(matrix):,} customers (its "
            "time grows with the rows); everyone was then placed in their most likely segment."
        )
    if not model.converged_:
        notes.append(
            f"The mixture did not settle within {model.max_iter} rounds, so segments may shift between runs "
            "of different data; try fewer segments or a simpler segment shape (diag or spherical)."
        )
    proba = model.predict_proba(matrix)
    sample_rows = len(rows) if len(rows) < len(matrix) else None
    return RawFit(proba.argmax(axis=1), model.means_, proba=proba, model=model, notes=notes, sample_rows=sample_rows)


def fit_hierarchical(matrix: np.ndarray, params: dict[str, Any], random_state: int) -> RawFit:
    """Scipy linkage cut by k or by distance; above the sample size the rest go to the nearest segment centre."""
    from scipy.cluster.hierarchy import fcluster, linkage

    n = len(matrix)
    if params["cut"] == "k":
        check_k(n, params["k"])
    rows = seeded_sample(n, reg.HIERARCHICAL_FULL_MAX, random_state)
    sample = matrix[rows]
    tree = linkage(sample, method=params["linkage"], metric=SCIPY_METRIC[params["metric"]])
    if params["cut"] == "k":
        raw = fcluster(tree, t=params["k"], criterion="maxclust")
    else:
        raw = fcluster(tree, t=params["distance_threshold"], criterion="distance")
    raw = raw.astype(np.int64) - 1
    n_found = int(raw.max()) + 1
    if params["cut"] == "distance" and not 2 <= n_found <= 50:
        top = tree[-min(10, len(tree)) :, 2]
        raise DataError(
            f"Cutting the tree at distance {params['distance_threshold']:g} gives {n_found:,} segment(s): choose "
            f"a cut between {top[0]:.3g} and {top[-1]:.3g} (the heights of the last merges), or cut by k."
        )
    model = {"linkage": tree, "sample_rows": rows if len(rows) < n else None, "metric": params["metric"]}
    if len(rows) == n:
        return RawFit(raw, model=model)
    centres = member_means(sample, raw, n_found)
    labels, _ = nearest(matrix, centres, params["metric"])
    labels[rows] = raw
    note = (
        f"The tree was built on a seeded sample of {len(rows):,} customers (it needs memory that grows with "
        "the square of the rows); the rest were assigned to the nearest segment centre."
    )
    return RawFit(labels, model=model, notes=[note], sample_rows=len(rows))


def _eps_hint(matrix: np.ndarray, min_samples: int, random_state: int) -> str:
    _, suggested = k_distance(matrix, min_samples, random_state=random_state)
    return f"try eps near {suggested:.2g}, the knee of the k-distance curve"


def fit_dbscan(matrix: np.ndarray, params: dict[str, Any], random_state: int) -> RawFit:
    """DBSCAN; on big tables or dense neighbourhoods it runs on a sample and the rest join core customers.

    On a sample a customer has proportionally fewer neighbours within eps, so ``min_samples`` is scaled by
    the sample's share of the rows (at least 2) to keep the same density threshold.
    """
    from sklearn.cluster import DBSCAN
    from sklearn.neighbors import NearestNeighbors

    eps, min_samples = params["eps"], params["min_samples"]
    n = len(matrix)
    probe = seeded_sample(n, 300, random_state + 7)
    tree = NearestNeighbors(radius=eps).fit(matrix)
    mean_neighbours = max(np.mean([len(r) for r in tree.radius_neighbors(matrix[probe], return_distance=False)]), 1)
    fit_size = int(min(n, reg.DBSCAN_FULL_MAX, np.sqrt(reg.DBSCAN_MAX_PAIRS * n / mean_neighbours)))
    rows = seeded_sample(n, max(fit_size, min(n, reg.DBSCAN_MIN_SAMPLE)), random_state)
    sample = matrix[rows]
    scaled = max(2, round(min_samples * len(rows) / n))
    model = DBSCAN(eps=eps, min_samples=scaled).fit(sample)
    raw = model.labels_.astype(np.int64)
    n_found = int(raw.max()) + 1
    if n_found < 2:
        where = "in noise" if n_found == 0 else "in one group"
        raise DataError(
            f"DBSCAN put every customer {where} with eps = {eps:g} and {min_samples} neighbours: "
            f"{_eps_hint(matrix, min_samples, random_state)}."
        )
    core = model.core_sample_indices_
    keep = core[seeded_sample(len(core), reg.REFERENCE_MAX, random_state)]
    reference = NearestReference(sample[keep], raw[keep], radius=eps)
    note = (
        f"DBSCAN ran on a seeded sample of {len(rows):,} customers (its time and memory grow quickly with the "
        f"rows), with minimum neighbours scaled to {scaled} to keep the same density; the rest joined the "
        "segment of the nearest core customer within eps, or noise."
    )
    return _rest_from_reference(matrix, rows, raw, reference, note)


def _rest_from_reference(
    matrix: np.ndarray, rows: np.ndarray, raw: np.ndarray, reference: NearestReference, note: str
) -> RawFit:
    """Labels for every row: the sampled ``rows`` keep ``raw``; the rest come from ``reference`` (noted)."""
    if len(rows) == len(matrix):
        return RawFit(raw, model=reference)
    labels = reference.predict(matrix)
    labels[rows] = raw
    return RawFit(labels, model=reference, notes=[note], sample_rows=len(rows))


def fit_hdbscan(matrix: np.ndarray, params: dict[str, Any], random_state: int) -> RawFit:
    """Scikit-learn's HDBSCAN; above the sample size the rest take the label of the nearest sampled customer."""
    from sklearn.cluster import HDBSCAN

    n = len(matrix)
    rows = seeded_sample(n, reg.HDBSCAN_FULL_MAX, random_state)
    sample = matrix[rows]
    size = min(params["min_cluster_size"], len(rows))
    raw = HDBSCAN(min_cluster_size=max(size, 2), copy=True).fit(sample).labels_.astype(np.int64)
    if raw.max() < 1:
        raise DataError(
            f"HDBSCAN found {'no' if raw.max() < 0 else 'only one'} crowd of at least {size:,} customers: "
            "lower the smallest segment size, or use K-Means."
        )
    keep = seeded_sample(len(rows), reg.REFERENCE_MAX, random_state)
    reference = NearestReference(sample[keep], raw[keep])
    note = (
        f"HDBSCAN ran on a seeded sample of {len(rows):,} customers; the rest took the segment (or noise) of "
        f"the nearest of {len(keep):,} of them."
    )
    return _rest_from_reference(matrix, rows, raw, reference, note)


FITTERS = {
    "kmeans": fit_kmeans,
    "kmedoids": fit_kmedoids,
    "gmm": fit_gmm,
    "hierarchical": fit_hierarchical,
    "dbscan": fit_dbscan,
    "hdbscan": fit_hdbscan,
}
