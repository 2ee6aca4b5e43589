"""The heavy results pages share: cached by content for every visitor, computed under the worker gate.

One definition per result, so the Cluster page, the default segmentation other pages fall back on, the
background prefetch and the server's warm-up of the sample all read and fill the same cache entries
(``st.cache_data`` keys a function by its module, name and source, and a call by its arguments' content).
Each body runs only on a cache miss, and only once it holds a slot of :data:`pages._work.GATE`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from core import cluster, pipeline
from core.cluster import resolve_params
from pages._work import GATE


def frozen(params: dict) -> tuple:
    """Parameters as a hashable, order-free cache argument."""
    return tuple(sorted(params.items()))


@st.cache_data(max_entries=16, show_spinner=False)
def sweep(matrix: pd.DataFrame, algorithm: str, k_max: int) -> cluster.SweepResult:
    """The k sweep (``pipeline.recommend_k``)."""
    with GATE.slot():
        return pipeline.recommend_k(matrix, algorithm, k_max=k_max)


@st.cache_data(max_entries=16, show_spinner=False)
def fit(matrix: pd.DataFrame, algorithm: str, params: tuple) -> cluster.Segmentation:
    """One segmentation (``cluster.fit``) with ``params`` as :func:`frozen` gives them."""
    with GATE.slot():
        return cluster.fit(matrix, algorithm, dict(params))


@st.cache_data(max_entries=32, show_spinner=False)
def diagnostics(matrix: pd.DataFrame, labels: np.ndarray, algorithm: str = "kmeans") -> tuple[dict, pd.DataFrame]:
    """Metrics and per-customer silhouettes, once per segmentation (the O(n^2) silhouette in one pass)."""
    with GATE.slot():
        return pipeline.diagnose(matrix, labels, algorithm=algorithm)


@st.cache_data(max_entries=16, show_spinner=False)
def stability(matrix: pd.DataFrame, algorithm: str, params: tuple) -> pd.DataFrame:
    """Bootstrap stability of one segmentation."""
    segmentation = fit(matrix, algorithm, params)
    with GATE.slot():
        return pipeline.check_stability(matrix, segmentation)


@st.cache_data(max_entries=16, show_spinner=False)
def compare(matrix: pd.DataFrame, runs: tuple) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Several segmentations side by side: ``runs`` holds ``(label, algorithm, frozen params)``."""
    fitted = {label: fit(matrix, algorithm, params) for label, algorithm, params in runs}
    with GATE.slot():
        return cluster.compare(matrix, fitted)


@st.cache_data(max_entries=16, show_spinner=False)
def pca(matrix: pd.DataFrame, n_components: int) -> tuple[pd.DataFrame, np.ndarray]:
    """PCA coordinates and explained variance."""
    with GATE.slot():
        return cluster.pca(matrix, n_components)


@st.cache_data(max_entries=8, show_spinner=False)
def gower_mds(matrix: pd.DataFrame) -> cluster.Projection:
    """Classical MDS on the Gower distances of a seeded sample (mixed data)."""
    with GATE.slot():
        return cluster.gower_mds(matrix)


@st.cache_data(max_entries=16, show_spinner=False)
def tsne(matrix: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """t-SNE on a seeded sample: coordinates and the sampled rows."""
    with GATE.slot():
        return cluster.tsne(matrix)


@st.cache_data(max_entries=16, show_spinner=False)
def k_distance(matrix: pd.DataFrame, min_samples: int) -> tuple[np.ndarray, float]:
    """The DBSCAN k-distance curve and its knee."""
    with GATE.slot():
        return cluster.k_distance(matrix, min_samples)


def default_segments(matrix: pd.DataFrame) -> tuple[cluster.SweepResult, cluster.Segmentation]:
    """K-Means at the recommended k: the same cache entries the Cluster page's defaults read."""
    result = sweep(matrix, "kmeans", pipeline.K_MAX)
    return result, fit(matrix, "kmeans", frozen(resolve_params("kmeans", {"k": result.recommended_k})))


def sample_matrix() -> pd.DataFrame:
    """The feature matrix the Clean page makes of the bundled customer sample with its default recipe."""
    from core import samples, schema
    from core.cards import MASK_KEY
    from core.io import load_table

    path = samples.sample_path("card_portfolio")
    frame = load_table(path.read_bytes(), path.name, mask_key=MASK_KEY).frame
    table, roles, _ = pipeline.customer_table(frame, None, "customers", schema.understand(frame).roles)
    return pipeline.prepare(table, roles)[1].matrix


def warm_sample() -> None:
    """Fill the cache with the sample's default k sweep, segmentation, diagnostics and projection."""
    matrix = sample_matrix()
    _, segmentation = default_segments(matrix)
    diagnostics(matrix, segmentation.labels, segmentation.algorithm)
    pca(matrix, 2)
