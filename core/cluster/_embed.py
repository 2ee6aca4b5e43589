"""Projections of the feature matrix for pictures: PCA (2-D / 3-D, all customers) and t-SNE (on a sample).

t-SNE on 9,000 rows took 28-45 s here, so it runs on a seeded sample of a few thousand customers and its
coordinates come with the row positions they belong to.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.cluster._algorithms import as_matrix, one_thread, seeded_sample
from core.errors import DataError


def _index(matrix: pd.DataFrame | np.ndarray) -> pd.Index:
    return matrix.index if isinstance(matrix, pd.DataFrame) else pd.RangeIndex(len(matrix))


def pca(matrix: pd.DataFrame | np.ndarray, n_components: int = 2) -> tuple[pd.DataFrame, np.ndarray]:
    """Project every customer onto the first principal components.

    Parameters
    ----------
    matrix : pandas.DataFrame or numpy.ndarray
        Scaled features, one row per customer.
    n_components : int
        2 or 3.

    Returns
    -------
    (pandas.DataFrame, numpy.ndarray)
        Coordinates with columns ``PC1, PC2[, PC3]`` (the matrix's index), and the share of variance each
        component explains.

    Examples
    --------
    >>> coords, share = pca(np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0], [3.0, 3.1]]))
    >>> list(coords.columns), bool(share[0] > 0.99)
    (['PC1', 'PC2'], True)
    """
    from sklearn.decomposition import PCA

    if n_components not in (2, 3):
        raise DataError("Projections have 2 or 3 dimensions.")
    values, _ = as_matrix(matrix)
    n_components = min(n_components, values.shape[1], len(values))
    model = PCA(n_components=n_components, random_state=0).fit(values)
    coords = pd.DataFrame(
        model.transform(values), index=_index(matrix), columns=[f"PC{i + 1}" for i in range(n_components)]
    )
    return coords, model.explained_variance_ratio_


def tsne(
    matrix: pd.DataFrame | np.ndarray, *, sample_size: int = 2_000, random_state: int = 0
) -> tuple[pd.DataFrame, np.ndarray]:
    """Embed a seeded sample of customers in 2-D with t-SNE (neighbourhoods kept, distances not).

    Parameters
    ----------
    matrix : pandas.DataFrame or numpy.ndarray
        Scaled features, one row per customer.
    sample_size : int
        Customers embedded (all when there are fewer).
    random_state : int
        Seed of the sample and of t-SNE.

    Returns
    -------
    (pandas.DataFrame, numpy.ndarray)
        Coordinates ``TSNE1, TSNE2`` indexed like the sampled rows, and those rows' positions in the matrix.
    """
    from sklearn.manifold import TSNE

    values, _ = as_matrix(matrix)
    if len(values) < 5:
        raise DataError("t-SNE needs at least 5 customers.")
    rows = seeded_sample(len(values), sample_size, random_state)
    perplexity = float(min(30, (len(rows) - 1) / 3))
    model = TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=random_state)
    with one_thread():
        coords = model.fit_transform(values[rows])
    return pd.DataFrame(coords, index=_index(matrix)[rows], columns=["TSNE1", "TSNE2"]), rows
