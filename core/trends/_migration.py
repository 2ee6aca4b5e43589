"""Segment migration: which segment each customer belonged to in one period and the next.

The history is cut into two or more periods. For each period, customer features are derived from that period's
transactions only and every active customer is placed into the *existing* segments with the fitted model (an
``assign_fn``), so segments mean the same thing in every period. Consecutive periods are then compared:

- ``stayed``: same segment; ``up`` / ``down``: a segment of higher / lower value (``value_order``);
- ``inactive``: active in the earlier period, no purchase in the later one;
- ``new``: first seen in the later period; ``returned``: active again after an inactive period;
- ``changed``: moved between segments whose value order is unknown (e.g. noise) or tied.

The transition matrix's rows are the earlier period's segments (plus ``new`` and ``inactive`` for customers who
were not active in it); each segment row sums to that segment's customer count in the earlier period.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.errors import DataError
from core.naming import display_name

INACTIVE = "inactive"
NEW = "new"
AssignFn = Callable[[pd.DataFrame], "pd.Series | np.ndarray"]
FeaturesFn = Callable[[pd.DataFrame], pd.DataFrame]


@dataclass(frozen=True)
class Migration:
    """How customers moved between segments from one period to the next (see :func:`migration`).

    Attributes
    ----------
    periods : pandas.DataFrame
        ``period, start, end, customers``: each period's label, first and last day, active customers.
    matrix : pandas.DataFrame
        Customers per (from, to) summed over consecutive period pairs; index ``from`` (segments, then ``new``,
        ``inactive``), columns ``to`` (segments, then ``inactive``).
    counts : dict of str to int
        ``moved_up, moved_down, stayed, changed, went_inactive, new, returned``.
    flows : pandas.DataFrame
        ``step, customer_id, from, to, direction``: one row per customer and consecutive period pair.
    sentence : str
        A one-sentence summary.
    """

    periods: pd.DataFrame
    matrix: pd.DataFrame
    counts: dict[str, int]
    flows: pd.DataFrame
    sentence: str


def split_periods(
    timestamps: pd.Series, *, n_periods: int = 2, cut_dates: Sequence[object] | None = None
) -> pd.DataFrame:
    """Cut the span of ``timestamps`` into periods: equal lengths (at month starts when possible) or given cuts.

    Parameters
    ----------
    timestamps : pandas.Series
        ``datetime64`` values (the canonical ``timestamp`` column).
    n_periods : int
        Number of equal periods when ``cut_dates`` is not given (2..12).
    cut_dates : sequence of date-like, optional
        Start dates of the second, third, ... period; each must fall strictly inside the data's span.

    Returns
    -------
    pandas.DataFrame
        ``period`` (label), ``start``, ``end`` (exclusive) per period, oldest first.
    """
    first, last = timestamps.min(), timestamps.max()
    if pd.isna(first) or first == last:
        raise DataError("Migration needs transactions on more than one date.")
    if cut_dates:
        cuts = sorted(pd.Timestamp(c) for c in cut_dates)
        if cuts[0] <= first or cuts[-1] > last or len(set(cuts)) < len(cuts):
            raise DataError(
                f"Choose distinct cut dates between {first:%d %b %Y} and {last:%d %b %Y} "
                "(the data's first and last day)."
            )
    else:
        if not 2 <= n_periods <= 12:
            raise DataError("Split the history into 2 to 12 periods.")
        raw = [first + (last - first) * i / n_periods for i in range(1, n_periods)]
        months = [c.to_period("M").start_time for c in raw]
        aligned = len(set(months)) == len(months) and all(first < m <= last for m in months)
        cuts = months if aligned else [c.normalize() for c in raw]
    bounds = [first.normalize(), *cuts, last.normalize() + pd.Timedelta(days=1)]
    rows = []
    for start, end in itertools.pairwise(bounds):
        label = f"{start:%d %b %Y} – {end - pd.Timedelta(days=1):%d %b %Y}"
        rows.append({"period": label, "start": start, "end": end})
    return pd.DataFrame(rows)


def _labels_for(features: pd.DataFrame, assign_fn: AssignFn) -> pd.Series:
    frame = features if "customer_id" in features.columns else features.reset_index()
    if "customer_id" not in frame.columns:
        raise DataError("The customer features need a customer_id column (or index) to follow customers over time.")
    labels = assign_fn(frame)
    if isinstance(labels, pd.Series) and labels.index.isin(frame["customer_id"]).all() and len(labels):
        return labels.astype("int64")
    values = np.asarray(labels)
    if len(values) != len(frame):
        raise DataError("The segment assignment returned a different number of customers than it was given.")
    return pd.Series(values.astype("int64"), index=pd.Index(frame["customer_id"].astype(str), name="customer_id"))


def _direction(before: str, after: str, rank: Mapping[str, float]) -> str:
    if before == NEW:
        return NEW
    if before == INACTIVE:
        return "returned"
    if after == INACTIVE:
        return INACTIVE
    if before == after:
        return "stayed"
    a, b = rank.get(before), rank.get(after)
    if a is None or b is None or a == b:
        return "changed"
    return "up" if b > a else "down"


def migration(
    tx_canonical: pd.DataFrame,
    assign_fn: AssignFn,
    value_order: Mapping[int, float],
    *,
    names: Mapping[int, str] | None = None,
    n_periods: int = 2,
    cut_dates: Sequence[object] | None = None,
    features_fn: FeaturesFn | None = None,
) -> Migration:
    """Follow customers across periods: features per period, assignment to existing segments, transitions.

    Parameters
    ----------
    tx_canonical : pandas.DataFrame
        Canonical transactions (``customer_id``, ``timestamp``, ``amount``, ...; see :mod:`core.transactions`).
        Not modified.
    assign_fn : callable
        ``assign_fn(features) -> labels``: segment ids for a frame of customer features (one row per customer,
        a ``customer_id`` column), as an array aligned with its rows or a Series indexed by ``customer_id``.
    value_order : mapping of int to float
        Segment id -> value rank (higher = more valuable, e.g. mean spend), to tell moves up from moves down.
    names : mapping of int to str, optional
        Segment id -> display name (default ``Segment <id>``, ``Noise`` for -1).
    n_periods, cut_dates
        How to split the history (see :func:`split_periods`).
    features_fn : callable, optional
        Transactions -> customer features; default :func:`core.features.customer_features`.

    Returns
    -------
    Migration
        Periods, transition matrix, counts per direction and one flow row per customer and period pair.
    """
    if features_fn is None:
        from core.features import customer_features as features_fn
    periods = split_periods(tx_canonical["timestamp"], n_periods=n_periods, cut_dates=cut_dates)
    names = dict(names or {})

    def name_of(segment: int) -> str:
        return display_name(segment, names)

    per_period: list[pd.Series] = []
    for row in periods.itertuples(index=False):
        inside = tx_canonical.loc[(tx_canonical["timestamp"] >= row.start) & (tx_canonical["timestamp"] < row.end)]
        if inside.empty:
            per_period.append(pd.Series(dtype="string"))
            continue
        labels = _labels_for(features_fn(inside), assign_fn)
        per_period.append(labels.map(name_of).astype("string"))
    periods = periods.assign(customers=[len(p) for p in per_period])
    if (periods["customers"] == 0).any():
        empty = periods.loc[periods["customers"] == 0, "period"].iloc[0]
        raise DataError(f"No customer bought anything in {empty}; choose other cut dates or fewer periods.")
    rank = {name_of(int(s)): float(v) for s, v in value_order.items()}
    flows = []
    seen: set[str] = set(per_period[0].index)
    for i in range(1, len(per_period)):
        before, after = per_period[i - 1], per_period[i]
        step = f"{periods['period'].iloc[i - 1]} → {periods['period'].iloc[i]}"
        everyone = before.index.union(after.index)
        came = before.reindex(everyone)
        went = after.reindex(everyone).fillna(INACTIVE)
        never = ~everyone.isin(list(seen))
        came = came.mask(came.isna() & never, NEW).fillna(INACTIVE)
        frame = pd.DataFrame({"step": step, "customer_id": everyone, "from": came.to_numpy(), "to": went.to_numpy()})
        frame = frame.loc[~((frame["from"] == INACTIVE) & (frame["to"] == INACTIVE))]
        flows.append(frame)
        seen |= set(after.index)
    flows_frame = pd.concat(flows, ignore_index=True)
    flows_frame["direction"] = [
        _direction(a, b, rank) for a, b in zip(flows_frame["from"], flows_frame["to"], strict=True)
    ]
    ordered = [name_of(s) for s in sorted(set(value_order) | {int(s) for s in names})]
    present = set(flows_frame["from"]) | set(flows_frame["to"])
    segments = [s for s in ordered if s in present] + sorted(present - set(ordered) - {NEW, INACTIVE})
    matrix = pd.crosstab(flows_frame["from"], flows_frame["to"]).reindex(
        index=[*segments, NEW, INACTIVE], columns=[*segments, INACTIVE], fill_value=0
    )
    matrix = matrix.loc[(matrix.sum(axis=1) > 0) | matrix.index.isin(segments)]
    matrix.index.name, matrix.columns.name = "from", "to"
    tally = flows_frame["direction"].value_counts()
    counts = {
        "moved_up": int(tally.get("up", 0)),
        "moved_down": int(tally.get("down", 0)),
        "stayed": int(tally.get("stayed", 0)),
        "changed": int(tally.get("changed", 0)),
        "went_inactive": int(tally.get(INACTIVE, 0)),
        "new": int(tally.get(NEW, 0)),
        "returned": int(tally.get("returned", 0)),
    }
    sentence = (
        f"Across {len(periods)} periods, {counts['moved_up']:,} customers moved to a higher-value segment, "
        f"{counts['moved_down']:,} to a lower one, {counts['stayed']:,} stayed and {counts['went_inactive']:,} "
        f"went inactive; {counts['new']:,} were new."
    )
    return Migration(
        periods=periods, matrix=matrix.astype("int64"), counts=counts, flows=flows_frame, sentence=sentence
    )


def value_order_by_spend(tx_canonical: pd.DataFrame, segment_by_customer: pd.Series) -> dict[int, float]:
    """Rank segments by the mean net spend per customer over the whole history (higher = more valuable).

    Parameters
    ----------
    tx_canonical : pandas.DataFrame
        Canonical transactions (``customer_id``, ``amount``).
    segment_by_customer : pandas.Series
        Index ``customer_id``, values segment **ids** (int).

    Returns
    -------
    dict of int to float
        Segment id -> mean spend per customer (segments without transactions get 0).
    """
    spend = tx_canonical.groupby("customer_id")["amount"].sum()
    per_customer = spend.reindex(segment_by_customer.index.astype(str)).fillna(0.0)
    means = per_customer.groupby(segment_by_customer.to_numpy()).mean()
    return {int(segment): float(value) for segment, value in means.items()}
