"""A Beta-Bernoulli Thompson-sampling learner per segment x offer, and a simulation that shows it learn.

Each (segment, offer) arm starts from the rule-based acceptance rate as a Beta prior worth
``prior_strength`` pseudo-observations: ``alpha = prior * strength``, ``beta = (1 - prior) * strength``.
Every accepted offer adds one to ``alpha``, every declined one adds one to ``beta``. Rankings use the
posterior mean (stable, for display) or one Thompson draw per arm (exploration, for choosing what to try).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from core.errors import DataError

__all__ = ["ThompsonLearner", "simulate"]

_ARM = ["segment", "offer_id"]
_RATE_FLOOR = 1e-3  # keeps Beta parameters positive when a prior rate is 0 or 1


@dataclass(frozen=True)
class ThompsonLearner:
    """Beta posteriors for every (segment, offer) arm. Immutable: :meth:`update` returns a new learner.

    Attributes
    ----------
    arms : pandas.DataFrame
        Columns ``segment`` (int), ``offer_id`` (str), ``prior`` (rule-based rate), ``accepted`` and
        ``declined`` (outcome counts so far), ``alpha``, ``beta`` (posterior parameters).
    prior_strength : float
        Pseudo-observations the prior is worth.
    """

    arms: pd.DataFrame
    prior_strength: float = 10.0

    @classmethod
    def from_prior(cls, prior: pd.DataFrame, *, prior_strength: float = 10.0) -> ThompsonLearner:
        """Start a learner from rule-based rates.

        Parameters
        ----------
        prior : pandas.DataFrame
            Columns ``segment``, ``offer_id``, ``prior`` (expected acceptance rate, 0..1); one row per arm.
        prior_strength : float, default 10
            How many observations the prior counts for; larger = slower to move.

        Raises
        ------
        DataError
            When a rate is outside 0..1, an arm repeats, or the strength is not positive.
        """
        if not prior_strength > 0:
            raise DataError("The prior strength must be a positive number of pseudo-observations (e.g. 10).")
        arms = prior.loc[:, [*_ARM, "prior"]].copy()
        rates = pd.to_numeric(arms["prior"], errors="coerce")
        if not rates.between(0, 1).all():
            raise DataError("Prior acceptance rates must lie between 0 and 1.")
        if arms.duplicated(_ARM).any():
            raise DataError("Each segment and offer may appear once in the prior.")
        arms["segment"] = arms["segment"].astype("int64")
        arms["offer_id"] = arms["offer_id"].astype(str)
        arms["prior"] = rates.clip(_RATE_FLOOR, 1 - _RATE_FLOOR).astype("float64")
        arms["accepted"] = 0
        arms["declined"] = 0
        return cls(arms.reset_index(drop=True), float(prior_strength))._recount()

    def _recount(self) -> ThompsonLearner:
        arms = self.arms.copy()
        arms["alpha"] = arms["prior"] * self.prior_strength + arms["accepted"]
        arms["beta"] = (1 - arms["prior"]) * self.prior_strength + arms["declined"]
        return ThompsonLearner(arms, self.prior_strength)

    def update(self, outcomes: pd.DataFrame) -> ThompsonLearner:
        """Return a learner that has also seen ``outcomes``.

        Parameters
        ----------
        outcomes : pandas.DataFrame
            Columns ``segment``, ``offer_id``, ``outcome`` (1 accepted, 0 declined). Rows for unknown arms
            are ignored (e.g. an offer removed from the catalogue).
        """
        if outcomes is None or outcomes.empty:
            return self
        counts = (
            outcomes.assign(
                segment=outcomes["segment"].astype("int64"),
                offer_id=outcomes["offer_id"].astype(str),
                accepted=outcomes["outcome"].astype("int64"),
                declined=1 - outcomes["outcome"].astype("int64"),
            )
            .groupby(_ARM, as_index=False)[["accepted", "declined"]]
            .sum()
        )
        arms = self.arms.merge(counts, on=_ARM, how="left", suffixes=("", "_new"))
        for column in ("accepted", "declined"):
            arms[column] = arms[column] + arms.pop(f"{column}_new").fillna(0).astype("int64")
        return ThompsonLearner(arms, self.prior_strength)._recount()

    def posterior(self, level: float = 0.9) -> pd.DataFrame:
        """Return the arms with ``mean``, ``low`` and ``high`` (equal-tailed credible interval at ``level``)."""
        out = self.arms.copy()
        out["mean"] = out["alpha"] / (out["alpha"] + out["beta"])
        tail = (1 - level) / 2
        out["low"] = stats.beta.ppf(tail, out["alpha"], out["beta"])
        out["high"] = stats.beta.ppf(1 - tail, out["alpha"], out["beta"])
        return out

    def rank(self, *, method: str = "mean", random_state: int = 0) -> pd.DataFrame:
        """Rank the offers within each segment (1 = best).

        Parameters
        ----------
        method : {"mean", "thompson"}
            ``"mean"`` ranks by posterior mean (deterministic); ``"thompson"`` by one posterior draw per arm,
            which is how a campaign explores offers it is still unsure about.
        random_state : int, default 0
            Seed of the Thompson draws.

        Returns
        -------
        pandas.DataFrame
            ``segment, offer_id, value, rank``, sorted by segment then rank.
        """
        out = self.arms.loc[:, _ARM].copy()
        if method == "mean":
            out["value"] = self.arms["alpha"] / (self.arms["alpha"] + self.arms["beta"])
        elif method == "thompson":
            rng = np.random.default_rng(random_state)
            out["value"] = rng.beta(self.arms["alpha"].to_numpy(), self.arms["beta"].to_numpy())
        else:
            raise DataError(f"Unknown ranking method {method!r}: use 'mean' or 'thompson'.")
        out = out.sort_values(["segment", "value", "offer_id"], ascending=[True, False, True], kind="stable")
        out["rank"] = out.groupby("segment").cumcount() + 1
        return out.reset_index(drop=True)


def simulate(
    true_rates: Mapping[str, float] | pd.Series,
    rounds: int,
    *,
    prior: Mapping[str, float] | pd.Series | None = None,
    prior_strength: float = 10.0,
    random_state: int = 0,
) -> pd.DataFrame:
    """Run Thompson sampling against known acceptance rates, one customer per round.

    Parameters
    ----------
    true_rates : mapping or Series
        Offer -> true acceptance rate (0..1), unknown to the learner.
    rounds : int
        Customers to contact, one offer each.
    prior : mapping or Series, optional
        Offer -> prior rate worth ``prior_strength`` observations; ``None`` starts every offer at Beta(1, 1).
    prior_strength : float, default 10
        Weight of ``prior``.
    random_state : int, default 0
        Seed of the draws and the simulated customers' answers.

    Returns
    -------
    pandas.DataFrame
        ``round`` (1..rounds), ``chosen`` (offer), ``reward`` (0/1), ``regret`` (best true rate minus the
        chosen offer's true rate), ``cumulative_regret``.

    Raises
    ------
    DataError
        For no offers, rates outside 0..1, or fewer than one round.

    Examples
    --------
    >>> run = simulate({"a": 0.1, "b": 0.5}, 500)
    >>> bool((run["chosen"].tail(100) == "b").mean() > 0.9)
    True
    """
    rates = pd.Series(true_rates, dtype="float64")
    if rates.empty or not rates.between(0, 1).all():
        raise DataError("Give every offer a true acceptance rate between 0 and 1.")
    if int(rounds) < 1:
        raise DataError("Run at least one round.")
    if prior is None:
        alpha, beta = np.ones(len(rates)), np.ones(len(rates))
    else:
        prior_rates = pd.Series(prior, dtype="float64").reindex(rates.index)
        if prior_rates.isna().any() or not prior_rates.between(0, 1).all():
            raise DataError("Give a prior rate between 0 and 1 for every offer of the simulation.")
        prior_rates = prior_rates.clip(_RATE_FLOOR, 1 - _RATE_FLOOR).to_numpy()
        alpha, beta = prior_rates * prior_strength, (1 - prior_rates) * prior_strength
    rng = np.random.default_rng(random_state)
    truth = rates.to_numpy()
    answers = rng.random(int(rounds))
    chosen = np.empty(int(rounds), dtype=np.int64)
    reward = np.empty(int(rounds), dtype=np.int64)
    for t in range(int(rounds)):
        arm = int(np.argmax(rng.beta(alpha, beta)))
        won = int(answers[t] < truth[arm])
        alpha[arm] += won
        beta[arm] += 1 - won
        chosen[t], reward[t] = arm, won
    regret = truth.max() - truth[chosen]
    return pd.DataFrame(
        {
            "round": np.arange(1, int(rounds) + 1),
            "chosen": rates.index.to_numpy()[chosen].astype(str),
            "reward": reward,
            "regret": regret,
            "cumulative_regret": np.cumsum(regret),
        }
    )


@dataclass(frozen=True)
class SimulationSummary:
    """How a simulated learner did: ``best_share`` is how often it chose the best offer in the last fifth of rounds."""

    best_offer: object
    best_share: float
    regret_first_half: float
    regret_second_half: float


def summarise_simulation(run: pd.DataFrame, true_rates: pd.Series) -> SimulationSummary:
    """Summarise a :func:`simulate` run: how often the best offer was chosen late, and whether regret shrank.

    Examples
    --------
    >>> run = simulate(pd.Series({"a": 0.05, "b": 0.3}), 400, random_state=0)
    >>> summary = summarise_simulation(run, pd.Series({"a": 0.05, "b": 0.3}))
    >>> summary.best_offer, summary.best_share > 0.8, summary.regret_second_half < summary.regret_first_half
    ('b', True, True)
    """
    best = true_rates.sort_values(ascending=False, kind="stable").index[0]
    tail = run["chosen"].tail(max(len(run) // 5, 1))
    half = len(run) // 2
    return SimulationSummary(
        best_offer=best,
        best_share=float((tail == best).mean()),
        regret_first_half=float(run["regret"].iloc[:half].sum()),
        regret_second_half=float(run["regret"].iloc[half:].sum()),
    )
