"""Projections of the feature matrix for pictures: PCA, t-SNE and MDS on Gower distances for mixed data.

PCA keeps every customer (2-D / 3-D); t-SNE and MDS run on a seeded sample. t-SNE on 9,000 rows took 28-45 s
here, so it runs on a few thousand customers and its coordinates come with the row positions they belong to.
PCA of one-hot category columns treats levels as numbers; :func:`gower_mds` draws the customers by the same
Gower distances Gower K-Medoids segments on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.cluster._algorithms import as_matrix, one_thread, seeded_sample
from core.cluster._mixed import mixed_space
from core.errors import DataError

MDS_SAMPLE = 2_000  # a Gower matrix of 2,000 customers is 16 MB of float32; its top eigenvectors take well under 1 s


@dataclass(frozen=True)
class Projection:
    """Customers placed on a plane for a picture, with the method named.

    Attributes
    ----------
    coords : pandas.DataFrame
        Columns ``MDS1, MDS2``, indexed like the projected rows of the matrix.
    rows : numpy.ndarray
        Positions of those rows in the matrix (sorted).
    explained : numpy.ndarray
        Share of the Gower dispersion each axis shows (0..1).
    method : str
        How the picture was made, for a chart title: ``MDS on Gower distances of a 2,000-customer sample``.
    """

    coords: pd.DataFrame
    rows: np.ndarray
    explained: np.ndarray
    method: str


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
    # one thread: at 1,000,000 x 23 the fit took 0.15 s of CPU on one and 1.4-2.0 s on two busy cores (same result)
    with one_thread():
        model = PCA(n_components=n_components, random_state=0).fit(values)
        projected = model.transform(values)
    coords = pd.DataFrame(projected, index=_index(matrix), columns=[f"PC{i + 1}" for i in range(n_components)])
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


def gower_mds(
    matrix: pd.DataFrame, *, sample_size: int = MDS_SAMPLE, random_state: int = 0, category_weight: float = 1.0
) -> Projection:
    """Draw a seeded sample of customers in 2-D by classical (Torgerson) MDS on their Gower distances.

    Numeric columns count by their share of the range (taken over every customer, as Gower K-Medoids does) and
    categories by match or mismatch, so a picture of mixed data does not depend on how levels were encoded.
    The square roots of Gower distances are used: Gower (1971) showed they embed exactly in euclidean space,
    so every eigenvalue is non-negative and ``explained`` adds up to at most 1.

    Parameters
    ----------
    matrix : pandas.DataFrame
        The feature matrix with one-hot ``<feature>=<level>`` blocks (``CleanResult.matrix``); one without
        blocks is projected by range-scaled numbers alone.
    sample_size : int
        Customers projected (all when there are fewer); the distance matrix grows with its square.
    random_state : int
        Seed of the sample and of the eigen-solver's start.
    category_weight : float
        Gower weight of each categorical feature (each numeric column weighs 1).

    Returns
    -------
    Projection

    Raises
    ------
    DataError
        With fewer than 3 customers, or what :func:`core.cluster._algorithms.as_matrix` refuses.

    Examples
    --------
    >>> frame = pd.DataFrame(
    ...     {"spend": [0.0, 0.1, 5.0, 5.1], "Gender=F": [0.7, 0.7, 0.0, 0.0], "Gender=M": [0.0, 0.0, 0.7, 0.7]}
    ... )
    >>> result = gower_mds(frame)
    >>> result.method, result.coords.shape
    ('MDS on Gower distances of all 4 customers', (4, 2))
    >>> bool(abs(result.coords["MDS1"].iloc[0] - result.coords["MDS1"].iloc[2]) > 0.5)
    True
    """
    from scipy.sparse.linalg import eigsh

    values, names = as_matrix(matrix)
    if len(values) < 3:
        raise DataError("A map of the customers needs at least 3 customers.")
    space = mixed_space(values, names, "gower", category_weight=category_weight)
    rows = seeded_sample(len(values), sample_size, random_state)
    centred = space.distances(values[rows], values[rows]).astype(np.float64)  # (sqrt of Gower) squared
    centred += centred.T  # float32 round-off aside it is symmetric; made exactly so (twice, halved below)
    means = centred.mean(axis=1)  # = the column means: symmetric
    centred -= means[:, None]
    centred -= means[None, :]
    centred += means.mean()
    centred *= -0.25  # the double-centred Gram matrix -1/2 J D² J, in place (the 2,000 x 2,000 copies cost)
    total = float(np.trace(centred))
    n = len(rows)
    start = np.random.default_rng(random_state).standard_normal(n)
    with one_thread():
        if n <= 10:  # ARPACK wants more rows than eigenvectors asked for by a margin
            eigenvalues, vectors = np.linalg.eigh(centred)
            eigenvalues, vectors = eigenvalues[-2:], vectors[:, -2:]
        else:
            # 1e-6 relative: the same picture as machine precision at half the time (0.22 s instead of 0.45 s)
            eigenvalues, vectors = eigsh(centred, k=2, which="LA", v0=start, tol=1e-6)
    order = np.argsort(eigenvalues)[::-1]
    eigenvalues, vectors = np.clip(eigenvalues[order], 0.0, None), vectors[:, order]
    signs = np.sign(vectors[np.abs(vectors).argmax(axis=0), np.arange(2)])  # a fixed orientation per axis
    coords = vectors * np.where(signs == 0, 1.0, signs) * np.sqrt(eigenvalues)
    explained = eigenvalues / total if total > 0 else np.zeros(2)
    who = f"all {n:,} customers" if n == len(values) else f"a {n:,}-customer sample"
    return Projection(
        coords=pd.DataFrame(coords, index=_index(matrix)[rows], columns=["MDS1", "MDS2"]),
        rows=rows,
        explained=explained,
        method=f"MDS on Gower distances of {who}",
    )
