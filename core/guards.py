"""Guards against nonsense segments: segments that only repeat one input column, leaked outcomes, weak structure.

Each guard returns plain sentences a business user can act on; nothing here changes the segments.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score

from core.schema import AMOUNT, CATEGORICAL, FEATURE, LABEL, MAX_CATEGORY_LEVELS, outcome_column

REPRODUCES_ARI = 0.9  # segments this close to one column's values say little beyond that column
OUTCOME_AUC = 0.95  # a feature that separates the outcome this well is suspect
WEAK_SILHOUETTE = 0.25  # below this, the segments are a convenient partition, not natural groups
TINY_SEGMENT = 5  # a segment under this many customers (or TINY_SHARE of them, if more) is too small to act on
TINY_SHARE = 0.005
_SAMPLE = 50_000


def _sample_positions(n: int) -> np.ndarray:
    if n <= _SAMPLE:
        return np.arange(n)
    return np.linspace(0, n - 1, _SAMPLE).astype("int64")


def _auc(values: pd.Series, positive: np.ndarray) -> float | None:
    present = values.notna().to_numpy()
    x, y = values.to_numpy(dtype="float64", na_value=np.nan)[present], positive[present]
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0 or np.unique(x).size < 2:
        return None
    ranks = pd.Series(x).rank().to_numpy()
    auc = (ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
    return float(max(auc, 1 - auc))


def positive_outcome(values: pd.Series) -> tuple[np.ndarray, str]:
    """Return a boolean mask of the 'positive' outcome and its name: 1 / yes / true, else the rarer value.

    Examples
    --------
    >>> mask, name = positive_outcome(pd.Series(["Existing", "Attrited", "Existing"]))
    >>> mask.tolist(), name
    ([False, True, False], 'Attrited')
    """
    present = values.dropna()
    text = present.astype("str").str.strip().str.lower()
    for token in ("1", "1.0", "true", "yes", "y", "t"):
        if (text == token).any() and text.nunique() == 2:
            chosen = present[text == token].iloc[0]
            return (values == chosen).fillna(False).to_numpy(dtype=bool), str(chosen)
    counts = present.value_counts()
    chosen = counts.index[-1] if len(counts) else None
    return (values == chosen).fillna(False).to_numpy(dtype=bool), str(chosen)


def segment_warnings(
    table: pd.DataFrame,
    labels: Sequence[int] | np.ndarray,
    roles: Mapping[str, str],
    *,
    features: Sequence[str] = (),
    silhouette: float | None = None,
) -> list[str]:
    """Return warnings about segments that cannot be trusted as they are.

    Parameters
    ----------
    table : pandas.DataFrame
        The customer table the segments were fitted on (one row per label). Not modified.
    labels : array-like of int
        Segment of each row (-1 = noise, ignored).
    roles : mapping
        Column -> role, as from :func:`core.schema.infer_roles` (possibly corrected by the user).
    features : sequence of str
        The clustering features (checked against the outcome).
    silhouette : float, optional
        The segmentation's silhouette; below :data:`WEAK_SILHOUETTE` the structure is called weak.

    Returns
    -------
    list of str
        One sentence per problem: the segments nearly reproduce a category or the outcome (adjusted Rand
        index >= :data:`REPRODUCES_ARI`), a feature almost determines the outcome (AUC >= :data:`OUTCOME_AUC`),
        a segment holds under ``max(TINY_SEGMENT, TINY_SHARE x customers)`` customers (noise not counted), or
        the structure is weak.

    Examples
    --------
    >>> table = pd.DataFrame({"churned": ["yes", "no"] * 50, "spend": np.arange(100.0)})
    >>> labels = np.array([0, 1] * 50)
    >>> segment_warnings(table, labels, {"churned": "label", "spend": "amount"})[0][:40]
    "The segments nearly reproduce 'churned' "
    """
    labels = np.asarray(labels)
    if len(labels) != len(table):
        raise ValueError("labels must have one value per row of table")
    rows = _sample_positions(len(table))
    kept = rows[labels[rows] >= 0]
    warnings = []
    for column, role in roles.items():
        if column not in table.columns or role not in (CATEGORICAL, LABEL):
            continue
        values = table[column].iloc[kept]
        if values.nunique() > MAX_CATEGORY_LEVELS or values.nunique() < 2:
            continue
        codes = pd.factorize(values, use_na_sentinel=False)[0]
        ari = adjusted_rand_score(codes, labels[kept])
        if ari >= REPRODUCES_ARI:
            what = "the outcome" if role == LABEL else "one column"
            warnings.append(
                f"The segments nearly reproduce {column!r} (adjusted Rand index {ari:.2f}): they say little beyond "
                f"{what}. Check that no feature is a copy or a consequence of it (another model's score, for "
                "example), or segment within each of its values."
            )
    outcome = outcome_column(roles)
    if outcome is not None and outcome in table.columns:
        positive, name = positive_outcome(table[outcome].iloc[rows])
        for column in features:
            if column not in table.columns or roles.get(column, FEATURE) not in (FEATURE, AMOUNT):
                continue
            values = pd.to_numeric(table[column].iloc[rows], errors="coerce").reset_index(drop=True)
            auc = _auc(values, positive)
            if auc is not None and auc >= OUTCOME_AUC:
                warnings.append(
                    f"{column!r} almost determines the outcome {outcome!r} = {name} (AUC {auc:.2f}): if it is "
                    "another model's output or a consequence of the outcome, exclude it."
                )
    warnings += tiny_segment_warnings(labels)
    if silhouette is not None and np.isfinite(silhouette) and silhouette < WEAK_SILHOUETTE:
        warnings.append(
            f"Weak structure (silhouette {_below(silhouette, WEAK_SILHOUETTE)}, below {WEAK_SILHOUETTE}): treat these "
            "segments as a convenient partition, not natural groups."
        )
    return warnings


def tiny_segment_warnings(labels: Sequence[int] | np.ndarray) -> list[str]:
    """One warning per segment too small to act on: under ``max(TINY_SEGMENT, TINY_SHARE x customers)``.

    Examples
    --------
    >>> tiny_segment_warnings(np.array([0] * 50 + [1] * 49 + [2]))
    ['Segment 2 holds 1 customer: too small to act on; try a smaller k.']
    >>> tiny_segment_warnings(np.array([0] * 50 + [1] * 47 + [2] * 3 + [-1] * 9))[0][:31]
    'Segment 2 holds 3 customers: to'
    """
    labels = np.asarray(labels)
    segments, sizes = np.unique(labels[labels >= 0], return_counts=True)
    floor = max(TINY_SEGMENT, TINY_SHARE * len(labels))
    return [
        f"Segment {segment} holds {size:,} customer{'' if size == 1 else 's'}: too small to act on; try a smaller k."
        for segment, size in zip(segments.tolist(), sizes.tolist(), strict=True)
        if size < floor
    ]


def outcome_by_segment(
    table: pd.DataFrame,
    labels: Sequence[int] | np.ndarray,
    outcome: str,
    names: Mapping[int, str] | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """Rate of the outcome per segment, against the whole table, as a table and as sentences.

    Parameters
    ----------
    table : pandas.DataFrame
        The customer table (one row per label). Not modified.
    labels : array-like of int
        Segment of each row.
    outcome : str
        The outcome column (two values; the positive one is 1 / yes / true, else the rarer value).
    names : mapping, optional
        Segment -> name, for the sentences.

    Returns
    -------
    tuple of (pandas.DataFrame, list of str)
        Columns ``segment``, ``customers``, ``outcome_rate``, ``index`` (rate / overall rate x 100), and one
        sentence per segment whose rate differs from the overall rate by a quarter or more.

    Examples
    --------
    >>> t = pd.DataFrame({"churn": ["yes", "no", "no", "no", "yes", "yes"]})
    >>> rates, lines = outcome_by_segment(t, [0, 0, 0, 1, 1, 1], "churn")
    >>> rates["outcome_rate"].round(2).tolist(), lines[0]
    ([0.33, 0.67], 'churn = yes: 67% in segment 1 vs 50% overall')
    """
    labels = np.asarray(labels)
    positive, name = positive_outcome(table[outcome])
    known = table[outcome].notna().to_numpy()
    frame = pd.DataFrame({"segment": labels[known], "positive": positive[known]})
    overall = float(frame["positive"].mean()) if len(frame) else float("nan")
    rates = frame.groupby("segment")["positive"].agg(customers="size", outcome_rate="mean").reset_index()
    rates["index"] = rates["outcome_rate"] / overall * 100 if overall else np.nan
    lines = []
    for segment, rate in rates.sort_values("outcome_rate", ascending=False)[["segment", "outcome_rate"]].itertuples(
        index=False
    ):
        if overall and abs(rate / overall - 1) >= 0.25:
            label = (names or {}).get(int(segment), f"segment {segment}")
            lines.append(f"{outcome} = {name}: {rate:.0%} in {label} vs {overall:.0%} overall")
    return rates, lines


def _below(value: float, bound: float) -> str:
    """``value`` with enough decimals to read as less than ``bound`` (0.249 is not shown as 0.25 below 0.25).

    Examples
    --------
    >>> _below(0.12, 0.25), _below(0.2496, 0.25)
    ('0.12', '0.2496')
    """
    for decimals in range(2, 7):
        text = f"{value:.{decimals}f}"
        if float(text) < bound:
            return text
    return f"{value:.6g}"
