"""Fraud business rules and settings (``core/data/fraud_rules.csv``, ``fraud_settings.csv``) and the alert budget."""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from core.errors import DataError

_DATA = Path(__file__).resolve().parents[1] / "data"
CUSTOMER_BUDGET = 50  # customer alerts flagged unless the user chooses (the Fraud page starts here)
TRANSACTION_BUDGET = 100  # transaction alerts flagged unless the user chooses


@cache
def _rules() -> pd.DataFrame:
    return pd.read_csv(_DATA / "fraud_rules.csv")


@cache
def _settings() -> dict[str, float]:
    table = pd.read_csv(_DATA / "fraud_settings.csv")
    return dict(zip(table["setting"], table["value"].astype("float64"), strict=True))


def rules() -> pd.DataFrame:
    """Return the transparent transaction rules as a fresh frame.

    Returns
    -------
    pandas.DataFrame
        Columns ``rule, feature, threshold, weight, description``: a rule fires when ``feature >= threshold``
        and then adds ``weight`` points (scaled up to twice for continuous features far past the threshold).
    """
    return _rules().copy()


def setting(name: str) -> float:
    """Return one numeric setting from ``fraud_settings.csv`` (for example ``min_history``).

    Parameters
    ----------
    name : str
        The ``setting`` column's value.

    Returns
    -------
    float
        The setting's value.
    """
    return _settings()[name]


def resolve_budget(n_rows: int, budget: int, budget_percent: float | None = None) -> tuple[int, list[str]]:
    """Turn an alert budget ("review the top N" or "the top p percent") into a count of alerts.

    Parameters
    ----------
    n_rows : int
        How many rows are scored.
    budget : int
        How many alerts to raise when ``budget_percent`` is ``None``.
    budget_percent : float or None
        When given, raise alerts for this percentage of rows instead (0-100; at least one alert when > 0).

    Returns
    -------
    tuple of (int, list of str)
        The number of alerts (never more than ``n_rows``) and notes to show the user (a clipped budget).

    Raises
    ------
    DataError
        When the budget is negative or the percentage is outside 0-100.

    Examples
    --------
    >>> resolve_budget(10, 50)
    (10, ['The alert budget (50) is larger than the 10 rows scored, so every row is flagged.'])
    >>> resolve_budget(1000, 50, budget_percent=1.0)
    (10, [])
    """
    notes: list[str] = []
    if budget_percent is not None:
        if not 0 <= budget_percent <= 100:
            raise DataError("The alert budget as a percentage must be between 0 and 100.")
        count = math.ceil(n_rows * budget_percent / 100.0) if budget_percent > 0 else 0
        return min(count, n_rows), notes
    if budget < 0:
        raise DataError("The alert budget must be zero or more alerts.")
    if budget > n_rows:
        notes.append(
            f"The alert budget ({budget:,}) is larger than the {n_rows:,} rows scored, so every row is flagged."
        )
        return n_rows, notes
    return int(budget), notes


def flag_top(score: np.ndarray, count: int) -> np.ndarray:
    """Flag the ``count`` highest scores (ties broken by position, first wins).

    Parameters
    ----------
    score : numpy.ndarray
        Higher means more suspicious; NaN is never flagged.
    count : int
        How many to flag.

    Returns
    -------
    numpy.ndarray
        Boolean mask, same length as ``score``.

    Examples
    --------
    >>> flag_top(np.array([0.2, 0.9, 0.9, 0.1]), 2).tolist()
    [False, True, True, False]
    """
    filled = np.where(np.isnan(score), -np.inf, score)
    order = np.argsort(-filled, kind="stable")[: max(count, 0)]
    order = order[np.isfinite(filled[order])]
    mask = np.zeros(len(score), dtype=bool)
    mask[order] = True
    return mask
