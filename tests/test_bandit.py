"""The Beta-Bernoulli Thompson-sampling learner and its simulation."""

from __future__ import annotations

import pandas as pd
import pytest

from core.errors import DataError
from core.recommend._bandit import ThompsonLearner, simulate

TRUE_RATES = {"cashback": 0.05, "travel": 0.10, "instalments": 0.20, "alerts": 0.30}


def prior() -> pd.DataFrame:
    return pd.DataFrame({"segment": [0, 0, 1], "offer_id": ["a", "b", "a"], "prior": [0.2, 0.1, 0.5]})


def test_prior_is_worth_prior_strength_pseudo_observations():
    arms = ThompsonLearner.from_prior(prior(), prior_strength=10).arms
    assert arms["alpha"].tolist() == pytest.approx([2.0, 1.0, 5.0])
    assert arms["beta"].tolist() == pytest.approx([8.0, 9.0, 5.0])


def test_update_counts_outcomes_per_segment_and_offer_and_ignores_unknown_arms():
    learner = ThompsonLearner.from_prior(prior(), prior_strength=10)
    outcomes = pd.DataFrame(
        {"segment": [0, 0, 0, 1, 7], "offer_id": ["b", "b", "b", "a", "a"], "outcome": [1, 1, 0, 0, 1]}
    )
    updated = learner.update(outcomes)
    post = updated.posterior(0.9).set_index(["segment", "offer_id"])
    assert post.loc[(0, "b"), ["accepted", "declined"]].tolist() == [2, 1]
    assert post.loc[(0, "b"), "mean"] == pytest.approx(3 / 13)
    assert post.loc[(1, "a"), "mean"] == pytest.approx(5 / 11)
    assert post.loc[(0, "a"), "mean"] == pytest.approx(0.2)
    assert (post["low"] < post["mean"]).all() and (post["mean"] < post["high"]).all()
    assert learner.arms["accepted"].sum() == 0, "update returns a new learner"


def test_mean_ranking_moves_an_offer_up_after_acceptances():
    learner = ThompsonLearner.from_prior(prior(), prior_strength=10)
    before = learner.rank().query("segment == 0")["offer_id"].tolist()
    after = learner.update(pd.DataFrame({"segment": [0] * 4, "offer_id": ["b"] * 4, "outcome": [1] * 4}))
    assert before == ["a", "b"]
    assert after.rank().query("segment == 0")["offer_id"].tolist() == ["b", "a"]


def test_thompson_ranking_is_reproducible_with_random_state():
    learner = ThompsonLearner.from_prior(prior())
    first = learner.rank(method="thompson", random_state=3)
    pd.testing.assert_frame_equal(first, learner.rank(method="thompson", random_state=3))
    with pytest.raises(DataError, match="ranking method"):
        learner.rank(method="best")


def test_simulation_learns_the_best_offer():
    run = simulate(TRUE_RATES, 2000, random_state=0)
    assert list(run.columns) == ["round", "chosen", "reward", "regret", "cumulative_regret"]
    last_fifth = run["chosen"].tail(400)
    assert (last_fifth == "alerts").mean() >= 0.9
    half = len(run) // 2
    assert run["regret"].iloc[half:].sum() < run["regret"].iloc[:half].sum(), "regret grows sublinearly"
    assert run["cumulative_regret"].is_monotonic_increasing


def test_simulation_with_an_informative_prior_regrets_less_early():
    informed = simulate(TRUE_RATES, 300, prior={**TRUE_RATES}, prior_strength=50, random_state=1)
    flat = simulate(TRUE_RATES, 300, random_state=1)
    assert informed["cumulative_regret"].iloc[-1] < flat["cumulative_regret"].iloc[-1]


@pytest.mark.parametrize(
    ("rates", "rounds"), [({"a": 1.5}, 10), ({}, 10), ({"a": 0.5}, 0)], ids=["rate above one", "no offers", "no rounds"]
)
def test_simulation_refuses_bad_input(rates, rounds):
    with pytest.raises(DataError):
        simulate(rates, rounds)
