"""Transaction tables: find the columns by role, and turn any bank's layout into one canonical frame.

Column names differ between banks, so roles are inferred from names *and* contents, and the caller may
override any of them. Every later stage (customer features, fraud, trends) reads only the canonical frame:

==============  ==========================================================================
column          meaning
==============  ==========================================================================
``row``         position of the transaction in the input file (0-based), for input-order outputs
``customer_id`` customer or card key, as text
``timestamp``   ``datetime64[ns]``
``amount``      float; negative amounts are refunds
``is_refund``   bool, ``amount < 0``
``category``    text, when the input has one (likewise ``merchant``, ``channel``, ``transaction_id``)
``label``       0/1 fraud label, when the input has one; never used to fit unsupervised scores
``lat`` ...     ``lat``, ``lon``, ``merch_lat``, ``merch_lon`` as floats, when the input has them
==============  ==========================================================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace

import numpy as np
import pandas as pd

from core.errors import DataError

# Name patterns per role, best first. Matched against the lower-cased column name with spaces -> "_".
_NAME_PATTERNS: dict[str, tuple[str, ...]] = {
    "customer": (
        r"^(customer|cust|client|member|account|acct)(_?(id|no|number|key|num))?$",
        r"(customer|cust|client|account|acct)_?(id|key|no|number|num)",
        r"^(cc_num|card_?(id|no|number|num)?|pan)$",
        r"card",
        r"^id$",
    ),
    "timestamp": (
        r"^(trans(action)?_?)?(date_?)?(trans_?)?(time|timestamp|datetime)$",
        r"^trans_date_trans_time$",
        r"(timestamp|datetime|posted|booking_date|transaction_date|trans_date|txn_date)",
        r"^date$",
        r"(date|time)",
    ),
    "amount": (
        r"^(amt|amount|transaction_amount|trans_amount|txn_amount|value|spend)$",
        r"(amount|amt)",
        r"(value|spend|sum|price)",
    ),
    "category": (r"^(category|merchant_category|mcc|mcc_description|spend_category)$", r"categ"),
    "merchant": (r"^(merchant|merchant_name|payee|counterparty|merchant_id)$", r"merch(?!.*(lat|long|zip))"),
    "channel": (r"^(channel|entry_mode|pos_entry_mode|transaction_type|trans_type)$", r"channel"),
    "label": (r"^(is_?fraud|fraud|fraud_?flag|is_fraudulent|label|class)$", r"fraud"),
    "transaction_id": (r"^(trans_num|transaction_id|txn_id|trans_id|transaction_number)$",),
    "lat": (r"^(lat|latitude|customer_lat|cust_lat)$",),
    "lon": (r"^(long|lon|lng|longitude|customer_long|cust_lon)$",),
    "merch_lat": (r"^(merch_lat|merchant_lat|merchant_latitude)$",),
    "merch_lon": (r"^(merch_long|merch_lon|merchant_long|merchant_lon|merchant_longitude)$",),
}
_NOT_A_TIMESTAMP = re.compile(r"(dob|birth|expir|unix)")
# A UTC offset at the end of a text timestamp ("Z", "+01:00", " +0200", " UTC"), and the same after a clock time
# (so the year of "05-01-2024" is never taken for an offset).
_UTC_OFFSET = r"\s*(?:Z|UTC|GMT|[+-]\d{2}:?\d{2})$"
_TIME_THEN_OFFSET = r"\d:\d{2}(?::\d{2}(?:[.,]\d+)?)?" + _UTC_OFFSET
_OPTIONAL_ROLES = ("category", "merchant", "channel", "label", "transaction_id", "lat", "lon", "merch_lat", "merch_lon")


@dataclass(frozen=True)
class TransactionColumns:
    """Which input column plays which role in a transaction table (``None`` = absent).

    ``customer``, ``timestamp`` and ``amount`` are required by every stage; the rest enrich it.
    """

    customer: str | None = None
    timestamp: str | None = None
    amount: str | None = None
    category: str | None = None
    merchant: str | None = None
    channel: str | None = None
    label: str | None = None
    transaction_id: str | None = None
    lat: str | None = None
    lon: str | None = None
    merch_lat: str | None = None
    merch_lon: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        """Return role -> column name, for display and JSON."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def missing_required(self) -> list[str]:
        """Return the required roles that have no column yet."""
        return [role for role in ("customer", "timestamp", "amount") if getattr(self, role) is None]


@dataclass(frozen=True)
class TransactionReport:
    """What :func:`standardize_transactions` did to the input."""

    rows_in: int
    rows_out: int
    duplicates_dropped: int
    bad_timestamps_dropped: int
    bad_amounts_dropped: int
    refunds: int
    timestamp_format: str
    notes: tuple[str, ...] = ()


def _normalise_name(name: object) -> str:
    return re.sub(r"[\s\-./]+", "_", str(name).strip().lower())


def _looks_like_timestamps(series: pd.Series) -> bool:
    if pd.api.types.is_datetime64_any_dtype(series):
        return True
    if pd.api.types.is_numeric_dtype(series):
        return False
    sample = series.dropna().astype(str).head(200)
    if sample.empty:
        return False
    parsed = parse_timestamps(sample)[0]
    return bool(parsed.notna().mean() >= 0.9)


def _is_binary(series: pd.Series) -> bool:
    values = pd.unique(series.dropna())
    return 0 < len(values) <= 2 and set(pd.to_numeric(pd.Series(values), errors="coerce").tolist()) <= {0, 1}


def _content_fits(role: str, series: pd.Series) -> bool:
    if role == "timestamp":
        return _looks_like_timestamps(series)
    if role == "amount":
        if pd.api.types.is_bool_dtype(series):
            return False
        if pd.api.types.is_numeric_dtype(series):
            return True
        sample = series.dropna().head(200)
        return not sample.empty and bool(parse_amounts(sample).notna().mean() >= 0.9)
    if role == "label":
        return _is_binary(series)
    if role in ("lat", "lon", "merch_lat", "merch_lon"):
        return pd.api.types.is_numeric_dtype(series)
    return True


def infer_transaction_columns(frame: pd.DataFrame) -> TransactionColumns:
    """Guess which column holds each transaction role, from names first and contents second.

    Parameters
    ----------
    frame : pandas.DataFrame
        A transaction table as loaded by :func:`core.io.read_table`.

    Returns
    -------
    TransactionColumns
        Roles that could not be found are ``None``; check :meth:`TransactionColumns.missing_required`.

    Examples
    --------
    >>> df = pd.DataFrame({"Card No": ["a"], "Posted": ["2024-01-02"], "Amt": [3.5], "is_fraud": [0]})
    >>> cols = infer_transaction_columns(df)
    >>> (cols.customer, cols.timestamp, cols.amount, cols.label)
    ('Card No', 'Posted', 'Amt', 'is_fraud')
    """
    names = {column: _normalise_name(column) for column in frame.columns}
    chosen: dict[str, str] = {}
    used: set[str] = set()
    for role, patterns in _NAME_PATTERNS.items():
        for pattern in patterns:
            regex = re.compile(pattern)
            for column, name in names.items():
                if column in used or not regex.search(name):
                    continue
                if role == "timestamp" and _NOT_A_TIMESTAMP.search(name):
                    continue
                if _content_fits(role, frame[column]):
                    chosen[role] = column
                    used.add(column)
                    break
            if role in chosen:
                break
    if "timestamp" not in chosen:  # fall back on contents: the first column that parses as dates
        for column in frame.columns:
            if column not in used and not _NOT_A_TIMESTAMP.search(names[column]):
                if _looks_like_timestamps(frame[column]):
                    chosen["timestamp"] = column
                    used.add(column)
                    break
    return TransactionColumns(**chosen)


def parse_timestamps(values: pd.Series) -> tuple[pd.Series, str]:
    """Parse timestamps in any common format; return the parsed series and a description of the format."""
    if pd.api.types.is_datetime64_any_dtype(values):
        parsed = pd.to_datetime(values)
        if isinstance(parsed.dtype, pd.DatetimeTZDtype):  # keep the local clock time the card holder saw
            parsed = parsed.dt.tz_localize(None)
        return parsed.astype("datetime64[ns]"), "already dates"
    if pd.api.types.is_numeric_dtype(values):
        numbers = pd.to_numeric(values, errors="coerce")
        median = float(np.nanmedian(numbers)) if numbers.notna().any() else 0.0
        unit = "ms" if median > 1e11 else "s"
        parsed = pd.to_datetime(numbers, unit=unit, errors="coerce")
        return parsed.astype("datetime64[ns]"), f"Unix time ({unit})"
    text = values.astype("string").str.strip()
    # A UTC offset ("Z", "+01:00", "+0200") is dropped: the local clock time is kept, which is what night-time
    # and day-of-week features need, and files whose offsets change with daylight saving stay readable.
    offset = text.str.contains(_TIME_THEN_OFFSET, regex=True, na=False)
    if offset.any():
        text = text.mask(offset, text[offset].str.replace(_UTC_OFFSET, "", regex=True))
    iso = pd.to_datetime(text, format="ISO8601", errors="coerce")
    if iso.notna().sum() >= 0.95 * text.notna().sum():
        return iso.astype("datetime64[ns]"), "ISO 8601"
    parts = text.str.extract(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2,4})")
    first = pd.to_numeric(parts[0], errors="coerce")
    second = pd.to_numeric(parts[1], errors="coerce")
    if (second > 12).any() and not (first > 12).any():
        dayfirst, description = False, "month first (MM/DD/YYYY)"
    else:
        dayfirst = True
        description = "day first (DD/MM/YYYY)"
        if not (first > 12).any():
            description += "; ambiguous dates were read day first"
    parsed = pd.to_datetime(text, dayfirst=dayfirst, format="mixed", errors="coerce")
    return parsed.astype("datetime64[ns]"), description


def parse_amounts(values: pd.Series) -> pd.Series:
    """Parse amounts given as numbers or text ("EUR 1.234,50", "(3.00)" for a negative); unreadable -> NaN."""
    if pd.api.types.is_numeric_dtype(values):
        return pd.to_numeric(values, errors="coerce").astype("float64")
    text = values.astype("string").str.replace(r"[^\d,.\-()]", "", regex=True)
    negative = text.str.startswith("(") & text.str.endswith(")")
    text = text.str.strip("()")
    # The last separator followed by one or two digits is the decimal mark ("1.234,50" and "1,234.50").
    comma_decimal = text.str.contains(r",\d{1,2}$", regex=True, na=False)
    european = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    text = european.where(comma_decimal, text.str.replace(",", "", regex=False))
    numbers = pd.to_numeric(text, errors="coerce").astype("float64")
    return numbers.where(~negative.fillna(False), -numbers)


def standardize_transactions(
    frame: pd.DataFrame, columns: TransactionColumns
) -> tuple[pd.DataFrame, TransactionReport]:
    """Turn a transaction table of any layout into the canonical frame described in the module docstring.

    Parameters
    ----------
    frame : pandas.DataFrame
        The transaction table as loaded. Not modified.
    columns : TransactionColumns
        The role mapping (inferred and possibly corrected by the user).

    Returns
    -------
    tuple of (pandas.DataFrame, TransactionReport)
        The canonical frame (exact duplicate transactions and rows without a usable timestamp or amount
        dropped, sorted by customer and time, original position kept in ``row``) and what was done.

    Raises
    ------
    DataError
        When a required role is missing or names a column that is not in the table, or nothing is usable.
    """
    missing = columns.missing_required()
    if missing:
        raise DataError(
            "The transaction table needs a column for each of: "
            + ", ".join(missing)
            + ". Pick them in the column-role table (customer or card id, date/time, amount)."
        )
    for role, column in columns.as_dict().items():
        if column is not None and column not in frame.columns:
            raise DataError(f"Column {column!r} (chosen as {role}) is not in this transaction table.")
    rows_in = len(frame)
    if rows_in == 0:
        raise DataError("The transaction table has no rows.")
    source = frame.reset_index(drop=True)
    duplicated = source.duplicated()
    source = source.loc[~duplicated]
    timestamps, timestamp_format = parse_timestamps(source[columns.timestamp])
    amounts = parse_amounts(source[columns.amount])
    out = pd.DataFrame(
        {
            "row": source.index.to_numpy(dtype="int64"),
            "customer_id": source[columns.customer].astype("string").str.strip().to_numpy(),
            "timestamp": timestamps.to_numpy(),
            "amount": amounts.to_numpy(),
        }
    )
    for role in _OPTIONAL_ROLES:
        column = getattr(columns, role)
        if column is None:
            continue
        values = source[column]
        if role == "label":
            out[role] = pd.to_numeric(values, errors="coerce").to_numpy()
        elif role in ("lat", "lon", "merch_lat", "merch_lon"):
            out[role] = pd.to_numeric(values, errors="coerce").astype("float64").to_numpy()
        else:
            out[role] = values.astype("string").to_numpy()
    bad_time = out["timestamp"].isna()
    bad_amount = out["amount"].isna() & ~bad_time
    bad_customer = out["customer_id"].isna()
    out = out.loc[~(bad_time | bad_amount | bad_customer)]
    if out.empty:
        raise DataError(
            f"No transaction has a readable date and amount in columns {columns.timestamp!r} and "
            f"{columns.amount!r}. Check the column roles."
        )
    out["is_refund"] = out["amount"] < 0
    out = out.sort_values(["customer_id", "timestamp", "row"], kind="stable").reset_index(drop=True)
    notes = []
    if int(bad_customer.sum()):
        notes.append(f"{int(bad_customer.sum())} rows without a customer id were dropped.")
    report = TransactionReport(
        rows_in=rows_in,
        rows_out=len(out),
        duplicates_dropped=int(duplicated.sum()),
        bad_timestamps_dropped=int(bad_time.sum()),
        bad_amounts_dropped=int(bad_amount.sum()),
        refunds=int(out["is_refund"].sum()),
        timestamp_format=timestamp_format,
        notes=tuple(notes),
    )
    return out, report


def with_overrides(columns: TransactionColumns, overrides: dict[str, str | None]) -> TransactionColumns:
    """Return ``columns`` with the user's corrections applied (role -> column name or ``None``)."""
    known = {f.name for f in fields(TransactionColumns)}
    unknown = set(overrides) - known
    if unknown:
        raise DataError(f"Unknown transaction roles: {', '.join(sorted(unknown))}.")
    return replace(columns, **overrides)
