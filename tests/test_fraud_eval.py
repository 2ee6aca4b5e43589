"""Evaluation against labels: every figure checked against values worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from core.errors import DataError
from core.fraud import evaluate


def test_hand_computed_figures():
    # Ranking: 1 0 1 0 0. AP = (1/1 + 2/3) / 2; ROC: 5 of 6 (fraud, genuine) pairs ordered right.
    result = evaluate([0.9, 0.8, 0.7, 0.6, 0.5], [1, 0, 1, 0, 0], budget=2)
    assert result.pr_auc == pytest.approx(5 / 6)
    assert result.roc_auc == pytest.approx(5 / 6)
    assert result.precision_at_budget == 0.5
    assert result.recall_at_budget == 0.5
    assert result.base_rate == 0.4
    assert (result.n, result.n_positive, result.budget) == (5, 2, 2)
    # Five rows cannot show skill: random orderings of them reach a PR-AUC of 1.0 often enough.
    assert result.chance_pr_auc == 1.0
    assert "no better than chance" in result.verdict


def test_a_skilful_score_gets_no_verdict():
    labels = np.r_[np.ones(10, dtype=int), np.zeros(990, dtype=int)]
    scores = np.r_[np.linspace(1.0, 0.9, 10), np.linspace(0.95, 0.0, 990)]
    result = evaluate(scores, labels, budget=10)
    assert result.verdict is None
    assert result.pr_auc > result.chance_pr_auc


def test_budget_of_three_catches_both_frauds():
    result = evaluate(np.array([0.9, 0.8, 0.7, 0.6, 0.5]), np.array([1, 0, 1, 0, 0]), budget=3)
    assert result.precision_at_budget == pytest.approx(2 / 3)
    assert result.recall_at_budget == 1.0


def test_budget_larger_than_the_data_is_clipped():
    result = evaluate([0.2, 0.1], [1, 0], budget=10)
    assert result.budget == 2
    assert result.precision_at_budget == 0.5


def test_curve_starts_at_full_recall_and_ends_at_full_precision():
    result = evaluate([0.9, 0.8, 0.7, 0.6, 0.5], [1, 0, 1, 0, 0], budget=2)
    curve = result.curve
    assert curve["recall"].iloc[0] == 1.0
    assert (curve["precision"].iloc[-1], curve["recall"].iloc[-1]) == (1.0, 0.0)
    assert curve["precision"].iloc[0] == pytest.approx(0.4)


def test_rows_with_missing_score_or_label_are_left_out():
    result = evaluate([0.9, np.nan, 0.7, 0.1], [1, 0, None, 0], budget=1)
    assert (result.n, result.n_positive, result.pr_auc) == (2, 1, 1.0)


def test_a_random_score_gets_a_plain_verdict():
    rng = np.random.default_rng(0)
    labels = (rng.random(5000) < 0.01).astype(int)
    result = evaluate(rng.random(5000), labels, budget=50)
    assert result.verdict is not None
    assert "no better than chance" in result.verdict
    assert result.pr_auc <= result.chance_pr_auc


def test_summary_lists_pr_auc_first():
    summary = evaluate([0.9, 0.8, 0.7, 0.6, 0.5], [1, 0, 1, 0, 0], budget=2).summary()
    assert summary["measure"].iloc[0].startswith("PR-AUC")
    assert summary["value"].iloc[0] == pytest.approx(5 / 6)


@pytest.mark.parametrize(
    ("labels", "message"),
    [([0, 0, 0], "only one kind"), ([1, 1, 1], "only one kind"), ([0, 2, 1], "0 \\(genuine\\) and 1")],
    ids=["all genuine", "all fraud", "not zero or one"],
)
def test_unusable_labels_are_a_data_error(labels, message):
    with pytest.raises(DataError, match=message):
        evaluate([0.1, 0.2, 0.3], labels, budget=1)


def test_lengths_must_match():
    with pytest.raises(DataError, match="different lengths"):
        evaluate([0.1, 0.2], [0, 1, 0], budget=1)


def test_permutation_pr_auc_matches_sklearn_with_ties():
    from sklearn.metrics import average_precision_score

    from core.fraud._evaluate import _permutation_test

    rng = np.random.default_rng(2)
    scores = np.round(rng.random(400), 1)  # eleven distinct values: many ties
    labels = (rng.random(400) < 0.1).astype(int)
    observed, _, _ = _permutation_test(scores, labels, permutations=10, random_state=0)
    assert observed == pytest.approx(average_precision_score(labels, scores))


def test_a_perfect_ranking_gets_the_smallest_p_value():
    labels = np.r_[np.ones(5, dtype=int), np.zeros(995, dtype=int)]
    result = evaluate(np.linspace(1, 0, 1000), labels, budget=5, permutations=999)
    assert result.p_value == pytest.approx(1 / 1000)
    assert result.better_than_chance
    assert "p = 0.001" in result.lines()[2] and ": better than chance." in result.lines()[2]


def test_the_verdict_is_wrong_about_one_time_in_twenty_on_labels_without_signal():
    """The test's own calibration: random labels look skilful in about 5% of draws, not more."""
    rng = np.random.default_rng(7)
    scores = rng.random(2000)
    p_values = [
        evaluate(scores, (rng.random(2000) < 0.02).astype(int), budget=40, permutations=400, random_state=i).p_value
        for i in range(120)
    ]
    assert 0.0 < np.mean(np.array(p_values) < 0.05) <= 0.12
    assert 0.35 < np.mean(p_values) < 0.65
