"""Segmentation: the algorithm registry, fit and assign, evaluation, the k sweep, stability and projections.

:func:`fit` runs an algorithm of :data:`ALGORITHMS` (``_registry``, fitted by ``_algorithms``); :func:`assign`
places new customers. ``_evaluate`` scores a segmentation and sweeps k, ``_stability`` refits on bootstrap
samples, ``_embed`` projects for charts (PCA, t-SNE, MDS on Gower distances) and ``_neighbours`` gives the
k-distance curve.
``_mixed`` compares customers on numeric and categorical features together (Gower K-Medoids, k-prototypes).
"""

from __future__ import annotations

from core.cluster._embed import MDS_SAMPLE, Projection, gower_mds, pca, tsne
from core.cluster._evaluate import (
    CRITERIA,
    SweepResult,
    compare,
    segmentation_metrics,
    silhouette_per_customer,
    sweep_k,
)
from core.cluster._fit import Segmentation, assign, cut_height, fit
from core.cluster._mixed import MixedSpace, categorical_features, gower_distances
from core.cluster._neighbours import k_distance
from core.cluster._registry import ALGORITHMS, AlgorithmSpec, ParamSpec, resolve_params
from core.cluster._stability import HENNIG_BANDS, stability
from core.cluster._stability import SAMPLE_SIZE as STABILITY_SAMPLE

__all__ = [
    "ALGORITHMS",
    "CRITERIA",
    "HENNIG_BANDS",
    "MDS_SAMPLE",
    "STABILITY_SAMPLE",
    "AlgorithmSpec",
    "MixedSpace",
    "ParamSpec",
    "Projection",
    "Segmentation",
    "SweepResult",
    "assign",
    "categorical_features",
    "compare",
    "cut_height",
    "fit",
    "gower_distances",
    "gower_mds",
    "k_distance",
    "pca",
    "resolve_params",
    "segmentation_metrics",
    "silhouette_per_customer",
    "stability",
    "sweep_k",
    "tsne",
]
