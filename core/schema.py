"""Column roles and table kind: what each column of the user's own file is, from its name *and* its values.

A role is one of the string constants below (:data:`ROLE_LABELS` gives the plain words shown to users), guessed
with a confidence and a one-line reason (:func:`guess_roles`), then corrected by the user. :func:`understand`
decides the table kind (customers or transactions), the key, the dates, the amount and the outcome, and keeps
ids, dates, outcomes and other models' outputs out of the features, each with its reason. Card-number columns
are found by the Luhn check and masked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from core.column_stats import column_profile as column_profile  # re-exported: schema is where pages look
from core.money_in import money_in_of_table
from core.names import snake_name
from core.transactions import (
    DATE_ONLY_NOTE,
    DATE_SHARE,
    SPENDING_NEGATIVE_NOTE,
    TransactionColumns,
    assemble_timestamps,
    date_only,
    elapsed_hours,
    elapsed_seconds,
    hour_counter,
    infer_transaction_columns,
    integer_date_format,
    integer_date_placeholders,
    key_choice_note,
    looks_like_timestamps,
    money_out_is_negative,
    parse_timestamps,
    unix_time_unit,
    unkeyed_reason,
)
from core.transactions import INTEGER_DATE_FORMATS as _FORMAT_WORDS

ID = "id"
FEATURE = "feature"
AMOUNT = "amount"
CATEGORICAL = "categorical"
DATETIME = "datetime"
LABEL = "label"
CARD = "card"
TEXT = "text"
LEAKAGE = "leakage"
ROLES: tuple[str, ...] = (ID, FEATURE, AMOUNT, CATEGORICAL, DATETIME, LABEL, LEAKAGE, CARD, TEXT)
ROLE_LABELS: dict[str, str] = {
    ID: "Customer id (not used for segments)",
    FEATURE: "Numeric behaviour (used for segments)",
    AMOUNT: "Money amount (used for segments)",
    CATEGORICAL: "Category",
    DATETIME: "Date / time",
    LABEL: "Known outcome, e.g. churn or fraud yes/no",
    LEAKAGE: "Leaks the outcome: another model's output or a consequence (never a feature)",
    CARD: "Card number (masked)",
    TEXT: "Free text (ignored)",
}

NOT_FEATURE_ROLES: frozenset[str] = frozenset({ID, CATEGORICAL, DATETIME, LABEL, LEAKAGE, CARD, TEXT})
HIGH, MEDIUM, LOW = "high", "medium", "low"
MAX_CATEGORY_LEVELS = 50  # more distinct values than this read as names or free text, not categories
CUSTOMERS, TRANSACTIONS = "customers", "transactions"

_SAMPLE_ROWS = 20_000
_ID_NAME = re.compile(
    r"(^|_)(id|key|no|nr|num|number|code|ref)$|^(sl|s|serial|row|record|index|idx)_?(no|nr|num)?$"
    r"|(^|_)id_[a-z]+$"  # Home Credit's SK_ID_CURR and SK_ID_PREV, id_client
)
# Home Credit's MONTHS_BALANCE (0 or -1 the latest month, -96 eight years before): a period of a monthly panel
_RELATIVE_MONTH_NAME = re.compile(
    r"^(months?_(balance|offset|ago|back|before|relative)|(relative_)?month_(index|idx))$"
)
# An id of a product or a record (a previous loan, a contract, an order): a customer key only when nothing else is
_PRODUCT_ID_NAME = re.compile(r"prev|loan|contract|appl|order|invoice|txn|trans")
_CUSTOMER_WORDS = frozenset({"user", "customer", "client", "member", "account", "holder", "cardholder", "party"})
_ROW_NUMBER_NAME = re.compile(r"^(sl|s|serial|row|record|index|idx)_?(no|nr|num)?$|^unnamed")
_CUSTOMER_NAME = re.compile(r"cust|client|member|account|acct|card|user|holder|party")
# A flag or an ``is_`` column is an outcome only when it names one (``Attrition_Flag``, ``is_fraud``): Home Credit's
# FLAG_OWN_CAR, FLAG_MOBIL and the like are facts about the customer, and features.
# Give Me Some Credit's SeriousDlqin2yrs (serious delinquency within two years) and Statlog German credit's
# Risk (good / bad) are the files' outcomes.
_LABEL_NAME = re.compile(
    r"fraud|^label$|^class$|^target$|^y$|churn|attrition|attrited|^exited$|^default|_default$|^outcome$|^response$"
    r"|dlq|delinq|^(credit_)?risk$|^bad$|^good_bad$"
)
# When several columns look like outcomes, the one named as the target of the file comes first: bank-full's `y`,
# not its `default` (whether a customer has credit in default, a fact about them).
_OUTCOME_PREFERENCE = (
    re.compile(r"^(y|target|label|class|outcome|response)$"),
    re.compile(r"churn|attrition|attrited|exited|fraud"),
)
_LEAKAGE_NAME = re.compile(
    r"classifier|naive_bayes|prob(ability)?(_|$)|proba|pred(icted|iction)?(_|$)|propensity|model"
)
_OUTCOME_WORD = re.compile(r"churn|attrition|fraud|default|target|label|outcome")
_RULE_FLAG_NAME = re.compile(r"flagged|alerted")  # PaySim's isFlaggedFraud: what the operator's rule said
_MONEY_NAME = re.compile(
    r"amt|amount|balance|purchase|payment|limit|spend|price|cash|advance|income|salary|revenue|fee|cost|value|bal$"
)
_NOT_MONEY_NAME = re.compile(
    r"freq|trx|count|_ct|prc|pct|percent|ratio|rate|share|num_|_num|number|tenure|visits|calls|chng|change"
    r"|^(months?|days?|years?|weeks?)_"  # Home Credit's MONTHS_BALANCE counts months, DAYS_EMPLOYED days
)
_TIME_NAME = re.compile(
    r"date|datum|fecha|time|timestamp|_at$|^dob$|birth|^dt$|_dt$|^dt_"
    r"|(^|_)(since|opened|closed|start|end|expiry|expires|month_end|period)(_|$)"
)
_DATE_PART_NAME = re.compile(r"^(year|yr|month|mon|day|hour|hr|minute|min|weekday|quarter|qtr)$")
_NOMINAL_NAME = re.compile(
    r"^sex$|gender|educ|marri|marital|region|country|state$|city|zip|postcode|postal|post_code|plz|^mcc$|_mcc$"
    r"|(^|_)type$|status|channel|segment|tier|occupation|^job|branch|product|(^|_)code$|categ|^class_|language"
)
_CATEGORY_NAME = re.compile(r"zip|postcode|postal|post_code|plz|^mcc$|_mcc$")
_SCIENTIFIC = re.compile(r"^\s*\d(\.\d+)?e\+?\d+\s*$", re.I)
_DATE_LIKE = re.compile(
    r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b", re.I
)
_MASKED = re.compile(r"^\*{4,}[0-9*]{0,4}(-[0-9a-f]{6})?$")
_CARD_CHARS = re.compile(r"[\s\-]")
_CLOCK_TIME = re.compile(r"^\s*\d{1,2}:\d{2}(:\d{2})?\s*$")
_LAYOUTS: dict[str, frozenset[str]] = {
    "cc_general": frozenset({"cust_id", "balance", "purchases", "cash_advance", "credit_limit", "payments", "tenure"}),
    "alllife": frozenset({"avg_credit_limit", "total_credit_cards", "total_visits_bank", "total_visits_online"}),
}


@dataclass(frozen=True)
class RoleGuess:
    """One column's inferred role, how sure the guess is, and why, in words a business user can check."""

    role: str
    confidence: str
    reason: str


def _normalise(name: object) -> str:
    return snake_name(name)


def _sample(series: pd.Series) -> pd.Series:
    """Return evenly spaced rows (cheap and deterministic; a random sample costs a permutation of n)."""
    if len(series) <= _SAMPLE_ROWS:
        return series
    return series.iloc[np.linspace(0, len(series) - 1, _SAMPLE_ROWS).astype("int64")]


def _two_valued(values: pd.Series) -> bool:
    return len(pd.unique(values.dropna())) == 2


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


def _whole(sample: pd.Series) -> bool:
    if pd.api.types.is_integer_dtype(sample):
        return True
    if not pd.api.types.is_float_dtype(sample) or sample.empty:
        return False
    finite = sample.to_numpy(dtype="float64")
    return bool(np.isfinite(finite).all() and (finite == np.round(finite)).all())


def spreadsheet_mangled(values: pd.Series) -> bool:
    """Return True when long numbers look cut short by a spreadsheet's scientific notation (``2.29E+15``).

    Examples
    --------
    >>> spreadsheet_mangled(pd.Series(["2.29E+15", "4.12E+15", "2.29E+15"]))
    True
    >>> spreadsheet_mangled(pd.Series([4111111111111111.0, 4012888888881881.0]))
    False
    """
    sample = values.dropna().head(500)
    if sample.empty or pd.api.types.is_bool_dtype(sample):
        return False
    if pd.api.types.is_numeric_dtype(sample):
        numbers = sample.to_numpy(dtype="float64")
        if not (np.isfinite(numbers).all() and (np.abs(numbers) >= 1e11).all()):
            return False
        scale = 10.0 ** (np.floor(np.log10(np.abs(numbers))) - 5)
        return bool((numbers / scale == np.round(numbers / scale)).all())
    return bool(sample.astype("str").str.match(_SCIENTIFIC).mean() >= 0.5)


def _key_name(name: str) -> bool:
    """Named like a key: ``*_id``, ``*_no``, ``Sl_No`` ..., or a customer word glued to one (``CustomerID``)."""
    return bool(_ID_NAME.search(name)) or bool(
        _CUSTOMER_NAME.search(name) and re.search(r"(id|key|no|nr|num|number|code|ref)$", name)
    )


_MANGLED = RoleGuess(
    ID,
    MEDIUM,
    "long numbers in scientific notation (like 2.29E+15), probably card or account numbers cut short by a "
    "spreadsheet: different customers may share one value; export the column as text",
)


def _numeric_guess(name: str, values: pd.Series) -> RoleGuess:
    sample = _sample(values).dropna()
    distinct = int(sample.nunique())
    distinct_share = distinct / max(len(sample), 1)
    whole = _whole(sample)
    if _is_row_number(values):
        return RoleGuess(ID, HIGH, "row number (1, 2, 3 ...): identifies rows, says nothing about behaviour")
    if elapsed_hours(values):
        return RoleGuess(DATETIME, MEDIUM, "hours since the start (an hour counter that only grows): not a behaviour")
    if whole and _TIME_NAME.search(name) and (date_format := integer_date_format(sample, share=DATE_SHARE)) is not None:
        return RoleGuess(DATETIME, HIGH, f"dates written as whole numbers ({_FORMAT_WORDS[date_format]})")
    if whole and _DATE_PART_NAME.match(name) and _date_part_fits(name, sample):
        return RoleGuess(DATETIME, HIGH, f"part of a date split over several columns ({name})")
    if whole and distinct > 1 and (len(sample) >= 20 or integer_date_format(sample) == "%Y%m%d"):
        date_format = integer_date_format(sample)
        if date_format is not None:
            return RoleGuess(DATETIME, MEDIUM, f"every value reads as a date written {_FORMAT_WORDS[date_format]}")
    if _TIME_NAME.search(name) and elapsed_seconds(values):
        return RoleGuess(DATETIME, MEDIUM, "elapsed time (starts near zero and only grows): not a behaviour measure")
    if whole and _RELATIVE_MONTH_NAME.match(name) and len(sample) and float(sample.max()) <= 0:
        return RoleGuess(DATETIME, HIGH, "months before a reference date (-1: the latest): when, not a behaviour")
    if whole and _TIME_NAME.search(name) and unix_time_unit(sample) is not None:
        return RoleGuess(DATETIME, MEDIUM, "Unix time stamps (seconds or milliseconds since 1970)")
    id_token = re.search(r"(^|_)id(_|$)", name) is not None  # SK_ID_CURR, branch_id: labels, whatever they repeat
    named_key = _CUSTOMER_NAME.search(name) or id_token or name == "key"
    if whole and _key_name(name) and (distinct_share >= 0.8 or named_key):
        repeats = "" if distinct_share >= 0.999 else ", some values repeat"
        return RoleGuess(ID, HIGH, f"identifier (named like a key{repeats})")
    if whole and name.replace("_", "") in _CUSTOMER_WORDS:
        return RoleGuess(ID, MEDIUM, "customer number (named like a customer, whole numbers)")
    if whole and _CUSTOMER_NAME.search(name) and distinct_share >= 0.98 and not _MONEY_NAME.search(name):
        return RoleGuess(ID, HIGH, "identifier: every value is distinct and the name says customer")
    if _CATEGORY_NAME.search(name):
        return RoleGuess(CATEGORICAL, HIGH, "postal or merchant code: a label, not a quantity")
    if whole and _NOMINAL_NAME.search(name) and distinct <= 20:
        return RoleGuess(CATEGORICAL, HIGH, f"{distinct} whole-number codes for categories (named like a category)")
    if whole and len(sample) >= 50 and distinct_share >= 0.999 and _same_width(sample) and not _MONEY_NAME.search(name):
        return RoleGuess(ID, MEDIUM, "every value distinct and of the same length, like an account number")
    if _MONEY_NAME.search(name) and not _NOT_MONEY_NAME.search(name):
        return RoleGuess(AMOUNT, HIGH, "money amount (named like one)")
    if distinct <= 1:
        return RoleGuess(FEATURE, LOW, "the same value in every row: tells segments nothing")
    return RoleGuess(FEATURE, HIGH if distinct > 2 else MEDIUM, "numbers that vary between customers")


def _same_width(sample: pd.Series) -> bool:
    numbers = sample.to_numpy(dtype="float64")
    if (numbers < 1e5).any():
        return False
    widths = np.floor(np.log10(np.abs(numbers)))
    return bool((widths == widths[0]).all())


_DATE_PART_RANGES = {
    "year": (1900, 2100),
    "yr": (1900, 2100),
    "month": (1, 12),
    "mon": (1, 12),
    "day": (1, 31),
    "hour": (0, 23),
    "hr": (0, 23),
    "minute": (0, 59),
    "min": (0, 59),
    "weekday": (0, 7),
    "quarter": (1, 4),
    "qtr": (1, 4),
}


def _date_part_fits(name: str, sample: pd.Series) -> bool:
    lowest, highest = _DATE_PART_RANGES[name]
    return bool(lowest <= float(sample.min()) and float(sample.max()) <= highest)


def _text_guess(name: str, values: pd.Series) -> RoleGuess:
    sample = _sample(values).dropna().astype("str")
    if sample.empty:
        return RoleGuess(TEXT, LOW, "empty column")
    if bool(sample.head(200).str.match(_MASKED).mean() >= 0.9):
        return RoleGuess(CARD, HIGH, "card numbers (masked when the file was read)")
    if _looks_like_dates(sample):
        return RoleGuess(DATETIME, HIGH, "dates")
    if _TIME_NAME.search(name) and bool(sample.head(200).str.match(_CLOCK_TIME).mean() >= 0.9):
        return RoleGuess(DATETIME, HIGH, "clock times (part of a date split over several columns)")
    distinct = sample.nunique()
    share = distinct / len(sample)
    no_spaces = not bool(sample.head(500).str.contains(" ", regex=False).mean() > 0.5)
    if _key_name(name) and _CUSTOMER_NAME.search(name) and no_spaces:
        return RoleGuess(ID, HIGH, "customer key (named like one)")
    if share >= 0.5 and _ID_NAME.search(name):
        return RoleGuess(ID, HIGH, "identifier (named like a key, mostly distinct values)")
    if share >= 0.9 and (_CUSTOMER_NAME.search(name) or no_spaces):
        return RoleGuess(ID, MEDIUM, "identifier (almost every value distinct)")
    if distinct <= max(50, int(0.05 * len(sample))):
        return RoleGuess(CATEGORICAL, HIGH if distinct <= 20 else MEDIUM, f"category with {distinct} levels")
    return RoleGuess(TEXT, MEDIUM, f"free text or names ({distinct:,} different values): not a measure")


def _looks_like_dates(sample: pd.Series) -> bool:
    # A cheap pattern first (separated numbers or a month's name), so codes like "12.5" never reach the parser.
    head = sample.head(200)
    if head.empty or head.str.contains(_DATE_LIKE).mean() < 0.9:
        return False
    return looks_like_timestamps(head)


def _guess(name: str, values: pd.Series) -> RoleGuess:
    if name.startswith("unnamed"):
        return RoleGuess(ID, HIGH, "unnamed column, usually the row number a program wrote")
    if _RULE_FLAG_NAME.search(name) and _OUTCOME_WORD.search(name):
        return RoleGuess(
            LEAKAGE, HIGH, "flags raised by an existing rule or model (named like a flagged outcome): never a feature"
        )
    if _LABEL_NAME.search(name) and (_is_binary(values) or (_two_valued(_sample(values)) and not _is_numeric(values))):
        return RoleGuess(LABEL, HIGH, "two values, named like an outcome: reported per segment, never a feature")
    if _LEAKAGE_NAME.search(name) or (_OUTCOME_WORD.search(name) and re.search(r"score|risk", name)):
        return RoleGuess(
            LEAKAGE, HIGH, "named like a score, probability or prediction of another model: never a feature"
        )
    if pd.api.types.is_bool_dtype(values):
        return RoleGuess(CATEGORICAL, HIGH, "yes / no")
    if not pd.api.types.is_datetime64_any_dtype(values) and spreadsheet_mangled(_sample(values)):
        return _MANGLED
    if pd.api.types.is_datetime64_any_dtype(values):
        return RoleGuess(DATETIME, HIGH, "dates")
    if _is_numeric(values):
        return _numeric_guess(name, values)
    return _text_guess(name, values)


def _is_numeric(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def _outcome_auc(feature: pd.Series, outcome: pd.Series) -> float | None:
    """Area under the ROC curve of one numeric column against a two-valued outcome (None when undefined)."""
    both = pd.DataFrame({"x": pd.to_numeric(feature, errors="coerce"), "y": outcome}).dropna()
    levels = pd.unique(both["y"])
    if len(both) < 20 or len(levels) != 2 or both["x"].nunique() < 2:
        return None
    positive = (both["y"] == levels[0]).to_numpy()
    ranks = both["x"].rank().to_numpy()
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    auc = (ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
    return float(max(auc, 1 - auc))


# A marketing call's length is known only once the call has ended with its outcome (UCI bank marketing's documentation:
# "this input should only be included for benchmark purposes and should be discarded" for a realistic model).
_CAMPAIGN_NAMES = frozenset({"campaign", "pdays", "previous", "poutcome", "contact"})
_CALL_LENGTH_NAMES = frozenset({"duration", "call_duration", "contact_duration", "last_contact_duration"})
_CALL_LENGTH_REASON = (
    "the length of the last call, known only once the call ended with its outcome {outcome!r} (a call of 0 seconds "
    "is always a no): a consequence of the outcome, never a feature"
)
# When the call was made, and the economy on that day (bank-additional's indicators): the same for every customer
# called that week, so segments on them group calling dates, not customers.
_CALL_TIMING_NAMES = frozenset(
    {"month", "day_of_week", "day", "emp_var_rate", "cons_price_idx", "cons_conf_idx", "euribor3m", "nr_employed"}
)
_CALL_TIMING_REASON = "when the call was made (its month, weekday, or the economy that day), not who the customer is"
LEAKAGE_AUC = 0.97  # a column that separates the outcome this well is its consequence or another model's output


def guess_roles(frame: pd.DataFrame) -> dict[str, RoleGuess]:
    """Guess each column's role from its name and values, with a confidence and a reason.

    Parameters
    ----------
    frame : pandas.DataFrame
        A table as loaded by :func:`core.io.load_table` (card numbers already masked). Not modified.

    Returns
    -------
    dict of str to RoleGuess
        Column -> guess, in column order. Besides names, values decide: row numbers, unique keys and long
        same-width numbers are ids; whole numbers that read as ``yyyymmdd`` / ``yymmdd`` dates, date parts
        (year, month, day, clock time) and text dates are dates; two-valued columns named like an outcome are
        labels; columns named like a score or prediction, and numeric columns that separate the outcome almost
        perfectly (AUC >= :data:`LEAKAGE_AUC`), are leakage; small whole-number codes with category names are
        categorical.

    Examples
    --------
    >>> df = pd.DataFrame({"CLIENTNUM": [768805383, 818770008, 713982108, 769911858],
    ...                    "Attrition_Flag": ["Existing", "Existing", "Attrited", "Existing"],
    ...                    "SEX": [1, 2, 2, 1], "Credit_Limit": [12691.0, 8256.0, 3418.0, 3313.0]})
    >>> {column: guess.role for column, guess in guess_roles(df).items()}
    {'CLIENTNUM': 'id', 'Attrition_Flag': 'label', 'SEX': 'categorical', 'Credit_Limit': 'amount'}
    """
    guesses = {column: _guess(_normalise(column), frame[column]) for column in frame.columns}
    outcomes = preferred_outcomes([column for column, guess in guesses.items() if guess.role == LABEL])
    if outcomes:
        names = {_normalise(column) for column in frame.columns}
        if len(names & _CAMPAIGN_NAMES) >= 2:  # a marketing-call table (UCI bank marketing)
            for column, guess in guesses.items():
                name = _normalise(column)
                if name in _CALL_LENGTH_NAMES and guess.role in (FEATURE, AMOUNT):
                    guesses[column] = RoleGuess(LEAKAGE, HIGH, _CALL_LENGTH_REASON.format(outcome=outcomes[0]))
                elif name in _CALL_TIMING_NAMES and guess.role in (FEATURE, AMOUNT, CATEGORICAL):
                    guesses[column] = RoleGuess(DATETIME, HIGH, _CALL_TIMING_REASON)
        outcome = _sample(frame[outcomes[0]])
        for column, guess in guesses.items():
            if guess.role not in (FEATURE, AMOUNT):
                continue
            auc = _outcome_auc(_sample(frame[column]), outcome)
            if auc is not None and auc >= LEAKAGE_AUC:
                guesses[column] = RoleGuess(
                    LEAKAGE,
                    MEDIUM,
                    f"almost determines the outcome {outcomes[0]!r} (AUC {auc:.2f}), so it is probably another "
                    "model's output or a consequence of the outcome: never a feature",
                )
    return guesses


def infer_roles(frame: pd.DataFrame) -> dict[str, str]:
    """Guess each column's role from its name and contents (the roles of :func:`guess_roles`).

    Parameters
    ----------
    frame : pandas.DataFrame
        A table as loaded by :func:`core.io.load_table` (card numbers already masked). Not modified.

    Returns
    -------
    dict of str to str
        Column -> one of :data:`ROLES`, in column order.

    Examples
    --------
    >>> df = pd.DataFrame(
    ...     {"Sl_No": [1, 2, 3], "Customer Key": [87073, 38414, 17341], "Avg_Credit_Limit": [1e5, 5e4, 5e4]}
    ... )
    >>> infer_roles(df)
    {'Sl_No': 'id', 'Customer Key': 'id', 'Avg_Credit_Limit': 'amount'}
    """
    return {column: guess.role for column, guess in guess_roles(frame).items()}


def id_column(roles: Mapping[str, str]) -> str | None:
    """Return the column that identifies customers: among id columns, customer-named ones first, then keys.

    Examples
    --------
    >>> id_column({"Sl_No": "id", "Customer Key": "id", "Avg_Credit_Limit": "amount"})
    'Customer Key'
    >>> id_column({"SK_ID_PREV": "id", "SK_ID_CURR": "id"})  # Home Credit: a previous credit, then its client
    'SK_ID_CURR'
    """
    ids = [column for column, role in roles.items() if role == ID]
    if not ids:
        return None

    def rank(column: str) -> int:
        name = _normalise(column)
        if _CUSTOMER_NAME.search(name):
            return 0
        if _ROW_NUMBER_NAME.search(name):
            return 3
        if _PRODUCT_ID_NAME.search(name):
            return 2
        return 1

    return min(ids, key=rank)


def offered_features(frame: pd.DataFrame | None, roles: Mapping[str, str]) -> tuple[str, ...]:
    """Return the columns a customer table offers as clustering features under ``roles``, in order.

    Numbers and amounts, and categories of at most :data:`MAX_CATEGORY_LEVELS` levels in ``frame`` (every
    category when ``frame`` is None).

    Examples
    --------
    >>> offered_features(None, {"ID": "id", "Age": "feature", "Sex": "categorical", "Risk": "label"})
    ('Age', 'Sex')
    """

    def few_levels(column: str) -> bool:
        return frame is None or _sample(frame[column]).nunique() <= MAX_CATEGORY_LEVELS

    return tuple(
        column
        for column, role in roles.items()
        if role in (FEATURE, AMOUNT) or (role == CATEGORICAL and few_levels(column))
    )


def period_column(roles: Mapping[str, str]) -> str | None:
    """Return the column that says which month a row of a monthly panel is (``MONTHS_BALANCE``), if any.

    Examples
    --------
    >>> period_column({"ID": "id", "MONTHS_BALANCE": "datetime", "STATUS": "categorical"})
    'MONTHS_BALANCE'
    """
    return next(
        (c for c, role in roles.items() if role == DATETIME and _RELATIVE_MONTH_NAME.match(_normalise(c))), None
    )


def feature_columns(roles: Mapping[str, str]) -> list[str]:
    """Return the columns usable as segmentation features (numeric behaviour and amounts), in order."""
    return [column for column, role in roles.items() if role in (FEATURE, AMOUNT)]


def preferred_outcomes(columns: list[str]) -> list[str]:
    """Order outcome columns by how plainly their name says "the outcome".

    ``y`` or ``target`` first, then churn or fraud words, then the rest (``default``), each group in table order.

    Examples
    --------
    >>> preferred_outcomes(["default", "housing", "y"])
    ['y', 'default', 'housing']
    """

    def rank(column: str) -> int:
        name = _normalise(column)
        return next(
            (i for i, pattern in enumerate(_OUTCOME_PREFERENCE) if pattern.search(name)), len(_OUTCOME_PREFERENCE)
        )

    return sorted(columns, key=rank)


def outcome_column(roles: Mapping[str, str]) -> str | None:
    """Return the column whose role is a known outcome (label), or None.

    With several, the plainest-named (:func:`preferred_outcomes`).
    """
    outcomes = preferred_outcomes([column for column, role in roles.items() if role == LABEL])
    return outcomes[0] if outcomes else None


_PICK = {"timestamp": "date column", "amount": "amount column"}  # the Upload page's words for missing roles
_OVERRIDE_ALIASES = {"key": "customer", "outcome": "label", "date": "timestamp", "time": "timestamp"}
_TX_ROLE_FOR_COLUMN_ROLE = {"customer": ID, "timestamp": DATETIME, "amount": AMOUNT, "label": LABEL}


@dataclass(frozen=True)
class Understanding:
    """What CardLens understood of one table: its kind, the role of every column, and why.

    Built by :func:`understand`; the same report is printed by the command line, shown on the Upload page and
    written to the workbook.
    """

    kind: str
    guesses: Mapping[str, RoleGuess]
    key: str | None
    timestamp: str | tuple[str, ...] | None
    amount: str | None
    outcome: str | None
    rows: int
    transaction_columns: TransactionColumns | None = None
    notes: tuple[str, ...] = ()
    frame: pd.DataFrame | None = field(default=None, repr=False, compare=False)
    no_customer: str | None = None  # why no column keys the transactions to customers (:func:`unkeyed_reason`)

    @property
    def roles(self) -> dict[str, str]:
        """Column -> role."""
        return {column: guess.role for column, guess in self.guesses.items()}

    @property
    def features(self) -> tuple[str, ...]:
        """Columns used as clustering features: numbers, amounts and categories of at most 50 levels.

        None for a transaction table: its customer features are derived.
        """
        if self.kind == TRANSACTIONS:
            return ()
        return offered_features(self.frame, self.roles)

    @property
    def excluded(self) -> dict[str, str]:
        """Column -> why it is not a clustering feature."""
        if self.kind == TRANSACTIONS:
            used = self._transaction_uses()
            return {column: used.get(column, "not used for customer features") for column in self.guesses}
        features = set(self.features)
        excluded = {}
        for column, guess in self.guesses.items():
            if guess.role == CATEGORICAL and column not in features:
                excluded[column] = f"category with more than {MAX_CATEGORY_LEVELS} levels: names or free text"
            elif guess.role in NOT_FEATURE_ROLES and guess.role != CATEGORICAL:
                excluded[column] = f"{ROLE_WORDS[guess.role]}: {guess.reason}"
        return excluded

    @property
    def low_confidence(self) -> dict[str, RoleGuess]:
        """Columns whose role is a guess worth checking."""
        return {column: guess for column, guess in self.guesses.items() if guess.confidence == LOW}

    @cached_property
    def n_customers(self) -> int | None:
        """Distinct non-missing keys (None without a key)."""
        if self.key is None or self.frame is None:
            return None
        return int(self.frame[self.key].nunique(dropna=True))

    @cached_property
    def date_range(self) -> tuple[pd.Timestamp, pd.Timestamp] | None:
        """First and last date of the timestamp column(s), or None."""
        if self.timestamp is None or self.frame is None:
            return None
        return timestamp_range(self.frame, self.timestamp)

    def _transaction_uses(self) -> dict[str, str]:
        uses = {}
        columns = self.transaction_columns or TransactionColumns()
        words = {
            "customer": "customer key: transactions are grouped by it",
            "timestamp": "date of each transaction: recency, tenure and trends",
            "amount": "transaction amount: summed into spend features",
            "debit": "money out: the amount of each transaction",
            "credit": "money in: the amount of each transaction (as a negative)",
            "category": "category: spend mix features",
            "merchant": "merchant: fraud checks",
            "channel": "channel: spend mix features",
            "label": "known fraud outcome: checks the fraud scores, never a feature",
            "transaction_id": "transaction id: not a feature",
            "type": "kind of each booking: tells money in (payments, salary, transfers) from refunds",
            "description": "text of each booking: its words tell money in (payments, salary, transfers) from refunds",
        }
        for role, column in columns.as_dict().items():
            for part in (column,) if isinstance(column, str) else column or ():
                uses[part] = words.get(role, f"{role}: fraud checks")
        return uses

    def lines(self, name: str | None = None) -> list[str]:
        """Return the plain-language report, one line per fact, with the columns to check last."""
        what = f" in {name}" if name else ""
        lines = [f"What CardLens understood{what}:"]
        if self.kind == TRANSACTIONS and self.key is None:
            lines.append(f"- A transaction table (a date and an amount on each row): {self.rows:,} rows.")
        elif self.kind == TRANSACTIONS:
            lines.append(
                f"- A transaction table (a repeated key, a date and an amount): {self.rows:,} rows for "
                f"{self.n_customers or 0:,} customers keyed by {self.key!r}. Customer features are derived from it."
            )
        else:
            if self.key:
                repeats = self.rows - (self.n_customers or 0) - int(self.frame[self.key].isna().sum())
                extra = f"; {repeats:,} key value(s) repeat" if repeats > 0 else ""
                keyed = f", keyed by {self.key!r}{extra}"
            else:
                keyed = ", with no customer key (rows are numbered instead)"
            lines.append(f"- A customer table: {self.rows:,} rows, one per customer{keyed}.")
        if self.timestamp is not None:
            shown = " + ".join(map(repr, self.timestamp)) if isinstance(self.timestamp, tuple) else repr(self.timestamp)
            span = self.date_range
            dates = f", from {_day(span[0])} to {_day(span[1])}" if span else ", but no value could be read"
            if span and isinstance(self.timestamp, str) and hour_counter(self.frame[self.timestamp]):
                hours = pd.to_numeric(self.frame[self.timestamp], errors="coerce")
                days = (span[1] - span[0]) / pd.Timedelta(days=1)
                dates = (
                    f", read as hours since the start of the log (hour {hours.min():,.0f} to {hours.max():,.0f}: "
                    f"{days:,.1f} days); the calendar start is arbitrary, so the dates shown (from {_day(span[0])}) "
                    "and their weekdays are not real ones"
                )
            elif span and isinstance(self.timestamp, str) and elapsed_seconds(self.frame[self.timestamp]):
                days = (span[1] - span[0]) / pd.Timedelta(days=1)
                dates = f", seconds since the first transaction ({days:,.1f} days in all; no calendar dates)"
            lines.append(f"- Dates: {shown}{dates}.")
        if self.amount:
            lines.append(f"- Amount: {self.amount!r}.")
        elif self.transaction_columns and self.transaction_columns.debit:
            lines.append(
                f"- Amount: money out {self.transaction_columns.debit!r} minus money in "
                f"{self.transaction_columns.credit!r}."
            )
        if self.outcome and self.kind == TRANSACTIONS:
            lines.append(f"- Fraud outcome: {self.outcome!r}, used to check the fraud scores, never to fit them.")
        elif self.outcome:
            lines.append(
                f"- Outcome: {self.outcome!r}, reported per segment to check results; never used to build them."
            )
        if self.kind == TRANSACTIONS:
            columns = self.transaction_columns or TransactionColumns()
            shown = {
                self.key,
                self.amount,
                *(self.timestamp if isinstance(self.timestamp, tuple) else (self.timestamp,)),
            }
            uses = self._transaction_uses()
            for column, use in uses.items():
                if column not in shown and column != self.outcome:
                    lines.append(f"- Also used: {column!r}, {use}.")
            unused = [column for column in self.guesses if column not in uses]
            for column in unused:
                if self.guesses[column].role == LEAKAGE and column != self.outcome:
                    lines.append(f"- Not a feature: {column!r}, {ROLE_WORDS[LEAKAGE]}: {self.guesses[column].reason}.")
            if unused:
                lines.append(f"- Not used for customer features: {_listed(unused, limit=len(unused))}.")
            if columns.customer is None and self.no_customer:
                lines.append(
                    f"- No usable customer column: {self.no_customer}. The transactions are read without customers, so "
                    "no customers are segmented. If a column does name the customer, pick it in the column-role "
                    "table, or with --columns customer=COLUMN."
                )
            elif columns.customer is None:
                lines.append(
                    "- No column names the customer or card of each transaction: they are read as one account's. "
                    "Name it in the column-role table, or with --columns customer=COLUMN."
                )
        if self.kind == CUSTOMERS:
            categories = [c for c in self.features if self.guesses[c].role == CATEGORICAL]
            numbers = [c for c in self.features if c not in categories]
            lines.append(f"- Numeric features for segments ({len(numbers)}): {_listed(numbers)}.")
            if categories:
                lines.append(
                    f"- Categories ({len(categories)}): {_listed(categories)}; one-hot encoded for the numeric "
                    "algorithms (rare levels pooled), compared level by level in the profiles."
                )
            for column, reason in self.excluded.items():
                if column != self.key:
                    lines.append(f"- Not a feature: {column!r}, {reason}.")
        lines.extend(f"- Note: {note}" for note in self.notes)
        for column, guess in self.low_confidence.items():
            lines.append(
                f"- Please check {column!r}: read as {ROLE_WORDS[guess.role]} ({guess.reason}). Change it in the "
                "column-role table, or on the command line with --columns ROLE=COLUMN or --exclude COLUMN."
            )
        return lines


ROLE_WORDS = {
    ID: "identifier",
    FEATURE: "numeric behaviour",
    AMOUNT: "money amount",
    CATEGORICAL: "category",
    DATETIME: "date",
    LABEL: "known outcome",
    LEAKAGE: "leaks the outcome",
    CARD: "card number",
    TEXT: "free text",
}


def _listed(columns: object, limit: int = 12) -> str:
    names = [repr(c) for c in columns]  # type: ignore[attr-defined]
    if not names:
        return "none"
    return ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _day(value: pd.Timestamp) -> str:
    return f"{value.day} {value:%B %Y}"


def timestamp_range(frame: pd.DataFrame, timestamp: str | tuple[str, ...]) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """First and last timestamp; ISO text of one width is compared as text first (a million rows in ~0.1 s)."""
    values = frame[timestamp] if isinstance(timestamp, str) else None
    if values is not None and (pd.api.types.is_string_dtype(values) or pd.api.types.is_object_dtype(values)):
        text = values.dropna().astype("str").str.strip()
        widths = text.str.len()
        if len(text) and bool((widths == widths.iloc[0]).all()) and parse_timestamps(_sample(text))[1] == "ISO 8601":
            ends = parse_timestamps(pd.Series([text.min(), text.max()]))[0]
            if ends.notna().all():
                return ends.iloc[0], ends.iloc[1]
    parsed = timestamps_of(frame, timestamp)
    if parsed.notna().sum() == 0:
        return None
    return parsed.min(), parsed.max()


def timestamps_of(frame: pd.DataFrame, timestamp: str | tuple[str, ...]) -> pd.Series:
    """Parse the timestamp column, or assemble it from date parts (year, month, day, time)."""
    from core.transactions import assemble_timestamps

    if isinstance(timestamp, tuple):
        return assemble_timestamps(frame, timestamp)
    return parse_timestamps(frame[timestamp])[0]


def understand(
    frame: pd.DataFrame,
    *,
    columns: Mapping[str, str] | None = None,
    exclude: tuple[str, ...] | list[str] = (),
    kind: str | None = None,
) -> Understanding:
    """Understand a table: its kind (customers or transactions), its key, dates, amount, outcome and features.

    A repeated key, a timestamp and an amount make a transaction table; anything else is a customer table.
    Ids, dates, outcomes, other models' outputs, card numbers and free text are never features, each with a
    reason.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table as loaded by :func:`core.io.load_table`. Not modified.
    columns : mapping, optional
        The user's corrections, role -> column: ``customer`` (or ``key``), ``timestamp``, ``amount``,
        ``label`` (or ``outcome``) and the other transaction roles, ``id``, or any role of :data:`ROLES`
        (``feature=x`` makes ``x`` a feature). Roles given here are used as they are.
    exclude : sequence of str
        Columns never to use as features.
    kind : {"customers", "transactions"}, optional
        Force the table kind instead of detecting it.

    Returns
    -------
    Understanding

    Raises
    ------
    DataError
        When a correction names a column that is not in the table or an unknown role.

    Examples
    --------
    >>> tx = pd.DataFrame({"user_id": [7, 7, 8, 8], "ts": ["2024-01-02", "2024-01-05", "2024-01-03", "2024-02-01"],
    ...                    "amount": [3.5, 10.0, 7.25, 1.0]})
    >>> u = understand(tx)
    >>> u.kind, u.key, u.timestamp, u.amount, u.n_customers
    ('transactions', 'user_id', 'ts', 'amount', 2)
    """
    from core.errors import DataError

    corrections = {_OVERRIDE_ALIASES.get(role, role): column for role, column in (columns or {}).items()}
    for role, column in corrections.items():
        for part in column.split("+") if isinstance(column, str) else column:
            if part not in frame.columns:
                raise DataError(
                    f"Column {part!r} (given for {role}) is not in the table. Its columns are: "
                    f"{', '.join(map(str, frame.columns[:30]))}."
                )
    missing = [column for column in exclude if column not in frame.columns]
    if missing:
        raise DataError(f"Cannot exclude {', '.join(map(repr, missing))}: no such column in the table.")
    if kind not in (None, CUSTOMERS, TRANSACTIONS):
        raise DataError(f"Unknown table kind {kind!r}: say customers or transactions.")
    guesses = guess_roles(frame)
    tx_fields = set(TransactionColumns().as_dict())
    tx_overrides: dict[str, object] = {}
    for role, column in corrections.items():
        if role in tx_fields:
            parts = tuple(column.split("+")) if isinstance(column, str) else tuple(column)
            tx_overrides[role] = parts if len(parts) > 1 else parts[0]
            if role in _TX_ROLE_FOR_COLUMN_ROLE:
                for part in parts:
                    guesses[part] = RoleGuess(_TX_ROLE_FOR_COLUMN_ROLE[role], HIGH, f"you said it is the {role}")
        elif role in ROLES:
            guesses[column] = RoleGuess(role, HIGH, "you said so")
        else:
            raise DataError(
                f"Unknown role {role!r}. Use one of: customer, timestamp, amount, label, id, "
                f"{', '.join(r for r in ROLES if r not in (ID, LABEL))}."
            )
    for column in exclude:
        if guesses[column].role in (FEATURE, AMOUNT):
            guesses[column] = RoleGuess(TEXT, HIGH, "excluded by you")
    tx_columns = infer_transaction_columns(frame, overrides=tx_overrides)
    is_transactions = kind == TRANSACTIONS or (kind is None and _transaction_shaped(frame, tx_columns))
    notes = _placeholder_notes(frame, guesses)
    if is_transactions and tx_columns.amount is not None and guesses[tx_columns.amount].role == LEAKAGE:
        guesses[tx_columns.amount] = RoleGuess(AMOUNT, HIGH, "the amount of each transaction")
    if is_transactions:
        key = tx_columns.customer
        timestamp = tx_columns.timestamp
        amount = tx_columns.amount
        outcome = tx_columns.label or outcome_column({c: g.role for c, g in guesses.items()})
        if "customer" not in tx_overrides:
            chosen = key_choice_note(frame, tx_columns)
            if chosen is not None:
                notes.append(
                    f"{chosen} If another column is the customer, pick it in the column-role table, or on the "
                    "command line with --columns customer=COLUMN."
                )
        notes += _sign_and_clock_notes(frame, amount, timestamp)
        money_in = money_in_of_table(frame, tx_columns).sentence()
        if money_in:
            notes.append(money_in)
        if key is not None and guesses[key] == _MANGLED:
            notes.append(
                f"the customer key {key!r} holds numbers in scientific notation (like 2.29E+15): a spreadsheet cut "
                "them short, so different cards may have merged into one customer. Export that column as text."
            )
    else:
        roles = {c: g.role for c, g in guesses.items()}
        key = corrections.get("customer") or corrections.get(ID) or id_column(roles)
        timestamp, amount, outcome = None, None, outcome_column(roles)
        if key is not None and kind is None:
            keys = _sample(frame[key]).dropna()
            period = period_column(roles)
            if len(keys) >= 20 and keys.nunique() <= 0.5 * len(keys) and period is not None:
                notes.append(
                    f"each row is a month of a customer (the key {key!r} repeats about "
                    f"{len(keys) / max(keys.nunique(), 1):,.1f} times, {period!r} says which month), so each "
                    "customer's latest month is kept: the customers as they are now. To segment their averages over "
                    "the months instead, merge the rows (Upload page, 'Repeated customer keys'; on the command line "
                    "--repeated-keys merge)."
                )
            elif len(keys) >= 20 and keys.nunique() <= 0.5 * len(keys):
                missing = ["timestamp"] if tx_columns.timestamp is None else []
                if tx_columns.amount is None and tx_columns.debit is None:
                    missing.append("amount")
                flags = ",".join(f"{role}=COLUMN" for role in missing)
                notes.append(
                    f"the key {key!r} repeats a lot (about {len(keys) / max(keys.nunique(), 1):,.1f} rows per value): "
                    "if each row is a transaction, read it as one: on the Upload page set 'Read this file as' to "
                    "Transaction table"
                    + (f" and pick its {' and '.join(_PICK[role] for role in missing)} there" if missing else "")
                    + ", or on the command line add --kind transactions"
                    + (f" --columns {flags}" if missing else "")
                    + "."
                )
        tx_columns = None
    return Understanding(
        kind=TRANSACTIONS if is_transactions else CUSTOMERS,
        guesses=guesses,
        key=key,
        timestamp=timestamp,
        amount=amount,
        outcome=outcome,
        rows=len(frame),
        transaction_columns=tx_columns if is_transactions else None,
        notes=tuple(notes),
        frame=frame,
        no_customer=unkeyed_reason(frame, tx_columns) if is_transactions and key is None else None,
    )


def _sign_and_clock_notes(frame: pd.DataFrame, amount: str | None, timestamp: str | tuple | None) -> list[str]:
    """Say two readings standardising the transactions will make, before it runs (judged on the rows read).

    Spending written as negative amounts (the signs are flipped), and dates without a time of day (no
    night-time share, no hour-based fraud checks).
    """
    notes = []
    if amount is not None and money_out_is_negative(_sample(frame[amount])):
        notes.append(SPENDING_NEGATIVE_NOTE)
    try:
        if isinstance(timestamp, tuple):
            stamps = assemble_timestamps(frame.head(_SAMPLE_ROWS), timestamp)
        elif timestamp is not None:
            stamps = parse_timestamps(_sample(frame[timestamp]))[0]
        else:
            stamps = None
    except (ValueError, TypeError):  # unreadable dates are reported where they are read
        stamps = None
    if stamps is not None and date_only(stamps):
        notes.append(DATE_ONLY_NOTE)
    return notes


def _placeholder_notes(frame: pd.DataFrame, guesses: Mapping[str, RoleGuess]) -> list[str]:
    """Say how many "no date" placeholders (``99991231``, ``0``) each whole-number date column holds."""
    notes = []
    for column, guess in guesses.items():
        if guess.role == DATETIME and _is_numeric(frame[column]):
            found = integer_date_placeholders(frame[column])
            if found is not None:
                count, example = found
                values = "value was a placeholder" if count == 1 else "values were placeholders"
                notes.append(f"{count:,} {values} for no date in {column!r}, e.g. {example}; treated as missing.")
        elif guess.role in (FEATURE, AMOUNT):
            codes = numeric_codes(frame[column])
            if codes:
                held = " and ".join(f"{value:,g} in {count:,}" for value, count, _, _ in codes)
                low, high = codes[0][2], codes[0][3]
                notes.append(
                    f"{column!r} holds {held} of the rows read, outside every other value ({low:,g} "
                    f"to {high:,g}): probably a code for 'not applicable' or 'unknown', so the recommended recipe "
                    "reads it as missing (Clean page, step 'codes as missing'; remove the step to keep it as a number)."
                )
    return notes


# Values that bank and public files use as codes in number columns: -1 "never" (bank-full's pdays), runs of nines
# "unknown", Home Credit's 365243 days "not employed". Only said when the value stands outside all the others.
_NEGATIVE_CODES = frozenset({-1.0, -9.0, -99.0, -999.0, -9999.0, -99999.0, -999999.0, -9999999.0})
_POSITIVE_CODES = frozenset({96.0, 98.0, 365243.0, *(float("9" * width) for width in range(2, 11))})
MIN_CODE_SHARE = 0.01


def numeric_code(values: pd.Series) -> tuple[float, int, float, float] | None:
    """Return ``(code, rows, low, high)`` for the first code of :func:`numeric_codes`, else None.

    Examples
    --------
    >>> days = pd.Series([-1200, -340, -8000, 365243, -15, 365243] * 10)
    >>> numeric_code(days)
    (365243.0, 20, -8000.0, -15.0)
    >>> numeric_code(pd.Series([-1, 5, 20, 300, -1] * 10))
    (-1.0, 20, 5.0, 300.0)
    >>> numeric_code(pd.Series([-1.0, 2.5, -3.0, 4.0] * 10)) is None  # -1 among other negatives: a number
    True
    """
    codes = numeric_codes(values)
    return codes[0] if codes else None


def numeric_codes(values: pd.Series) -> list[tuple[float, int, float, float]]:
    """Return ``(code, rows, low, high)`` for every code-like value that stands apart from a number column.

    A code is -1 (or -9, -99 ...) in a column whose other values are never negative, or a run of nines (or
    365243, or Give Me Some Credit's 96 and 98) beyond every other value by more than their whole range. It is
    held by at least 1% of the rows read, or by at least 3 rows when it lies beyond five times that range (96 and
    98 "times 90 days late" where the real counts stop at 13; Santander's -999999 beside values 0 to 238).
    ``low`` and ``high`` are the other values' range.

    Examples
    --------
    >>> late = pd.Series([0] * 900 + [1] * 60 + [2, 3, 5, 13] * 5 + [96] * 4 + [98] * 6)
    >>> numeric_codes(late)
    [(98.0, 6, 0.0, 13.0), (96.0, 4, 0.0, 13.0)]
    """
    if not _is_numeric(values) or pd.api.types.is_bool_dtype(values):
        return []
    sample = pd.to_numeric(_sample(values), errors="coerce").dropna()
    if len(sample) < 20:
        return []
    counts = sample.value_counts()
    listed = [float(v) for v in counts.index if float(v) in _NEGATIVE_CODES or float(v) in _POSITIVE_CODES]
    rest = sample[~sample.isin(listed)]
    if rest.empty:
        return []
    low, high = float(rest.min()), float(rest.max())
    found, rare = [], []
    for value, count in counts.items():
        value = float(value)
        if value not in listed:
            continue
        apart = value in _POSITIVE_CODES and value > high + (high - low)
        if (value in _NEGATIVE_CODES and low >= 0) or apart:
            far = value > high + 5 * (high - low) or value < low - 5 * (high - low)
            enough = count >= 3 and (count >= MIN_CODE_SHARE * len(sample) or far)
            (found if enough else rare).append((value, int(count), low, high))
    if any(code in _POSITIVE_CODES for code, *_ in found):  # n/a is written 9999999999 here (Santander's delta_*):
        found = [entry for entry in found if entry[0] != -1.0]  # a -1 is then a value (a 100% fall), not a code
    return found + rare if found else []  # beside a code, another code value counts however rare (a lone 96)


def _keyless_transactions(frame: pd.DataFrame, columns: TransactionColumns) -> bool:
    """Return True for a date or clock column, an amount named as such, and no column of unique ids.

    A card-fraud extract (``Time, V1..V28, Amount, Class``) or one account's statement, as opposed to a
    customer table that happens to hold a date and a money column.
    """
    amount = columns.amount or columns.debit
    if amount is None or not re.search(r"amount|amt|betrag|importe|montant|money_out|debit", _normalise(amount)):
        return False
    if isinstance(columns.timestamp, str) and re.search(
        r"since|birth|open|start|end|close", _normalise(columns.timestamp)
    ):
        return False
    for column in frame.columns:
        name = _normalise(column)
        if _ROW_NUMBER_NAME.search(name) or _is_row_number(frame[column]):
            continue  # a row number (``index``, 0, 1, 2 ...) numbers the rows: it names no customer
        if column == columns.transaction_id:
            continue  # Monzo's "Transaction ID": one per transaction, it names no customer either
        sample = _sample(frame[column])
        values = sample.dropna()
        complete = len(values) >= 0.9 * len(sample)
        if complete and len(values) >= 20 and values.nunique() == len(values) and _key_name(name):
            return False
    return True


def _transaction_shaped(frame: pd.DataFrame, columns: TransactionColumns) -> bool:
    """Return True for a table with a timestamp, an amount and a customer key that repeats.

    The repeats are counted over the whole key column: in a sample of a big table most customers appear once.
    """
    if columns.timestamp is None or (columns.amount is None and columns.debit is None):
        return False
    if columns.customer is None:  # no key: a transaction extract only when nothing identifies a customer either
        return _keyless_transactions(frame, columns)
    keys = frame[columns.customer].dropna()
    return len(keys) > 0 and keys.nunique() <= 0.9 * len(keys)


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
    if len(frame) and _transaction_shaped(frame, infer_transaction_columns(frame)):
        return "transactions"
    return "generic"
