"""Transactions scored for fraud in a portfolio run: the plan decided once, and the per-group steps both engines run.

The fraud score of :func:`core.fraud.score_transactions` mixes three kinds of work:

- **per row**: reading cells (amounts, labels, coordinates), masking card numbers, the rule points and the
  Isolation Forest's path lengths;
- **per customer**: every history feature (leave-one-out amounts, velocity, first category or merchant, usual
  location), so a group of whole customers gives the same values as the whole table;
- **per table**: the category norms (median, MAD and rank of each amount in its category), the forest's fit,
  the percentile ranks that blend model and rules, and the alert budget.

The pandas engine runs :func:`core.fraud.score_transactions` itself on the whole table. The Spark engine runs the
per-customer steps in ``groupBy(customer).applyInPandas`` with the functions below and computes the per-table
parts once: the norms from one count aggregation (:func:`core.fraud.category_norms`), the forest on the driver
from :func:`core.fraud.forest_rows`'s sample, the ranks as exact prefix counts over sorted scores. Both engines
therefore give the same scores, ranks and alerts.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from core.cards import mask_card_text
from core.errors import DataError, excerpt
from core.scale._inputs import read_columns, readable_as_numbers
from core.transactions import (
    _MIDNIGHT_SHARE,
    AMBIGUOUS_DAY_FIRST,
    DAY_FIRST,
    MONTH_FIRST,
    SPENDING_NEGATIVE_NOTE,
    TransactionColumns,
    infer_transaction_columns,
    key_choice_note,
    standardize_transactions,
)

ROW = "_row"  # input position over all files, in name order: the canonical ``row``
TEXT_ROLES = ("customer", "category", "merchant", "channel", "transaction_id")  # card numbers masked on read
CANONICAL_TEXT = ("customer_id", "category", "merchant", "channel", "transaction_id")
CANONICAL_FLOAT = ("label", "lat", "lon", "merch_lat", "merch_lon")
SCORE_COLUMNS = ("score", "rank", "flagged", "reasons", "model_score", "rule_score")
ROLE_SAMPLE_ROWS = 20_000
DAY_NS = 86_400 * 10**9


@dataclass(frozen=True)
class FileReadings:
    """How the whole transaction input is read, decided once per run (never per group of customers).

    Attributes
    ----------
    spending_negative : bool
        Most amounts are negative, so the file writes spending negative: every amount is flipped
        (:func:`core.transactions.money_out_is_negative`). Always False for money out / money in columns.
    date_only : bool
        (Nearly) every timestamp is at 00:00, so the file has no time of day: night and within-an-hour features
        are left out (:func:`core.transactions.date_only`).
    date_format : str or None
        How the dates are written (:func:`core.transactions.parse_timestamps`' description, e.g. ``month first
        (MM/DD/YYYY)``), read alike in every group (:func:`file_date_format`); None when not recorded.
    """

    spending_negative: bool
    date_only: bool
    date_format: str | None = None

    @property
    def notes(self) -> tuple[str, ...]:
        """The sentence for the summary when the signs were flipped (the fraud notes say when dates have no time)."""
        return (SPENDING_NEGATIVE_NOTE,) if self.spending_negative else ()


def sign_and_clock_counts(canonical: pd.DataFrame) -> dict[str, int]:
    """Count what the readings are decided from, in canonical rows whose amounts are not flipped yet.

    ``negative`` and ``positive``: finite non-zero amounts below and above zero; ``midnight``: timestamps exactly
    at 00:00:00, of ``stamped`` timestamps. Counts of groups of rows add up to the whole input's (the Spark
    engine counts the same in one aggregation).
    """
    amounts = canonical["amount"].to_numpy(dtype="float64")
    finite = np.isfinite(amounts)
    stamps = canonical["timestamp"].dropna().to_numpy(dtype="datetime64[ns]").astype("int64")
    return {
        "negative": int((finite & (amounts < 0)).sum()),
        "positive": int((finite & (amounts > 0)).sum()),
        "midnight": int((stamps % DAY_NS == 0).sum()),
        "stamped": len(stamps),
    }


def file_readings(*, negative: int, positive: int, midnight: int, stamped: int, amount_column: bool) -> FileReadings:
    """Decide the readings from :func:`sign_and_clock_counts` of the whole input.

    The rules of :func:`core.transactions.money_out_is_negative` (more than half of the finite non-zero amounts
    negative) and :func:`core.transactions.date_only` (at least 99% of the timestamps at midnight), on counts.
    A file of money out and money in columns is signed by them (spending positive): never flipped.
    """
    spending_negative = amount_column and negative + positive > 0 and negative / (negative + positive) > 0.5
    return FileReadings(
        spending_negative=bool(spending_negative),
        date_only=bool(stamped > 0 and midnight / stamped >= _MIDNIGHT_SHARE),
    )


@dataclass(frozen=True)
class TransactionCounts:
    """What the transaction part of a run did: rows read and scored, alerts raised, notes, customers keyed."""

    rows_in: int
    rows_scored: int
    alerts: int
    notes: tuple[str, ...]
    customers: int | None = None
    readings: FileReadings | None = None
    money_in: int | None = None  # rows read as money in (payments, salary, transfers in): kept, not scored


@dataclass(frozen=True)
class TransactionPlan:
    """What every group of transactions is read with, decided once on the driver.

    Attributes
    ----------
    columns : TransactionColumns
        The roles, inferred from the first rows of the first file.
    source : tuple of str
        Every input column (duplicate transactions are judged on all of them, as the app does).
    key : bytes
        The card-number masking key of this run (:data:`core.cards.MASK_KEY`), shipped to Spark's workers.
    key_note : str or None
        Which column was taken as the customer when another could key the transactions too, with the customers
        each gives in the rows the roles were inferred from (:func:`core.transactions.key_choice_note`).
    numeric_dates : bool
        The date column holds numbers in those rows (``yyyymmdd``, an hour counter, Unix time): CSV cells, read as
        text, are read back as numbers, as the app's loader types the column.
    """

    columns: TransactionColumns
    source: tuple[str, ...]
    key: bytes
    key_note: str | None = None
    numeric_dates: bool = False

    @property
    def optional(self) -> tuple[str, ...]:
        """The optional canonical columns this input has (category, merchant, label, coordinates ...)."""
        present = {role for role, column in self.columns.as_dict().items() if column is not None}
        return tuple(c for c in (*CANONICAL_TEXT[1:], *CANONICAL_FLOAT) if c in present)


def plan_transactions(files: tuple[Path, ...], fmt: str, key: bytes) -> TransactionPlan:
    """Infer the transaction roles from the first rows of the first file and check every file has the columns.

    Raises
    ------
    DataError
        When no column reads as the timestamp or the amount, or a file lacks a column the first one has.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    first = files[0]
    try:
        if fmt == "csv":
            sample = pd.read_csv(first, nrows=ROLE_SAMPLE_ROWS)
        else:
            batch = next(pq.ParquetFile(first).iter_batches(batch_size=ROLE_SAMPLE_ROWS), None)
            sample = batch.to_pandas() if batch is not None else pq.read_schema(first).empty_table().to_pandas()
    except (ValueError, OSError, UnicodeDecodeError, pa.ArrowException) as error:
        raise DataError(f"{first.name} cannot be read as {fmt.upper()}: {excerpt(str(error))}") from None
    if sample.empty:
        raise DataError(f"{first.name} holds no transactions.")
    columns = infer_transaction_columns(sample)
    missing = [role for role in columns.missing_required() if role != "customer"]
    if missing:
        raise DataError(
            f"{first.name}: no column reads as the transaction {' or '.join(missing)} (columns: "
            f"{excerpt(', '.join(map(str, sample.columns)))})."
        )
    source = tuple(map(str, sample.columns))
    for file in files[1:]:
        header = (pd.read_csv(file, nrows=0).columns if fmt == "csv" else pd.Index(pq.read_schema(file).names)).map(str)
        lacking = [c for c in source if c not in header]
        if lacking:
            raise DataError(f"{file.name} lacks the transaction column(s) {excerpt(', '.join(lacking))}.")
    note = key_choice_note(sample, columns, rows=f" in the first {len(sample):,} rows of {first.name}")
    stamp = columns.timestamp
    numeric_dates = isinstance(stamp, str) and pd.api.types.is_numeric_dtype(sample[stamp])
    numeric_dates = numeric_dates and not pd.api.types.is_bool_dtype(sample[stamp])
    return TransactionPlan(columns=columns, source=source, key=key, key_note=note, numeric_dates=numeric_dates)


def check_transaction_types(files: tuple[Path, ...], fmt: str, plan: TransactionPlan) -> None:
    """Refuse Parquet files whose amount or coordinates are neither numbers nor text (dates, lists, ...).

    Raises
    ------
    DataError
        Naming the file, the column and its type.
    """
    if fmt != "parquet":
        return
    import pyarrow.parquet as pq

    roles = plan.columns
    numeric = [roles.amount, roles.debit, roles.credit, roles.lat, roles.lon, roles.merch_lat, roles.merch_lon]
    for file in files:
        schema = pq.read_schema(file)
        for column in filter(None, numeric):
            kind = schema.field(column).type
            if not readable_as_numbers(kind):
                raise DataError(f"{file.name}: transaction column {column} holds {kind}, but it is read as numbers.")


def read_transactions(files: tuple[Path, ...], fmt: str, plan: TransactionPlan) -> pd.DataFrame:
    """Read every file (CSV cells as text, only an empty cell missing), with the input position in ``_row``."""
    frame = read_columns(files, fmt, list(plan.source))
    frame[ROW] = np.arange(len(frame), dtype="int64")
    return frame


AMBIGUOUS = AMBIGUOUS_DAY_FIRST  # parse_timestamps' own descriptions: the groups' readings are compared with them


def file_date_format(formats: set[str]) -> str | None:
    """Combine the date readings of groups of rows into the whole input's, or None when that is not exact.

    :func:`core.transactions.parse_timestamps` reads text dates day first when some first number is above 12
    (``DAY_FIRST``), month first when some second number is above 12 and no first is (``MONTH_FIRST``), and day
    first when nothing tells (``AMBIGUOUS``): over all rows that is ``DAY_FIRST`` if any group found a first
    number above 12, else ``MONTH_FIRST`` if any found a second one, else ``AMBIGUOUS``. Groups that agree read
    the file as they do (every group 95% ISO 8601 is the whole 95% ISO). Other mixtures (ISO in some groups,
    day-first in others; Unix seconds and milliseconds) depend on shares of the whole column: None.

    Examples
    --------
    >>> file_date_format({AMBIGUOUS, MONTH_FIRST})
    'month first (MM/DD/YYYY)'
    """
    if len(formats) == 1:
        return next(iter(formats))
    if formats and formats <= {DAY_FIRST, MONTH_FIRST, AMBIGUOUS}:
        return DAY_FIRST if DAY_FIRST in formats else MONTH_FIRST if MONTH_FIRST in formats else AMBIGUOUS
    return None


def canonical_group(
    frame: pd.DataFrame,
    plan: TransactionPlan,
    *,
    spending_negative: bool | None = None,
    date_format: str | None = None,
) -> tuple[pd.DataFrame, str]:
    """Mask card numbers and standardize one group of whole customers (or the whole table).

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows as read: the plan's ``source`` columns and ``_row``. Not modified.
    spending_negative : bool, optional
        The whole input's sign reading (:class:`FileReadings`); None decides it from ``frame`` alone.
    date_format : str, optional
        How the whole input writes its dates (:func:`file_date_format`); None decides it from ``frame`` alone.

    Returns
    -------
    tuple of (pandas.DataFrame, str)
        The canonical frame of :func:`core.transactions.standardize_transactions` with ``row`` the input
        position, and how its dates were read (a Spark run combines the groups' into the file's).
    """
    frame = frame.sort_values(ROW, kind="stable")
    source = frame.loc[:, list(plan.source)].reset_index(drop=True)
    for role in TEXT_ROLES:
        column = getattr(plan.columns, role)
        if column is not None and column in source.columns:
            source[column] = mask_card_text(source[column], plan.key)[0]
    if plan.numeric_dates and not pd.api.types.is_numeric_dtype(source[plan.columns.timestamp]):
        source[plan.columns.timestamp] = pd.to_numeric(source[plan.columns.timestamp], errors="coerce")
    canonical, report = standardize_transactions(
        source, plan.columns, spending_negative=spending_negative, date_format=date_format
    )
    canonical["row"] = frame[ROW].to_numpy(dtype="int64")[canonical["row"].to_numpy()]
    return canonical, report.timestamp_format


def canonical_whole(frame: pd.DataFrame, plan: TransactionPlan) -> tuple[pd.DataFrame, FileReadings]:
    """Standardize the whole input as the pandas engine does: the readings decided as on Spark, then applied.

    The rows are standardized with the signs as written, the readings decided from their counts
    (:func:`sign_and_clock_counts`, :func:`file_readings`), and standardized again with the signs flipped when the
    file writes spending negative, so that whatever :func:`core.transactions.standardize_transactions` derives
    from the sign (refunds, money in) follows the file's reading.
    """
    canonical, how = canonical_group(frame, plan, spending_negative=False)
    readings = file_readings(**sign_and_clock_counts(canonical), amount_column=plan.columns.amount is not None)
    readings = replace(readings, date_format=how)
    if readings.spending_negative:
        del canonical
        canonical, _ = canonical_group(frame, plan, spending_negative=True)
    return canonical, readings


def output_frame(canonical: pd.DataFrame, scored: pd.DataFrame, plan: TransactionPlan) -> pd.DataFrame:
    """Return the scored transactions as written: position, customer, time, amount, what the input adds, scores."""
    out = canonical.loc[:, ["row", "customer_id", "timestamp", "amount", *plan.optional]].copy()
    for column in SCORE_COLUMNS:
        out[column] = scored[column].to_numpy()
    out["reasons"] = out["reasons"].astype("object").fillna("").astype("str")
    out["customer_id"] = out["customer_id"].astype("str")
    for column in CANONICAL_TEXT[1:]:
        if column in out.columns:
            out[column] = out[column].astype("object")
    return out.sort_values("row", kind="stable").reset_index(drop=True)


def score_canonical_pandas(
    canonical: pd.DataFrame,
    rows_in: int,
    plan: TransactionPlan,
    folder: Path,
    *,
    readings: FileReadings,
    budget: int,
    budget_percent: float | None,
    random_state: int,
) -> TransactionCounts:
    """Score the canonical transactions of a run (``rows_in`` rows read, read as ``readings``) into ``folder``.

    :func:`core.fraud.score_transactions` decides whether the dates have a time of day from the whole table it
    is given, which is the whole input: the same rows and rule as ``readings.date_only``.
    """
    from core.fraud import score_transactions

    scored = score_transactions(canonical, budget=budget, budget_percent=budget_percent, random_state=random_state)
    out = output_frame(canonical, scored, plan)
    folder.mkdir()
    out.to_parquet(folder / "part-00000.parquet", index=False)
    return TransactionCounts(
        rows_in=rows_in,
        rows_scored=len(out),
        alerts=int(out["flagged"].sum()),
        notes=tuple(scored.attrs.get("notes", ())),
        customers=int(canonical["customer_id"].nunique()),
        readings=readings,
        money_in=int(canonical["is_money_in"].sum()) if "is_money_in" in canonical.columns else 0,
    )
