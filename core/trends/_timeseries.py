"""Time aggregation: transactions (or any dated table) -> one value per period, per segment and overall.

Everything here returns the same *long* frame, so charts, forecasts and the workbook read one shape:

===========  ===============================================================================
column       meaning
===========  ===============================================================================
``period``   ``datetime64[ns]``, the first day of the period (month start, or the Monday of the week)
``segment``  segment display name; :data:`ALL` holds every customer, segmented or not
``metric``   ``spend``, ``transactions``, ``active_customers``, ``avg_ticket`` (or the value column)
``value``    float
===========  ===============================================================================

Spend is *net*: refunds (negative amounts) are subtracted in the period they were booked, so a month with
many returns shows less spend. Transactions, active customers and the average ticket count purchases only
(a refund is not a visit), and the average ticket is gross purchase amount / purchases. A period without any
purchase is 0 for the counts and spend and empty (NaN) for the average ticket, which is undefined there.
Money in that is no refund (``is_money_in``: a bill payment to the card, salary, a transfer in; see
:mod:`core.money_in`) is left out altogether: a salary month is not a month of negative spend.

A first or last period that the data covers only in part (say, a file that ends on the 21st) would look like a
sudden drop, so by default it is left out; the reason is in ``frame.attrs["notes"]``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from core.errors import DataError

ALL = "All customers"
METRICS: tuple[str, ...] = ("spend", "transactions", "active_customers", "avg_ticket")
FREQUENCIES: dict[str, str] = {"MS": "month", "W-MON": "week", "D": "day"}
SEASON_LENGTH: dict[str, int] = {"MS": 12, "W-MON": 52, "D": 7}  # days: the week's pattern
_COUNT_METRICS = ("spend", "transactions", "active_customers")
_MIN_COVERAGE = 0.85  # share of a period's days the data must span for that edge period to be kept


def _check_freq(freq: str) -> None:
    if freq not in FREQUENCIES:
        raise DataError(f"Choose monthly ('MS'), weekly ('W-MON') or daily ('D') periods, not {freq!r}.")


def default_freq(timestamps: pd.Series) -> str:
    """Choose the periods a history reads best in: months from 6 months on, weeks from 8 weeks, else days.

    A one-month statement in months is one or two points; in days it has a trend and the week's pattern.

    >>> default_freq(pd.Series(pd.to_datetime(["2024-01-01", "2024-12-31"])))
    'MS'
    >>> default_freq(pd.Series(pd.to_datetime(["2024-01-01", "2024-01-31"])))
    'D'
    """
    span = timestamps.max() - timestamps.min()
    if pd.isna(span) or span >= pd.Timedelta(days=180):
        return "MS"
    return "W-MON" if span >= pd.Timedelta(days=56) else "D"


def period_start(timestamps: pd.Series, freq: str = "MS") -> pd.Series:
    """Return the first day of each timestamp's period (month start, the Monday of its week, or the day itself).

    Examples
    --------
    >>> period_start(pd.Series(pd.to_datetime(["2024-03-17", "2024-03-01"])), "W-MON").dt.day.tolist()
    [11, 26]
    """
    _check_freq(freq)
    periods = timestamps.dt.to_period({"MS": "M", "W-MON": "W-SUN", "D": "D"}[freq])  # weeks run Monday..Sunday
    return periods.dt.start_time.astype("datetime64[ns]")


def _edge_notes(timestamps: pd.Series, freq: str) -> tuple[list[pd.Timestamp], list[str]]:
    """Find a first or last period the data covers only partly; return those periods and a sentence each."""
    first, last = timestamps.min().normalize(), timestamps.max().normalize()
    unit = FREQUENCIES[freq]
    offset = pd.tseries.frequencies.to_offset(freq)
    dropped: list[pd.Timestamp] = []
    notes: list[str] = []
    first_start = period_start(pd.Series([first]), freq).iloc[0]
    last_start = period_start(pd.Series([last]), freq).iloc[0]
    if first_start == last_start:
        return dropped, notes
    for start, covered_from, covered_to, which in (
        (first_start, first, None, "first"),
        (last_start, None, last, "last"),
    ):
        end = start + offset - pd.Timedelta(days=1)
        days = (end - start).days + 1
        span = ((end - covered_from).days + 1) if covered_from is not None else ((covered_to - start).days + 1)
        if span / days < _MIN_COVERAGE:
            dropped.append(start)
            edge = f"from {covered_from:%d %b %Y}" if covered_from is not None else f"up to {covered_to:%d %b %Y}"
            notes.append(
                f"The {which} {unit} (starting {start:%d %b %Y}) holds data {edge} only, so it is left out: "
                f"a part-{unit} would look like a sudden change."
            )
    return dropped, notes


def _segment_order(segment_by_customer: pd.Series | None) -> list[str]:
    if segment_by_customer is None:
        return []
    if isinstance(segment_by_customer.dtype, pd.CategoricalDtype):
        return [str(c) for c in segment_by_customer.cat.categories]
    return [str(v) for v in pd.unique(segment_by_customer.dropna())]


def aggregate(
    tx_canonical: pd.DataFrame,
    segment_by_customer: pd.Series | None = None,
    *,
    freq: str = "MS",
    metrics: Sequence[str] = METRICS,
    complete_periods_only: bool = True,
) -> pd.DataFrame:
    """Aggregate canonical transactions into one value per period, metric and segment (plus overall).

    Parameters
    ----------
    tx_canonical : pandas.DataFrame
        The canonical frame of :mod:`core.transactions`; reads ``customer_id``, ``timestamp``, ``amount``,
        ``is_refund`` and ``is_money_in`` (those rows are left out). Not modified.
    segment_by_customer : pandas.Series, optional
        Index ``customer_id``, values segment display names (a Categorical keeps its category order).
        Customers missing from it count in :data:`ALL` only.
    freq : {"MS", "W-MON"}
        Monthly or weekly (Monday to Sunday) periods.
    metrics : sequence of str
        Any of :data:`METRICS`.
    complete_periods_only : bool
        Leave out a first or last period the data covers only in part (see the module docstring).

    Returns
    -------
    pandas.DataFrame
        Long frame ``period, segment, metric, value`` (module docstring); segments in order, :data:`ALL` first;
        every period between the first and last is present. ``attrs["notes"]`` lists what was left out.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"], "amount": [10.0, -4.0, 6.0],
    ...                    "timestamp": pd.to_datetime(["2024-01-03", "2024-01-09", "2024-03-05"])})
    >>> tx["is_refund"] = tx["amount"] < 0
    >>> out = aggregate(tx, freq="MS", metrics=["spend"], complete_periods_only=False)
    >>> out["value"].tolist()
    [6.0, 0.0, 6.0]
    """
    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        raise DataError(f"Unknown metric(s) {', '.join(unknown)}; choose from {', '.join(METRICS)}.")
    missing = {"customer_id", "timestamp", "amount"} - set(tx_canonical.columns)
    if missing:
        raise DataError(
            "The transactions need a customer id, a date and an amount; missing: " + ", ".join(sorted(missing)) + "."
        )
    flags = [column for column in ("is_refund", "is_money_in") if column in tx_canonical]
    tx = tx_canonical[["customer_id", "timestamp", "amount", *flags]].reset_index(drop=True)
    tx = tx.dropna(subset=["customer_id", "timestamp", "amount"])
    money_in = tx.pop("is_money_in").fillna(False).astype(bool) if "is_money_in" in tx else None
    if money_in is not None and money_in.any():
        tx = tx.loc[~money_in]
        if tx.empty:
            raise DataError(
                "Every transaction is money in (bill payments, salary, transfers): there is no spending to show "
                "over time."
            )
    if tx.empty:
        raise DataError("There are no transactions with a date and an amount to show over time.")
    is_refund = tx["is_refund"].fillna(False) if "is_refund" in tx else tx["amount"] < 0
    tx = tx.assign(period=period_start(tx["timestamp"], freq), purchase=~is_refund.astype(bool))
    notes: list[str] = []
    if complete_periods_only:
        dropped, notes = _edge_notes(tx["timestamp"], freq)
        tx = tx.loc[~tx["period"].isin(dropped)]
    order = _segment_order(segment_by_customer)
    segment = tx["customer_id"].map(segment_by_customer) if segment_by_customer is not None else None
    parts = [tx.assign(segment=ALL)]
    if segment is not None:
        parts.append(tx.assign(segment=segment.astype("string")).dropna(subset=["segment"]))
    both = pd.concat(parts, ignore_index=True)
    both["gross"] = both["amount"].where(both["purchase"], 0.0)
    both["buyer"] = both["customer_id"].where(both["purchase"])
    grouped = both.groupby(["segment", "period"], sort=False)
    table = pd.DataFrame(
        {
            "spend": grouped["amount"].sum(),
            "transactions": grouped["purchase"].sum().astype("float64"),
            "active_customers": grouped["buyer"].nunique().astype("float64"),
            "gross": grouped["gross"].sum(),
        }
    )
    periods = pd.date_range(tx["period"].min(), tx["period"].max(), freq=freq)
    segments = [ALL, *[s for s in order if s != ALL]]
    full = pd.MultiIndex.from_product([segments, periods], names=["segment", "period"])
    table = table.reindex(full)
    table[[*_COUNT_METRICS, "gross"]] = table[[*_COUNT_METRICS, "gross"]].fillna(0.0)
    table["avg_ticket"] = (table["gross"] / table["transactions"]).where(table["transactions"] > 0)
    long = table[list(metrics)].reset_index().melt(["segment", "period"], var_name="metric", value_name="value")
    # melt keeps the metric order and, within a metric, the (segment, period) order; put segments first
    long["segment"] = pd.Categorical(long["segment"], categories=segments)
    long = long.sort_values("segment", kind="stable").reset_index(drop=True)
    long["segment"] = long["segment"].astype(str)
    long = long[["period", "segment", "metric", "value"]].astype({"value": "float64"})
    long.attrs["notes"] = notes
    return long


def regular_freq(index: pd.DatetimeIndex) -> str | None:
    """Return the frequency string of a regular date index (``"MS"``, ``"W-MON"``, ...), or None."""
    if index.freq is not None:
        return index.freqstr
    if len(index) < 3:
        return None
    with pd.option_context("future.infer_freq_returns_offset", True):
        offset = pd.infer_freq(index)
    return offset.freqstr if offset is not None else None


def series_of(long: pd.DataFrame, segment: str, metric: str) -> pd.Series:
    """Pick one series (index ``period`` with its frequency set) out of a long frame from :func:`aggregate`."""
    part = long.loc[(long["segment"] == segment) & (long["metric"] == metric)]
    series = part.set_index("period")["value"].sort_index()
    freq = regular_freq(series.index)
    if freq is not None:
        series = series.asfreq(freq)
    series.name = f"{segment}: {metric}"
    return series


def aggregate_table(
    frame: pd.DataFrame,
    time_column: str,
    value_columns: Sequence[str],
    *,
    freq: str = "MS",
    group: pd.Series | None = None,
    how: str = "mean",
) -> pd.DataFrame:
    """Aggregate any table with a date column (e.g. monthly customer snapshots) per period and group.

    Parameters
    ----------
    frame : pandas.DataFrame
        Any table; ``time_column`` holds dates in any common format, ``value_columns`` numbers. Not modified.
    time_column, value_columns : str, sequence of str
        The date column and the columns to aggregate (each becomes a ``metric``).
    freq : {"MS", "W-MON"}
        Monthly or weekly periods.
    group : pandas.Series, optional
        Segment name per row, aligned with ``frame``'s index; rows without one count in :data:`ALL` only.
    how : {"mean", "sum", "median"}
        How the values within a period are combined. Periods without rows are 0 for ``sum``, else NaN.

    Returns
    -------
    pandas.DataFrame
        The long frame ``period, segment, metric, value`` of :func:`aggregate`.
    """
    from core.transactions import parse_timestamps

    if how not in ("mean", "sum", "median"):
        raise DataError(f"Combine values by mean, sum or median, not {how!r}.")
    missing = [c for c in [time_column, *value_columns] if c not in frame.columns]
    if missing:
        raise DataError(f"Column(s) {', '.join(map(repr, missing))} are not in the table.")
    timestamps, _ = parse_timestamps(frame[time_column])
    if timestamps.notna().sum() == 0:
        raise DataError(f"No value in {time_column!r} reads as a date; pick the table's date column.")
    values = frame[list(value_columns)].apply(pd.to_numeric, errors="coerce")
    data = values.assign(period=period_start(pd.Series(timestamps.to_numpy(), index=frame.index), freq))
    data = data.loc[data["period"].notna()]
    parts = [data.assign(segment=ALL)]
    order: list[str] = []
    if group is not None:
        labels = group.reindex(data.index).astype("string")
        parts.append(data.assign(segment=labels).dropna(subset=["segment"]))
        order = [s for s in _segment_order(group) if s != ALL]
    both = pd.concat(parts, ignore_index=True)
    table = both.groupby(["segment", "period"])[list(value_columns)].agg(how)
    periods = pd.date_range(data["period"].min(), data["period"].max(), freq=freq)
    full = pd.MultiIndex.from_product([[ALL, *order], periods], names=["segment", "period"])
    table = table.reindex(full)
    if how == "sum":
        table = table.fillna(0.0)
    long = table.reset_index().melt(["segment", "period"], var_name="metric", value_name="value")
    long = long[["period", "segment", "metric", "value"]].astype({"value": "float64", "metric": str})
    long.attrs["notes"] = []
    return long


def category_mix(
    tx_canonical: pd.DataFrame,
    segment_by_customer: pd.Series | None = None,
    *,
    segment: str = ALL,
    freq: str = "MS",
    top: int = 8,
) -> pd.DataFrame:
    """Share of purchase spend per category and period, for one segment (or everyone).

    Parameters
    ----------
    tx_canonical : pandas.DataFrame
        Canonical transactions with a ``category`` column. Not modified.
    segment_by_customer : pandas.Series, optional
        Index ``customer_id``, values segment names; needed unless ``segment`` is :data:`ALL`.
    segment : str
        The segment to show.
    freq : {"MS", "W-MON"}
        Monthly or weekly periods.
    top : int
        Categories beyond the ``top`` largest by total spend are pooled as ``Other``.

    Returns
    -------
    pandas.DataFrame
        ``period, category, spend, share`` (share of the period's purchase spend, 0..1; shares sum to 1).
    """
    if "category" not in tx_canonical.columns:
        raise DataError("The transactions have no category column; pick one in the column roles to see the mix.")
    tx = tx_canonical.loc[~tx_canonical["amount"].lt(0), ["customer_id", "timestamp", "amount", "category"]]
    if segment != ALL:
        if segment_by_customer is None:
            raise DataError("Segment the customers first to see a segment's category mix.")
        tx = tx.loc[tx["customer_id"].map(segment_by_customer).astype("string").eq(segment).fillna(False)]
    if tx.empty:
        raise DataError(f"{segment} has no purchases to show a category mix for.")
    tx = tx.assign(period=period_start(tx["timestamp"], freq), category=tx["category"].fillna("Unknown"))
    totals = tx.groupby("category")["amount"].sum().sort_values(ascending=False)
    keep = set(totals.index[:top])
    tx["category"] = tx["category"].where(tx["category"].isin(keep), "Other")
    mix = tx.groupby(["period", "category"], as_index=False)["amount"].sum().rename(columns={"amount": "spend"})
    period_total = mix.groupby("period")["spend"].transform("sum")
    mix["share"] = np.where(period_total > 0, mix["spend"] / period_total.where(period_total > 0, 1.0), 0.0)
    return mix.sort_values(["period", "spend"], ascending=[True, False], kind="stable").reset_index(drop=True)
