"""core.cluster (evaluate, stability): the k sweep's votes, metrics, comparison, k-distance, bootstrap stability."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs

from core.cluster import fit
from core.cluster._evaluate import (
    compare,
    elbow_k,
    k_distance,
    recommend,
    segmentation_metrics,
    silhouette_per_customer,
    stability,
    stability_band,
    sweep_k,
)
from core.errors import DataError


@pytest.fixture(scope="module")
def blobs():
    values, truth = make_blobs(n_samples=500, n_features=4, centers=3, cluster_std=0.7, random_state=7)
    return values, truth


def _alllife_matrix():
    from core.clean import apply_recipe, default_recipe
    from core.samples import generate_alllife
    from core.schema import infer_roles

    frame = generate_alllife(660, random_state=0)
    roles = infer_roles(frame)
    return apply_recipe(frame, default_recipe(frame, roles), roles).matrix


def test_sweep_on_blobs_recommends_the_planted_k(blobs):
    result = sweep_k(blobs[0], k_range=range(2, 7))
    assert list(result.table.columns) == ["k", "silhouette", "calinski_harabasz", "davies_bouldin", "inertia", "bic"]
    assert result.table["k"].tolist() == [2, 3, 4, 5, 6]
    assert result.recommended_k == 3
    assert result.agree
    assert result.votes == {k: 3 for k in ("silhouette", "calinski_harabasz", "davies_bouldin", "elbow", "bic")}
    assert result.sentence.startswith("All 5 criteria pick k = 3")


def test_every_criterion_agrees_on_three_for_alllife_like_customers():
    result = sweep_k(_alllife_matrix())
    assert result.recommended_k == 3
    assert result.agree, result.sentence


def test_the_sentence_is_honest_when_criteria_disagree():
    votes = {"silhouette": 3, "calinski_harabasz": 3, "davies_bouldin": 3, "bic": 10}
    assert recommend(votes) == (
        3,
        "3 of 4 criteria pick k = 3: silhouette, Calinski-Harabasz and Davies-Bouldin; BIC prefers k = 10.",
        False,
    )
    k, sentence, agree = recommend(
        {"silhouette": 2, "calinski_harabasz": 2, "davies_bouldin": 4, "elbow": 5, "bic": 10}
    )
    assert (k, agree) == (2, False)
    assert "The criteria disagree" in sentence
    assert "Davies-Bouldin prefers k = 4" in sentence


def test_ties_go_to_the_k_silhouette_prefers():
    assert recommend({"silhouette": 5, "calinski_harabasz": 2, "bic": 5, "elbow": 2})[0] == 5


def test_elbow_is_where_the_fall_slows_most():
    assert elbow_k([2, 3, 4, 5, 6], [100.0, 40.0, 30.0, 25.0, 22.0]) == 3
    assert elbow_k([2, 3, 4, 5, 6], [100.0, 90.0, 30.0, 25.0, 22.0]) == 4


def test_sweep_refuses_what_it_cannot_do(blobs):
    with pytest.raises(DataError, match="finds the number of segments itself"):
        sweep_k(blobs[0], "dbscan")
    with pytest.raises(DataError, match="from 2 upwards"):
        sweep_k(blobs[0], k_range=[1, 2])
    with pytest.raises(DataError, match="sweep k up to at most 4"):
        sweep_k(blobs[0][:5], k_range=range(2, 8))


def test_hierarchical_sweep_builds_one_tree(blobs):
    result = sweep_k(blobs[0], "hierarchical", k_range=range(2, 6))
    assert result.recommended_k == 3


def test_metrics_of_a_good_partition(blobs):
    metrics = segmentation_metrics(blobs[0], blobs[1])
    assert metrics["segments"] == 3
    assert metrics["noise_share"] == 0.0
    assert metrics["silhouette"] > 0.6
    assert metrics["davies_bouldin"] < 0.6
    assert metrics["smallest_share"] + metrics["largest_share"] <= 1.0


def test_metrics_leave_noise_out_and_survive_a_single_segment():
    values = np.array([[0.0], [0.1], [5.0], [5.1], [50.0]])
    metrics = segmentation_metrics(values, np.array([0, 0, 1, 1, -1]))
    assert metrics["noise_share"] == pytest.approx(0.2)
    assert metrics["segments"] == 2
    single = segmentation_metrics(values, np.zeros(5, dtype=int))
    assert np.isnan(single["silhouette"]) and single["segments"] == 1


def test_silhouette_per_customer_on_a_sample(blobs):
    frame = silhouette_per_customer(blobs[0], blobs[1], sample_size=200)
    assert list(frame.columns) == ["row", "segment", "silhouette"]
    assert len(frame) == 200
    assert frame["silhouette"].between(-1, 1).all()
    first = frame[frame["segment"] == 0]["silhouette"]
    assert first.is_monotonic_decreasing


def test_compare_gives_metrics_and_adjusted_rand(blobs):
    a = fit(blobs[0], "kmeans", {"k": 3})
    b = fit(blobs[0], "gmm", {"k": 3})
    c = fit(blobs[0], "kmeans", {"k": 5})
    metrics, ari = compare(blobs[0], {"K-Means": a, "Mixture": b, "K-Means k=5": c})
    assert list(metrics.index) == ["K-Means", "Mixture", "K-Means k=5"]
    assert metrics.loc["K-Means", "segments"] == 3
    assert ari.loc["K-Means", "K-Means"] == 1.0
    assert ari.loc["K-Means", "Mixture"] > 0.95
    assert ari.loc["K-Means", "K-Means k=5"] < 0.95
    pd.testing.assert_frame_equal(ari, ari.T)


def test_k_distance_suggests_an_eps_between_and_beyond_blobs(blobs):
    distances, eps = k_distance(blobs[0], 5)
    assert len(distances) == 500
    assert np.all(np.diff(distances) >= 0)
    assert distances[0] < eps < distances[-1]
    sampled, _ = k_distance(blobs[0], 5, sample_size=100)
    assert len(sampled) == 100


def test_hennig_bands():
    assert [stability_band(j) for j in (0.85, 0.84, 0.75, 0.6, 0.59)] == [
        "highly stable",
        "stable",
        "stable",
        "a pattern only",
        "do not act on it",
    ]


def test_stability_is_high_on_blobs_and_low_on_uniform_noise(blobs):
    seg = fit(blobs[0], "kmeans", {"k": 3})
    steady = stability(blobs[0], seg, n_boot=8)
    assert list(steady.columns) == ["segment", "jaccard", "band"]
    assert steady["segment"].tolist() == [0, 1, 2]
    assert (steady["jaccard"] >= 0.95).all()
    assert (steady["band"] == "highly stable").all()
    noise = np.random.default_rng(0).uniform(size=(400, 6))
    shaky = stability(noise, fit(noise, "kmeans", {"k": 6}), n_boot=8)
    assert shaky["jaccard"].mean() < 0.75


def test_stability_reports_progress_and_is_deterministic(blobs):
    seg = fit(blobs[0], "kmeans", {"k": 3})
    seen = []
    first = stability(blobs[0], seg, n_boot=3, progress=seen.append)
    assert seen == pytest.approx([1 / 3, 2 / 3, 1.0])
    pd.testing.assert_frame_equal(first, stability(blobs[0], seg, n_boot=3))


def test_stability_refuses_a_segmentation_of_other_data(blobs):
    seg = fit(blobs[0], "kmeans", {"k": 3})
    with pytest.raises(DataError, match="other data"):
        stability(blobs[0][:100], seg)


def test_diagnose_computes_the_silhouette_once_and_agrees_with_sklearn(blobs, monkeypatch):
    from sklearn.metrics import silhouette_score

    from core import pipeline
    from core.cluster import _evaluate

    matrix, _ = blobs
    labels = fit(matrix, "kmeans", {"k": 3}).labels
    passes = []
    for name in ("silhouette_samples", "silhouette_score"):
        original = getattr(_evaluate, name)
        counted = lambda *a, original=original, **k: passes.append(1) or original(*a, **k)  # noqa: E731
        monkeypatch.setattr(_evaluate, name, counted)
    metrics, silhouettes = pipeline.diagnose(matrix, labels, sample_size=200)
    assert len(passes) == 1, "one O(n^2) pass serves the figure and the number"
    values = np.asarray(matrix)[silhouettes["row"]]
    expected = silhouette_score(values, labels[silhouettes["row"]])
    assert metrics["silhouette"] == pytest.approx(expected)
    assert metrics["silhouette"] == pytest.approx(silhouettes["silhouette"].mean())
    assert metrics["segments"] == 3 and metrics["calinski_harabasz"] > 0
