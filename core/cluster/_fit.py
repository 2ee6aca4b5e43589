"""Segment customers: ``fit`` runs an algorithm from the registry; ``assign`` places new customers.

Segment ids are deterministic: ``0..k-1`` ordered by size, largest first (ties: the segment whose first
member comes earlier); ``-1`` is noise (DBSCAN, HDBSCAN). The same matrix, algorithm, parameters and
``random_state`` always give identical labels.

Examples
--------
>>> import numpy as np
>>> matrix = np.array([[0.0, 0.0], [0.1, 0.0], [0.0, 0.1], [5.0, 5.0], [5.1, 5.0]])
>>> seg = fit(matrix, "kmeans", {"k": 2})
>>> seg.labels.tolist(), seg.n_segments
([0, 0, 0, 1, 1], 2)
>>> assign(seg, np.array([[4.9, 5.2]])).tolist()
[1]
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import pairwise_distances

from core.cluster._algorithms import FITTERS, NearestReference, as_matrix, member_means, nearest, one_thread
from core.cluster._mixed import MIXED_FITTERS, MixedSpace
from core.cluster._registry import ALGORITHMS, AlgorithmSpec, ParamSpec, resolve_params
from core.errors import DataError

__all__ = ["ALGORITHMS", "AlgorithmSpec", "ParamSpec", "Segmentation", "assign", "fit", "resolve_params"]


@dataclass(frozen=True)
class Segmentation:
    """A fitted segmentation of the customers in one feature matrix.

    Attributes
    ----------
    labels : numpy.ndarray
        int64 segment id per customer, in matrix row order: ``0..k-1`` by size (largest first), ``-1`` noise.
    centres : numpy.ndarray
        ``k x p`` centre of each segment in matrix space (model centres for K-Means, K-Medoids and mixtures;
        member means otherwise).
    algorithm : str
        Registry key (``"kmeans"``).
    params : dict
        Every parameter as used, defaults included.
    feature_names : tuple of str
        The matrix columns, in order; new customers must have the same ones.
    confidence : numpy.ndarray
        Per customer in ``[0, 1]``: the mixture's probability for mixtures, otherwise a centre-based
        silhouette ``(b - a) / max(a, b)`` (``a``: distance to the own centre, ``b``: to the nearest other);
        0 for noise.
    notes : tuple of str
        Plain sentences about how the fit was done (sampling, convergence).
    model : Any
        What :func:`assign` needs beyond the centres (the mixture, reference customers, the linkage tree).
    random_state : int
        Seed used.
    sampled_rows : int or None
        Customers the model was fitted on when it was fitted on a seeded sample (Gaussian mixture above
        ``GMM_SAMPLE``, hierarchical, DBSCAN, HDBSCAN on large tables), the rest then assigned; ``None`` when
        fitted on everyone. ``notes`` says so in words.
    """

    labels: np.ndarray
    centres: np.ndarray
    algorithm: str
    params: dict[str, Any]
    feature_names: tuple[str, ...]
    confidence: np.ndarray
    notes: tuple[str, ...] = ()
    model: Any = field(default=None, repr=False, compare=False)
    random_state: int = 0
    sampled_rows: int | None = None

    @property
    def n_segments(self) -> int:
        """Number of segments, noise not counted."""
        return len(self.centres)

    @property
    def label(self) -> str:
        """Display name of the algorithm."""
        return ALGORITHMS[self.algorithm].label

    def sizes(self) -> pd.Series:
        """Return customers per segment id (noise as ``-1`` when present), ids ascending."""
        return pd.Series(self.labels).value_counts().sort_index().rename("customers")


def size_order(raw: np.ndarray) -> np.ndarray:
    """Return a lookup ``new_id[raw_id]`` ranking raw segments by size desc, ties by first member position.

    Examples
    --------
    >>> size_order(np.array([2, 0, 0, 1, 1, 1, 2])).tolist()
    [2, 0, 1]
    """
    found = np.unique(raw[raw >= 0])
    size = np.array([np.count_nonzero(raw == r) for r in found])
    first = np.array([np.argmax(raw == r) for r in found])
    ranking = np.lexsort((first, -size))
    lookup = np.full(int(raw.max()) + 1 if len(found) else 0, -1, dtype=np.int64)
    lookup[found[ranking]] = np.arange(len(found))
    return lookup


def _metric(algorithm: str, params: Mapping[str, Any]) -> str:
    return params.get("metric", "euclidean") if algorithm in ("kmedoids", "hierarchical") else "euclidean"


def centre_confidence(matrix: np.ndarray, labels: np.ndarray, centres: np.ndarray, metric: str) -> np.ndarray:
    """Per-customer ``(b - a) / max(a, b)`` from centre distances, clipped to ``[0, 1]``; noise gets 0."""
    if len(centres) < 2:
        return np.where(labels >= 0, 1.0, 0.0)
    out = np.zeros(len(matrix))
    kept = np.flatnonzero(labels >= 0)
    step = max(1_000, 8_000_000 // len(centres))  # about 64 MB of distances per chunk, even with many segments
    for start in range(0, len(kept), step):
        rows = kept[start : start + step]
        d = pairwise_distances(matrix[rows], centres, metric=metric)
        own = d[np.arange(len(rows)), labels[rows]]
        d[np.arange(len(rows)), labels[rows]] = np.inf
        other = d.min(axis=1)
        scale = np.maximum(np.maximum(own, other), 1e-12)
        out[rows] = np.clip((other - own) / scale, 0.0, 1.0)
    return out


def _raw_in_new_order(lookup: np.ndarray) -> np.ndarray:
    """Raw ids of the found segments, listed by their new id (raw ids left without members are dropped)."""
    found = np.flatnonzero(lookup >= 0)
    return found[np.argsort(lookup[found])]


def _reorder_mixture(model: Any, lookup: np.ndarray) -> Any:
    """Return a copy of a fitted GaussianMixture whose component ``i`` is segment ``i``."""
    order = _raw_in_new_order(lookup)
    model = copy.deepcopy(model)
    model.weights_ = model.weights_[order]
    model.means_ = model.means_[order]
    if model.covariance_type != "tied":
        model.covariances_ = model.covariances_[order]
        model.precisions_ = model.precisions_[order]
        model.precisions_cholesky_ = model.precisions_cholesky_[order]
    return model


def fit(
    matrix: pd.DataFrame | np.ndarray,
    algorithm: str,
    params: Mapping[str, Any] | None = None,
    *,
    random_state: int = 0,
) -> Segmentation:
    """Segment the customers of a feature matrix with one algorithm of :data:`ALGORITHMS`.

    Parameters
    ----------
    matrix : pandas.DataFrame or numpy.ndarray
        Scaled features (``CleanResult.matrix``): one row per customer, numeric, no missing values.
        Not modified.
    algorithm : str
        ``"kmeans"``, ``"kmedoids"``, ``"gmm"``, ``"hierarchical"``, ``"dbscan"``, ``"hdbscan"``, or for
        categorical features ``"gower-kmedoids"`` or ``"kprototypes"`` (which read the matrix's one-hot
        ``<feature>=<level>`` blocks as categories, so pass a DataFrame with its column names).
    params : mapping, optional
        Parameters by name (see each :class:`AlgorithmSpec`); missing ones take their defaults.
    random_state : int
        Seed for every random step (starts, samples).

    Returns
    -------
    Segmentation

    Raises
    ------
    DataError
        For bad parameters, fewer customers than segments, constant features, or DBSCAN / HDBSCAN finding
        fewer than two segments (with a suggested eps).
    """
    resolved = resolve_params(algorithm, params)
    values, names = as_matrix(matrix)
    with one_thread():
        if algorithm in MIXED_FITTERS:
            raw = MIXED_FITTERS[algorithm](values, names, resolved, random_state)
        else:
            raw = FITTERS[algorithm](values, resolved, random_state)
    raw_labels = np.asarray(raw.labels, dtype=np.int64)
    lookup = size_order(raw_labels)
    labels = np.where(raw_labels >= 0, lookup[np.maximum(raw_labels, 0)], -1).astype(np.int64)
    n_segments = int(labels.max()) + 1
    if n_segments < 1:
        raise DataError("No segment was found: try other settings or another algorithm.")
    model = raw.model
    if raw.centres is not None:
        centres = np.asarray(raw.centres, dtype=np.float64)[_raw_in_new_order(lookup)]
    else:
        centres = member_means(values, labels, n_segments)
    if algorithm == "gmm":
        model = _reorder_mixture(model, lookup)
        confidence = raw.proba.max(axis=1)
    elif isinstance(model, MixedSpace):
        # the rule a saved model assigns by (nearest centre, lower id on ties), so re-assigning reproduces labels
        labels = model.nearest(values, centres)[0]
        confidence = model.confidence(values, labels, centres)
    else:
        with one_thread():  # at 1,000,000 customers two threads spun on two busy cores for a third of the fit
            confidence = centre_confidence(values, labels, centres, _metric(algorithm, resolved))
    if isinstance(model, NearestReference):
        model = NearestReference(model.points, np.where(model.labels >= 0, lookup[model.labels], -1), model.radius)
    if algorithm in ("kmeans", "kmedoids", "gmm", *MIXED_FITTERS) and n_segments < resolved["k"]:
        raw.notes.append(
            f"Only {n_segments} distinct segments were found instead of {resolved['k']}: many customers share "
            "identical values."
        )
    return Segmentation(
        labels=labels,
        centres=centres,
        algorithm=algorithm,
        params=resolved,
        feature_names=names,
        confidence=np.asarray(confidence, dtype=np.float64),
        notes=tuple(raw.notes),
        model=model,
        random_state=random_state,
        sampled_rows=raw.sample_rows,
    )


def _aligned(segmentation: Segmentation, matrix: pd.DataFrame | np.ndarray) -> np.ndarray:
    expected = list(segmentation.feature_names)
    if isinstance(matrix, pd.DataFrame):
        columns = [str(c) for c in matrix.columns]
        missing = [c for c in expected if c not in columns]
        if missing:
            raise DataError(
                f"The new customers lack the feature(s) {', '.join(missing)} that the segments were built on: "
                "prepare the file with the same recipe."
            )
        matrix = matrix.rename(columns=str)[expected]
    values = np.asarray(matrix, dtype=np.float64)
    if values.ndim != 2 or values.shape[1] != len(expected):
        raise DataError(
            f"The new customers have {values.shape[-1] if values.ndim else 0} features but the segments were "
            f"built on {len(expected)}: prepare the file with the same recipe."
        )
    if not np.isfinite(values).all():
        raise DataError("The new customers have missing or infinite values: prepare them with the same recipe.")
    return values


def assign(segmentation: Segmentation, matrix: pd.DataFrame | np.ndarray) -> np.ndarray:
    """Place customers (e.g. next month's file) into the segments of an existing segmentation.

    Parameters
    ----------
    segmentation : Segmentation
        A result of :func:`fit`.
    matrix : pandas.DataFrame or numpy.ndarray
        The new customers' features in the same matrix space (same recipe, same columns; a DataFrame may
        list them in another order).

    Returns
    -------
    numpy.ndarray
        int64 segment ids: the mixture's most likely component, the nearest core or sampled customer's
        segment for DBSCAN / HDBSCAN (``-1`` when beyond eps), the nearest medoid by Gower distance or the
        cheapest prototype for the mixed-data algorithms, otherwise the nearest centre.

    Raises
    ------
    DataError
        When the features do not match those the segments were built on.
    """
    values = _aligned(segmentation, matrix)
    if len(values) == 0:
        return np.empty(0, dtype=np.int64)
    model = segmentation.model
    if segmentation.algorithm == "gmm":
        return model.predict(values).astype(np.int64)
    if isinstance(model, NearestReference):
        return model.predict(values)
    if isinstance(model, MixedSpace):
        return model.nearest(values, segmentation.centres)[0]
    metric = _metric(segmentation.algorithm, segmentation.params)
    return nearest(values, segmentation.centres, metric)[0].astype(np.int64)


def cut_height(segmentation: Segmentation) -> float | None:
    """Return the dendrogram height at which a hierarchical segmentation was cut (None for other algorithms).

    With ``cut="distance"`` it is the distance threshold; with ``cut="k"`` it is halfway between the merges
    that leave k and k - 1 segments, so the line crosses exactly k branches.
    """
    if segmentation.algorithm != "hierarchical":
        return None
    tree = segmentation.model["linkage"]
    k = segmentation.n_segments
    if segmentation.params["cut"] == "k" and 1 < k <= len(tree):
        return float((tree[-k, 2] + tree[-(k - 1), 2]) / 2)
    return float(segmentation.params["distance_threshold"])
