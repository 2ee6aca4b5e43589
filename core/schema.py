"""Column roles: which column is the id, which are features, amounts, categories, dates, labels, card numbers.

Roles are inferred from names *and* contents, then corrected by the user. A role is one of the string
constants below; :data:`ROLE_LABELS` gives the plain words shown to users.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets

import numpy as np
import pandas as pd

from core.column_stats import column_profile as column_profile  # re-exported: schema is where pages look

ID = "id"
FEATURE = "feature"
AMOUNT = "amount"
CATEGORICAL = "categorical"
DATETIME = "datetime"
LABEL = "label"
CARD = "card"
TEXT = "text"
ROLES: tuple[str, ...] = (ID, FEATURE, AMOUNT, CATEGORICAL, DATETIME, LABEL, CARD, TEXT)
ROLE_LABELS: dict[str, str] = {
    ID: "Customer id (not used for segments)",
    FEATURE: "Numeric behaviour (used for segments)",
    AMOUNT: "Money amount (used for segments)",
    CATEGORICAL: "Category",
    DATETIME: "Date / time",
    LABEL: "Known outcome, e.g. fraud yes/no",
    CARD: "Card number (masked)",
    TEXT: "Free text (ignored)",
}

_SAMPLE_ROWS = 20_000
_ID_NAME = re.compile(r"(^|_)(id|key|no|nr|num|number|code|ref)$|^(sl|s|serial|row|record|index|idx)_?(no|nr|num)?$")
_CUSTOMER_NAME = re.compile(r"cust|client|member|account|acct|card|user|holder")
_LABEL_NAME = re.compile(r"fraud|^label$|^class$|^target$|churn|^default|^is_|_flag$|^flag")
_MONEY_NAME = re.compile(
    r"amt|amount|balance|purchase|payment|limit|spend|price|cash|advance|income|salary|revenue|fee|cost|value"
)
_NOT_MONEY_NAME = re.compile(r"freq|trx|count|prc|pct|percent|ratio|rate|share|num_|_num|number|tenure|visits|calls")
_TIME_NAME = re.compile(r"date|time|timestamp|_at$|^dob$|birth")
_CATEGORY_NAME = re.compile(r"zip|postcode|postal|post_code|plz")
_DATE_LIKE = re.compile(
    r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b", re.I
)
_MASKED = re.compile(r"^\*{4,}[0-9*]{0,4}(-[0-9a-f]{6})?$")
_CARD_CHARS = re.compile(r"[\s\-]")
_LAYOUTS: dict[str, frozenset[str]] = {
    "cc_general": frozenset({"cust_id", "balance", "purchases", "cash_advance", "credit_limit", "payments", "tenure"}),
    "alllife": frozenset({"avg_credit_limit", "total_credit_cards", "total_visits_bank", "total_visits_online"}),
}


def _normalise(name: object) -> str:
    return re.sub(r"[\s\-./]+", "_", str(name).strip().lower())


def _sample(series: pd.Series) -> pd.Series:
    """Return evenly spaced rows (cheap and deterministic; a random sample costs a permutation of n)."""
    if len(series) <= _SAMPLE_ROWS:
        return series
    return series.iloc[np.linspace(0, len(series) - 1, _SAMPLE_ROWS).astype("int64")]


def _is_binary(values: pd.Series) -> bool:
    distinct = values.dropna().unique()
    if not 0 < len(distinct) <= 2:
        return False
    allowed = {"0", "1", "0.0", "1.0", "true", "false", "yes", "no", "y", "n", "t", "f"}
    return {str(value).strip().lower() for value in distinct} <= allowed


def _is_row_number(values: pd.Series) -> bool:
    """Return True for a monotone 0..n-1 or 1..n integer column: a row number, never a feature."""
    if not pd.api.types.is_integer_dtype(values) or values.isna().any() or len(values) < 2:
        return False
    first = int(values.iloc[0])
    return first in (0, 1) and values.is_monotonic_increasing and int(values.iloc[-1]) - first == len(values) - 1


def _looks_like_dates(values: pd.Series) -> bool:
    sample = values.dropna().astype("str").head(200)
    if sample.empty or sample.str.contains(_DATE_LIKE).mean() < 0.9:
        return False
    parsed = pd.to_datetime(sample, format="mixed", errors="coerce")
    return bool(parsed.notna().mean() >= 0.9)


def _numeric_role(name: str, values: pd.Series) -> str:
    if _is_row_number(values) or name.startswith("unnamed"):
        return ID
    sample = _sample(values).dropna()
    distinct_share = sample.nunique() / max(len(sample), 1)
    if (
        pd.api.types.is_integer_dtype(values)
        and _ID_NAME.search(name)
        and (distinct_share >= 0.8 or _CUSTOMER_NAME.search(name))
    ):
        return ID
    if _TIME_NAME.search(name) and pd.api.types.is_integer_dtype(values) and len(sample):
        median = float(sample.median())
        if 1e8 <= median <= 1e10 or 1e11 <= median <= 1e13:
            return DATETIME
    if _CATEGORY_NAME.search(name):
        return CATEGORICAL
    if _MONEY_NAME.search(name) and not _NOT_MONEY_NAME.search(name):
        return AMOUNT
    return FEATURE


def _text_role(name: str, values: pd.Series) -> str:
    sample = _sample(values).dropna().astype("str")
    if sample.empty:
        return TEXT
    if bool(sample.head(200).str.match(_MASKED).mean() >= 0.9):
        return CARD
    if _looks_like_dates(sample):
        return DATETIME
    distinct = sample.nunique()
    share = distinct / len(sample)
    no_spaces = not bool(sample.head(500).str.contains(" ", regex=False).mean() > 0.5)
    if _ID_NAME.search(name) and _CUSTOMER_NAME.search(name) and no_spaces:  # a customer key, repeats allowed
        return ID
    if (share >= 0.5 and _ID_NAME.search(name)) or (share >= 0.9 and (_CUSTOMER_NAME.search(name) or no_spaces)):
        return ID
    if distinct <= max(50, int(0.05 * len(sample))):
        return CATEGORICAL
    return TEXT


def infer_roles(frame: pd.DataFrame) -> dict[str, str]:
    """Guess each column's role from its name and contents.

    Parameters
    ----------
    frame : pandas.DataFrame
        A table as loaded by :func:`core.io.load_table` (card numbers already masked). Not modified.

    Returns
    -------
    dict of str to str
        Column -> one of :data:`ROLES`, in column order. Monotone 1..n integer columns and high-cardinality
        integer keys named ``*id`` / ``*key`` / ``*no`` are ids; binary columns named like ``is_fraud`` are
        labels; monetary-named numbers are amounts.

    Examples
    --------
    >>> df = pd.DataFrame(
    ...     {"Sl_No": [1, 2, 3], "Customer Key": [87073, 38414, 17341], "Avg_Credit_Limit": [1e5, 5e4, 5e4]}
    ... )
    >>> infer_roles(df)
    {'Sl_No': 'id', 'Customer Key': 'id', 'Avg_Credit_Limit': 'amount'}
    """
    roles: dict[str, str] = {}
    for column in frame.columns:
        values = frame[column]
        name = _normalise(column)
        if _LABEL_NAME.search(name) and _is_binary(values):
            roles[column] = LABEL
        elif pd.api.types.is_bool_dtype(values):
            roles[column] = CATEGORICAL
        elif pd.api.types.is_datetime64_any_dtype(values):
            roles[column] = DATETIME
        elif pd.api.types.is_numeric_dtype(values):
            roles[column] = _numeric_role(name, values)
        else:
            roles[column] = _text_role(name, values)
    return roles


def id_column(roles: dict[str, str]) -> str | None:
    """Return the column that identifies customers: among id columns, customer-named ones first, then keys.

    Examples
    --------
    >>> id_column({"Sl_No": "id", "Customer Key": "id", "Avg_Credit_Limit": "amount"})
    'Customer Key'
    """
    ids = [column for column, role in roles.items() if role == ID]
    if not ids:
        return None

    def rank(column: str) -> int:
        name = _normalise(column)
        if _CUSTOMER_NAME.search(name):
            return 0
        if name.startswith("unnamed") or re.match(r"^(sl|s|serial|row|record|index|idx)_?(no|nr|num)?$", name):
            return 2
        return 1

    return min(ids, key=rank)


def feature_columns(roles: dict[str, str]) -> list[str]:
    """Return the columns usable as segmentation features (numeric behaviour and amounts), in order."""
    return [column for column, role in roles.items() if role in (FEATURE, AMOUNT)]


def detect_layout(frame: pd.DataFrame) -> str:
    """Recognise a known layout: ``"cc_general"``, ``"alllife"``, ``"transactions"`` or ``"generic"``.

    Examples
    --------
    >>> detect_layout(pd.DataFrame(columns=["Sl_No", "Customer Key", "Avg_Credit_Limit", "Total_Credit_Cards",
    ...     "Total_visits_bank", "Total_visits_online", "Total_calls_made"]))
    'alllife'
    """
    names = {_normalise(column) for column in frame.columns}
    for layout, required in _LAYOUTS.items():
        if required <= names:
            return layout
    from core.transactions import infer_transaction_columns

    if len(frame) and not infer_transaction_columns(frame).missing_required():
        return "transactions"
    return "generic"


def luhn_valid(digits: str) -> bool:
    """Return True when a digit string passes the Luhn checksum used by card numbers.

    Examples
    --------
    >>> luhn_valid("4111111111111111"), luhn_valid("4111111111111112")
    (True, False)
    """
    if not digits.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _as_digit_text(values: pd.Series) -> pd.Series:
    """Values as digit strings (floats holding whole numbers lose their ``.0``)."""
    if pd.api.types.is_float_dtype(values):
        finite = values.where(np.isfinite(values))
        whole = finite.where(finite == np.round(finite))
        return whole.dropna().astype("int64").astype("str").reindex(values.index)
    text = values.astype("str").where(values.notna())
    return text.str.replace(_CARD_CHARS, "", regex=True)


def is_card_column(values: pd.Series) -> bool:
    """Return True when at least half of the values are 13-19 digit numbers passing the Luhn check.

    Digits may be separated by spaces or dashes; a float column counts when its values are whole numbers.
    """
    return _is_card_column(values)


def _is_card_column(values: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(values) or not (
        pd.api.types.is_integer_dtype(values)
        or pd.api.types.is_float_dtype(values)
        or pd.api.types.is_string_dtype(values)
        or pd.api.types.is_object_dtype(values)
    ):
        return False
    sample = values.dropna().head(1000)
    if sample.empty:
        return False
    if pd.api.types.is_numeric_dtype(sample):
        if float(sample.abs().max()) < 1e10:
            return False
    elif sample.head(100).astype("str").str.count(r"\d").ge(13).mean() < 0.3:  # cheap: too few digits
        return False
    digits = _as_digit_text(sample).dropna()
    qualifying = sum(1 for value in digits if 13 <= len(value) <= 19 and luhn_valid(value))
    return qualifying >= 0.5 * len(sample)


MASK_KEY: bytes = os.environ.get("CARDLENS_MASK_KEY", "").encode() or secrets.token_bytes(32)


def _card_token(digits: object) -> str:
    """Six hex digits of a keyed hash of the full number: distinct cards stay distinct once masked."""
    if not isinstance(digits, str):
        return "000000"
    return hmac.new(MASK_KEY, digits.encode(), hashlib.sha256).hexdigest()[:6]


def _card_tokens(digits: pd.Series) -> pd.Series:
    tokens = {value: _card_token(value) for value in pd.unique(digits.dropna())}
    return digits.map(tokens).fillna("000000")


def mask_card_numbers(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Mask columns that hold card numbers, keeping only the last four digits and a keyed token.

    A column is a card-number column when at least half of its values are 13-19 digit numbers (digits,
    optionally with spaces or dashes) passing the Luhn check. Every value of such a column is masked,
    including shorter or invalid ones, so no full number survives. The last four digits alone would merge
    different cards (913 cards in the Sparkov sample share 859 endings), so each masked value also carries a
    six-hex-digit token: an HMAC-SHA256 of the full number under :data:`MASK_KEY`. The same card gives the
    same token within a process (so a customer table and a transaction table still join), and the token
    cannot be reversed without the key. Set ``CARDLENS_MASK_KEY`` to keep tokens stable across runs.

    Parameters
    ----------
    frame : pandas.DataFrame
        Any table. Not modified.

    Returns
    -------
    tuple of (pandas.DataFrame, list of str)
        A copy with masked columns as text (``"************1111-3f9a0c"``; missing stays missing), and their
        names.

    Examples
    --------
    >>> masked, columns = mask_card_numbers(pd.DataFrame({"pan": ["4111 1111 1111 1111"], "x": [1]}))
    >>> masked["pan"].str[:16].tolist(), columns
    (['************1111'], ['pan'])
    """
    masked_columns = [column for column in frame.columns if _is_card_column(frame[column])]
    if not masked_columns:
        return frame, []
    out = frame.copy()
    for column in masked_columns:
        values = out[column]
        digits = _as_digit_text(values)
        digits = digits.fillna(values.astype("str").str.replace(_CARD_CHARS, "", regex=True).where(values.notna()))
        masked = "************" + digits.str[-4:].str.replace(r"\D", "*", regex=True) + "-" + _card_tokens(digits)
        out[column] = masked.where(values.notna()).astype("str")
    return out, masked_columns
