"""Figures that stay readable: the correlation view on many features, titles short enough to fit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.charts import clean as clean_charts
from core.charts import cluster as cluster_charts


def _features(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    base = rng.normal(size=(300, 1))
    return pd.DataFrame(rng.normal(size=(300, n)) + base * np.linspace(0, 2, n), columns=[f"F{i}" for i in range(n)])


@pytest.mark.parametrize(("n_features", "kind"), [(5, "heatmap"), (12, "heatmap"), (23, "bar")], ids=str)
def test_many_features_show_the_top_correlated_pairs_instead_of_a_grid(n_features, kind):
    figure = clean_charts.correlation_chart(_features(n_features).corr())
    assert figure.data[0].type == kind
    if kind == "bar":
        assert len(figure.data[0].y) == 15
        strongest = clean_charts.top_correlated_pairs(_features(n_features).corr(), 1)
        assert figure.data[0].y[-1] == f"{strongest['first'][0]} and {strongest['second'][0]}"  # drawn on top


def test_cluster_chart_titles_fit_a_half_width_chart():
    labels = np.repeat([0, 1, 2], 50)
    names = {0: "Revolvers", 1: "Transactors", 2: "Dormant"}
    silhouettes = pd.DataFrame({"segment": labels, "silhouette": np.linspace(-0.1, 0.8, 150)})
    stability = pd.DataFrame({"segment": [0, 1, 2], "jaccard": [0.9, 0.7, 0.5], "band": ["a", "b", "c"]})
    sweep = pd.DataFrame({"k": [2, 3], "silhouette": [0.2, 0.3], "davies_bouldin": [1.2, 1.1]})
    figures = [
        cluster_charts.silhouette_chart(silhouettes, names),
        cluster_charts.sizes_chart(labels, names),
        cluster_charts.stability_chart(stability, names),
        cluster_charts.criteria_chart(sweep, 3),
        cluster_charts.k_distance_chart(np.linspace(0, 2, 50), 1.0, 1.2),
    ]
    for figure in figures:
        assert len(figure.layout.title.text) <= 55, figure.layout.title.text
