"""Transactions -> one row of behaviour features per customer, and joining those to a customer table.

Reads only the canonical transaction frame of :mod:`core.transactions` (``customer_id``, ``timestamp``,
``amount``, ``is_refund``, ``is_money_in``, optionally ``category`` and ``channel``). Money in (a bill payment to
the card, salary, a transfer in: :mod:`core.money_in`) is no behaviour of spending: it is left out of every
feature, while refunds (money back from a merchant) are netted from spend. Everything is vectorised over
integer customer codes (``numpy.bincount``), so a million transactions take about a second.
The thresholds (night hours, what counts as cash, how many category columns) are data in
``core/data/customer_feature_rules.csv``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from core.errors import DataError
from core.money_in import credit_kinds
from core.transactions import date_only

_RULES_CSV = Path(__file__).parents[1] / "data" / "customer_feature_rules.csv"
_DAY_NS = 86_400 * 10**9
NIGHT_UNKNOWN_NOTE = (
    "The dates have no time of day (every transaction at 00:00), so night_share is 0 for every customer: "
    "unknown, not measured, and left out of the segments as a constant."
)


@cache
def _rules() -> dict[str, str]:
    table = pd.read_csv(_RULES_CSV, dtype="string", keep_default_na=False)
    return dict(zip(table["rule"], table["value"], strict=True))


def _slug(text: object) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", str(text).strip().lower()).strip("_")
    return slug or "unknown"


def _level_codes(values: pd.Series, spend: np.ndarray, max_levels: int) -> tuple[np.ndarray, list[str]]:
    """Integer code per row and the slug per code; beyond ``max_levels`` (by spend) levels become 'other'."""
    text = values.astype("string").fillna("unknown")
    codes, levels = pd.factorize(text, sort=True)
    slugs = [_slug(level) for level in levels]
    if len(levels) > max_levels:
        totals = np.bincount(codes, weights=spend, minlength=len(levels))
        keep = np.sort(np.argsort(-totals, kind="stable")[: max_levels - 1])
        remap = np.full(len(levels), len(keep), dtype=np.int64)
        remap[keep] = np.arange(len(keep))
        codes = remap[codes]
        slugs = [slugs[i] for i in keep] + ["other"]
    # Two labels can share a slug ("Gas/Transport" and "gas transport"): merge them.
    unique_slugs = list(dict.fromkeys(slugs))
    merge = np.array([unique_slugs.index(slug) for slug in slugs], dtype=np.int64)
    return merge[codes], unique_slugs


def _shares(
    codes: np.ndarray, levels: np.ndarray, n_levels: int, weights: np.ndarray, totals: np.ndarray
) -> np.ndarray:
    sums = np.bincount(codes * n_levels + levels, weights=weights, minlength=len(totals) * n_levels)
    sums = sums.reshape(len(totals), n_levels)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(totals[:, None] > 0, sums / totals[:, None], 0.0)


def customer_features(
    tx_canonical: pd.DataFrame, *, as_of: object = None, dates_only: bool | None = None
) -> pd.DataFrame:
    """Derive one row of behaviour features per customer from canonical transactions.

    Parameters
    ----------
    tx_canonical : pandas.DataFrame
        The canonical frame of :func:`core.transactions.standardize_transactions`: ``customer_id`` (text),
        ``timestamp`` (datetime64), ``amount`` (float; negative = refund), optionally ``is_refund``,
        ``is_money_in`` (money in that is no refund: left out of every feature), ``category`` and ``channel``.
        Not modified.
    as_of : date-like, optional
        The day recency is measured from; transactions after it are ignored. Default: the last timestamp.
    dates_only : bool, optional
        Whether the file's dates have no time of day, when decided over a larger input than ``tx_canonical``
        (one group of customers of a file); None decides it from these rows (:func:`core.transactions.date_only`).

    Returns
    -------
    pandas.DataFrame
        One row per customer, sorted by ``customer_id`` (first column), then ``recency_days`` (whole days
        since the last purchase or refund), ``frequency`` (purchases, refunds excluded), ``monetary`` (net spend:
        purchases minus refunds), ``active_months`` (calendar months with a purchase or refund), ``avg_ticket``
        (mean purchase; 0 without purchases), ``refund_count``, ``cat_<slug>`` (share of purchase spend per
        category), ``channel_<slug>`` (the same per channel), ``night_share`` (share of transactions at
        night, 00:00-05:59 by default; 0 for everyone when the dates have no time of day, see
        :func:`core.transactions.date_only`, with a sentence in ``attrs["notes"]``) and ``cash_share`` (share
        of purchase spend in a cash / ATM category or channel). Shares are 0 for customers without purchase
        spend. Money in (``is_money_in``: bill payments, salary, transfers in) counts nowhere: a customer who
        only received money is measured from that money's last day, with 0 active months and no spend.

    Raises
    ------
    DataError
        When a required column is missing or no transaction falls on or before ``as_of``.
    """
    missing = [column for column in ("customer_id", "timestamp", "amount") if column not in tx_canonical.columns]
    if missing:
        raise DataError(
            "Customer features need the canonical transaction columns " + ", ".join(missing) + "; "
            "map the transaction table's columns on the Upload page first."
        )
    tx = tx_canonical
    if as_of is not None:
        cutoff = pd.Timestamp(as_of)
        tx = tx.loc[tx["timestamp"] <= cutoff]
    if tx.empty:
        raise DataError("No transactions fall on or before the chosen date; pick a later date.")
    rules = _rules()
    codes, customers = pd.factorize(tx["customer_id"].astype("string"), sort=True)
    n = len(customers)
    amount = tx["amount"].to_numpy(dtype="float64")
    refund, money_in = credit_kinds(tx)
    purchase = ~refund & ~money_in
    spend = np.where(purchase, amount, 0.0)
    stamps = tx["timestamp"].astype("datetime64[ns]")
    ns = stamps.to_numpy().view("int64")
    # Recency and active months follow spending (purchases and refunds): a bill paid or a salary received is no
    # visit to a merchant. A customer with money in only is measured from its last day.
    last = pd.Series(ns).groupby(codes).max().to_numpy().copy()
    if money_in.any():
        spending = pd.Series(ns[~money_in]).groupby(codes[~money_in]).max()
        last[spending.index.to_numpy()] = spending.to_numpy()
    reference = pd.Timestamp(as_of).value if as_of is not None else int(ns.max())
    frequency = np.bincount(codes, weights=purchase, minlength=n)
    spend_total = np.bincount(codes, weights=spend, minlength=n)
    month = (stamps.dt.year.to_numpy() * 12 + stamps.dt.month.to_numpy()).astype("int64")
    month = month - month.min()
    span = int(month.max()) + 1
    active = codes[~money_in] * span + month[~money_in]
    active_months = np.bincount(np.unique(active) // span, minlength=n)
    out = pd.DataFrame(
        {
            "customer_id": pd.array(customers, dtype="string"),
            "recency_days": ((reference - last) // _DAY_NS).astype("int64"),
            "frequency": frequency.astype("int64"),
            "monetary": np.bincount(codes, weights=np.where(money_in, 0.0, amount), minlength=n),
            "active_months": active_months.astype("int64"),
            "avg_ticket": np.divide(spend_total, frequency, out=np.zeros(n), where=frequency > 0),
            "refund_count": np.bincount(codes, weights=refund, minlength=n).astype("int64"),
        }
    )
    max_levels = int(rules["max_levels"])
    cash = np.zeros(len(tx), dtype=bool)
    cash_pattern = re.compile(rules["cash_pattern"], re.IGNORECASE)
    for column, prefix in (("category", "cat_"), ("channel", "channel_")):
        if column not in tx.columns:
            continue
        levels, slugs = _level_codes(tx[column], spend, max_levels)
        shares = _shares(codes, levels, len(slugs), spend, spend_total)
        for i, slug in enumerate(slugs):
            out[prefix + slug] = shares[:, i]
        is_cash = np.array([bool(cash_pattern.search(slug)) for slug in slugs])
        cash |= is_cash[levels]
    no_clock = date_only(stamps) if dates_only is None else dates_only
    if no_clock:  # every transaction at 00:00: the file has no time of day to count nights by
        out["night_share"] = 0.0
        out.attrs["notes"] = (NIGHT_UNKNOWN_NOTE,)
    else:
        hour = stamps.dt.hour.to_numpy()
        night = (hour >= int(rules["night_start_hour"])) & (hour < int(rules["night_end_hour"]))
        count = np.bincount(codes, weights=~money_in, minlength=n)
        nights = np.bincount(codes, weights=night & ~money_in, minlength=n)
        out["night_share"] = np.divide(nights, count, out=np.zeros(n), where=count > 0)
    cash_spend = np.bincount(codes, weights=np.where(cash, spend, 0.0), minlength=n)
    out["cash_share"] = np.divide(cash_spend, spend_total, out=np.zeros(n), where=spend_total > 0)
    return out


def derived_roles(derived: pd.DataFrame) -> dict[str, str]:
    """Roles for a :func:`customer_features` table: ``customer_id`` is the id, ``monetary`` an amount."""
    roles = {column: "feature" for column in derived.columns}
    roles["customer_id"] = "id"
    if "monetary" in roles:
        roles["monetary"] = "amount"
    return roles


@dataclass(frozen=True)
class JoinReport:
    """How a customer table and transaction-derived features matched on the customer id."""

    customers: int
    derived: int
    matched: int
    only_in_customers: int
    only_in_transactions: int

    @property
    def message(self) -> str:
        """One sentence for the page."""
        return (
            f"{self.matched:,} customers matched. {self.only_in_customers:,} customers in the customer table have no "
            f"transactions and {self.only_in_transactions:,} customers in the transactions are not in the customer "
            "table; both are left out of the joined table."
        )


def _keys(values: pd.Series) -> pd.Series:
    """Ids as trimmed text; whole numbers stored as floats (``1001.0``) read as ``1001``."""
    if pd.api.types.is_float_dtype(values) and bool((values.dropna() % 1 == 0).all()):
        values = values.astype("Int64")
    return values.astype("string").str.strip()


def join_customers(customers: pd.DataFrame, id_column: str, derived: pd.DataFrame) -> tuple[pd.DataFrame, JoinReport]:
    """Join transaction-derived features onto a customer table by customer id (inner join).

    Parameters
    ----------
    customers : pandas.DataFrame
        One row per customer with the id in ``id_column``. Not modified.
    id_column : str
        The id column of ``customers``; compared as trimmed text with ``derived["customer_id"]``.
    derived : pandas.DataFrame
        The output of :func:`customer_features`.

    Returns
    -------
    tuple of (pandas.DataFrame, JoinReport)
        The matched customers (``customers``' index and columns, then the derived columns; a derived name
        that clashes with a customer column gets a ``tx_`` prefix) and the match counts.

    Raises
    ------
    DataError
        When the id column is absent or no customer id matches.
    """
    if id_column not in customers.columns:
        raise DataError(f"Column {id_column!r} is not in the customer table; choose its customer id column.")
    if "customer_id" not in derived.columns:
        raise DataError("The transaction features have no customer_id column; derive them again.")
    right = derived.assign(customer_id=_keys(derived["customer_id"])).drop_duplicates("customer_id")
    right = right.set_index("customer_id")
    right.columns = [f"tx_{c}" if c in customers.columns else c for c in right.columns]
    left_keys = _keys(customers[id_column])
    joined = customers.assign(__key=left_keys).join(right, on="__key", how="inner").drop(columns="__key")
    matched_keys = set(left_keys.dropna()) & set(right.index)
    report = JoinReport(
        customers=len(customers),
        derived=len(right),
        matched=len(joined),
        only_in_customers=int((~left_keys.isin(matched_keys)).sum()),
        only_in_transactions=int((~right.index.isin(list(matched_keys))).sum()),
    )
    if joined.empty:
        raise DataError(
            f"No customer id in column {id_column!r} matches a customer in the transactions. Check that both "
            "files use the same customer or card id."
        )
    return joined, report
