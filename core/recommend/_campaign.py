"""Campaign results files: which customer was offered what, and did they accept.

A results file has one row per contact with a customer id, an offer (id or name), an outcome and an
optional date. Good rows are kept; every bad row is reported with its line in the file and the reason,
so a user can fix just those lines. Files are parsed by the project's single loader (:mod:`core.io`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.errors import DataError
from core.io import load_table
from core.recommend._catalogue import normalise, without_formula_guard

__all__ = [
    "FEEDBACK_COLUMNS",
    "FeedbackFile",
    "customer_keys",
    "empty_feedback",
    "feedback_csv",
    "feedback_rows",
    "latest_outcomes",
    "read_feedback",
]

FEEDBACK_COLUMNS = ("customer_id", "offer_id", "outcome", "date")
ACCEPTED = frozenset({"accept", "accepted", "yes", "y", "1", "true", "t", "won", "converted"})
DECLINED = frozenset({"decline", "declined", "no", "n", "0", "false", "f", "rejected", "lost"})
_ROLES = {
    "customer": ("customer_id", "customer", "cust_id", "customer_key", "client_id", "client", "account_id", "id"),
    "offer": ("offer_id", "offer", "offer_name", "product", "product_id"),
    "outcome": ("outcome", "result", "response", "accepted", "status"),
    "date": ("date", "contact_date", "outcome_date", "response_date", "campaign_date", "timestamp"),
}


@dataclass(frozen=True)
class FeedbackFile:
    """What a campaign results file held.

    Attributes
    ----------
    valid : pandas.DataFrame
        ``customer_id`` (text), ``offer_id`` (catalogue id), ``outcome`` (1 accepted / 0 declined), ``date``
        (datetime64, NaT when absent).
    problems : pandas.DataFrame
        ``line`` (line of the file, the header being its first data-less line), ``reason``.
    """

    valid: pd.DataFrame
    problems: pd.DataFrame


def empty_feedback() -> pd.DataFrame:
    """Return a feedback frame with no rows and the columns of :attr:`FeedbackFile.valid`."""
    return pd.DataFrame(
        {
            "customer_id": pd.Series([], dtype=object),
            "offer_id": pd.Series([], dtype=object),
            "outcome": pd.Series([], dtype="int64"),
            "date": pd.Series([], dtype="datetime64[ns]"),
        }
    )


def feedback_rows(customer_id: str, offer_id: str, outcome: int, date: object = None) -> pd.DataFrame:
    """Return one outcome as a feedback frame (for outcomes recorded by hand)."""
    if int(outcome) not in (0, 1):
        raise DataError("An outcome is 1 (accepted) or 0 (declined).")
    return pd.DataFrame(
        {
            "customer_id": [customer_keys(pd.Series([customer_id]))[0]],
            "offer_id": [str(offer_id)],
            "outcome": np.array([int(outcome)], dtype="int64"),
            "date": pd.to_datetime(pd.Series([date]), errors="coerce").astype("datetime64[ns]"),
        }
    )


def latest_outcomes(feedback: pd.DataFrame) -> pd.DataFrame:
    """Return one outcome per customer and offer: the last one recorded wins (the frame itself is the history).

    A customer who declined an offer and later accepted it counts once, as accepted; recording the same answer
    twice does not count twice. Rows keep their recorded order.

    Examples
    --------
    >>> history = pd.concat([feedback_rows("7", "cashback_card", 0), feedback_rows("7", "cashback_card", 1)])
    >>> latest_outcomes(history)["outcome"].tolist()
    [1]
    """
    if len(feedback) == 0:
        return feedback
    keys = pd.DataFrame({"customer": customer_keys(feedback["customer_id"]), "offer": feedback["offer_id"].astype(str)})
    return feedback.loc[~keys.duplicated(keep="last").to_numpy()]


def feedback_csv(feedback: pd.DataFrame) -> bytes:
    """Return campaign outcomes as CSV for download, formula-safe like every CSV CardLens writes.

    Ids or offers such as ``=HYPERLINK(...)`` or ``+1`` get a leading apostrophe (see
    :func:`core.workbook.customers_csv`); :func:`read_feedback` reads the file back unchanged.

    Examples
    --------
    >>> feedback_csv(feedback_rows("=1+1", "cashback_card", 1)).decode("utf-8-sig").splitlines()[1]
    "'=1+1,cashback_card,1,"
    """
    from core.workbook import customers_csv

    return customers_csv(feedback)


def customer_keys(values: pd.Series | Iterable[object]) -> np.ndarray:
    """Return customer ids as comparable text: stripped; a float column of whole numbers loses its ``.0``.

    Examples
    --------
    >>> customer_keys(pd.Series([87073.0, 5.0])).tolist()
    ['87073', '5']
    >>> customer_keys(pd.Series([" C10001 ", 5])).tolist()
    ['C10001', '5']
    """
    return key_text(values).to_numpy(dtype=object)


def key_text(values: pd.Series | Iterable[object]) -> pd.Series:
    """Return :func:`customer_keys` as a pandas text Series (Arrow-backed under pandas 3), before the Python strings."""
    series = pd.Series(values) if not isinstance(values, pd.Series) else values
    if pd.api.types.is_float_dtype(series) and series.dropna().mod(1).eq(0).all():
        series = series.astype("Int64")
    return series.astype(str).str.strip()


def _find(columns: list[str], role: str) -> str | None:
    keys = {normalise(c): c for c in columns}
    for name in _ROLES[role]:
        if name in keys:
            return keys[name]
    if role == "customer":
        return next((c for k, c in keys.items() if "cust" in k or "client" in k), None)
    return None


def read_feedback(
    data: bytes, filename: str, *, customer_ids: Iterable[object], catalogue: pd.DataFrame
) -> FeedbackFile:
    """Read a campaign results file; keep the good rows and report each bad one by line with the reason.

    Parameters
    ----------
    data : bytes
        The file (CSV, TSV or XLSX) with columns for the customer id, the offer (id or name), the outcome
        (accept / accepted / yes / 1 / true, or decline / declined / no / 0 / false) and optionally a date.
    filename : str
        The file's name (for messages).
    customer_ids : iterable
        The customer ids of the current table; other customers are reported as unknown.
    catalogue : pandas.DataFrame
        The offer catalogue (``offer_id`` and ``name``); other offers are reported as unknown.

    Returns
    -------
    FeedbackFile

    Raises
    ------
    DataError
        When the file cannot be read or lacks a customer, offer or outcome column.
    """
    loaded = load_table(data, filename)
    frame = without_formula_guard(loaded.frame)
    columns = {role: _find([str(c) for c in frame.columns], role) for role in _ROLES}
    missing = [role for role in ("customer", "offer", "outcome") if columns[role] is None]
    if missing:
        raise DataError(
            f"{filename} needs columns for the {', '.join(missing)}: name them customer_id, offer_id and outcome "
            f"(date optional). Found: {', '.join(map(str, frame.columns))}."
        )
    line = loaded.report.header_row + 1 + np.arange(len(frame))
    known_customers = set(customer_keys(pd.Series(list(customer_ids))))
    offer_by_text = {str(o).lower(): str(o) for o in catalogue["offer_id"]}
    offer_by_text.update(
        {str(n).strip().lower(): str(o) for o, n in zip(catalogue["offer_id"], catalogue["name"], strict=True)}
    )

    customers = pd.Series(customer_keys(frame[columns["customer"]]), index=frame.index)
    blank_customer = frame[columns["customer"]].isna().to_numpy()
    offer_text = frame[columns["offer"]].astype(str).str.strip()
    offer_ids = offer_text.str.lower().map(offer_by_text)
    outcome_text = frame[columns["outcome"]].astype(str).str.strip().str.lower().str.removesuffix(".0")
    outcome = pd.Series(
        np.where(outcome_text.isin(ACCEPTED), 1, np.where(outcome_text.isin(DECLINED), 0, -1)), index=frame.index
    )
    if columns["date"] is not None:
        raw_date = frame[columns["date"]]
        if pd.api.types.is_datetime64_any_dtype(raw_date):
            dates = raw_date.astype("datetime64[ns]")
        else:
            dates = pd.to_datetime(raw_date.astype("string"), errors="coerce", format="mixed")
        bad_date = (dates.isna() & raw_date.notna() & raw_date.astype(str).str.strip().ne("")).to_numpy()
    else:
        dates = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
        bad_date = np.zeros(len(frame), dtype=bool)

    checks = [
        (blank_customer, lambda i: "no customer id"),
        (
            ~blank_customer & ~customers.isin(known_customers).to_numpy(),
            lambda i: f"unknown customer {customers.iloc[i]}",
        ),
        (offer_ids.isna().to_numpy(), lambda i: f"unknown offer {offer_text.iloc[i]!r}"),
        (
            (outcome == -1).to_numpy(),
            lambda i: f"outcome {frame[columns['outcome']].iloc[i]!r} is not accept/decline (or yes/no, 1/0)",
        ),
        (bad_date, lambda i: f"date {frame[columns['date']].iloc[i]!r} is not a date"),
    ]
    bad = np.zeros(len(frame), dtype=bool)
    reasons: dict[int, list[str]] = {}
    for mask, describe in checks:
        for position in np.flatnonzero(mask):
            reasons.setdefault(int(position), []).append(describe(int(position)))
        bad |= mask
    problems = pd.DataFrame(
        {
            "line": pd.Series([int(line[p]) for p in sorted(reasons)], dtype="int64"),
            "reason": ["; ".join(reasons[p]) for p in sorted(reasons)],
        }
    )
    good = ~bad
    valid = pd.DataFrame(
        {
            "customer_id": customers[good].to_numpy(dtype=object),
            "offer_id": offer_ids[good].to_numpy(dtype=object),
            "outcome": outcome[good].to_numpy(dtype="int64"),
            "date": pd.to_datetime(dates[good]).to_numpy(dtype="datetime64[ns]"),
        }
    )
    return FeedbackFile(valid, problems)
