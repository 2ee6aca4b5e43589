"""Transaction tables: find the columns by role, and turn any bank's layout into one canonical frame.

Column names differ between banks, so roles are inferred from names *and* contents, and the caller may
override any of them. Every later stage (customer features, fraud, trends) reads only the canonical frame:

==============  ==========================================================================
column          meaning
==============  ==========================================================================
``row``         position of the transaction in the input file (0-based), for input-order outputs
``customer_id`` customer or card key, as text
``timestamp``   ``datetime64[ns]``
``amount``      float; spending is positive, money in (refunds, payments) negative. A file where most amounts
                are negative writes spending as negative: its signs are flipped, and the report says so
``is_refund``   bool, ``amount < 0``: a credit (a refund, or money in when ``is_money_in``)
``is_money_in`` bool, a credit that is no refund: a bill payment to the card, salary, a transfer in, recognised
                by the type, category or description (:mod:`core.money_in`); left out of spend and fraud scores
``category``    text, when the input has one (likewise ``merchant``, ``channel``, ``transaction_id``)
``label``       1.0 / 0.0 fraud label (from 1/0, yes/no, true/false, fraud/legit) when present; never used to
                fit unsupervised scores
``lat`` ...     ``lat``, ``lon``, ``merch_lat``, ``merch_lon`` as floats, when the input has them
==============  ==========================================================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from core.errors import DataError
from core.money_in import read_money_in
from core.names import fold_accents

# An hour counter (PaySim's ``step``: hour 1 to 743 of a simulation): hours since the start of the log, no calendar.
_HOUR_COUNTER = (
    r"^(step|steps|time_?step|hours?|hrs?|elapsed_?hours?|hours?_since_(the_)?start|hour_(index|count|counter|no|nr))$"
)
_HOUR_OF_DAY_NAME = re.compile(r"^(hour|hr)$")  # also a date part (0 to 23) when year, month and day are columns
# Kinds of transaction, as a ``type`` column names them (PaySim's PAYMENT, TRANSFER, CASH_OUT, CASH_IN, DEBIT).
_KIND_WORDS = r"payment|transfer|cash|debit|credit|deposit|withdraw|purchase|refund|fee|top_?up|bill"
_KIND_COLUMN = r"^(type|transaction_kind|txn_kind)$"  # a category only when its values are such kinds
# Name patterns per role, best first. Matched against the lower-cased column name with spaces -> "_".
_NAME_PATTERNS: dict[str, tuple[str, ...]] = {
    "timestamp": (
        r"^(trans(action)?_?)?(date_?)?(trans_?)?(time|timestamp|datetime)$",
        r"^trans_date_trans_time$",
        r"(timestamp|datetime|posted|booking_date|transaction_date|trans_date|txn_date)",
        r"^(date|datum|fecha|data|buchungsdatum|buchungstag|date_operation|date_op)$",
        r"(date|time|datum|fecha|buchung)",
        _HOUR_COUNTER,
    ),
    "amount": (
        r"^(amt|amount|transaction_amount|trans_amount|txn_amount|value|spend|betrag|importe|montant|bedrag)$",
        r"(amount|amt|betrag|importe|montant)",
        r"(value|spend|sum|price)",
    ),
    "debit": (
        r"^(money_out|paid_out|debit|debits|withdrawal|withdrawals|debit_amount|out|addebiti|addebito|uscite|cargos?)$",
        r"(debit|withdraw|paid_out)",
    ),
    "credit": (
        r"^(money_in|paid_in|credit|credits|deposit|deposits|credit_amount|in|haben|eingang|accrediti|accredito|"
        r"entrate|abonos?)$",
        r"(deposit|paid_in|money_in|credit_amount)",
    ),
    "category": (
        r"^(category|merchant_category|mcc|mcc_description|spend_category|kategorie|catégorie|categorie|categoria|"
        r"categoría)$",
        r"(categ|kateg|catég)",
        _KIND_COLUMN,  # only when its values name kinds of transaction
    ),
    "merchant": (r"^(merchant|merchant_name|payee|counterparty|merchant_id)$", r"merch(?!.*(lat|long|zip))"),
    "channel": (r"^(channel|entry_mode|pos_entry_mode|transaction_type|trans_type)$", r"channel"),
    "label": (r"^(is_?fraud|fraud|fraud_?flag|is_fraudulent|label|class)$", r"fraud"),
    "transaction_id": (
        r"^(trans_num|transaction_id|txn_id|trans_id|transaction_number)$",
        r"^(transaction|trans|txn|tx|booking|payment|operation)_?(id|no|nr|number|ref)$",
    ),
    "lat": (r"^(lat|latitude|customer_lat|cust_lat)$",),
    "lon": (r"^(long|lon|lng|longitude|customer_long|cust_lon)$",),
    "merch_lat": (r"^(merch_lat|merchant_lat|merchant_latitude)$",),
    "merch_lon": (r"^(merch_long|merch_lon|merchant_long|merchant_lon|merchant_longitude)$",),
    # What kind of booking a row is (Chase's Sale / Payment / Return, UK BGC / FPI, German Buchungstext) and its
    # free text: read only to tell money in (payments, salary, transfers) from refunds, see core.money_in.
    "type": (
        r"^(type|txn_type|entry_type|booking_type|buchungstext|buchungsart|umsatzart|type_d_op(e|é)ration|"
        r"type_de_transaction|tipo|tipo_de_operaci(o|ó)n|soort|mutatiesoort|transaction_kind)$",
    ),
    "description": (
        r"^(description|transaction_description|trans_description|desc|memo|narrative|verwendungszweck|"
        r"booking_text|purpose|libell(e|é)|concepto|descripci(o|ó)n|omschrijving|mededelingen|causale|descrizione|"
        r"particulars)$",
        r"(descr|verwendungszweck|memo|narrative|libell|omschrijving)",
    ),
}
_NOT_A_TIMESTAMP = re.compile(r"(dob|birth|expir|unix)")
# A UTC offset at the end of a text timestamp ("Z", "+01:00", " +0200", " UTC"), and the same after a clock time
# (so the year of "05-01-2024" is never taken for an offset).
_UTC_OFFSET = r"\s*(?:Z|UTC|GMT|[+-]\d{2}:?\d{2})$"
_TIME_THEN_OFFSET = r"\d:\d{2}(?::\d{2}(?:[.,]\d+)?)?" + _UTC_OFFSET
# The customer key: named like one (best first), never a column whose name says it is something else. A customer's
# own id outranks a card number: a customer may hold several cards, and masked or truncated card numbers (last four
# digits) collide between customers, while the product segments customers.
# Bank exports in other languages name the same keys in their own words, compared after _normalise_name
# (lower case, spaces / dots / dashes -> "_"), with a trailing "_" from "Nr." dropped: German Kundennummer,
# Kunden-Nr., Kontonummer and Kartennummer; French numéro client / n° de compte / numéro de carte; Spanish número
# de cliente / de cuenta / de tarjeta; Dutch klantnummer / rekeningnummer / kaartnummer; Italian codice cliente /
# numero conto / numero carta.
_NUMBER_WORDS = r"(n[°ºo]?|nr|num|numero|número|numéro|nummer|no|id|code|codice|código|cod|kennung)"
_CUSTOMER_WORDS = r"(client|cliente|klant|kunde|kunden|kd)"
_ACCOUNT_WORDS = r"(compte|cuenta|conto|rekening|konto)"
_CARD_WORDS = r"(carte|tarjeta|carta|kaart|karte|karten)"
_KEY_NAMES = (
    re.compile(
        r"^(customer|cust|client|user|member|account|acct|holder|cardholder|card_holder|party|person)_?"
        r"(id|no|nr|number|num|key|code|ref)$"
        rf"|^{_NUMBER_WORDS}_?((de|del|du|di)_?)?(l_?)?{_CUSTOMER_WORDS}$"
        rf"|^{_CUSTOMER_WORDS}_?{_NUMBER_WORDS}$"
        r"|^(kunden|klant|konto|rekening)_?(nummer|nr|id)$"
        rf"|^{_NUMBER_WORDS}_?((de|del|du|di)_?)?(l_?)?{_ACCOUNT_WORDS}$"
    ),
    re.compile(
        r"^(cc_num|pan|card_?(no|nr|number|num|id))$"
        rf"|^{_NUMBER_WORDS}_?((de|del|du|di)_?)?(l_?|la_?)?{_CARD_WORDS}$"
        r"|^(karten|kaart)_?(nummer|nr|id)$"
    ),
    re.compile(
        r"^(customer|cust|client|user|member|account|acct|holder|cardholder|party|person|konto|auftragskonto|kunde|"
        r"cliente|klant|compte|cuenta|conto|rekening)$"
    ),
    re.compile(r"customer|cust_|client|user|member|account|acct|holder|party|card|konto|kunden|klant|rekening"),
    re.compile(r"^id$"),
)
_NOT_A_KEY = re.compile(
    r"type|categ|brand|network|level|tier|status|kind|class|issuer|chip|currency|country|city|state|zip|merch|trans|"
    r"txn|date|time|amount|amt|name|first|last|street|job|gender|sex|age|partner|counter|recipient|payee|limit|bal|"
    r"datum|wertstellung|valuta|buchung|betrag|iban|bic|swift|glaeubiger|mandat|referenz|reference|empf|zahlungs|"
    r"beguenstigt|gegen|sort_code|memo|description|number$|kateg|tegen|contrepartie|contraparte|controparte|"
    r"beneficiar|bénéficiaire"
)
ONE_ACCOUNT = "(one account)"  # customer_id of every transaction when no column names the customer
INTEGER_DATE_FORMATS = {"%Y%m%d": "yyyymmdd", "%y%m%d": "yymmdd"}
INTEGER_READINGS = {f"whole numbers written {words}": layout for layout, words in INTEGER_DATE_FORMATS.items()}
ELAPSED_READING = "seconds since the first transaction (no calendar dates)"
DATE_SHARE = 0.95  # a date column is read in a format when this share of its values reads in it (the rest: missing)
_DATE_PARTS = {
    "year": ("year", "yr"),
    "month": ("month", "mon"),
    "day": ("day",),
    "time": ("time",),
    "hour": ("hour", "hr"),
    "minute": ("minute", "min"),
}
_OPTIONAL_ROLES = ("category", "merchant", "channel", "label", "transaction_id", "lat", "lon", "merch_lat", "merch_lon")


@dataclass(frozen=True)
class TransactionColumns:
    """Which input column plays which role in a transaction table (``None`` = absent).

    ``customer``, ``timestamp`` and ``amount`` are required by every stage; the rest enrich it. ``timestamp``
    is a tuple of columns when the date is split over parts (year, month, day, time); money out and money in
    columns (``debit`` and ``credit``) stand in for ``amount`` when a statement splits it. ``type`` and
    ``description`` tell money in (bill payments, salary, transfers) from refunds among the credits.
    """

    customer: str | None = None
    timestamp: str | tuple[str, ...] | None = None
    amount: str | None = None
    debit: str | None = None
    credit: str | None = None
    category: str | None = None
    merchant: str | None = None
    channel: str | None = None
    label: str | None = None
    transaction_id: str | None = None
    lat: str | None = None
    lon: str | None = None
    merch_lat: str | None = None
    merch_lon: str | None = None
    type: str | None = None
    description: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        """Return role -> column name, for display and JSON."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def missing_required(self) -> list[str]:
        """Return the required roles that have no column yet."""
        missing = [role for role in ("customer", "timestamp") if getattr(self, role) is None]
        if self.amount is None and self.debit is None:
            missing.append("amount")
        return missing


@dataclass(frozen=True)
class TransactionReport:
    """What :func:`standardize_transactions` did to the input."""

    rows_in: int
    rows_out: int
    duplicates_dropped: int
    bad_timestamps_dropped: int
    bad_amounts_dropped: int
    refunds: int  # credits (amount < 0): refunds and money in
    timestamp_format: str
    notes: tuple[str, ...] = ()
    money_in: int = 0  # credits read as money in (core.money_in), not refunds


def _normalise_name(name: object) -> str:
    return re.sub(r"[\s\-./]+", "_", fold_accents(str(name).strip().lower()))


def looks_like_timestamps(series: pd.Series, *, named: bool = False) -> bool:
    """Return True when most values read as dates: the one date sniffer (``core.schema`` uses it too).

    Dates, integer dates (``20240131``) and, when ``named`` (the column's name says time), elapsed seconds
    count; text counts when at least 90% of its first 200 values parse with :func:`parse_timestamps`.

    Examples
    --------
    >>> looks_like_timestamps(pd.Series(["2024-01-31 10:00", "31/01/2024"])), looks_like_timestamps(pd.Series(["A1"]))
    (True, False)
    """
    if pd.api.types.is_datetime64_any_dtype(series):
        return True
    if pd.api.types.is_bool_dtype(series):
        return False
    if pd.api.types.is_numeric_dtype(series):
        share = DATE_SHARE if named else 1.0  # a name that says time lets a mistyped value or two pass
        if integer_date_format(_sample(series), share=share) is not None:  # a sniffer: 20,000 rows tell
            return True
        return named and (elapsed_seconds(series) or unix_time_unit(series) is not None)
    sample = series.dropna().astype(str).head(200)
    if sample.empty:
        return False
    parsed = parse_timestamps(sample)[0]
    return bool(parsed.notna().mean() >= 0.9)


# Fraud labels as banks write them (IBM TabFormer's "Is Fraud?" is Yes/No), compared lower-cased and stripped.
_LABEL_WORDS = {
    **dict.fromkeys(("1", "1.0", "yes", "y", "true", "t", "fraud", "fraudulent"), 1.0),
    **dict.fromkeys(("0", "0.0", "no", "n", "false", "f", "legit", "legitimate", "genuine"), 0.0),
}


def fraud_labels(values: pd.Series) -> pd.Series:
    """Read a fraud label column as 1.0 (fraud), 0.0 (not fraud) or NaN (missing or unreadable).

    Numbers must be 0 or 1; text may also say yes / no, y / n, true / false, fraud / legit (any case).

    Examples
    --------
    >>> fraud_labels(pd.Series(["Yes", "no", "FRAUD", "legit", "maybe", None])).tolist()
    [1.0, 0.0, 1.0, 0.0, nan, nan]
    >>> fraud_labels(pd.Series([0, 1, 2])).tolist()
    [0.0, 1.0, nan]
    """
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
        numbers = pd.to_numeric(values, errors="coerce").astype("float64")
        return numbers.where(numbers.isin([0.0, 1.0]))
    words = values.astype("string").str.strip().str.lower()
    return pd.Series(words.map(_LABEL_WORDS).to_numpy(dtype="float64", na_value=np.nan), index=values.index)


def _is_binary(series: pd.Series) -> bool:
    values = pd.Series(pd.unique(series.dropna()))
    return 0 < len(values) <= 2 and bool(fraud_labels(values).notna().all())


def _content_fits(role: str, series: pd.Series) -> bool:
    if role == "timestamp" and re.match(_HOUR_COUNTER, _normalise_name(series.name)):
        return elapsed_hours(series)
    if role == "timestamp":
        return looks_like_timestamps(series, named=True)
    if role == "category" and re.match(_KIND_COLUMN, _normalise_name(series.name)):
        return _names_kinds_of_transaction(series)
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


def infer_transaction_columns(frame: pd.DataFrame, *, overrides: dict[str, object] | None = None) -> TransactionColumns:
    """Guess which column holds each transaction role, from names first and contents second.

    The customer key is the column named most like one (customer / client / user / account / card / holder /
    member / party, best with an ``id`` / ``no`` / ``number`` suffix, then a card number) whose values repeat,
    are neither a handful of codes nor dates or amounts (see :func:`customer_key`; :func:`key_choice_note` says
    when another column could have been the key). A date split over year / month / day (and time)
    columns becomes a tuple of those columns; whole numbers written ``yyyymmdd`` or ``yymmdd`` are dates.

    Parameters
    ----------
    frame : pandas.DataFrame
        A transaction table as loaded by :func:`core.io.load_table`. Not modified.
    overrides : dict, optional
        Role -> column (or tuple of date-part columns) the user chose; used as given.

    Returns
    -------
    TransactionColumns
        Roles that could not be found are ``None``; check :meth:`TransactionColumns.missing_required`.

    Examples
    --------
    >>> df = pd.DataFrame({"Card No": ["4111", "4111"], "Posted": ["2024-01-02", "2024-01-03"], "Amt": [3.5, 1.0],
    ...                    "is_fraud": [0, 1]})
    >>> cols = infer_transaction_columns(df)
    >>> (cols.customer, cols.timestamp, cols.amount, cols.label)
    ('Card No', 'Posted', 'Amt', 'is_fraud')
    """
    names = {column: _normalise_name(column) for column in frame.columns}
    chosen: dict[str, object] = dict(overrides or {})
    used: set[str] = {part for value in chosen.values() for part in ((value,) if isinstance(value, str) else value)}
    if "timestamp" not in chosen:
        parts = date_part_columns(frame)
        single = _find_by_name(frame, names, "timestamp", used)
        if single is None and parts:
            chosen["timestamp"] = parts
            used.update(parts)
        elif single is not None:
            clock = _time_of_day_beside(frame, names, single, used)
            chosen["timestamp"] = (single, clock) if clock is not None else single
            used.update((single, clock) if clock is not None else (single,))
    signed = _find_by_name(frame, names, "amount", used) if "amount" not in chosen else None
    if signed is not None and _both_signs(frame[signed]):  # Monzo's Amount beside its Money Out / Money In copies
        chosen["amount"] = signed
        used.add(signed)
    if "amount" not in chosen and not {"debit", "credit"} & set(chosen):
        money_out = _find_by_name(frame, names, "debit", used)
        money_in = _find_by_name(frame, names, "credit", used | {money_out} if money_out else used)
        if money_out is not None and money_in is not None:  # a statement that splits the amount in two
            chosen.update(debit=money_out, credit=money_in)
            used.update((money_out, money_in))
    for role in _NAME_PATTERNS:
        if role in chosen or (role in ("debit", "credit") and ("amount" in chosen or "debit" in chosen)):
            continue
        column = _find_by_name(frame, names, role, used)
        if column is not None:
            chosen[role] = column
            used.add(column)
    if "timestamp" not in chosen:  # fall back on contents: the first column that parses as dates
        for column in frame.columns:
            if column not in used and not _NOT_A_TIMESTAMP.search(names[column]):
                if looks_like_timestamps(frame[column]) and not _clock_times(frame[column]):
                    chosen["timestamp"] = column
                    used.add(column)
                    break
    if "debit" in chosen and "credit" not in chosen and "amount" not in chosen:  # money out alone: the amount
        chosen["amount"] = chosen.pop("debit")
    if "customer" not in chosen:
        key = customer_key(frame, exclude=used)
        if key is not None:
            chosen["customer"] = key
    return TransactionColumns(**chosen)  # type: ignore[arg-type]


def _find_by_name(frame: pd.DataFrame, names: dict[str, str], role: str, used: set[str]) -> str | None:
    for pattern in _NAME_PATTERNS[role]:
        regex = re.compile(pattern)
        for column, name in names.items():
            if column in used or not regex.search(name):
                continue
            if role == "timestamp" and (_NOT_A_TIMESTAMP.search(name) or _clock_times(frame[column])):
                continue
            if role == "label" and re.search(r"flagged|alerted", name):
                continue  # PaySim's isFlaggedFraud: an existing rule's output, not the known outcome
            if _content_fits(role, frame[column]):
                return column
    return None


def _both_signs(values: pd.Series) -> bool:
    """Whether a column of amounts holds spending and money in alike: a signed amount, complete on its own."""
    numbers = parse_amounts(_sample(values.dropna(), 2_000))
    return bool((numbers < 0).any() and (numbers > 0).any())


_TIME_OF_DAY_NAME = re.compile(r"^(transaction_|trans_|txn_|booking_)?(time|hora|heure|uhrzeit|ora|tijd)$")


def _time_of_day_beside(frame: pd.DataFrame, names: dict[str, str], date: str, used: set[str]) -> str | None:
    """Return the column of clock times that goes with a column of dates only (Monzo's ``Date`` and ``Time``)."""
    for column, name in names.items():
        if column in used or column == date or not _TIME_OF_DAY_NAME.match(name) or not _clock_times(frame[column]):
            continue
        try:
            stamps = parse_timestamps(_sample(frame[date], 2_000))[0]
        except (ValueError, TypeError):
            return None
        return column if stamps.notna().any() and date_only(stamps) else None
    return None


def _clock_times(series: pd.Series) -> bool:
    """Values such as ``06:21`` or ``18:05:00``: a time of day without its date."""
    if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_datetime64_any_dtype(series):
        return False
    sample = series.dropna().astype("str").head(200)
    return not sample.empty and bool(sample.str.match(r"^\s*\d{1,2}:\d{2}(:\d{2})?\s*$").mean() >= 0.9)


def _sample(series: pd.Series, size: int = 20_000) -> pd.Series:
    if len(series) <= size:
        return series
    return series.iloc[np.linspace(0, len(series) - 1, size).astype("int64")]


def customer_key(frame: pd.DataFrame, *, exclude: set[str] | frozenset[str] = frozenset()) -> str | None:
    """Return the column that keys each transaction to its customer, or None.

    Candidates are scored by name first (see :func:`infer_transaction_columns`: a customer's own id, then a card
    number, then a bare customer word); a candidate must repeat (fewer distinct values than 90% of rows; a column
    named like a customer id or card number only needs one repeated value, since in the first rows of a big file,
    sorted by time, few customers appear twice), hold more than a handful of values unless its name says customer,
    and be neither fractional numbers, dates nor free text. Without a named candidate, a column of short codes that
    repeat (at least two rows per value on average, ten or more values) is taken.

    Examples
    --------
    >>> df = pd.DataFrame({"card_type": ["visa", "amex"] * 10, "user_id": [1, 2, 3, 4, 5] * 4})
    >>> customer_key(df)
    'user_id'
    """
    ranked = _ranked_keys(frame, exclude)
    return ranked[0][1] if ranked else None


def key_candidates(frame: pd.DataFrame, *, exclude: set[str] | frozenset[str] = frozenset()) -> tuple[str, ...]:
    """Return every column named like a customer key that could key the transactions, best first.

    The first is :func:`customer_key`'s choice; when there are two or more, the choice was a judgement between
    plausible keys and is worth showing to the user with the customers each would give.

    Examples
    --------
    >>> df = pd.DataFrame({"card_number": ["**01", "**02"] * 10, "customer_id": [f"C{i % 15}" for i in range(20)]})
    >>> key_candidates(df)
    ('customer_id', 'card_number')
    """
    return tuple(column for _, column, score in _ranked_keys(frame, exclude) if score >= 3)


def key_choice_note(frame: pd.DataFrame, columns: TransactionColumns, *, rows: str = "") -> str | None:
    """Say which column was taken as the customer, and how many customers each plausible key gives, or None.

    Only when :func:`key_candidates` finds another column that could key the transactions (a card number beside
    a customer id, say) and would group them differently: then the choice is a judgement the user should be able
    to see and correct. A column that pairs one to one with the key (each card number one customer's, each
    customer one card) gives the same customers, so it is not mentioned.

    Parameters
    ----------
    frame : pandas.DataFrame
        The transactions the roles were inferred from. Not modified.
    columns : TransactionColumns
        The roles taken; the customer among them.
    rows : str
        Which rows were counted, for the sentence (e.g. " in the first 20,000 rows"); default all of ``frame``.

    Examples
    --------
    >>> df = pd.DataFrame({"card_number": ["**01", "**02"] * 10, "customer_id": [f"C{i % 15}" for i in range(20)]})
    >>> key_choice_note(df, TransactionColumns(customer="customer_id"))
    "'customer_id' was taken as the customer: 15 customers; 'card_number' could be the key too and would give 2."
    """
    key = columns.customer
    if key is None or key not in frame.columns:
        return None
    taken = {
        part
        for role, value in columns.as_dict().items()
        if role != "customer" and value is not None
        for part in ((value,) if isinstance(value, str) else value)
    }
    others = [c for c in key_candidates(frame, exclude=taken) if c != key and not _one_to_one(frame, key, c)]
    if not others:
        return None
    would = "; ".join(
        f"{column!r} could be the key too and would give {frame[column].nunique():,}" for column in others
    )
    return f"{key!r} was taken as the customer: {frame[key].nunique():,} customers{rows}; {would}."


def _one_to_one(frame: pd.DataFrame, left: str, right: str) -> bool:
    """Return True when each value of ``left`` goes with one value of ``right`` and the other way round."""
    pairs = frame[[left, right]].dropna().drop_duplicates()
    return len(pairs) == pairs[left].nunique() == pairs[right].nunique()


def _ranked_keys(frame: pd.DataFrame, exclude: set[str] | frozenset[str]) -> list[tuple[float, str, int]]:
    """(rank, column, name score) of every usable key column, best first (earlier column first on ties)."""
    found = []
    for position, column in enumerate(frame.columns):
        if column in exclude:
            continue
        name = _normalise_name(column).strip("_")
        score = next((len(_KEY_NAMES) - rank for rank, regex in enumerate(_KEY_NAMES) if regex.search(name)), 0)
        if _NOT_A_KEY.search(name) and score < 4:
            continue
        fitness = _key_fitness(_sample(frame[column]), named=score >= 3, any_name=score > 0, strong=score >= 4)
        if fitness is None or (score == 0 and fitness < 1):
            continue
        found.append((score + fitness - position * 1e-6, column, score))
    return sorted(found, key=lambda item: -item[0])


def _key_fitness(values: pd.Series, *, named: bool, any_name: bool = True, strong: bool = False) -> float | None:
    """0 to 1 for a usable key (1: looks like ids that repeat), None when it cannot be one.

    ``named``: the name says customer (``user_id``, ``account``): then a few small numbers are keys too;
    otherwise a handful of values (``Card`` 0-8, a card type) are codes, not customers. Numbers whose name
    says nothing (``any_name`` False) are measures, never keys. ``strong``: named like a customer id or a card
    number, so values that barely repeat in the rows read are still a key (0.25), though never values that are
    all distinct.
    """
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_datetime64_any_dtype(values):
        return None
    present = values.dropna()
    if len(present) < 2:
        return None
    distinct = int(present.nunique())
    barely = distinct > 0.9 * len(present) and len(present) >= 20
    if barely and not (strong and distinct < len(present)):
        return None
    if pd.api.types.is_numeric_dtype(present):
        if not any_name:
            return None
        numbers = present.to_numpy(dtype="float64")
        if not (np.isfinite(numbers).all() and (numbers == np.round(numbers)).all()):
            return None
        if distinct < 10 and not named:
            return None
        return 0.25 if barely else 1.0 if distinct >= 10 else 0.5
    text = present.astype("str").head(500)
    if text.str.contains(r"[0-9A-Za-z]", regex=True).mean() < 0.9:  # emoji or symbols (Monzo's Emoji): no ids
        return None
    if looks_like_timestamps(text):
        return None
    # words are free text, not keys; a card number masked with spaces ("XXXX XXXX XXXX 1234") is a key
    if text.str.contains(" ", regex=False).mean() > 0.5 and not text.str.match(r"^[\dXx*•#\s.-]+$").all():
        return None
    if distinct < 10 and not named:
        return None
    if barely:
        return 0.25
    return 1.0 if distinct >= 10 and len(present) >= 2 * distinct else 0.5


def date_part_columns(frame: pd.DataFrame) -> tuple[str, ...] | None:
    """Return the (year, month, day[, time | hour[, minute]]) columns of a date split over parts, or None.

    Examples
    --------
    >>> df = pd.DataFrame({"Year": [2019], "Month": [9], "Day": [1], "Time": ["06:21"], "Amount": [1.0]})
    >>> date_part_columns(df)
    ('Year', 'Month', 'Day', 'Time')
    """
    names = {_normalise_name(column): column for column in frame.columns}
    found: dict[str, str] = {}
    for part, aliases in _DATE_PARTS.items():
        column = next((names[alias] for alias in aliases if alias in names), None)
        if column is None:
            continue
        values = frame[column]
        if part == "time":
            if _clock_times(values):
                found[part] = column
        elif pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            found[part] = column
    if not {"year", "month", "day"} <= set(found):
        return None
    order = ["year", "month", "day"]
    if "time" in found:
        order.append("time")
    elif "hour" in found:
        order += ["hour"] + (["minute"] if "minute" in found else [])
    return tuple(found[part] for part in order)


def assemble_timestamps(frame: pd.DataFrame, parts: tuple[str, ...]) -> pd.Series:
    """Build timestamps from date parts, or from a column of dates and a column of clock times.

    Date parts are year, month, day, then a ``HH:MM`` time or hour (and minute) columns; two parts are a date
    column (any layout :func:`parse_timestamps` reads) and a clock-time column.

    Examples
    --------
    >>> df = pd.DataFrame({"Year": [2019, 2020], "Month": [9, 2], "Day": [1, 30], "Time": ["06:21", "23:59"]})
    >>> stamps = assemble_timestamps(df, ("Year", "Month", "Day", "Time"))
    >>> str(stamps[0]), stamps.isna().tolist()
    ('2019-09-01 06:21:00', [False, True])
    >>> monzo = pd.DataFrame({"Date": ["03/04/2023", "14/04/2023"], "Time": ["08:15:02", "23:59:00"]})
    >>> assemble_timestamps(monzo, ("Date", "Time")).astype("str").tolist()
    ['2023-04-03 08:15:02', '2023-04-14 23:59:00']
    """
    if len(parts) == 2:
        day_column, clock_column = parts
        dates = parse_timestamps(frame[day_column])[0].dt.normalize()
        text = frame[clock_column].astype("string").str.strip()
        text = text.where(text.str.count(":") >= 2, text + ":00")
        return nanosecond_dates(dates + pd.to_timedelta(text, errors="coerce").fillna(pd.Timedelta(0)))
    year, month, day, *clock = parts
    numbers = {
        unit: pd.to_numeric(frame[column], errors="coerce")
        for unit, column in zip(("year", "month", "day"), (year, month, day), strict=True)
    }
    dates = pd.to_datetime(pd.DataFrame(numbers), errors="coerce")
    if len(clock) == 1 and not pd.api.types.is_numeric_dtype(frame[clock[0]]):
        text = frame[clock[0]].astype("string").str.strip()
        text = text.where(text.str.count(":") >= 2, text + ":00")
        dates = dates + pd.to_timedelta(text, errors="coerce").fillna(pd.Timedelta(0))
    elif clock:
        for unit, column in zip(("h", "min"), clock, strict=False):
            dates = dates + pd.to_timedelta(pd.to_numeric(frame[column], errors="coerce").fillna(0), unit=unit)
    return nanosecond_dates(dates)


def _names_kinds_of_transaction(values: pd.Series) -> bool:
    """Return True for at most 20 text levels, most of them kinds of transaction (``PAYMENT``, ``CASH_OUT``)."""
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return False
    levels = pd.Series(pd.unique(_sample(values).dropna())).astype("str")
    return 0 < len(levels) <= 20 and bool(levels.str.contains(_KIND_WORDS, case=False).mean() >= 0.5)


def hour_counter(values: pd.Series) -> bool:
    """Return True for a column named like an hour counter (``step``, ``hours``) holding whole hours from zero on.

    PaySim's ``step`` (1 to 743) counts the hours of a simulated month. A column named ``hour`` or ``hr`` must hold
    an hour past 23, or it is an hour of the day. Whether the values only grow is not asked here (a chunk of a
    sorted file, or a file sorted otherwise, is still read as hours): see :func:`elapsed_hours` for recognising one.

    Examples
    --------
    >>> hour_counter(pd.Series([1, 1, 2, 743], name="step")), hour_counter(pd.Series([0, 5, 23], name="hour"))
    (True, False)
    """
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        return False
    numbers = pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype="float64")
    whole = bool(np.isfinite(numbers).all() and (numbers == np.round(numbers)).all())
    low, high = (float(numbers.min()), float(numbers.max())) if len(numbers) else (0.0, 0.0)
    return hour_counter_of(values.name, count=len(numbers), minimum=low, maximum=high, whole=whole)


def hour_counter_of(name: object, *, count: int, minimum: float, maximum: float, whole: bool) -> bool:
    """:func:`hour_counter` from a column's name and statistics of its non-missing numbers.

    The statistics: how many, the least and the largest, and whether all are finite whole numbers (the Spark
    engine aggregates them over the whole file).

    Examples
    --------
    >>> hour_counter_of("step", count=3, minimum=1, maximum=743, whole=True)
    True
    """
    name = _normalise_name(name)
    if not re.match(_HOUR_COUNTER, name) or count < 2 or not whole:
        return False
    if minimum < 0 or maximum > 1_000_000:  # over a century of hours: not an hour counter
        return False
    return not _HOUR_OF_DAY_NAME.match(name) or bool(maximum > 23)


def elapsed_hours(values: pd.Series) -> bool:
    """Return True for an hour counter (:func:`hour_counter`) that starts within the first day and never decreases.

    How an hour counter is recognised, as :func:`elapsed_seconds` recognises seconds; :func:`parse_timestamps`
    reads it as hours after an arbitrary start (1 January 1970).

    Examples
    --------
    >>> elapsed_hours(pd.Series([1, 1, 2, 743], name="step")), elapsed_hours(pd.Series([9, 3, 40], name="step"))
    (True, False)
    """
    if not hour_counter(values):
        return False
    present = pd.to_numeric(values, errors="coerce").dropna()
    return float(present.iloc[0]) < 24 and bool(present.is_monotonic_increasing)


def elapsed_seconds(values: pd.Series) -> bool:
    """Return True for numbers that start near zero and never decrease: seconds since the first transaction.

    Examples
    --------
    >>> elapsed_seconds(pd.Series([0.0, 0.0, 1.0, 7.0, 86_400.0])), elapsed_seconds(pd.Series([3.0, 1.0]))
    (True, False)
    """
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        return False
    present = values.dropna()
    return len(present) > 1 and float(present.iloc[0]) < 86_400 and bool(present.is_monotonic_increasing)


def unix_time_unit(values: pd.Series) -> str | None:
    """Return ``"s"`` or ``"ms"`` for whole numbers whose median is a Unix time of 1973-2286, else None.

    Only a column whose name says time is asked (a large id or amount has such medians too).

    Examples
    --------
    >>> unix_time_unit(pd.Series([1_700_000_000, 1_700_086_400])), unix_time_unit(pd.Series([1.7e12, 1.71e12]))
    ('s', 'ms')
    >>> unix_time_unit(pd.Series([12.5, 99.0]))
    """
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        return None
    numbers = pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype="float64")
    if not len(numbers) or not (np.isfinite(numbers).all() and (numbers == np.round(numbers)).all()):
        return None
    median = float(np.median(numbers))
    return "s" if 1e8 <= median <= 1e10 else "ms" if 1e11 <= median <= 1e13 else None


def _no_date_numbers(whole: pd.Series) -> pd.Series:
    """Mark ``yyyymmdd`` placeholders for "no date": 0, 00010101 and any day of the year 9999 (99991231, 99999999)."""
    return whole.eq(0) | whole.eq(10_101) | (whole // 10_000).eq(9_999)


def integer_date_format(values: pd.Series, *, share: float = 1.0) -> str | None:
    """Return ``"%Y%m%d"`` or ``"%y%m%d"`` when whole numbers read as dates in that layout, else None.

    ``yyyymmdd`` columns may hold placeholders for "no date" (``99991231``, ``0``, ``10101``) besides real
    dates: they are read as missing by :func:`parse_timestamps` and counted by :func:`integer_date_placeholders`.
    ``share`` is the least share of the other values (by rows, over the whole column) that must be dates in the
    layout: 1.0 when the values alone must say it (a column of unknown role), :data:`DATE_SHARE` for a column
    known to hold dates, where a mistyped value (``1234`` among ``20240131``) is one unreadable date rather than a
    reason to read every date as seconds since 1970.

    Examples
    --------
    >>> integer_date_format(pd.Series([930101, 931231, 950615])), integer_date_format(pd.Series([20240131]))
    ('%y%m%d', '%Y%m%d')
    >>> integer_date_format(pd.Series([20240131, 99991231, 20190704, 99991231]))
    '%Y%m%d'
    >>> integer_date_format(pd.Series([1250.0, 99.5]))
    >>> typo = pd.Series([20240131] * 19 + [1234])
    >>> integer_date_format(typo), integer_date_format(typo, share=DATE_SHARE)
    (None, '%Y%m%d')
    """
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        return None
    counts = pd.to_numeric(values, errors="coerce").dropna().value_counts(sort=False)  # dates repeat: few values
    return integer_date_format_of_counts(counts, share=share)


def integer_date_format_of_counts(counts: pd.Series, *, share: float = 1.0) -> str | None:
    """:func:`integer_date_format` from how many rows hold each number (index: the numbers, values: their rows).

    Numbers that cannot be dates in either layout may be pooled under one such number (the Spark engine counts
    only the candidates, and pools the rest under -1).

    Examples
    --------
    >>> integer_date_format_of_counts(pd.Series([19, 1], index=[20240131.0, -1.0]), share=DATE_SHARE)
    '%Y%m%d'
    """
    if counts.empty:
        return None
    numbers = counts.index.to_numpy(dtype="float64")
    rows = counts.to_numpy(dtype="int64")
    whole = np.isfinite(numbers) & (numbers == np.round(numbers))
    if share >= 1.0 and not whole.all():
        return None
    ints = pd.Series(np.where(whole, numbers, -1.0).astype("int64"))
    for date_format, low, high, width in (("%Y%m%d", 19000101, 21001231, 8), ("%y%m%d", 101, 991231, 6)):
        aside = (_no_date_numbers(ints).to_numpy() & whole) if date_format == "%Y%m%d" else np.zeros(len(ints), bool)
        needed = share * rows[~aside].sum()  # placeholders aside
        candidate = whole & ~aside & ints.between(low, high).to_numpy()
        if not candidate.any() or rows[candidate].sum() < needed:
            continue
        digits = ints[candidate].astype("str").str.zfill(width)
        parsed = pd.to_datetime(digits, format=date_format, errors="coerce").notna().to_numpy()
        if rows[candidate][parsed].sum() >= needed:
            return date_format
    return None


def integer_date_placeholders(values: pd.Series) -> tuple[int, str] | None:
    """Count the "no date" placeholders of a ``yyyymmdd`` column (read as missing); return (count, first one).

    Examples
    --------
    >>> integer_date_placeholders(pd.Series([20240131, 99991231, None, 99991231, 0]))
    (3, '99991231')
    >>> integer_date_placeholders(pd.Series([20240131, 20240201])), integer_date_placeholders(pd.Series([1.5]))
    (None, None)
    """
    if integer_date_format(values, share=DATE_SHARE) != "%Y%m%d":
        return None
    whole = pd.to_numeric(values, errors="coerce").dropna().astype("int64")
    found = whole[_no_date_numbers(whole)]
    if found.empty:
        return None
    return len(found), str(found.iloc[0])


def nanosecond_dates(parsed: pd.Series) -> pd.Series:
    """Return parsed dates as ``datetime64[ns]``, dates outside 1677-2262 (``9999-12-31`` and such) as NaT.

    pandas keeps such dates at a coarser resolution; converting them to nanoseconds would raise
    ``OutOfBoundsDatetime``. The loader reports them (:mod:`core.io`); here they are simply missing.

    Examples
    --------
    >>> nanosecond_dates(pd.to_datetime(pd.Series(["2024-01-31", "9999-12-31"]))).tolist()
    [Timestamp('2024-01-31 00:00:00'), NaT]
    """
    if parsed.dtype != "datetime64[ns]":
        parsed = parsed.where(parsed.isna() | parsed.between(pd.Timestamp.min, pd.Timestamp.max))
    return parsed.astype("datetime64[ns]")


# How parse_timestamps describes text dates of the d/m/y family (also the Spark engine's file-wide reading)
MONTH_FIRST = "month first (MM/DD/YYYY)"
DAY_FIRST = "day first (DD/MM/YYYY)"
AMBIGUOUS_DAY_FIRST = DAY_FIRST + "; ambiguous dates were read day first"


def parse_timestamps(values: pd.Series, *, date_format: str | None = None) -> tuple[pd.Series, str]:
    """Parse timestamps in any common format; return the parsed series and a description of the format.

    ``date_format`` is a description this function gave for the whole file when ``values`` are a part of it (a
    group of customers): ISO 8601, day or month first and the Unix unit are then read as the file's, not decided
    from these rows. None decides from ``values``.
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        parsed = pd.to_datetime(values)
        if isinstance(parsed.dtype, pd.DatetimeTZDtype):  # keep the local clock time the card holder saw
            parsed = parsed.dt.tz_localize(None)
        return nanosecond_dates(parsed), "already dates"
    numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    decided = date_format if numeric else None  # a reading of numbers given for the whole file
    # before yyyymmdd: hours 101 to 131 would read as the first days of 2000
    if decided == HOURS_READING or (decided is None and hour_counter(values)):
        hours = pd.to_numeric(values, errors="coerce").astype("float64")
        parsed = pd.Timestamp("1970-01-01") + pd.to_timedelta(hours, unit="h")
        return parsed.astype("datetime64[ns]"), HOURS_READING
    if decided is not None:
        integer_format = INTEGER_READINGS.get(decided)
    else:
        integer_format = integer_date_format(values, share=DATE_SHARE)
    if integer_format is not None:
        width = 8 if integer_format == "%Y%m%d" else 6
        digits = pd.to_numeric(values, errors="coerce").astype("Int64").astype("string").str.zfill(width)
        parsed = pd.to_datetime(digits, format=integer_format, errors="coerce")
        return nanosecond_dates(parsed), f"whole numbers written {INTEGER_DATE_FORMATS[integer_format]}"
    if numeric and (decided == ELAPSED_READING or (decided is None and elapsed_seconds(values))):
        seconds = pd.to_numeric(values, errors="coerce").astype("float64")
        parsed = pd.Timestamp("1970-01-01") + pd.to_timedelta(seconds, unit="s")
        return parsed.astype("datetime64[ns]"), ELAPSED_READING
    if numeric:
        numbers = pd.to_numeric(values, errors="coerce")
        median = float(np.nanmedian(numbers)) if numbers.notna().any() else 0.0
        unit = "ms" if median > 1e11 else "s"
        unit = {"Unix time (ms)": "ms", "Unix time (s)": "s"}.get(date_format or "", unit)
        parsed = pd.to_datetime(numbers, unit=unit, errors="coerce")
        return nanosecond_dates(parsed), f"Unix time ({unit})"
    text = values.astype("string").str.strip()
    # A UTC offset ("Z", "+01:00", "+0200") is dropped: the local clock time is kept, which is what night-time
    # and day-of-week features need, and files whose offsets change with daylight saving stay readable.
    offset = text.str.contains(_TIME_THEN_OFFSET, regex=True, na=False)
    if offset.any():
        text = text.mask(offset, text[offset].str.replace(_UTC_OFFSET, "", regex=True))
    iso = pd.to_datetime(text, format="ISO8601", errors="coerce")
    if date_format == "ISO 8601" or (date_format is None and iso.notna().sum() >= DATE_SHARE * text.notna().sum()):
        return nanosecond_dates(iso), "ISO 8601"
    parts = text.str.extract(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2,4})")
    first = pd.to_numeric(parts[0], errors="coerce")
    second = pd.to_numeric(parts[1], errors="coerce")
    if date_format is not None and date_format.startswith((DAY_FIRST, MONTH_FIRST)):
        dayfirst, description = date_format.startswith(DAY_FIRST), date_format
    elif (second > 12).any() and not (first > 12).any():
        dayfirst, description = False, MONTH_FIRST
    else:
        dayfirst = True
        description = DAY_FIRST if (first > 12).any() else AMBIGUOUS_DAY_FIRST
    parsed = pd.to_datetime(text, dayfirst=dayfirst, format="mixed", errors="coerce")
    return nanosecond_dates(parsed), description


def parse_amounts(values: pd.Series) -> pd.Series:
    """Parse amounts given as numbers or text ("EUR 1.234,50", "(3.00)" for a negative); unreadable -> NaN.

    Not the loader's :func:`core.io.convert_text_column`, on purpose: that one decides whether a whole column
    is numeric (90% must parse, codes with leading zeros and dotted dates stay text, one decimal mark per
    file, ``45%`` -> 0.45). An amount column is money by its role, so here every cell is read on its own
    (its last separator before one or two digits is its decimal mark) and the unreadable ones become NaN for
    the report to count. Files read with ``core.io`` arrive with such columns already numeric (fast path).
    """
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


def key_text(values: pd.Series) -> pd.Series:
    """Keys as stripped text; whole-number floats lose their ``.0`` (``87073.0`` -> ``"87073"``).

    Examples
    --------
    >>> key_text(pd.Series([87073.0, None, 12.0])).tolist()
    ['87073', <NA>, '12']
    """
    if pd.api.types.is_float_dtype(values):
        numbers = values.to_numpy(dtype="float64")
        finite = np.isfinite(numbers)
        if (numbers[finite] == np.round(numbers[finite])).all():
            return (
                pd.Series(pd.array(np.where(finite, numbers, 0).astype("int64"), dtype="Int64"), index=values.index)
                .where(finite)
                .astype("string")
            )
    return values.astype("string").str.strip()


def _amounts(source: pd.DataFrame, columns: TransactionColumns) -> pd.Series:
    """Return the amounts, or money out minus money in when a statement splits them (spend is positive)."""
    if columns.amount is not None:
        return parse_amounts(source[columns.amount])
    money_out = parse_amounts(source[columns.debit]).abs()
    if columns.credit is None:
        return money_out
    money_in = parse_amounts(source[columns.credit]).abs()
    both_missing = money_out.isna() & money_in.isna()
    return (money_out.fillna(0) - money_in.fillna(0)).mask(both_missing)


SPENDING_NEGATIVE_NOTE = (
    "Amounts: most are negative, so negative amounts are read as spending and positive ones as money in (refunds, "
    "payments)."
)
DATE_ONLY_NOTE = (
    "Dates: no time of day (every transaction at 00:00), so the night-time share and the hour-based fraud checks "
    "are left out."
)
_MIDNIGHT_SHARE = 0.99  # at least this share of timestamps exactly at 00:00:00: the file records dates only


HOURS_READING = "hours since the start of the log (the calendar start is arbitrary: hour 0 is shown as 1 January 1970)"
UNKEYED_REASON = "unkeyed_reason"  # the canonical frame's attrs key: why no column names the customer (see below)
_PARTY_NAME = re.compile(r"orig|sender|payer|remitter|(^|_)from(_|$)|source|src")


def unkeyed_reason(frame: pd.DataFrame, columns: TransactionColumns) -> str | None:
    """Say why a column that could name each transaction's customer was not taken: it barely repeats.

    A column named like a customer key or like the paying side of a transfer (PaySim's ``nameOrig``, a
    ``sender``), holding ids, each in one row for at least 90% of the rows (counted over the whole column), groups
    nothing: segments of it would be single transactions, not customers.

    Parameters
    ----------
    frame : pandas.DataFrame
        The transactions as loaded. Not modified.
    columns : TransactionColumns
        The roles taken; their columns are not candidates.

    Returns
    -------
    str or None
        A clause without a final stop, e.g. "'nameOrig' appears once in 99.8% of rows (2,994 of 3,000), so each
        of its values is one transaction, not a customer"; None when no such column.

    Examples
    --------
    >>> log = pd.DataFrame({"nameOrig": [f"C{i}" for i in range(40)], "amount": 1.0})
    >>> unkeyed_reason(log, TransactionColumns(amount="amount"))
    "'nameOrig' appears once in 100.0% of rows (40 of 40), so each of its values is one transaction, not a customer"
    """
    taken = {
        part
        for value in columns.as_dict().values()
        if value is not None
        for part in ((value,) if isinstance(value, str) else value)
    }
    for column in frame.columns:
        name = _normalise_name(column).strip("_")
        if column in taken or len(frame) < 20:
            continue
        keyish = any(regex.search(name) for regex in _KEY_NAMES) and not _NOT_A_KEY.search(name)
        if not (keyish or _PARTY_NAME.search(name)):
            continue
        values = frame[column]
        sample = _sample(values).dropna()
        if pd.api.types.is_numeric_dtype(values) or len(sample) < 20 or sample.nunique() < 0.9 * len(sample):
            continue
        text = sample.astype("str").head(500)
        if text.str.contains(" ", regex=False).mean() > 0.5 or looks_like_timestamps(text):
            continue
        once = int((values.notna() & ~values.duplicated(keep=False)).sum())
        if once >= 0.9 * len(frame):
            return (
                f"{column!r} appears once in {once / len(frame):.1%} of rows ({once:,} of {len(frame):,}), so each "
                "of its values is one transaction, not a customer"
            )
    return None


def unsegmentable_message(canonical: pd.DataFrame) -> str:
    """Return the one-sentence refusal to segment the customers of transactions that name none, and what to do.

    The reason is the one :func:`standardize_transactions` kept in ``canonical.attrs`` (see :func:`unkeyed_reason`).

    Examples
    --------
    >>> unsegmentable_message(pd.DataFrame({"customer_id": [ONE_ACCOUNT]}))[:79]
    'Customers cannot be segmented: no column names the customer or card of each tra'
    """
    why = canonical.attrs.get(UNKEYED_REASON) or "no column names the customer or card of each transaction"
    return (
        f"Customers cannot be segmented: {why}. If a column does name the customer, pick it in the column-role table "
        "on the Upload page, or with --columns customer=COLUMN."
    )


def money_out_is_negative(amounts: pd.Series) -> bool:
    """Return True when more than half of the non-zero amounts are negative: the file writes money out as negative.

    Card statements and bank exports (German, Barclays) write a payment as ``-45,00`` and money in as positive;
    card-network and fraud datasets write purchases as positive and refunds as negative. Most transactions are
    spending, so the sign most amounts carry is the sign of spending.

    Examples
    --------
    >>> money_out_is_negative(pd.Series([-45.0, -8.0, 3250.0])), money_out_is_negative(pd.Series([45.0, -8.0, 0.0]))
    (True, False)
    """
    numbers = pd.to_numeric(amounts, errors="coerce").to_numpy(dtype="float64")
    numbers = numbers[np.isfinite(numbers) & (numbers != 0)]
    return len(numbers) > 0 and bool((numbers < 0).mean() > 0.5)


def date_only(timestamps: pd.Series) -> bool:
    """Return True when (nearly) every timestamp is at midnight: the file records the day, not the time of day.

    Then the hour of a transaction means nothing: night-time shares, "within an hour" counts and an alert's
    "at 00:00" would all be built from the missing time.

    Examples
    --------
    >>> date_only(pd.Series(pd.to_datetime(["2024-01-31", "2024-02-01"])))
    True
    >>> date_only(pd.Series(pd.to_datetime(["2024-01-31 13:05", "2024-02-01 00:00"])))
    False
    """
    stamps = pd.to_datetime(timestamps.dropna())
    if stamps.empty:
        return False
    midnight = stamps.to_numpy(dtype="datetime64[ns]").astype("int64") % (86_400 * 10**9) == 0
    return bool(midnight.mean() >= _MIDNIGHT_SHARE)


def standardize_transactions(
    frame: pd.DataFrame,
    columns: TransactionColumns,
    *,
    spending_negative: bool | None = None,
    date_format: str | None = None,
) -> tuple[pd.DataFrame, TransactionReport]:
    """Turn a transaction table of any layout into the canonical frame described in the module docstring.

    Parameters
    ----------
    frame : pandas.DataFrame
        The transaction table as loaded. Not modified.
    columns : TransactionColumns
        The role mapping (inferred and possibly corrected by the user).
    spending_negative : bool, optional
        Whether the file writes spending as negative amounts, when decided over a larger input than ``frame``
        (one group of customers of a file); None decides it from ``frame`` (:func:`money_out_is_negative`).
    date_format : str, optional
        How the whole file writes its dates (a description of :func:`parse_timestamps`), likewise; None decides
        it from ``frame``.

    Returns
    -------
    tuple of (pandas.DataFrame, TransactionReport)
        The canonical frame (exact duplicate transactions and rows without a usable timestamp or amount
        dropped, sorted by customer and time, original position kept in ``row``) and what was done. The
        report's ``notes`` say when the amounts' signs were flipped (most were negative: see
        :func:`money_out_is_negative`) and when the dates carry no time of day (:func:`date_only`).

    Raises
    ------
    DataError
        When a required role is missing or names a column that is not in the table, or nothing is usable.
    """
    missing = [role for role in columns.missing_required() if role != "customer"]
    if missing:
        raise DataError(
            "The transaction table needs a column for each of: "
            + ", ".join(missing)
            + ". Pick them in the column-role table (customer or card id, date/time, amount), or on the command "
            "line with --columns customer=COLUMN,timestamp=COLUMN,amount=COLUMN."
        )
    for role, column in columns.as_dict().items():
        for part in (column,) if isinstance(column, str) else column or ():
            if part not in frame.columns:
                raise DataError(f"Column {part!r} (chosen as {role}) is not in this transaction table.")
    rows_in = len(frame)
    if rows_in == 0:
        raise DataError("The transaction table has no rows.")
    source = frame.reset_index(drop=True)
    duplicated = source.duplicated()
    source = source.loc[~duplicated]
    if isinstance(columns.timestamp, tuple):
        timestamps = assemble_timestamps(source, columns.timestamp)
        timestamp_format = "date split over " + ", ".join(columns.timestamp)
    else:
        timestamps, timestamp_format = parse_timestamps(source[columns.timestamp], date_format=date_format)
    amounts = _amounts(source, columns)
    out = pd.DataFrame(
        {
            "row": source.index.to_numpy(dtype="int64"),
            "customer_id": (
                key_text(source[columns.customer]).to_numpy()
                if columns.customer is not None
                else np.full(len(source), ONE_ACCOUNT, dtype=object)
            ),
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
            out[role] = fraud_labels(values).to_numpy()
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
    notes = []
    negative = money_out_is_negative(out["amount"]) if spending_negative is None else spending_negative
    if columns.amount is not None and negative:
        out["amount"] = 0.0 - out["amount"]  # 0.0 - x: a zero stays 0.0, not -0.0
        notes.append(SPENDING_NEGATIVE_NOTE)
    out["is_refund"] = out["amount"] < 0
    money_in = read_money_in(source.loc[out["row"].to_numpy()], columns, out["is_refund"].to_numpy())
    out["is_money_in"] = money_in.mask
    if columns.amount is None and columns.credit is not None:
        notes.append(
            f"Amounts: money out {columns.debit!r} and money in {columns.credit!r} were combined into one signed "
            "amount (spending positive, money in negative)."
        )
    if money_in.sentence():
        notes.append(money_in.sentence())
    out = out.sort_values(["customer_id", "timestamp", "row"], kind="stable").reset_index(drop=True)
    if date_only(out["timestamp"]):
        notes.append(DATE_ONLY_NOTE)
    reason = unkeyed_reason(frame, columns) if columns.customer is None else None
    if reason is not None:
        notes.append(
            f"No usable customer column: {reason}; the transactions were read without customers. If a column does "
            "name the customer, name it with --columns customer=COLUMN or in the column-role table."
        )
        out.attrs[UNKEYED_REASON] = reason
    elif columns.customer is None:
        notes.append(
            "No column names the customer or card of each transaction: they were read as one account's. Name it "
            "with --columns customer=COLUMN or in the column-role table to see customers apart."
        )
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
        money_in=money_in.count,
    )
    return out, report
