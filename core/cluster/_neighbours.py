"""Nearest-neighbour helpers shared by clustering and evaluation: the k-distance curve and the knee of a curve."""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.errors import DataError


def knee_index(values: np.ndarray | list[float], *, increasing: bool = True) -> int:
    """Return the position of the knee (elbow) of a convex curve: the point farthest below its chord.

    Parameters
    ----------
    values : array-like
        Curve heights at equally spaced positions (e.g. sorted k-distances, or inertia by k).
    increasing : bool
        ``True`` for a rising curve (k-distance), ``False`` for a falling one (inertia by k).

    Examples
    --------
    >>> knee_index([10.0, 4.0, 3.0, 2.5, 2.2], increasing=False)
    1
    >>> knee_index([1.0, 1.1, 1.2, 1.3, 5.0])
    3
    """
    y = np.asarray(values, dtype=np.float64)
    if len(y) < 3:
        return 0 if not increasing else len(y) - 1
    x = np.linspace(0.0, 1.0, len(y))
    span = y.max() - y.min()
    y = (y - y.min()) / span if span > 0 else np.zeros_like(y)
    chord = y[0] + (y[-1] - y[0]) * x
    return int(np.argmax(chord - y))


def k_distance(
    matrix: pd.DataFrame | np.ndarray, min_samples: int, *, sample_size: int = 5_000, random_state: int = 0
) -> tuple[np.ndarray, float]:
    """Return the sorted distances of sampled customers to their ``min_samples``-th neighbour, and a suggested eps.

    Neighbours are searched among *all* customers with a tree (memory grows with the rows, not their square:
    brute-force neighbours took 5 GB at 100,000 rows), but only for a seeded sample of query customers.

    Parameters
    ----------
    matrix : pandas.DataFrame or numpy.ndarray
        Scaled features, one row per customer, no missing values.
    min_samples : int
        DBSCAN's ``min_samples`` (the customer itself counts, as in scikit-learn).
    sample_size : int
        How many customers' distances to compute.
    random_state : int
        Seed of the sample.

    Returns
    -------
    (numpy.ndarray, float)
        Distances sorted ascending, and the distance at the curve's knee (the eps to try).

    Raises
    ------
    DataError
        When there are not more customers than ``min_samples``.
    """
    from sklearn.neighbors import NearestNeighbors

    values = np.asarray(matrix, dtype=np.float64)
    n = len(values)
    if n <= min_samples:
        raise DataError(f"DBSCAN needs more than {min_samples} customers for {min_samples} neighbours.")
    rows = np.arange(n)
    if n > sample_size:
        rows = np.sort(np.random.default_rng(random_state).choice(n, size=sample_size, replace=False))
    tree = NearestNeighbors(n_neighbors=min_samples).fit(values)
    distances = np.sort(tree.kneighbors(values[rows], return_distance=True)[0][:, -1])
    body = distances[: max(3, int(np.ceil(len(distances) * 0.995)))]  # a few far outliers flatten the knee
    return distances, float(body[knee_index(body)])
