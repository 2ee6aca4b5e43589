"""Honest evaluation of an anomaly score against fraud labels: precision-recall first, ROC second.

At a fraud rate of 0.5% a detector with a ROC-AUC of 0.80 can still be nearly useless, so the headline is the
area under the precision-recall curve (average precision), shown beside the base rate it must beat, and the
precision and recall of the alerts a team would actually review (the budget). Labels are only *read* here;
they are never used to fit a score.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, precision_recall_curve, roc_auc_score

from core.errors import DataError

_NULL_DRAWS = 200  # random orderings used to find how high a score with no skill can reach by luck


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
        The 95th percentile of the PR-AUC of random orderings: the noise band above the base rate.
    curve : pandas.DataFrame
        The precision-recall curve: ``recall, precision, threshold`` (threshold NaN on the last point).
    verdict : str or None
        A plain sentence when the score is no better than chance; ``None`` otherwise.
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
                ],
                "value": [self.pr_auc, self.base_rate, self.roc_auc, self.precision_at_budget, self.recall_at_budget],
            }
        )


def _chance_pr_auc(n: int, n_positive: int, *, random_state: int) -> float:
    """95th percentile of the average precision of random orderings (positions drawn without replacement)."""
    rng = np.random.default_rng(random_state)
    draws = np.empty(_NULL_DRAWS)
    hits = np.arange(1, n_positive + 1)
    for i in range(_NULL_DRAWS):
        positions = np.sort(rng.choice(n, size=n_positive, replace=False)) + 1
        draws[i] = float(np.mean(hits / positions))
    return float(np.quantile(draws, 0.95))


def evaluate(scores: pd.Series | np.ndarray, labels: pd.Series | np.ndarray, *, budget: int) -> Evaluation:
    """Evaluate a suspicion score (higher = more suspicious) against 0/1 fraud labels.

    Parameters
    ----------
    scores : array-like of float
        One score per row; rows with a missing score or label are left out.
    labels : array-like of 0/1
        The fraud label per row, aligned with ``scores`` by position.
    budget : int
        How many of the highest-scored rows a team reviews; precision and recall are measured there
        (ties broken by position, first wins).

    Returns
    -------
    Evaluation
        PR-AUC, ROC-AUC, precision and recall at the budget, base rate, the PR curve and a verdict.

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
    label = pd.to_numeric(pd.Series(np.asarray(labels, dtype="object")), errors="coerce").to_numpy(dtype="float64")
    if len(score) != len(label):
        raise DataError("Scores and labels have different lengths; evaluate them on the same rows.")
    keep = ~(np.isnan(score) | np.isnan(label))
    score, label = score[keep], label[keep]
    if not np.isin(label, (0.0, 1.0)).all():
        raise DataError("The label column must hold 0 (genuine) and 1 (fraud) only.")
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
    chance = _chance_pr_auc(n, n_positive, random_state=0)
    verdict = None
    if pr_auc <= chance:
        verdict = (
            f"This score is no better than chance: its PR-AUC ({pr_auc:.3f}) is within the range random "
            f"orderings reach (up to {chance:.3f}) at a fraud rate of {base_rate:.2%}."
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
    )
