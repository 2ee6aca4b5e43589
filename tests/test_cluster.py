"""core.cluster: the registry, fit on known answers, deterministic size-ordered ids, assign, refusals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from core.cluster._fit import ALGORITHMS, assign, fit, resolve_params, size_order
from core.errors import DataError


@pytest.fixture(scope="module")
def blobs():
    values, truth = make_blobs(n_samples=600, n_features=5, centers=4, cluster_std=0.6, random_state=3)
    return pd.DataFrame(values, columns=[f"f{i}" for i in range(5)]), truth


@pytest.fixture(scope="module")
def cc_matrix(cc_general_path):
    from core.clean import apply_recipe, default_recipe
    from core.schema import infer_roles

    frame = pd.read_csv(cc_general_path)
    roles = infer_roles(frame)
    return apply_recipe(frame, default_recipe(frame, roles), roles).matrix


def test_every_algorithm_has_specs_with_defaults_and_help():
    assert set(ALGORITHMS) == {
        *("kmeans", "kmedoids", "gmm", "hierarchical", "dbscan", "hdbscan"),
        *("gower-kmedoids", "kprototypes"),
    }
    for spec in ALGORITHMS.values():
        assert spec.label and spec.description
        for param in spec.params:
            assert param.help, (spec.key, param.name)
            if param.kind == "choice":
                assert param.default in param.choices
            elif param.kind in ("int", "float"):
                assert param.min <= param.default <= param.max
    assert resolve_params("kmeans", {"k": 3}) == {"k": 3, "init": "k-means++", "n_init": 4}


@pytest.mark.parametrize(
    "params, message",
    [
        ({"k": 1}, "between 2"),
        ({"k": 2.5}, "whole number"),
        ({"init": "bogus"}, "must be one of"),
        ({"colour": 3}, "no setting colour"),
    ],
    ids=["k below two", "fractional k", "unknown choice", "unknown setting"],
)
def test_bad_parameters_are_refused_with_guidance(params, message):
    with pytest.raises(DataError, match=message):
        resolve_params("kmeans", params)


def test_ward_with_a_non_euclidean_metric_is_refused(blobs):
    with pytest.raises(DataError, match="Ward linkage works only with euclidean"):
        fit(blobs[0], "hierarchical", {"linkage": "ward", "metric": "manhattan"})


@pytest.mark.parametrize(
    "algorithm, params",
    [
        ("kmeans", {"k": 4}),
        ("kmedoids", {"k": 4}),
        ("gmm", {"k": 4}),
        ("hierarchical", {"k": 4, "linkage": "ward"}),
    ],
    ids=["k-means", "k-medoids", "mixture", "ward"],
)
def test_well_separated_blobs_are_recovered(blobs, algorithm, params):
    matrix, truth = blobs
    seg = fit(matrix, algorithm, params)
    assert adjusted_rand_score(truth, seg.labels) >= 0.95
    assert seg.n_segments == 4
    assert seg.centres.shape == (4, 5)
    assert seg.feature_names == tuple(matrix.columns)
    assert ((seg.confidence >= 0) & (seg.confidence <= 1)).all()
    assert seg.confidence.mean() > 0.5


def test_dbscan_leaves_planted_outliers_as_noise(blobs):
    matrix, truth = blobs
    outliers = pd.DataFrame(np.full((5, 5), 40.0) + np.arange(5)[:, None] * 7, columns=matrix.columns)
    data = pd.concat([matrix, outliers], ignore_index=True)
    seg = fit(data, "dbscan", {"eps": 1.5, "min_samples": 5})
    assert (seg.labels[-5:] == -1).all()
    assert adjusted_rand_score(truth, seg.labels[:-5]) >= 0.95
    assert (seg.confidence[-5:] == 0).all()


def test_hdbscan_finds_the_blobs(blobs):
    matrix, truth = blobs
    seg = fit(matrix, "hdbscan", {"min_cluster_size": 30})
    kept = seg.labels >= 0
    assert seg.n_segments == 4
    assert adjusted_rand_score(truth[kept], seg.labels[kept]) >= 0.95


def test_dbscan_that_finds_one_group_suggests_an_eps(blobs):
    with pytest.raises(DataError, match=r"in one group.*try eps near [0-9.]+, the knee of the k-distance curve"):
        fit(blobs[0], "dbscan", {"eps": 50.0, "min_samples": 5})
    with pytest.raises(DataError, match="in noise"):
        fit(blobs[0], "dbscan", {"eps": 0.01, "min_samples": 5})


def test_ids_are_ordered_by_size_then_first_member():
    assert size_order(np.array([2, 0, 0, 1, 1, 1, 2])).tolist() == [2, 0, 1]
    matrix = np.array([[0.0], [0.1], [10.0], [10.1], [10.2], [20.0], [20.1]])
    seg = fit(matrix, "kmeans", {"k": 3})
    assert seg.labels.tolist() == [1, 1, 0, 0, 0, 2, 2]
    np.testing.assert_allclose(seg.centres[:, 0], [10.1, 0.05, 20.05])
    assert seg.sizes().to_dict() == {0: 3, 1: 2, 2: 2}


@pytest.mark.parametrize("algorithm", sorted(ALGORITHMS))
def test_same_input_gives_identical_labels(blobs, algorithm):
    params = {"min_cluster_size": 30} if algorithm == "hdbscan" else None
    first = fit(blobs[0], algorithm, params)
    second = fit(blobs[0].copy(), algorithm, params)
    np.testing.assert_array_equal(first.labels, second.labels)
    assert first.params == second.params


def test_fit_does_not_change_its_input(blobs):
    matrix = blobs[0].copy()
    fit(matrix, "kmeans", {"k": 3})
    pd.testing.assert_frame_equal(matrix, blobs[0])


@pytest.mark.parametrize("algorithm", ["kmeans", "kmedoids", "gmm", "hierarchical", "dbscan", "hdbscan"])
def test_assign_puts_new_customers_in_their_blob(blobs, algorithm):
    matrix, _ = blobs
    params = {"min_cluster_size": 30} if algorithm == "hdbscan" else None
    seg = fit(matrix.iloc[:500], algorithm, params)
    new = matrix.iloc[500:]
    placed = assign(seg, new[list(reversed(new.columns))])  # column order may differ in a DataFrame
    kept = placed >= 0
    assert kept.mean() > 0.9
    reference = fit(matrix, "kmeans", {"k": 4}).labels[500:]
    assert adjusted_rand_score(reference[kept], placed[kept]) >= 0.95
    assert placed.dtype == np.int64


def test_assign_refuses_other_features(blobs):
    seg = fit(blobs[0], "kmeans", {"k": 4})
    with pytest.raises(DataError, match="lack the feature"):
        assign(seg, blobs[0].drop(columns="f1"))
    with pytest.raises(DataError, match="built on 5"):
        assign(seg, np.zeros((3, 4)))


def test_fewer_customers_than_segments_is_refused():
    with pytest.raises(DataError, match="only 3 customers, fewer than the 5 segments"):
        fit(np.array([[0.0], [1.0], [2.0]]), "kmeans", {"k": 5})


def test_constant_or_missing_features_are_refused():
    with pytest.raises(DataError, match="same value for all customers"):
        fit(np.ones((10, 3)), "kmeans", {"k": 2})
    with pytest.raises(DataError, match="missing or infinite"):
        fit(np.array([[0.0, np.nan], [1.0, 2.0], [3.0, 4.0]]), "kmeans", {"k": 2})


def test_mixture_gives_probabilities_and_assign_matches_its_labels(blobs):
    seg = fit(blobs[0], "gmm", {"k": 4, "covariance_type": "diag"})
    assert seg.confidence.min() >= 0.25 and seg.confidence.max() <= 1.0
    np.testing.assert_array_equal(assign(seg, blobs[0]), seg.labels)


def test_hierarchical_cut_by_distance_guides_the_user(blobs):
    seg = fit(blobs[0], "hierarchical", {"cut": "distance", "distance_threshold": 30.0})
    assert seg.n_segments == 4
    with pytest.raises(DataError, match="choose a cut between"):
        fit(blobs[0], "hierarchical", {"cut": "distance", "distance_threshold": 0.001})


@pytest.mark.parametrize("algorithm", ["kmedoids", "hierarchical", "hdbscan", "dbscan"])
def test_big_tables_are_sampled_and_say_so(monkeypatch, algorithm):
    from core.cluster import _registry as cluster_registry

    for name, value in [
        ("KMEDOIDS_FULL_MAX", 300),
        ("KMEDOIDS_SAMPLE", 200),
        ("KMEDOIDS_EVAL", 500),
        ("HIERARCHICAL_FULL_MAX", 300),
        ("HDBSCAN_FULL_MAX", 300),
        ("DBSCAN_MAX_PAIRS", 20_000),
        ("DBSCAN_MIN_SAMPLE", 200),
    ]:
        monkeypatch.setattr(cluster_registry, name, value)
    values, truth = make_blobs(n_samples=1_000, n_features=3, centers=3, cluster_std=0.5, random_state=0)
    params = {"min_cluster_size": 20} if algorithm == "hdbscan" else {"eps": 1.0} if algorithm == "dbscan" else {"k": 3}
    seg = fit(values, algorithm, params)
    assert any("sample" in note for note in seg.notes)
    assert len(seg.labels) == 1_000
    kept = seg.labels >= 0
    assert kept.mean() > 0.9
    assert adjusted_rand_score(truth[kept], seg.labels[kept]) >= 0.95


@pytest.mark.parametrize("algorithm", sorted(ALGORITHMS))
def test_every_algorithm_runs_on_cc_general_after_the_default_recipe(cc_matrix, algorithm):
    params = {"eps": 2.5, "min_samples": 10} if algorithm == "dbscan" else None
    seg = fit(cc_matrix, algorithm, params)
    assert len(seg.labels) == len(cc_matrix)
    assert seg.n_segments >= 2
    assert set(np.unique(seg.labels)) <= set(range(-1, seg.n_segments))
    assert seg.centres.shape == (seg.n_segments, cc_matrix.shape[1])
