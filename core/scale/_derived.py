"""Customer features derived from transactions in a portfolio run, the same on both engines.

A model segmented on :func:`core.features.customer_features` (alone, or joined onto a customer table) records
how (:class:`core.model.DerivedFeatures`). Scoring derives them again from the run's transactions with that same
function, on the canonical frame of :func:`core.scale._transactions.canonical_group`: once on the whole table
(pandas), or once per group of whole customers (Spark, ``groupBy(customer).applyInPandas``). Two things would
make a group differ from the whole table, and both are fixed here before the function is called:

- **as_of**: recency is measured from the last timestamp of *all* the transactions, computed once and passed
  to every call (the function's default, the last timestamp it sees, would be each group's own); likewise
  whether the dates have a time of day (``night_share``), decided once for the whole input
  (:class:`core.scale._transactions.FileReadings`) and passed to every call;
- **levels**: the share columns must be the model's, whatever this month holds. Every category and channel is
  read as its slug; a level the model does not know counts as ``other`` when the model has an ``other`` column
  (it was pooled there at fit time) and is otherwise left out of the shares (its spend still counts in
  ``monetary`` and the denominators, and an ATM-like level still in ``cash_share``); a known level absent from
  the input has share 0. The function pools beyond ``max_levels`` levels by spend, which depends on the group,
  so it is called with at most ``max_levels - 2`` of the model's levels at a time and every other row under
  one of two placeholders (cash-like or not): with up to 20 levels that is one call.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from core.errors import excerpt
from core.features import customer_features
from core.features._transactions import _rules, _slug  # the function's own slug and rules, so levels agree
from core.model import LEVEL_PREFIXES, DerivedFeatures, SegmentModel
from core.scale._assign import OFFER_SAMPLE
from core.scale._inputs import ModelColumns, read_pandas
from core.scale._transactions import FileReadings, TransactionPlan

KEY = "_key"  # the customer id as joined: trimmed text, whole numbers without ".0"
CUSTOMER = "customer_id"  # customer_features' id column
OTHER = "other"  # the slug customer_features pools rare levels into
PLACEHOLDER = "__cardlens_unscored__"  # a level whose share the model has no column for
CASH_PLACEHOLDER = "__cardlens_unscored_cash__"  # the same, cash-like (slug "cardlens_unscored_cash")


def derived_columns(model: SegmentModel, columns: ModelColumns) -> tuple[str, ...]:
    """Return the derived columns, by the recipe's names, that the model reads (empty without derived features)."""
    if model.derived is None:
        return ()
    produced = set(model.derived.columns.values())
    return tuple(c for c in columns.all if c in produced)


def customer_file_columns(model: SegmentModel, columns: ModelColumns) -> ModelColumns:
    """Return the columns the model reads from the customer file: all of them less the derived ones."""
    derived = set(derived_columns(model, columns))
    return ModelColumns(
        id=columns.id,
        numeric=tuple(c for c in columns.numeric if c not in derived),
        categorical=tuple(c for c in columns.categorical if c not in derived),
    )


def join_key(values: pd.Series) -> pd.Series:
    """Return customer ids as joined, row by row: trimmed text; a whole number stored as a float reads ``1001``.

    Examples
    --------
    >>> join_key(pd.Series([1001.0, 2.5, None])).tolist()
    ['1001', '2.5', <NA>]
    >>> join_key(pd.Series([" C7 ", "C8"])).tolist()
    ['C7', 'C8']
    """
    if pd.api.types.is_float_dtype(values):
        whole = values.notna() & (values % 1 == 0)
        text = values.astype("string")
        text[whole] = values[whole].astype("int64").astype("string")
        return text
    return values.astype("string").str.strip()


def _slugs(values: pd.Series) -> np.ndarray:
    """Return the slug of each value, as customer_features reads it (a missing value is ``unknown``)."""
    codes, uniques = pd.factorize(values.astype("string").fillna("unknown"))
    return np.array([_slug(u) for u in uniques] + ["unknown"], dtype=object)[codes]


def _mapped(slugs: np.ndarray, known: tuple[str, ...]) -> np.ndarray:
    """Unknown slugs become ``other`` when the model has that column (pooled there at fit time)."""
    if OTHER in known:
        return np.where(np.isin(slugs, list(known)), slugs, OTHER)
    return slugs


def derive_customers(
    tx: pd.DataFrame,
    derived: DerivedFeatures,
    as_of: pd.Timestamp,
    wanted: tuple[str, ...],
    *,
    dates_only: bool | None = None,
) -> pd.DataFrame:
    """Derive the model's customer features from canonical transactions (a group of whole customers, or all).

    Parameters
    ----------
    tx : pandas.DataFrame
        Canonical transactions (``row``, ``customer_id``, ``timestamp``, ``amount``, optionally ``category``
        and ``channel``). Not modified.
    derived : DerivedFeatures
        The model's record of how its features were derived.
    as_of : pandas.Timestamp
        The last timestamp of the whole input (the same for every group).
    wanted : tuple of str
        The derived columns the model reads, by the recipe's names.
    dates_only : bool, optional
        Whether the whole input's dates have no time of day (:class:`core.scale._transactions.FileReadings`);
        None decides it from ``tx`` (right only when ``tx`` is the whole input).

    Returns
    -------
    pandas.DataFrame
        ``customer_id`` (text), :data:`KEY` and ``wanted`` (float64), one row per customer, by ``customer_id``.
    """
    tx = tx.sort_values("row", kind="stable") if "row" in tx.columns else tx
    rules = _rules()
    cash = re.compile(rules["cash_pattern"], re.IGNORECASE)
    chunk = int(rules["max_levels"]) - 2  # + the two placeholders: never more levels than the function pools at
    mapped: dict[str, np.ndarray] = {}
    cash_like: dict[str, np.ndarray] = {}  # per row: whether its (mapped) level reads as cash / ATM
    for kind in LEVEL_PREFIXES:
        if kind in tx.columns and derived.levels.get(kind):
            mapped[kind] = _mapped(_slugs(tx[kind]), derived.levels[kind])
            uniques, inverse = np.unique(mapped[kind].astype(str), return_inverse=True)
            cash_like[kind] = np.array([bool(cash.search(u)) for u in uniques], dtype=bool)[inverse]
    base = tx.drop(columns=[k for k in LEVEL_PREFIXES if k in tx.columns])
    parts = [derived.levels.get(kind, ()) for kind in mapped]
    calls = max([1, *(-(-len(levels) // chunk) for levels in parts)])
    out: pd.DataFrame | None = None
    for call in range(calls):
        frame = base.copy()
        for kind, slugs in mapped.items():
            these = derived.levels[kind][call * chunk : (call + 1) * chunk]
            frame[kind] = np.where(
                np.isin(slugs, list(these)), slugs, np.where(cash_like[kind], CASH_PLACEHOLDER, PLACEHOLDER)
            )
        features = customer_features(frame, as_of=as_of, dates_only=dates_only)
        if out is None:
            out = features
        for kind in mapped:
            for slug in derived.levels[kind][call * chunk : (call + 1) * chunk]:
                name = LEVEL_PREFIXES[kind] + slug
                out[name] = features[name].to_numpy() if name in features.columns else 0.0
    assert out is not None
    result = pd.DataFrame({CUSTOMER: out[CUSTOMER].astype("str").to_numpy()})
    result[KEY] = join_key(out[CUSTOMER]).astype("str").to_numpy()
    by_model_name = {model_name: own for own, model_name in derived.columns.items()}
    for name in wanted:
        own = by_model_name[name]
        values = out[own] if own in out.columns else pd.Series(0.0, index=out.index)
        result[name] = values.to_numpy(dtype="float64")
    return result


def level_notes(values: Mapping[str, Iterable[object]], derived: DerivedFeatures) -> list[str]:
    """Sentences for the summary: levels the model does not know, and known levels absent from this input.

    Parameters
    ----------
    values : mapping
        ``"category"`` / ``"channel"`` -> the distinct values of that canonical column in the whole input
        (a kind is absent when the transactions have no such column).
    """
    notes = []
    for kind, prefix in LEVEL_PREFIXES.items():
        known = derived.levels.get(kind, ())
        if kind not in values:
            if known:
                notes.append(f"The transactions have no {kind} column, so every {prefix}<level> share is 0.")
            continue
        if not known:
            notes.append(f"The model was fitted without {kind} shares, so the transactions' {kind} is not used.")
            continue
        seen = sorted({str(s) for s in _slugs(pd.Series(list(values[kind]), dtype="object"))})
        new = [s for s in seen if s not in known]
        absent = [s for s in known if s not in seen]
        if new:
            where = "counted as 'other', as when the model was fitted" if OTHER in known else "left out of the shares"
            notes.append(
                f"{len(new)} {kind} level(s) not seen when the model was fitted were {where}: "
                f"{excerpt(', '.join(new))}."
            )
        if absent:
            notes.append(
                f"{len(absent)} {kind} level(s) the model knows are absent from these transactions, so their share is "
                f"0: {excerpt(', '.join(absent))}."
            )
    return notes


def join_notes(only_in_customers: int, only_in_transactions: int) -> list[str]:
    """Sentences for the summary on customers and transactions that did not match (inner join, as at fit time)."""
    notes = []
    if only_in_customers:
        notes.append(
            f"{only_in_customers:,} customer row(s) have no transactions, so their derived features are unknown: "
            "they were not scored."
        )
    if only_in_transactions:
        notes.append(f"{only_in_transactions:,} customer(s) in the transactions are not in the customer file.")
    return notes


def join_pandas(
    customers: pd.DataFrame, id_column: str, derived: pd.DataFrame, wanted: tuple[str, ...]
) -> tuple[pd.DataFrame, list[str]]:
    """Join derived features onto customer rows by id (inner join; customers keep their file order)."""
    keys = join_key(customers[id_column])
    right = derived.loc[:, [KEY, *wanted]].astype({KEY: "object"})
    left = customers.assign(**{KEY: keys.astype("object").where(keys.notna(), None).to_numpy()})
    joined = left.merge(right, on=KEY, how="inner", sort=False)
    only_customers = int((~keys.isin(set(derived[KEY]))).sum())
    only_tx = int((~derived[KEY].isin(set(keys.dropna()))).sum())
    return joined.drop(columns=[KEY]), join_notes(only_customers, only_tx)


def present_levels(plan: TransactionPlan) -> tuple[str, ...]:
    """Return the level columns (``category``, ``channel``) the transactions have."""
    return tuple(kind for kind in LEVEL_PREFIXES if kind in plan.optional)


def derive_pandas(
    model: SegmentModel,
    files: tuple[Path, ...],
    fmt: str,
    columns: ModelColumns,
    canonical: pd.DataFrame,
    plan: TransactionPlan,
    readings: FileReadings | None = None,
) -> tuple[pd.DataFrame, int, list[str]]:
    """Return the pandas engine's customers: features derived from all the transactions (joined onto ``files``).

    ``readings`` are the input's (:func:`core.scale._transactions.canonical_whole`); None decides them from
    ``canonical``, which is the whole input.

    Returns
    -------
    tuple
        The rows to place (the model's columns), the customer rows read (customers in the transactions for a
        transaction-only model), and sentences for the summary.
    """
    derived = model.derived
    assert derived is not None
    wanted = derived_columns(model, columns)
    as_of = canonical["timestamp"].max()
    dates_only = readings.date_only if readings is not None else None
    frame = derive_customers(canonical.loc[:, _canonical_needed(plan)], derived, as_of, wanted, dates_only=dates_only)
    notes = level_notes({kind: canonical[kind].unique() for kind in present_levels(plan)}, derived)
    if derived.source == "transactions":
        return frame.drop(columns=[KEY]), len(frame), notes
    assert columns.id is not None
    customers = read_pandas(files, fmt, customer_file_columns(model, columns))
    joined, joined_notes = join_pandas(customers, columns.id, frame, wanted)
    return joined, len(customers), [*notes, *joined_notes]


def _canonical_needed(plan: TransactionPlan) -> list[str]:
    return ["row", CUSTOMER, "timestamp", "amount", "is_money_in", *present_levels(plan)]


def offer_rows(frame: pd.DataFrame, derived: DerivedFeatures) -> pd.DataFrame:
    """Return the customers the segments' offers are ranked on: the first :data:`OFFER_SAMPLE` in a fixed order.

    Both engines take the same rows: by customer id for a transaction-only model (the derived table's order),
    in customer-file order for a joined one.
    """
    if derived.source == "transactions":
        frame = frame.sort_values(CUSTOMER, kind="stable")
    return frame.head(OFFER_SAMPLE)
