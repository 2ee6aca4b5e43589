"""Large tables: the k sweep and the Gaussian mixture fit on seeded samples above a threshold, say so, and agree
with the whole-table computation; below the threshold nothing changes.

The thresholds are lowered with the functions' own parameters (or module constants) so that a few thousand
planted customers stand in for a million.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from core.cluster import _algorithms
from core.cluster._evaluate import sweep_k
from core.cluster._fit import fit


@pytest.fixture(scope="module")
def planted():
    """6,000 customers in four well-separated groups of different sizes."""
    values, truth = make_blobs(
        n_samples=[2_400, 1_800, 1_200, 600], n_features=6, cluster_std=0.8, center_box=(-12, 12), random_state=7
    )
    return values, truth


@pytest.mark.slow
def test_the_sweep_on_a_sample_reports_it_and_picks_the_planted_k(planted):
    values, _ = planted
    whole = sweep_k(values, k_range=range(2, 7))
    sampled = sweep_k(values, k_range=range(2, 7), fit_sample=2_000, fit_sample_above=5_000)
    assert whole.recommended_k == sampled.recommended_k == 4
    assert whole.sampled_rows is None and whole.sample_sentence == "" and whole.total_rows == 6_000
    assert sampled.sampled_rows == 2_000 and sampled.total_rows == 6_000
    assert "seeded sample of 2,000 of the 6,000 customers" in sampled.sample_sentence
    assert sampled.notes[0] == sampled.sample_sentence


@pytest.mark.slow
def test_the_sampled_sweep_is_deterministic_with_its_seed(planted):
    values, _ = planted
    first = sweep_k(values, k_range=range(2, 6), fit_sample=1_500, fit_sample_above=5_000, random_state=3)
    again = sweep_k(values, k_range=range(2, 6), fit_sample=1_500, fit_sample_above=5_000, random_state=3)
    other = sweep_k(values, k_range=range(2, 6), fit_sample=1_500, fit_sample_above=5_000, random_state=4)
    assert first.table.equals(again.table) and first.votes == again.votes
    assert not first.table["inertia"].equals(other.table["inertia"])


@pytest.mark.slow
def test_a_table_under_the_threshold_is_swept_whole_as_before(planted):
    values, _ = planted
    default = sweep_k(values, k_range=range(2, 5))
    explicit = sweep_k(values, k_range=range(2, 5), fit_sample=2_000, fit_sample_above=6_000)
    assert default.table.equals(explicit.table) and default.sampled_rows is None


@pytest.mark.slow
def test_the_segmentation_of_the_sampled_sweeps_k_matches_the_whole_sweeps(planted):
    values, _ = planted
    whole = fit(values, "kmeans", {"k": sweep_k(values, k_range=range(2, 7)).recommended_k})
    k = sweep_k(values, k_range=range(2, 7), fit_sample=2_000, fit_sample_above=5_000).recommended_k
    assert adjusted_rand_score(whole.labels, fit(values, "kmeans", {"k": k}).labels) >= 0.9


def test_a_mixture_on_a_large_table_is_fitted_on_a_sample_and_agrees_with_the_whole_fit(planted, monkeypatch):
    values, truth = planted
    whole = fit(values, "gmm", {"k": 4})
    assert whole.sampled_rows is None and not any("seeded sample" in note for note in whole.notes)
    monkeypatch.setattr(_algorithms, "GMM_SAMPLE", 2_000)
    sampled = fit(values, "gmm", {"k": 4})
    again = fit(values, "gmm", {"k": 4})
    assert sampled.sampled_rows == 2_000
    assert any("seeded sample of 2,000 of the 6,000 customers" in note for note in sampled.notes)
    assert np.array_equal(sampled.labels, again.labels)
    assert len(sampled.labels) == len(values) and sampled.confidence.shape == (len(values),)
    assert adjusted_rand_score(whole.labels, sampled.labels) >= 0.9
    assert adjusted_rand_score(truth, sampled.labels) >= 0.9


def test_k_means_on_a_large_table_restarts_on_a_sample_refines_on_everyone_and_says_so(planted, monkeypatch):
    values, truth = planted
    whole = fit(values, "kmeans", {"k": 4})
    assert not any("seeded sample" in note for note in whole.notes)
    monkeypatch.setattr(_algorithms, "KMEANS_SAMPLE", 6_000)  # at the threshold: fitted whole, exactly as before
    at_threshold = fit(values, "kmeans", {"k": 4})
    assert np.array_equal(at_threshold.labels, whole.labels) and np.array_equal(at_threshold.centres, whole.centres)
    monkeypatch.setattr(_algorithms, "KMEANS_SAMPLE", 1_500)
    sampled = fit(values, "kmeans", {"k": 4})
    again = fit(values, "kmeans", {"k": 4})
    assert any("seeded sample of 1,500 customers" in note and "all 6,000" in note for note in sampled.notes)
    assert np.array_equal(sampled.labels, again.labels)
    assert len(sampled.labels) == len(values) and sampled.confidence.shape == (len(values),)
    # refined on everyone: each customer is in the segment of its nearest centre
    nearest = ((values[:, None, :] - sampled.centres[None]) ** 2).sum(axis=2).argmin(axis=1)
    assert np.array_equal(nearest, sampled.labels)
    assert adjusted_rand_score(whole.labels, sampled.labels) >= 0.99
    assert adjusted_rand_score(truth, sampled.labels) >= 0.9


def test_profiles_of_a_large_table_test_on_a_sample_and_say_so(planted):
    import pandas as pd

    from core.profiles import profile_segments

    values, truth = planted
    table = pd.DataFrame(values, columns=[f"f{i}" for i in range(values.shape[1])])
    whole = profile_segments(table, truth, list(table.columns))
    sampled = profile_segments(table, truth, list(table.columns), test_sample=3_000)
    again = profile_segments(table, truth, list(table.columns), test_sample=3_000)
    assert whole.test_rows is None and whole.notes == ()
    assert sampled.test_rows == 3_000
    assert "seeded sample of 3,000 of the 6,000 customers" in sampled.notes[0]
    pd.testing.assert_frame_equal(sampled.tests, again.tests)
    pd.testing.assert_frame_equal(sampled.means, whole.means)  # everything but the tests uses everyone
    pd.testing.assert_frame_equal(sampled.medians, whole.medians)
    assert sampled.highlights == whole.highlights
    ordered = sampled.tests["eta_squared"].reindex(whole.tests.index)
    assert np.allclose(ordered, whole.tests["eta_squared"], atol=0.03)
    assert (sampled.tests["kruskal_p"] < 1e-6).sum() == (whole.tests["kruskal_p"] < 1e-6).sum()


def test_customer_anomalies_above_the_threshold_leave_out_lof_and_explain_the_top_customers(monkeypatch):
    import pandas as pd

    import core.fraud._customers as fraud_customers
    from core.fraud import score_customers

    rng = np.random.default_rng(0)
    table = pd.DataFrame(
        {"CASH_ADVANCE": rng.gamma(2.0, 500.0, 3_000), "PURCHASES": rng.gamma(2.0, 900.0, 3_000)},
        index=pd.Index(np.arange(3_000) + 100, name="row"),
    )
    table.loc[table.index[7], "CASH_ADVANCE"] = 90_000.0
    matrix = (table - table.mean()) / table.std()
    labels = (matrix["PURCHASES"] > 0).to_numpy().astype("int64")
    centres = np.vstack([matrix[labels == s].mean().to_numpy() for s in (0, 1)])
    whole = score_customers(table, matrix, labels, centres, budget=5)
    assert whole["score_local_outlier_factor"].notna().all()
    monkeypatch.setattr(fraud_customers, "LOF_MAX_ROWS", 1_000)
    monkeypatch.setattr(fraud_customers, "REASONS_TOP", 40)
    large = score_customers(table, matrix, labels, centres, budget=5)
    again = score_customers(table, matrix, labels, centres, budget=5)
    pd.testing.assert_frame_equal(large, again)
    assert large["score_local_outlier_factor"].isna().all()
    assert any("Local Outlier Factor was left out for these 3,000 customers" in n for n in large.attrs["notes"])
    assert any("Reasons in words are given for the 40 most unusual" in n for n in large.attrs["notes"])
    assert large.loc[table.index[7], "flagged"] and "cash advance" in large.loc[table.index[7], "reasons"]
    explained = large["anomaly_rank"] <= 40
    assert (large.loc[~explained, "reasons"] == "").all()
    pd.testing.assert_series_equal(large.loc[explained, "reasons"], whole.loc[explained, "reasons"])
    # the three detectors left are the same, so the alerts mostly agree with the four-detector score
    assert len(set(large.index[large["flagged"]]) & set(whole.index[whole["flagged"]])) >= 3


@pytest.mark.parametrize("spec", [".0%", ",.0f", ".0f", ".1f", ".2f", ""])
def test_offer_reasons_format_numbers_exactly_as_format_does_value_by_value(spec):
    from core.recommend._scores import _formatted

    rng = np.random.default_rng(1)
    ties = [-0.0, 0.0, -0.001, 0.004999, 0.005, 0.015, 0.025, 0.125, 2.5, 3.5, -2.5, 1234.5, np.inf, -np.inf]
    values = np.concatenate([rng.normal(0, 1, 5_000), np.arange(-3, 3, 0.005), rng.lognormal(5, 3, 5_000), ties])
    expected = np.array([("{:" + spec + "}").format(v) for v in values.tolist()], dtype=object)
    assert (_formatted(values, spec) == expected).all()


def test_offer_fit_percentiles_equal_pandas_ranks():
    import pandas as pd

    from core.recommend._scores import _percentiles

    rng = np.random.default_rng(2)
    for values in (
        rng.normal(size=5_000),
        np.round(rng.normal(size=5_000), 1),
        np.r_[rng.integers(0, 5, 500).astype(float), [np.nan] * 3, [-0.0, 0.0, np.inf, -np.inf]],
        np.array([np.nan, np.nan]),
    ):
        assert np.array_equal(_percentiles(values), pd.Series(values).rank(pct=True).to_numpy(), equal_nan=True)
