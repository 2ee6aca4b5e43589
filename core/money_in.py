"""Money in that is not a refund: bill payments to a card, salary, transfers in.

After the file-wide sign reading (:func:`core.transactions.money_out_is_negative`) every negative amount is a
*credit*: money that came back or came in. Only some credits are refunds (money back from a merchant, netted from
spend). Card statement exports also carry the bill payments to the card ("AUTOPAY PAYMENT - THANK YOU", Chase's
``Type`` = Payment, Capital One's Category = Payment/Credit), and bank account exports carry salary and transfers
in ("Lohn/Gehalt", "Gutschrift", "Überweisung", BGC / FPI codes). Those are *money in*: left out of spend, ticket
size, frequency, Trends' spend and the fraud score.

Each credit is read on its own row (so a group of rows gives the same answer as the whole file):

1. a **refund** when anything on the row says so: a type / category value such as Return or Erstattung, or
   words such as "refund" or "Retoure" in the type or description;
2. else **money in** when a type, category or channel value says payment, salary, transfer or credit (Payment,
   Payment/Credit, BGC, GUTSCHRIFT, LOHN GEHALT RENTE ...), or words in the type or description do
   ("PAYMENT - THANK YOU", "PYMT", "SALARY", "Gehalt", "Überweisung" ...);
3. else a refund, as before: a credit nothing explains is most often money back from a merchant.

The values and words are data, ``core/data/money_in_words.csv`` (``kind`` refund / money_in, ``match`` value /
words, ``pattern`` a case-insensitive regular expression, ``language``, ``example``): another language's words are
a new row. ``value`` patterns must match a whole cell (spaces trimmed); ``words`` patterns are searched in it. A bare
"Gutschrift" in free text is no money-in word on purpose: on a card statement it is the merchant's credit note.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

_WORDS_CSV = Path(__file__).with_name("data") / "money_in_words.csv"
VALUE_ROLES = ("type", "category", "channel")  # columns whose whole value can name the kind of a credit
WORD_ROLES = ("type", "description")  # columns whose words can
MONEY_IN_EFFECT = "left out of spend, ticket size, frequency, Trends' spend and fraud alerts"


@cache
def vocabulary() -> pd.DataFrame:
    """Return the refund and money-in vocabulary: ``kind, match, pattern, language, example`` (one row a rule)."""
    return pd.read_csv(_WORDS_CSV, dtype="string", keep_default_na=False)


@cache
def _patterns() -> dict[tuple[str, str], str | None]:
    """One RE2 expression per (kind, match): the rows' patterns folded like the cells and joined."""
    table = vocabulary()
    out: dict[tuple[str, str], str | None] = {}
    for kind in ("refund", "money_in"):
        for match in ("value", "words"):
            rows = table.loc[(table["kind"] == kind) & (table["match"] == match), "pattern"].tolist()
            joined = "|".join(f"(?:{_ascii(pattern)})" for pattern in rows)
            out[kind, match] = (f"^(?:{joined})$" if match == "value" else joined) if rows else None
    return out


_GERMAN = (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"))


def _ascii(text: pa.Array | str) -> pa.Array | str:
    """Fold letters to ASCII the way German and Romance words are written without accents (case is kept).

    ``ü`` becomes ``ue`` (Überweisung = UEBERWEISUNG), other accents are dropped (reçu = recu). The patterns are
    folded the same way, so a vocabulary row may be written either way; and RE2's word boundary is ASCII.
    """
    if isinstance(text, str):
        return _ascii(pa.array([text]))[0].as_py()  # type: ignore[index]
    for letter, spelled in (*_GERMAN, *((a.upper(), b.capitalize()) for a, b in _GERMAN[:3])):
        text = pc.replace_substring(text, letter, spelled)
    text = pc.utf8_normalize(text, form="NFKD")
    return pc.replace_substring_regex(text, r"[^\x00-\x7f]", "")


def _keys(values: pd.Series) -> pa.Array:
    """Cells as the patterns read them: folded (:func:`_ascii`), spaces trimmed and single, digit runs as "0".

    Reference numbers and dates make most descriptions unique; no pattern reads digits, so without them each
    kind of text is tested once instead of once per row.
    """
    text = pa.array([None if pd.isna(value) else str(value) for value in values], type=pa.string())
    text = pc.utf8_trim_whitespace(pc.replace_substring_regex(pc.utf8_lower(_ascii(text)), r"\s+", " "))
    return pc.replace_substring_regex(text, r"\d+", "0")


def _hits(original: pd.Series, how: str) -> tuple[np.ndarray, np.ndarray]:
    """Per row: (a refund pattern matches, a money-in pattern matches), each distinct text tested once.

    The vocabulary runs as one RE2 expression per kind (pyarrow): about 20x faster than Python's ``re`` on
    the hundred thousand distinct descriptions of a million-row file.
    """
    codes, uniques = pd.factorize(original.astype("object"), use_na_sentinel=True)
    if not len(uniques):
        return np.zeros(len(original), dtype=bool), np.zeros(len(original), dtype=bool)
    encoded = pc.dictionary_encode(_keys(pd.Series(uniques)))
    distinct = encoded.dictionary
    at = encoded.indices.to_numpy(zero_copy_only=False)
    found = []
    for kind in ("refund", "money_in"):
        pattern = _patterns()[kind, "value" if how == "values" else "words"]
        if pattern is None:
            hits = np.zeros(len(distinct), dtype=bool)
        else:
            hits = pc.match_substring_regex(distinct, pattern, ignore_case=True)
            hits = hits.to_numpy(zero_copy_only=False).astype(bool)
        per_unique = np.append(hits[at], False)  # the last slot: a missing cell (code -1)
        found.append(per_unique[codes])
    return found[0], found[1]


@dataclass(frozen=True)
class MoneyIn:
    """Which credits of a transaction file are money in, and what recognised them.

    Attributes
    ----------
    mask : numpy.ndarray
        Boolean per row of the rows read: the row is money in.
    credits : int
        Rows with a negative amount (after the sign reading): refunds and money in together.
    sources : tuple
        ``(column, how, count, examples)`` per column that recognised money in, in the order they were tried:
        ``how`` is ``"values"`` or ``"words"``, ``count`` the rows it recognised first, ``examples`` up to three
        of its most common cells as written.
    """

    mask: np.ndarray
    credits: int
    sources: tuple[tuple[str, str, int, tuple[str, ...]], ...] = ()

    @property
    def count(self) -> int:
        """Rows read as money in."""
        return int(self.mask.sum())

    def sentence(self) -> str | None:
        """One sentence for the load report: how many credits are money in and how they were recognised."""
        if not self.count:
            return None
        parts = []
        for column, how, count, examples in self.sources:
            if how == "values":
                shown = ", ".join(map(repr, examples))
                parts.append(f"the {column!r} value{'s' if len(examples) > 1 else ''} {shown} ({count:,} rows)")
            else:
                parts.append(f"words in {column!r} such as {examples[0]!r} ({count:,} rows)")
        others = self.credits - self.count
        rest = f"the other {others:,} credits are netted from spend as refunds" if others else "no credit is a refund"
        return (
            f"Money in: {self.count:,} of the {self.credits:,} credits were read as money in (payments to the card, "
            f"salary, transfers in), not refunds, recognised by {' and '.join(parts)}; they are {MONEY_IN_EFFECT}, "
            f"and {rest}."
        )


def _examples(original: pd.Series, rows: np.ndarray, limit: int) -> tuple[str, ...]:
    counts = original[rows].astype("string").str.strip().value_counts(sort=True)
    return tuple(str(value) for value in counts.index[:limit])


def read_money_in(source: pd.DataFrame, columns: Any, credit: np.ndarray | pd.Series) -> MoneyIn:
    """Tell money in from refunds among the credits of a transaction table (see the module docstring).

    Parameters
    ----------
    source : pandas.DataFrame
        The rows as loaded (any index). Not modified.
    columns : TransactionColumns
        The roles; ``type``, ``description``, ``category`` and ``channel`` are read when present.
    credit : array-like of bool
        Per row of ``source`` (by position): the amount is negative after the sign reading.

    Returns
    -------
    MoneyIn

    Examples
    --------
    >>> from core.transactions import TransactionColumns
    >>> rows = pd.DataFrame({"Type": ["Sale", "Payment", "Return"], "Description": ["SHOP", "THANK YOU", "SHOP"]})
    >>> found = read_money_in(rows, TransactionColumns(type="Type", description="Description"), [False, True, True])
    >>> found.mask.tolist(), found.credits
    ([False, True, False], 2)
    """
    credit = np.asarray(credit, dtype=bool)
    mask = np.zeros(len(source), dtype=bool)
    at = np.flatnonzero(credit)
    texts: list[tuple[str, str, pd.Series]] = []  # (column, how, its credit cells as written)
    for role in VALUE_ROLES:
        column = getattr(columns, role, None)
        if isinstance(column, str) and column in source.columns:
            texts.append((column, "values", source[column].iloc[at].reset_index(drop=True)))
    for role in WORD_ROLES:
        column = getattr(columns, role, None)
        if isinstance(column, str) and column in source.columns:
            texts.append((column, "words", source[column].iloc[at].reset_index(drop=True)))
    if not texts or not len(at):
        return MoneyIn(mask=mask, credits=len(at))
    refund = np.zeros(len(at), dtype=bool)
    said: list[np.ndarray] = []
    for _, how, original in texts:
        refunds, money = _hits(original, how)
        refund |= refunds
        said.append(money)
    money_in = np.zeros(len(at), dtype=bool)
    sources = []
    for (column, how, original), hits in zip(texts, said, strict=True):
        first = hits & ~refund & ~money_in  # credited to the first column that recognised the row
        if first.any():
            sources.append((column, how, int(first.sum()), _examples(original, first, 3 if how == "values" else 1)))
        money_in |= first
    mask[at] = money_in
    return MoneyIn(mask=mask, credits=len(at), sources=tuple(sources))


def money_in_of_table(frame: pd.DataFrame, columns: Any) -> MoneyIn:
    """Read money in from a table as loaded (before standardising): for the load report.

    The amounts get the reading :func:`core.transactions.standardize_transactions` gives them (money out minus
    money in for split columns; signs flipped when most are negative); rows without a readable amount are no credit.
    """
    from core.transactions import _amounts, money_out_is_negative

    readable = [getattr(columns, role, None) for role in (*VALUE_ROLES, *WORD_ROLES)]
    if (columns.amount is None and columns.debit is None) or not any(c in frame.columns for c in readable if c):
        return MoneyIn(mask=np.zeros(len(frame), dtype=bool), credits=0)
    amounts = _amounts(frame, columns)
    if columns.amount is not None and money_out_is_negative(amounts):
        amounts = 0.0 - amounts
    return read_money_in(frame, columns, (amounts < 0).fillna(False).to_numpy(dtype=bool))


def credit_kinds(canonical: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(refund, money_in)`` per row of a canonical frame: a refund is a credit that is not money in.

    A credit is ``is_refund`` (``amount < 0`` when the column is absent); without ``is_money_in`` (a frame from an
    older caller or another engine) no row is money in and every credit is a refund, as before.
    """
    amount = canonical["amount"].to_numpy(dtype="float64")
    credit = _flag(canonical, "is_refund") if "is_refund" in canonical.columns else amount < 0
    money_in = _flag(canonical, "is_money_in")
    return credit & ~money_in, money_in


def _flag(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    return frame[column].fillna(False).to_numpy(dtype=bool)


__all__ = ["MONEY_IN_EFFECT", "MoneyIn", "credit_kinds", "money_in_of_table", "read_money_in", "vocabulary"]
