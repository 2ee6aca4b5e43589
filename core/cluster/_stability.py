"""How far to trust each segment: bootstrap stability (Hennig's clusterboot idea), labelled with his bands.

Resample the customers with replacement, refit the same algorithm and parameters, match every original
segment to its best-overlapping new segment (Jaccard), and average over the resamples. Hennig (2007)
reads a mean Jaccard of 0.85 or more as highly stable, 0.75-0.85 as stable, 0.6-0.75 as a pattern only and
below 0.6 as not to be acted on.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from core.cluster._algorithms import as_matrix
from core.cluster._fit import Segmentation, fit
from core.errors import DataError

# (lowest mean Jaccard, band), best first
SAMPLE_SIZE = 3_000  # customers drawn per bootstrap resample
HENNIG_BANDS: tuple[tuple[float, str], ...] = (
    (0.85, "highly stable"),
    (0.75, "stable"),
    (0.60, "a pattern only"),
    (0.0, "do not act on it"),
)


def stability_band(jaccard: float) -> str:
    """Return Hennig's band for a mean Jaccard similarity.

    Examples
    --------
    >>> stability_band(0.9), stability_band(0.8), stability_band(0.7), stability_band(0.3)
    ('highly stable', 'stable', 'a pattern only', 'do not act on it')
    """
    for lowest, band in HENNIG_BANDS:
        if jaccard >= lowest:
            return band
    return HENNIG_BANDS[-1][1]


def _best_jaccard(original: np.ndarray, refit: np.ndarray, segments: np.ndarray) -> np.ndarray:
    """For each original segment, the highest Jaccard overlap with any refitted segment (noise never matches)."""
    out = np.zeros(len(segments))
    found = np.unique(refit[refit >= 0])
    for i, segment in enumerate(segments):
        members = original == segment
        if not members.any() or not len(found):
            continue
        overlap = np.array([np.count_nonzero(members & (refit == f)) for f in found])
        union = members.sum() + np.array([np.count_nonzero(refit == f) for f in found]) - overlap
        out[i] = (overlap / union).max()
    return out


def stability(
    matrix: pd.DataFrame | np.ndarray,
    segmentation: Segmentation,
    *,
    n_boot: int = 20,
    sample_size: int = SAMPLE_SIZE,
    random_state: int = 0,
    progress: Callable[[float], None] | None = None,
) -> pd.DataFrame:
    """Return the bootstrap stability of each segment.

    Parameters
    ----------
    matrix : pandas.DataFrame or numpy.ndarray
        The scaled features the segmentation was fitted on (same rows, same order).
    segmentation : Segmentation
        The segmentation to judge; its algorithm and parameters are refitted on every resample.
    n_boot : int
        Number of resamples.
    sample_size : int
        Customers drawn (with replacement) per resample; fewer than the rows keeps each refit quick.
    random_state : int
        Seed of the resamples and refits.
    progress : callable, optional
        Called with the fraction done after each resample.

    Returns
    -------
    pandas.DataFrame
        One row per segment: ``segment`` (id), ``jaccard`` (mean best Jaccard, 0..1), ``band`` (Hennig).

    Raises
    ------
    DataError
        When the matrix and the segmentation do not have the same customers.
    """
    values, names = as_matrix(matrix)
    labels = np.asarray(segmentation.labels)
    if len(labels) != len(values):
        raise DataError("The segmentation belongs to other data: segment the current data again.")
    if n_boot < 1:
        raise DataError("Ask for at least one resample.")
    segments = np.arange(segmentation.n_segments)
    rng = np.random.default_rng(random_state)
    size = min(len(values), sample_size)
    totals = np.zeros(len(segments))
    for b in range(n_boot):
        drawn = np.unique(rng.choice(len(values), size=size, replace=True))
        try:
            drawn_matrix = pd.DataFrame(values[drawn], columns=list(names))  # names keep the category blocks
            refit = fit(drawn_matrix, segmentation.algorithm, segmentation.params, random_state=random_state + b + 1)
            totals += _best_jaccard(labels[drawn], refit.labels, segments)
        except DataError:
            pass  # a resample the algorithm cannot segment counts as zero overlap
        if progress is not None:
            progress((b + 1) / n_boot)
    jaccard = totals / n_boot
    return pd.DataFrame(
        {
            "segment": segments.astype(np.int64),
            "jaccard": jaccard,
            "band": [stability_band(j) for j in jaccard],
        }
    )
