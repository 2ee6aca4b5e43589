"""Honest evaluation of an anomaly score against fraud labels: precision-recall first, ROC second.

At a fraud rate of 0.5% a detector with a ROC-AUC of 0.80 can still be nearly useless, so the headline is the
area under the precision-recall curve (average precision), shown beside the base rate it must beat, and the
precision and recall of the alerts a team would actually review (the budget). Labels are only *read* here;
they are never used to fit a score.

Whether the score beats chance is a permutation test: the labels are shuffled over the same scores
:data:`PERMUTATIONS` times and the p-value is the share of shuffles whose PR-AUC reaches the observed one. With
200 shuffles the old 95th-percentile ceiling moved by about 0.0005 with the seed, enough to flip the verdict on
a file whose labels carry no signal; with 2,000 the p-value moves by about 0.005.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, precision_recall_curve, roc_auc_score

from core.errors import DataError
from core.transactions import fraud_labels, infer_transaction_columns

PERMUTATIONS = 2000  # label shuffles of the permutation test
SIGNIFICANCE = 0.05  # a p-value at or above this is "no better than chance"


@dataclass(frozen=True)
class Evaluation:
    """How well a score ranks the labelled fraud.

    Attributes
    ----------
    pr_auc : float
        Average precision (area under the precision-recall curve); a random score gets about ``base_rate``.
    roc_auc : float
        Area under the ROC curve (0.5 = chance). Shown second: it flatters detectors at low base rates.
    precision_at_budget, recall_at_budget : float
        Among the ``budget`` highest scores: the share that is fraud, and the share of all fraud caught.
    base_rate : float
        Share of labelled rows that are fraud.
    budget : int
        Alerts reviewed (clipped to the number of rows).
    n, n_positive : int
        Rows evaluated and fraud among them.
    chance_pr_auc : float
        The 95th percentile of the PR-AUC over label shuffles: how high a score without skill reaches by luck.
    curve : pandas.DataFrame
        The precision-recall curve: ``recall, precision, threshold`` (threshold NaN on the last point).
    verdict : str or None
        A plain sentence when the score is no better than chance; ``None`` otherwise.
    p_value : float
        Share of label shuffles (plus the observed labelling) whose PR-AUC is at least the observed one.
    permutations : int
        How many shuffles the p-value rests on.
    """

    pr_auc: float
    roc_auc: float
    precision_at_budget: float
    recall_at_budget: float
    base_rate: float
    budget: int
    n: int
    n_positive: int
    chance_pr_auc: float
    curve: pd.DataFrame
    verdict: str | None
    p_value: float = float("nan")
    permutations: int = 0

    @property
    def better_than_chance(self) -> bool:
        """True when the permutation test finds the PR-AUC above what shuffled labels reach (p < 0.05)."""
        return self.verdict is None

    def lines(self) -> list[str]:
        """Read the evaluation out as plain sentences, for the command line and notes.

        Examples
        --------
        >>> evaluate([0.9, 0.8, 0.7, 0.6, 0.5], [1, 0, 1, 0, 0], budget=2).lines()[0]
        'PR-AUC 0.833 (chance 0.400 at a fraud rate of 40.00%), ROC-AUC 0.833, on 5 labelled rows with 2 fraud.'
        """
        outcome = "better than chance" if self.better_than_chance else "no better than chance"
        return [
            f"PR-AUC {self.pr_auc:.3f} (chance {self.base_rate:.3f} at a fraud rate of {self.base_rate:.2%}), "
            f"ROC-AUC {self.roc_auc:.3f}, on {self.n:,} labelled rows with {self.n_positive:,} fraud.",
            f"Top {self.budget:,} alerts: precision {self.precision_at_budget:.1%}, "
            f"recall {self.recall_at_budget:.1%}.",
            f"Permutation test ({self.permutations:,} label shuffles): p = {self.p_value:.3g}, "
            f"shuffled labels reach PR-AUC {self.chance_pr_auc:.3f} (95th percentile): {outcome}.",
        ]

    def summary(self) -> pd.DataFrame:
        """Return the headline figures as a two-column table (``measure, value``), PR-AUC first."""
        return pd.DataFrame(
            {
                "measure": [
                    "PR-AUC (average precision)",
                    "base rate (a random score's PR-AUC)",
                    "ROC-AUC",
                    f"precision in the top {self.budget:,}",
                    f"recall in the top {self.budget:,}",
                    "permutation p-value",
                ],
                "value": [
                    self.pr_auc,
                    self.base_rate,
                    self.roc_auc,
                    self.precision_at_budget,
                    self.recall_at_budget,
                    self.p_value,
                ],
            }
        )


def _average_precision(group_end: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Average precision of labellings given, per row, the tie groups of their positives (in any order).

    ``groups`` is (labellings x positives): the index of each positive's score tie group in descending score
    order; ``group_end[g]`` is the number of rows scoring at least group ``g``'s score. Ties count as in
    sklearn's ``average_precision_score``: every positive of a group gets the precision at the group's end.
    """
    groups = np.sort(groups, axis=1)
    n_positive = groups.shape[1]
    position = np.arange(n_positive)
    last = np.concatenate([groups[:, 1:] != groups[:, :-1], np.ones((len(groups), 1), dtype=bool)], axis=1)
    # the hits up to the end of each positive's group: the position of the group's last positive, plus 1
    at_end = np.minimum.accumulate(np.where(last, position, n_positive)[:, ::-1], axis=1)[:, ::-1] + 1
    return np.mean(at_end / group_end[groups], axis=1)


def _permutation_test(
    score: np.ndarray, label: np.ndarray, *, permutations: int, random_state: int
) -> tuple[float, float, float]:
    """Observed PR-AUC, its p-value against shuffled labels, and the shuffles' 95th percentile.

    Only the positives' positions are drawn per shuffle, so the cost grows with the fraud count, not the rows.
    """
    order = np.argsort(-score, kind="stable")
    ranked = score[order]
    starts = np.r_[True, ranked[1:] != ranked[:-1]]
    group_of = np.cumsum(starts) - 1  # tie group of each position in descending order
    group_end = np.r_[np.flatnonzero(starts)[1:], len(ranked)]
    n, n_positive = len(label), int(label.sum())
    observed = float(_average_precision(group_end, group_of[np.flatnonzero(label[order] == 1)][None, :])[0])
    rng = np.random.default_rng(random_state)
    null = np.empty(permutations)
    chunk = max(1, 2_000_000 // n_positive)  # shuffles per batch: about 2 million positions (16 MB)
    for first in range(0, permutations, chunk):
        size = min(chunk, permutations - first)
        drawn = np.stack([rng.choice(n, size=n_positive, replace=False) for _ in range(size)])
        null[first : first + size] = _average_precision(group_end, group_of[drawn])
    p_value = (1 + np.count_nonzero(null >= observed - 1e-12)) / (permutations + 1)
    return observed, float(p_value), float(np.quantile(null, 0.95))


def evaluate(
    scores: pd.Series | np.ndarray,
    labels: pd.Series | np.ndarray,
    *,
    budget: int,
    permutations: int = PERMUTATIONS,
    random_state: int = 0,
) -> Evaluation:
    """Evaluate a suspicion score (higher = more suspicious) against 0/1 fraud labels.

    Parameters
    ----------
    scores : array-like of float
        One score per row; rows with a missing score or label are left out.
    labels : array-like of 0/1
        The fraud label per row, aligned with ``scores`` by position; yes / no, true / false, y / n and
        fraud / legit are read too (:func:`core.transactions.fraud_labels`).
    budget : int
        How many of the highest-scored rows a team reviews; precision and recall are measured there
        (ties broken by position, first wins).
    permutations : int, default :data:`PERMUTATIONS`
        Label shuffles of the permutation test behind the verdict.
    random_state : int, default 0
        Seed of the shuffles.

    Returns
    -------
    Evaluation
        PR-AUC, ROC-AUC, precision and recall at the budget, base rate, the PR curve, the permutation test's
        p-value and a verdict when the score is no better than chance.

    Raises
    ------
    DataError
        When lengths differ, labels are not 0/1, or only one class is present.

    Examples
    --------
    >>> result = evaluate([0.9, 0.8, 0.7, 0.6, 0.5], [1, 0, 1, 0, 0], budget=2)
    >>> round(result.pr_auc, 4), round(result.roc_auc, 4), result.precision_at_budget, result.base_rate
    (0.8333, 0.8333, 0.5, 0.4)
    """
    score = np.asarray(scores, dtype="float64")
    given = pd.Series(np.asarray(labels, dtype="object"))
    label = fraud_labels(given).to_numpy(dtype="float64")
    if len(score) != len(label):
        raise DataError("Scores and labels have different lengths; evaluate them on the same rows.")
    if (given.notna().to_numpy() & np.isnan(label)).any():
        raise DataError("The label column must hold 0 (genuine) and 1 (fraud) only (or yes / no, fraud / legit).")
    keep = ~(np.isnan(score) | np.isnan(label))
    score, label = score[keep], label[keep]
    n = len(label)
    n_positive = int(label.sum())
    if n == 0 or n_positive in (0, n):
        raise DataError(
            "The label column needs both fraud (1) and genuine (0) rows to evaluate a score; "
            "this one has only one kind."
        )
    y = label.astype("int64")
    pr_auc = float(average_precision_score(y, score))
    roc_auc = float(roc_auc_score(y, score))
    top = min(max(int(budget), 0), n)
    order = np.argsort(-score, kind="stable")[:top]
    caught = int(y[order].sum())
    precision = caught / top if top else float("nan")
    recall = caught / n_positive
    base_rate = n_positive / n
    precision_curve, recall_curve, thresholds = precision_recall_curve(y, score)
    curve = pd.DataFrame(
        {"recall": recall_curve, "precision": precision_curve, "threshold": np.append(thresholds, np.nan)}
    )
    _, p_value, chance = _permutation_test(score, y, permutations=int(permutations), random_state=random_state)
    verdict = None
    if p_value >= SIGNIFICANCE:
        verdict = (
            f"This score is no better than chance: PR-AUC {pr_auc:.3f}, chance {base_rate:.3f}, p = {p_value:.2f} "
            f"(shuffled labels reach {chance:.3f} one time in twenty at a fraud rate of {base_rate:.2%})."
        )
    return Evaluation(
        pr_auc=pr_auc,
        roc_auc=roc_auc,
        precision_at_budget=float(precision),
        recall_at_budget=float(recall),
        base_rate=float(base_rate),
        budget=top,
        n=n,
        n_positive=n_positive,
        chance_pr_auc=chance,
        curve=curve,
        verdict=verdict,
        p_value=p_value,
        permutations=int(permutations),
    )


def evaluate_alerts(
    scored: pd.DataFrame,
    labels: pd.Series | np.ndarray,
    *,
    permutations: int = PERMUTATIONS,
    random_state: int = 0,
) -> Evaluation:
    """Evaluate scored transactions or customers against a label, at the alerts actually raised.

    Parameters
    ----------
    scored : pandas.DataFrame
        The output of :func:`core.fraud.score_transaction_file` / :func:`core.fraud.score_transactions`
        (``score, flagged``) or :func:`core.fraud.score_customers` (``anomaly_score, flagged``). Not modified.
    labels : array-like of 0/1
        The label per row of ``scored``, aligned by position (rows with a missing score or label are left out).
    permutations, random_state
        As in :func:`evaluate`.

    Returns
    -------
    Evaluation
        As :func:`evaluate`, with the budget set to the number of flagged rows; ``lines()`` reads it out.

    Examples
    --------
    >>> scored = pd.DataFrame({"score": [0.9, 0.8, 0.7, 0.6, 0.5], "flagged": [True, True, False, False, False]})
    >>> result = evaluate_alerts(scored, [1, 0, 1, 0, 0])
    >>> result.budget, result.precision_at_budget
    (2, 0.5)
    """
    column = "score" if "score" in scored.columns else "anomaly_score"
    if column not in scored.columns or "flagged" not in scored.columns:
        raise DataError("Score the file first: the evaluation reads its 'score' and 'flagged' columns.")
    return evaluate(
        scored[column].to_numpy(dtype="float64"),
        labels,
        budget=int(scored["flagged"].sum()),
        permutations=permutations,
        random_state=random_state,
    )


def fraud_label_column(table: pd.DataFrame, roles: Mapping[str, str]) -> str | None:
    """Return the outcome column of a customer table that is a *fraud* label, or None.

    Any known outcome gets the ``label`` role (churn, default, fraud); only the one that
    :func:`core.transactions.infer_transaction_columns` would take as a fraud label (named like ``is_fraud``,
    ``fraud``, ``isFraud`` or ``Class``, holding 0/1, yes/no or fraud/legit) may check an anomaly score.

    Examples
    --------
    >>> table = pd.DataFrame({"Attrition_Flag": ["Existing Customer", "Attrited Customer"], "is_fraud": [0, 1]})
    >>> fraud_label_column(table, {"Attrition_Flag": "label", "is_fraud": "label"})
    'is_fraud'
    >>> fraud_label_column(table, {"Attrition_Flag": "label"}) is None
    True
    """
    for column, role in roles.items():
        if role == "label" and column in table.columns:
            if infer_transaction_columns(table[[column]]).label == column:
                return column
    return None
