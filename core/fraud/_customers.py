"""Customer-level anomaly scores: four detectors combined by rank averaging, with reasons in original units.

Detectors (all on the scaled feature matrix, none sees a label):

- **Isolation Forest**: how quickly random splits isolate the customer.
- **Local Outlier Factor**: how much sparser the customer's neighbourhood is than its neighbours'. Above
  ``lof_sample_above`` rows it is fitted (``novelty=True``) on a seeded sample and scores everyone. Above
  :data:`LOF_MAX_ROWS` customers it is left out (with a note): finding each customer's 20 nearest neighbours
  among the 10,000 sampled took over a minute at 1,000,000 customers on two cores, and the other three
  detectors still score everyone.
- **Robust z-score**: root mean square of per-feature robust z-scores (median and MAD of the whole table, estimated
  on a seeded sample of :data:`ROBUST_SAMPLE` customers when there are more);
  chosen over a robust covariance because card data has many zero-inflated columns whose robust covariance
  is singular.
- **Segment-aware**: distance to the customer's own segment centre divided by that segment's median distance,
  so a customer is judged against peers rather than the whole book.

Each detector's scores become percentile ranks; their mean is ``anomaly_score`` (0..1, higher = more unusual).
Reasons name the features furthest from the customer's segment, in words; above :data:`LOF_MAX_ROWS` customers
they are written for every alert and the :data:`REASONS_TOP` most unusual customers only.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from sklearn.ensemble import IsolationForest
from sklearn.neighbors import LocalOutlierFactor

from core.errors import DataError
from core.fraud._config import CUSTOMER_BUDGET, flag_top, resolve_budget, setting
from core.profiles import feature_words

METHODS = ("isolation_forest", "local_outlier_factor", "robust_z", "segment_distance")
_MAD_TO_SIGMA = 1.4826
_REASON_Z = 3.0  # a feature is a reason when it sits this many robust standard deviations from its segment
LOF_MAX_ROWS = 100_000  # above this many customers Local Outlier Factor is left out of the combined score
# Above LOF_MAX_ROWS customers reasons are written for every alert and the REASONS_TOP most unusual customers only
# (words for every customer took most of a minute at 1,000,000).
REASONS_TOP = 10_000
ROBUST_SAMPLE = 100_000  # medians and spreads of more rows than this are estimated on a seeded sample of this many


def _centre_and_scale(values: np.ndarray, random_state: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-column median and robust spread; above :data:`ROBUST_SAMPLE` rows both come from a seeded sample.

    Medians and MADs are estimated to a fraction of a percent by 100,000 rows, and computing them on every row
    of a million took seconds.
    """
    if len(values) > ROBUST_SAMPLE:
        values = values[np.sort(np.random.default_rng(random_state).choice(len(values), ROBUST_SAMPLE, replace=False))]
    centre = np.median(values, axis=0)
    return centre, _robust_scale(values, centre)


def _robust_scale(values: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """MAD-based spread per column; mean absolute deviation where the MAD is 0 (zero-inflated), else 1."""
    deviation = np.abs(values - centre)
    mad = np.median(deviation, axis=0) * _MAD_TO_SIGMA
    mean_dev = deviation.mean(axis=0) * 1.2533  # sqrt(pi / 2): mean absolute deviation -> sigma
    return np.where(mad > 1e-12, mad, np.where(mean_dev > 1e-12, mean_dev, 1.0))


def _order_by_values(values: np.ndarray) -> np.ndarray:
    """Row order by the feature values themselves: the same whatever order the rows come in.

    The forest's subsamples and the LOF sample are drawn by position, and a table built from transactions is
    ordered by customer id, which may be a masked card number whose token changes with the masking key. Rows
    are sorted on a fixed random projection (column by column, so each row's key depends on its values only);
    only identical rows tie, and those are interchangeable. A full lexsort took 15 s at 1,000,000 x 17.
    """
    weights = np.random.default_rng(0).normal(size=values.shape[1])
    key = np.zeros(len(values))
    for column, weight in enumerate(weights):
        key += values[:, column] * weight
    return np.argsort(key, kind="stable")


def _lof(matrix: np.ndarray, random_state: int) -> tuple[np.ndarray, list[str]]:
    limit = int(setting("lof_sample_above"))
    neighbours = min(20, max(len(matrix) - 1, 1))
    if len(matrix) <= limit:
        model = LocalOutlierFactor(n_neighbors=neighbours).fit(matrix)
        return -model.negative_outlier_factor_, []
    rng = np.random.default_rng(random_state)
    sample = rng.choice(len(matrix), size=limit, replace=False)
    model = LocalOutlierFactor(n_neighbors=neighbours, novelty=True).fit(matrix[sample])
    note = (
        f"Local Outlier Factor was fitted on a random sample of {limit:,} of the {len(matrix):,} customers "
        "(it compares every pair of neighbours, which is slow on large tables) and then scored everyone."
    )
    return -model.score_samples(matrix), [note]


def _segment_distance(matrix: np.ndarray, labels: np.ndarray, centres: np.ndarray | None) -> np.ndarray:
    """Distance to the own segment's centre over that segment's median distance (nearest centre for noise)."""
    if centres is None or len(centres) == 0:
        ids = np.unique(labels[labels >= 0]) if (labels >= 0).any() else np.array([0])
        centres = np.vstack([np.median(matrix[labels == i] if (labels == i).any() else matrix, axis=0) for i in ids])
    centres = np.asarray(centres, dtype="float64")
    all_distances = np.column_stack([np.sqrt(((matrix - c) ** 2).sum(axis=1)) for c in centres])
    own = np.where((labels >= 0) & (labels < len(centres)), labels, all_distances.argmin(axis=1))
    distance = all_distances[np.arange(len(matrix)), own]
    spread = pd.Series(distance).groupby(own).transform("median").to_numpy()
    fallback = np.median(distance) if np.median(distance) > 0 else 1.0
    return distance / np.where(spread > 1e-12, spread, fallback)


def _words(feature: str) -> str:
    """Name a feature in the project's one vocabulary: ``PRC_FULL_PAYMENT`` -> "full-payment share"."""
    return feature_words(str(feature)).label


def _each_distinct(values: pd.Series, words: Callable[[float], str]) -> pd.Series:
    """Apply ``words`` once per distinct value (card data repeats values a lot: zeros, counts, shares)."""
    codes, distinct = pd.factorize(values.to_numpy(), use_na_sentinel=False)
    text = np.array([words(x) for x in distinct.tolist()], dtype=object)
    return pd.Series(text[codes], index=values.index, dtype="object")


def _number_words(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.2f}".rstrip("0").rstrip(".")


def _number(values: pd.Series) -> pd.Series:
    return _each_distinct(values, _number_words)


def _reason_words(chosen: pd.DataFrame) -> pd.Series:
    """Words for each (customer, feature) pair, comparing the value with the segment median in original units.

    ``chosen`` has columns ``feature, value, median, high`` (``value``/``median`` NaN when the feature has no
    numeric column of that name in the table, e.g. a transformed feature).
    """
    name = chosen["feature"].map({f: _words(f) for f in chosen["feature"].unique()}).astype("object")
    value, median, high = chosen["value"], chosen["median"], chosen["high"].to_numpy(bool)
    ratio = value / median.where(median.abs() > 1e-12)
    text = pd.Series("", index=chosen.index, dtype="object")
    unknown = value.isna().to_numpy()
    times = ~unknown & high & (ratio >= 1.5).to_numpy()
    above = ~unknown & high & ~times
    low = ~unknown & ~high
    if unknown.any():
        direction = np.where(high[unknown], " unusually high", " unusually low")
        text[unknown] = name[unknown] + direction + " for the segment"
    if times.any():
        ratio_words = _each_distinct(ratio[times], lambda x: f"{x:.0f}x" if x >= 10 else f"{x:.1f}x")
        text[times] = (
            name[times]
            + " "
            + ratio_words
            + " the segment median ("
            + _number(value[times])
            + " vs "
            + _number(median[times])
            + ")"
        )
    if above.any():
        text[above] = (
            name[above] + " " + _number(value[above]) + ", above the segment median (" + _number(median[above]) + ")"
        )
    if low.any():
        text[low] = (
            name[low] + " " + _number(value[low]) + ", far below the segment median (" + _number(median[low]) + ")"
        )
    return text


def _reasons(
    table: pd.DataFrame,
    matrix: pd.DataFrame,
    segments: np.ndarray,
    explain: np.ndarray | None = None,
    random_state: int = 0,
) -> pd.Series:
    """Up to ``max_reasons`` features per customer that sit furthest from their segment, in words.

    ``explain`` (sorted row positions) limits the words to those customers; the others get an empty text.
    """
    values = matrix.to_numpy(dtype="float64")
    explain = np.arange(len(values)) if explain is None else np.asarray(explain, dtype="int64")
    explained_segment = segments[explain]
    z = np.zeros((len(explain), values.shape[1]))  # robust z against the own segment, for the explained rows
    for segment in np.unique(segments):
        centre, scale = _centre_and_scale(values[segments == segment], random_state)
        at = explained_segment == segment
        z[at] = (values[explain[at]] - centre) / scale
    strength = np.where(np.abs(z) >= _REASON_Z, np.abs(z), np.nan)
    top = min(int(setting("max_reasons")), values.shape[1])
    order = np.argsort(-np.nan_to_num(strength, nan=-np.inf), axis=1, kind="stable")[:, :top]
    local = np.repeat(np.arange(len(explain)), top)
    features = order.ravel()
    keep = ~np.isnan(strength[local, features])
    local, features = local[keep], features[keep]
    rows = explain[local]
    numeric = [c for c in matrix.columns if c in table.columns and pd.api.types.is_numeric_dtype(table[c])]
    original = table[numeric].astype("float64").reset_index(drop=True)
    medians = original.groupby(segments).median()
    column_of = {c: i for i, c in enumerate(numeric)}
    lookup = np.array([column_of.get(c, -1) for c in matrix.columns])[features]
    found = lookup >= 0
    value = np.full(len(rows), np.nan)
    median = np.full(len(rows), np.nan)
    value[found] = original.to_numpy()[rows[found], lookup[found]]
    segment_row = medians.index.get_indexer(segments[rows[found]])
    median[found] = medians.to_numpy()[segment_row, lookup[found]]
    chosen = pd.DataFrame(
        {
            "row": rows,
            "feature": np.asarray(matrix.columns, dtype="object")[features],
            "value": value,
            "median": median,
            "high": z[local, features] > 0,
        }
    )
    # Each row's reasons are consecutive and strongest first: join them by their place in the row, not by groupby
    # (a Python join per customer took most of a minute at 1,000,000 customers).
    words = _reason_words(chosen).to_numpy(dtype=object)
    place = np.arange(len(rows)) - np.searchsorted(rows, rows)
    reasons = np.full(len(values), "", dtype=object)
    for position in range(top):
        at = place == position
        reasons[rows[at]] = words[at] if position == 0 else reasons[rows[at]] + "; " + words[at]
    return pd.Series(reasons, index=table.index, dtype="string")


def _without_protected(
    values: np.ndarray, names: list[str], centres: np.ndarray | None
) -> tuple[np.ndarray, list[str], np.ndarray | None, str]:
    """Drop the matrix columns of protected attributes (gender, age, marital status ...: the list offers obey).

    An unusual gender or family status is no ground to suspect a customer. Returns the kept values, names and
    centres, and the features left out as ``"CODE_GENDER (gender), ..."`` (empty when none). When every column
    is protected the matrix is kept as it is rather than scoring nothing.
    """
    from core.recommend import protected_attribute

    protected = [protected_attribute(name) for name in names]
    keep = [i for i, attribute in enumerate(protected) if attribute is None]
    if not keep or len(keep) == len(names):
        return values, names, centres, ""
    dropped = {names[i].split("=", 1)[0]: protected[i] for i in range(len(names)) if protected[i] is not None}
    if centres is not None:
        centres = np.asarray(centres)[:, keep]
    listed = ", ".join(f"{feature} ({attribute})" for feature, attribute in dropped.items())
    return values[:, keep], [names[i] for i in keep], centres, listed


def score_customers(
    table: pd.DataFrame,
    matrix: pd.DataFrame | np.ndarray,
    labels: np.ndarray | pd.Series,
    centres: np.ndarray | None,
    *,
    budget: int = CUSTOMER_BUDGET,
    budget_percent: float | None = None,
    id_column: str | None = None,
    random_state: int = 0,
) -> pd.DataFrame:
    """Score how unusual each customer is, flag the top ones within an alert budget, and say why.

    Parameters
    ----------
    table : pandas.DataFrame
        The clean table in original units, one row per customer (``CleanResult.table``); numeric columns
        named like the matrix's columns are used for the reasons. Not modified.
    matrix : pandas.DataFrame or numpy.ndarray
        The scaled feature matrix (``CleanResult.matrix``), same length and order as ``table``, no NaN.
    labels : array-like of int
        Segment per customer (``Segmentation.labels``); ``-1`` is noise and is judged against the nearest
        segment centre.
    centres : numpy.ndarray or None
        Segment centres in matrix space (k x p, row ``i`` is segment ``i``); ``None`` uses segment medians.
    budget : int, default 50
        How many customers to flag ("review the top N"); clipped to the table's size with a note.
    budget_percent : float or None
        Flag this percentage of customers instead of ``budget``.
    id_column : str or None
        The table's customer id column (``CleanResult.id_column``); ``None`` uses the index as the id.
    random_state : int, default 0
        Seed of the Isolation Forest and of the LOF sample.

    Protected attributes among the matrix's columns (``core/data/protected_attributes.csv``) are left out of the
    scores and reasons, with a note.

    Returns
    -------
    pandas.DataFrame
        Same index as ``table``: ``customer_id`` (text), ``segment``, ``anomaly_score`` (0..1, higher = more unusual),
        ``anomaly_rank`` (1 = most unusual), ``flagged``, ``reasons`` (words; above :data:`LOF_MAX_ROWS`
        customers only for alerts and the :data:`REASONS_TOP` most unusual, blank for the rest), and one raw score per
        detector (``score_isolation_forest``, ...; ``score_local_outlier_factor`` is NaN above
        :data:`LOF_MAX_ROWS` customers, where it is left out). ``attrs["notes"]`` holds sentences for the user.

    Raises
    ------
    DataError
        When the lengths differ, the matrix has missing values, or there are fewer than 3 customers.
    """
    values = np.asarray(matrix, dtype="float64")
    segments = np.asarray(labels, dtype="int64")
    if values.ndim != 2 or len(values) != len(table) or len(segments) != len(table):
        raise DataError(
            "The customer table, feature matrix and segment labels have different numbers of rows; "
            "run Clean and Cluster again on the same data."
        )
    if len(table) < 3:
        raise DataError("Anomaly scores need at least 3 customers; load a larger customer table.")
    if not np.isfinite(values).all():
        raise DataError("The feature matrix has missing or infinite values; add an imputation step on Clean.")
    names = (
        list(matrix.columns) if isinstance(matrix, pd.DataFrame) else [f"feature_{i}" for i in range(values.shape[1])]
    )
    values, names, centres, left_out = _without_protected(values, names, centres)
    count, notes = resolve_budget(len(table), budget, budget_percent)

    canonical = _order_by_values(values)
    forest = IsolationForest(n_estimators=100, random_state=random_state, n_jobs=1).fit(values[canonical])
    lof = np.full(len(values), np.nan)
    with_lof = len(values) <= LOF_MAX_ROWS
    if with_lof:
        lof[canonical], lof_notes = _lof(values[canonical], random_state)
        lof = np.nan_to_num(lof, nan=1.0, posinf=1e6)
    else:
        lof_notes = [
            f"Local Outlier Factor was left out for these {len(values):,} customers (above {LOF_MAX_ROWS:,}, "
            "finding every customer's nearest neighbours takes minutes): the anomaly score combines the "
            "other three detectors, which score everyone."
        ]
    centre, scale = _centre_and_scale(values, random_state)
    if len(values) > ROBUST_SAMPLE:
        notes.append(
            f"Medians and spreads (robust z-scores, reasons) were estimated on seeded samples of {ROBUST_SAMPLE:,} "
            "customers where the table or a segment holds more."
        )
    robust_z = np.sqrt(np.mean(np.clip((values - centre) / scale, -50, 50) ** 2, axis=1))
    raw = {
        "isolation_forest": -forest.score_samples(values),
        "local_outlier_factor": lof,
        "robust_z": robust_z,
        "segment_distance": _segment_distance(values, segments, centres),
    }
    notes += lof_notes
    used = [v for method, v in raw.items() if with_lof or method != "local_outlier_factor"]
    score = np.mean([pd.Series(v).rank(pct=True).to_numpy() for v in used], axis=0)
    if np.ptp(values, axis=0).max(initial=0.0) == 0.0:
        score = np.zeros(len(table))
        count = 0
        notes.append("All customers have identical features, so none stands out: no alerts were raised.")
    # equal scores are ordered by the customers' values, not their position, for the same reason as the fit
    flagged = np.zeros(len(table), dtype=bool)
    flagged[canonical] = flag_top(score[canonical], count)
    rank = np.empty(len(table), dtype="int64")
    rank[canonical[np.argsort(-score[canonical], kind="stable")]] = np.arange(1, len(table) + 1)
    ids = table[id_column] if id_column is not None and id_column in table.columns else table.index.to_series()
    out = pd.DataFrame(
        {
            "customer_id": ids.astype("string").to_numpy(),
            "segment": segments,
            "anomaly_score": score,
            "anomaly_rank": rank,
            "flagged": flagged,
        },
        index=table.index,
    )
    explain = None
    if len(table) > LOF_MAX_ROWS:
        explain = np.flatnonzero(flagged | (rank <= REASONS_TOP))
        notes.append(
            f"Reasons in words are given for the {len(explain):,} most unusual of the {len(table):,} customers, "
            "every alert among them; the others' reasons are left blank to keep a table this size quick."
        )
    out["reasons"] = _reasons(
        table, pd.DataFrame(values, columns=names, index=table.index), segments, explain, random_state
    )
    for method, value in raw.items():
        out[f"score_{method}"] = value
    if left_out:
        notes.append(f"Left out of the anomaly scores as protected attributes: {left_out}.")
    out.attrs["notes"] = tuple(notes)
    return out
