"""Transaction-level fraud scores: an Isolation Forest blended with transparent rules, with reasons in words.

The score never reads the label column. It is the average of two percentile ranks:

- the **model**: an Isolation Forest on the engineered features of :mod:`core.fraud._features` (large values
  capped so one heavy-tailed category cannot dominate);
- the **rules** of ``core/data/fraud_rules.csv``: each rule adds ``weight * clip((feature - floor) /
  (threshold - floor), 0, cap)`` points and the night rule doubles the points (fraud is far more common at
  night, and an unusual amount at night is more suspicious than either alone).

A rule *fires* (and becomes a reason) when its feature reaches its threshold.

Money in that is no refund (``is_money_in``: a bill payment to the card, salary, a transfer in; see
:mod:`core.money_in`) is not scored: every feature and rule asks whether a *purchase* is unusual for its customer
and its category, and a monthly salary or a card's bill payment would be judged against purchases (on a bank
export most alerts were salary rows). Those rows keep their place in the output with no score and the reason
"not scored: money in"; the spending rows are scored exactly as if the money in were not in the file. Refunds are
still scored (refund fraud is fraud).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.ensemble import IsolationForest

from core.errors import DataError
from core.fraud._config import TRANSACTION_BUDGET, flag_top, resolve_budget, rules, setting
from core.fraud._features import FEATURE_COLUMNS, transaction_features
from core.transactions import (
    TransactionColumns,
    _amounts,
    assemble_timestamps,
    date_only,
    parse_timestamps,
    standardize_transactions,
)

_MODEL_NOTE = "an unusual combination of amount, time and history (isolation forest)"
NO_TIME_OF_DAY_NOTE = (
    "The dates have no time of day (every transaction at 00:00): the night-time and within-an-hour checks are "
    "left out; amounts, history, same-day counts and categories are still checked."
)
FOREST_ROWS = 100_000  # above this many input rows the forest is fitted on a seeded sample of them
MONEY_IN_REASON = "not scored: money in (a payment to the card, salary or a transfer in), not spending"


def model_matrix(features: pd.DataFrame, with_distance: bool | None = None) -> np.ndarray:
    """Build the Isolation Forest's inputs: chosen from domain knowledge, extremes capped, gaps filled neutrally.

    Each row depends on its own features only. ``with_distance`` says whether the table has any
    ``distance_km`` (decided over the whole table); by default, whether ``features`` has.
    """
    customer_z = features["amount_vs_customer_z"].fillna(0.0).clip(0.0, 5.0)
    columns = [
        features["amount_category_rarity"],
        features["amount_vs_category_z"].abs().clip(upper=5.0),
        customer_z,
        features["is_night"].astype("float64"),
        features["count_1h"].fillna(1.0),  # unknown (dates without a time of day): this transaction alone
        features["first_category"].astype("float64"),
    ]
    if features["distance_km"].notna().any() if with_distance is None else with_distance:
        columns.append(features["distance_km"].fillna(0.0))
    return np.column_stack([c.to_numpy(dtype="float64") for c in columns])


def rule_scores(features: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """Total rule points (after multipliers) and, per rule, its points where it fired (NaN where not)."""
    points = np.zeros(len(features))
    multiplier = np.ones(len(features))
    fired = {}
    multipliers = []
    for rule in rules().itertuples(index=False):
        value = features[rule.feature].astype("float64").fillna(rule.floor).to_numpy()
        scaled = np.clip((value - rule.floor) / (rule.threshold - rule.floor), 0.0, rule.cap)
        if rule.kind == "multiplier":
            multiplier *= 1.0 + rule.weight * scaled
            multipliers.append((rule.rule, rule.weight * scaled))
            fired[rule.rule] = np.where(value >= rule.threshold, 0.0, np.nan)
            continue
        points += rule.weight * scaled
        fired[rule.rule] = np.where(value >= rule.threshold, rule.weight * scaled, np.nan)
    for name, extra in multipliers:  # a multiplier contributes the points it added
        fired[name] = fired[name] + points * extra
    return points * multiplier, pd.DataFrame(fired, index=features.index)


def _times(ratio: pd.Series) -> pd.Series:
    return ratio.map(lambda x: f"{x:.0f}x" if x >= 10 else f"{x:.1f}x")


def _reason_texts(tx: pd.DataFrame, features: pd.DataFrame, rule: str, mask: np.ndarray) -> pd.Series:
    """Words for one rule, for the rows where it fired."""
    f = features.loc[mask]
    t = tx.loc[mask]
    where = ("the " + t["category"].fillna("(none)") + " median") if "category" in t.columns else "the usual amount"
    if rule == "rare_for_category":
        ratio = f["amount_vs_category_ratio"]
        high = "amount " + _times(ratio) + " " + where
        low = "amount " + t["amount"].map("{:,.2f}".format) + ", far below " + where
        return high.where(ratio >= 1.0, low)
    if rule == "above_customer_usual":
        return "amount " + _times(f["amount_vs_customer_ratio"]) + " this customer's median"
    if rule == "burst_hour":
        return f["count_1h"].map("{:.0f} transactions within an hour".format)
    if rule == "burst_day":
        return f["count_1d"].map("{:.0f} transactions within a day".format)
    if rule == "first_category":
        return "first purchase in " + t["category"].fillna("(none)")
    if rule == "first_merchant":
        return "first purchase at " + t["merchant"].fillna("(none)")
    if rule == "far_from_home":
        return f["distance_km"].map("{:,.0f} km from the customer's usual location".format)
    if rule == "night":
        return "at " + t["timestamp"].dt.strftime("%H:%M")
    return pd.Series(rule.replace("_", " "), index=f.index)


def _reasons(tx: pd.DataFrame, features: pd.DataFrame, fired: pd.DataFrame, flagged: np.ndarray) -> pd.Series:
    """Each alert's fired rules in words, the strongest first, at most ``max_reasons`` of them ("" elsewhere).

    Only alerts get words: writing them for a million ordinary rows cost more than the scoring itself.
    """
    reasons = pd.Series("", index=tx.index, dtype="object")
    if not flagged.any():
        return reasons.astype("string")
    tx, features, fired = tx.loc[flagged], features.loc[flagged], fired.loc[flagged]
    contributions = fired.to_numpy()
    order = np.argsort(-np.nan_to_num(contributions, nan=-np.inf), axis=1, kind="stable")
    words = pd.Series("", index=tx.index, dtype="object")
    for position in range(min(int(setting("max_reasons")), fired.shape[1])):
        chosen = order[:, position]
        for index, rule in enumerate(fired.columns):
            mask = (chosen == index) & ~np.isnan(contributions[:, index])
            if mask.any():
                text = _reason_texts(tx, features, rule, mask).astype("object")
                words.loc[mask] = words.loc[mask] + "; " + text
    words = words.str.removeprefix("; ")
    words.loc[words.str.len().to_numpy() == 0] = _MODEL_NOTE  # the caveat below is no reason on its own
    short = (features["history_size"] < setting("min_history")).to_numpy()
    if short.any():
        words.loc[short] = words.loc[short] + "; " + features.loc[short, "history_size"].map(_history_caveat)
    reasons.loc[flagged] = words
    return reasons.astype("string")


def _history_caveat(size: float) -> str:
    """Why an alert's amount was judged on its category: "only 1 other transaction: judged on category norms"."""
    others = "no other transaction" if size < 1 else f"only {size:.0f} other transaction{'s' if size >= 2 else ''}"
    return f"{others} by this customer: judged on category norms"


def forest_rows(rows: np.ndarray, random_state: int = 0) -> np.ndarray:
    """Mark the transactions the Isolation Forest is fitted on: all, or a seeded sample of a large input.

    The forest looks at 256 rows per tree, so a sample of :data:`FOREST_ROWS` input positions loses nothing and
    lets an engine that holds the table in pieces (Spark) fit the same forest on its driver.

    Parameters
    ----------
    rows : numpy.ndarray
        The canonical ``row`` (input position) of each transaction; the input had ``max + 1`` rows.
    random_state : int, default 0
        Seed of the sample.

    Returns
    -------
    numpy.ndarray
        Boolean mask aligned with ``rows``: every row when the input had at most :data:`FOREST_ROWS` rows,
        else the rows whose input position is among :data:`FOREST_ROWS` positions drawn without replacement.
    """
    chosen = forest_positions(int(rows.max()) + 1 if len(rows) else 0, random_state)
    return np.ones(len(rows), dtype=bool) if chosen is None else np.isin(rows, chosen)


def forest_positions(n_input: int, random_state: int = 0) -> np.ndarray | None:
    """Return the input positions :func:`forest_rows` keeps from an input of ``n_input`` rows (None: all)."""
    if n_input <= FOREST_ROWS:
        return None
    return np.sort(np.random.default_rng(random_state).choice(n_input, size=FOREST_ROWS, replace=False))


def fit_forest(matrix: np.ndarray, random_state: int = 0) -> IsolationForest:
    """Fit the Isolation Forest on :func:`model_matrix` rows, given in input-row order (draws go by position)."""
    return IsolationForest(n_estimators=100, random_state=random_state, n_jobs=-1).fit(matrix)


def alert_reasons(tx: pd.DataFrame, features: pd.DataFrame) -> pd.Series:
    """Words for alerts: each row's strongest fired rules, as :func:`score_transactions` writes for its alerts.

    Parameters
    ----------
    tx, features : pandas.DataFrame
        Canonical rows that were flagged, and their :func:`core.fraud.transaction_features` (same index).

    Returns
    -------
    pandas.Series
        Text per row, same index.
    """
    _, fired = rule_scores(features)
    return _reasons(tx, features, fired, np.ones(len(tx), dtype=bool))


def history_notes(n_short: int, n_customers: int) -> list[str]:
    """Sentences about customers with too short a history (``n_short`` of ``n_customers`` customers)."""
    minimum = int(setting("min_history"))
    if not n_short:
        return []
    if n_short == n_customers:
        return [
            f"Too few transactions per customer for history features (every customer has fewer than {minimum + 1}):"
            " amounts are compared with their category's norm, plus time of day and velocity."
        ]
    return [
        f"{n_short:,} of {n_customers:,} customers have fewer than {minimum + 1} transactions: their amounts are "
        "compared with the category's norm instead of their own history."
    ]


def score_transactions(
    tx_canonical: pd.DataFrame,
    *,
    budget: int = TRANSACTION_BUDGET,
    budget_percent: float | None = None,
    random_state: int = 0,
) -> pd.DataFrame:
    """Score every transaction for suspicion (unsupervised) and flag the top ones within an alert budget.

    Parameters
    ----------
    tx_canonical : pandas.DataFrame
        The canonical frame of :func:`core.transactions.standardize_transactions` (``row, customer_id,
        timestamp, amount`` required; ``category, merchant, lat, lon, merch_lat, merch_lon`` used when
        present). ``label`` is never read. Not modified.
    budget : int, default 100
        How many alerts to raise ("review the top N"); clipped to the number of rows with a note.
    budget_percent : float or None
        Flag this percentage of transactions instead of ``budget``.
    random_state : int, default 0
        Seed of the Isolation Forest.

    Returns
    -------
    pandas.DataFrame
        One row per canonical row, same index and order: ``row, customer_id, timestamp, amount, score``
        (0..1, higher = more suspicious), ``rank`` (1 = most suspicious), ``flagged``, ``reasons`` (words for
        each alert: its strongest fired rules; empty for rows not flagged), ``model_score``, ``rule_score``,
        ``category`` / ``merchant`` when present, then the :data:`core.fraud.FEATURE_COLUMNS`.
        ``attrs["notes"]`` holds sentences for the user (history fallback, clipped budget, nothing stands out).
        Rows of money in (``is_money_in``) are not scored: ``score``, ``model_score``, ``rule_score`` and the
        features are empty, ``flagged`` is False, ``rank`` follows every scored row, and ``reasons`` is
        :data:`MONEY_IN_REASON`; the other rows get the scores they would get without them.

    Raises
    ------
    DataError
        When required columns are missing or there are no rows.
    """
    if "is_money_in" in tx_canonical.columns:
        money_in = tx_canonical["is_money_in"].fillna(False).to_numpy(dtype=bool)
        if money_in.any():
            return _score_spending_only(tx_canonical, money_in, budget, budget_percent, random_state)
    features = transaction_features(tx_canonical)
    tx = tx_canonical
    count, notes = resolve_budget(len(tx), budget, budget_percent)
    short = (features["history_size"] < setting("min_history")).to_numpy()
    notes = history_notes(tx["customer_id"][short].nunique(), tx["customer_id"].nunique()) + notes
    if date_only(tx["timestamp"]):
        notes.append(NO_TIME_OF_DAY_NOTE)

    matrix = model_matrix(features)
    # The canonical frame is sorted by customer id, which may be a masked card number whose token changes with
    # the session's masking key; the forest's subsamples are drawn by position, so fit it in input-row order.
    by_row = np.argsort(tx["row"].to_numpy(), kind="stable")
    fit = forest_rows(tx["row"].to_numpy(), random_state)[by_row]
    forest = fit_forest(matrix[by_row][fit], random_state)
    model = -forest.score_samples(matrix)
    rule_score, fired = rule_scores(features)
    model_rank = pd.Series(model).rank(pct=True).to_numpy()
    rule_rank = pd.Series(rule_score).rank(pct=True).to_numpy()
    score = (model_rank + rule_rank) / 2.0
    if np.ptp(matrix, axis=0).max(initial=0.0) == 0.0:
        score = np.zeros(len(tx))
        count = 0
        notes.append("All transactions look alike, so none stands out: no alerts were raised.")
    flagged = np.zeros(len(tx), dtype=bool)
    flagged[by_row] = flag_top(score[by_row], count)  # ties go to the earlier input row, whatever the key
    rank = np.empty(len(tx), dtype="int64")
    rank[by_row[np.argsort(-score[by_row], kind="stable")]] = np.arange(1, len(tx) + 1)

    out = pd.DataFrame(
        {
            "row": tx["row"].to_numpy(),
            "customer_id": tx["customer_id"].to_numpy(),
            "timestamp": tx["timestamp"].to_numpy(),
            "amount": tx["amount"].to_numpy(),
            "score": score,
            "rank": rank,
            "flagged": flagged,
        },
        index=tx.index,
    )
    out["reasons"] = _reasons(tx, features, fired, flagged)
    out["model_score"] = model
    out["rule_score"] = rule_score
    for column in ("category", "merchant"):
        if column in tx.columns:
            out[column] = tx[column]
    out = pd.concat([out, features.loc[:, list(FEATURE_COLUMNS)]], axis=1)
    out.attrs["notes"] = tuple(notes)
    return out


def money_in_note(rows: int) -> str:
    """Say that ``rows`` rows of money in were not scored, and why (both scoring engines write it).

    >>> money_in_note(1200)[:40]
    '1,200 rows of money in (payments to the '
    """
    return (
        f"{rows:,} rows of money in (payments to the card, salary, transfers in) were not scored: the checks "
        "compare each purchase with the customer's and the category's purchases, and money in is none."
    )


def _score_spending_only(
    tx: pd.DataFrame, money_in: np.ndarray, budget: int, budget_percent: float | None, random_state: int
) -> pd.DataFrame:
    """Score the rows that are not money in, and give the money-in rows their place without a score."""
    spending = tx.loc[~money_in]
    notes = [money_in_note(int(money_in.sum()))]
    if spending.empty:
        raise DataError(
            "Every transaction is money in (payments to the card, salary, transfers in): there is no spending to "
            "score for fraud."
        )
    scored = score_transactions(
        spending.drop(columns="is_money_in"), budget=budget, budget_percent=budget_percent, random_state=random_state
    )
    out = scored.reindex(tx.index)
    for column in ("row", "customer_id", "timestamp", "amount", "category", "merchant"):
        if column in out.columns:
            out.loc[money_in, column] = tx.loc[money_in, column]
    out["row"] = out["row"].astype("int64")
    flags = [c for c in out.columns if pd.api.types.is_bool_dtype(scored[c])]
    out[flags] = out[flags].fillna(False).astype(bool)
    rank = out["rank"].to_numpy(dtype="float64").copy()
    later = np.argsort(tx["row"].to_numpy()[money_in], kind="stable")  # after every scored row, in input order
    rank[np.flatnonzero(money_in)[later]] = len(scored) + 1 + np.arange(int(money_in.sum()))
    out["rank"] = rank.astype("int64")
    out["reasons"] = out["reasons"].astype("object")
    out.loc[money_in, "reasons"] = MONEY_IN_REASON
    out["reasons"] = out["reasons"].astype("string")
    out.attrs["notes"] = (*scored.attrs.get("notes", ()), *notes)
    return out


def _drop_reasons(frame: pd.DataFrame, columns: TransactionColumns) -> pd.Series:
    """Why each input row would be dropped by :func:`standardize_transactions` ("" when kept)."""
    source = frame.reset_index(drop=True)
    reasons = pd.Series("", index=source.index, dtype="object")
    if isinstance(columns.timestamp, tuple):
        timestamps = assemble_timestamps(source, columns.timestamp)
    else:
        timestamps = parse_timestamps(source[columns.timestamp])[0]
    amounts = _amounts(source, columns)  # one amount, or money out minus money in
    if columns.customer is not None:
        customers = source[columns.customer].astype("string").str.strip()
        reasons[customers.isna().to_numpy()] = "no customer id"
    reasons[amounts.isna().to_numpy()] = "unreadable amount"
    reasons[timestamps.isna().to_numpy()] = "unreadable date"
    reasons[source.duplicated().to_numpy()] = "duplicate row"
    return reasons


def score_transaction_file(
    frame: pd.DataFrame,
    columns: TransactionColumns,
    *,
    budget: int = TRANSACTION_BUDGET,
    budget_percent: float | None = None,
    random_state: int = 0,
) -> pd.DataFrame:
    """Score a transaction table as loaded: one output row per input row, in input order.

    Parameters
    ----------
    frame : pandas.DataFrame
        A transaction table in any layout. Not modified.
    columns : TransactionColumns
        Which column plays which role (see :func:`core.transactions.infer_transaction_columns`).
    budget, budget_percent, random_state
        As in :func:`score_transactions`.

    Returns
    -------
    pandas.DataFrame
        ``len(frame)`` rows with a 0..n-1 index in input order: the columns of :func:`score_transactions`.
        Rows the canonical frame dropped have ``score`` NaN, ``flagged`` False and a ``reasons`` such as
        ``"not scored: duplicate row"`` or ``"not scored: unreadable date"``.

    Raises
    ------
    DataError
        When required roles are missing or no row is usable.
    """
    canonical, _ = standardize_transactions(frame, columns)
    scored = score_transactions(canonical, budget=budget, budget_percent=budget_percent, random_state=random_state)
    out = scored.set_index("row").reindex(pd.RangeIndex(len(frame)))
    out.index.name = None
    dropped = ~np.isin(np.arange(len(frame)), scored["row"].to_numpy())
    out.insert(0, "row", np.arange(len(frame), dtype="int64"))
    out["flagged"] = out["flagged"].fillna(False).astype(bool)
    if dropped.any():
        why = _drop_reasons(frame, columns).to_numpy()[dropped]
        out.loc[dropped, "reasons"] = ["not scored: " + (w or "unusable row") for w in why]
    out.attrs["notes"] = scored.attrs.get("notes", ())
    return out


__all__ = [
    "FOREST_ROWS",
    "MONEY_IN_REASON",
    "alert_reasons",
    "fit_forest",
    "forest_positions",
    "forest_rows",
    "history_notes",
    "model_matrix",
    "rule_scores",
    "score_transaction_file",
    "score_transactions",
]
