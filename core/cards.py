"""Card numbers: found by the Luhn check wherever they are, masked so that they cannot be read back or reversed.

A masked number keeps its last four digits and a six-hex-digit token, an HMAC-SHA256 of the full number under a
key. The key belongs to whoever loads the data (one per app session, one per command-line run unless
``CARDLENS_MASK_KEY`` is set), so two visitors of one server never share tokens and a visitor cannot confirm
a guessed number against another visitor's download.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets

import numpy as np
import pandas as pd

_CARD_CHARS = re.compile(r"[\s\-]")
_CARD_NAME = re.compile(r"card|pan$|^pan|cc_?num|kartennummer|numero_?tarjeta")
# A card number inside text: 13-19 digits in a row, or grouped as printed on cards (4-4-4-4[-3], Amex 4-6-5);
# sort codes with account numbers ("20-59-93 86556179") and dates are not grouped like that.
_IN_TEXT = re.compile(
    r"(?<![0-9A-Za-z*-])(?:\d{13,19}|\d{4}(?:[ -]\d{4}){3}(?:[ -]?\d{1,3})?|\d{4}[ -]\d{6}[ -]\d{5})(?![0-9A-Za-z])"
)
_SAMPLE = 2_000


def new_mask_key() -> bytes:
    """Return a fresh random key for one session or run."""
    return secrets.token_bytes(32)


MASK_KEY: bytes = os.environ.get("CARDLENS_MASK_KEY", "").encode() or new_mask_key()


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


def _spaced(values: pd.Series) -> pd.Series:
    """Evenly spaced values across the whole column: a file sorted by card number cannot hide its long ones."""
    if len(values) <= _SAMPLE:
        return values
    return values.iloc[np.linspace(0, len(values) - 1, _SAMPLE).astype("int64")]


def is_card_column(values: pd.Series, name: object = "") -> bool:
    """Return True when a column holds card numbers.

    True when at least half of the values (sampled evenly over the whole column) are 13-19 digit numbers
    passing the Luhn check, or when a fifth are and the column is named like a card number. Digits may be
    separated by spaces or dashes; a float column counts when its values are whole numbers.

    Examples
    --------
    >>> is_card_column(pd.Series(["4111 1111 1111 1111", "5500-0000-0000-0004"]))
    True
    >>> is_card_column(pd.Series([60416207185, 4111111111111111, 30270432095985]), name="cc_num")
    True
    """
    if pd.api.types.is_bool_dtype(values) or not (
        pd.api.types.is_integer_dtype(values)
        or pd.api.types.is_float_dtype(values)
        or pd.api.types.is_string_dtype(values)
        or pd.api.types.is_object_dtype(values)
    ):
        return False
    sample = _spaced(values.dropna())
    if sample.empty:
        return False
    if pd.api.types.is_numeric_dtype(sample):
        if float(sample.abs().max()) < 1e10:
            return False
    elif sample.astype("str").str.count(r"\d").ge(13).mean() < 0.2:  # cheap: too few digits
        return False
    digits = _as_digit_text(sample).dropna()
    qualifying = sum(1 for value in digits if 13 <= len(value) <= 19 and luhn_valid(value))
    named = bool(_CARD_NAME.search(re.sub(r"[^0-9a-z]+", "_", str(name).lower())))
    return qualifying >= (0.2 if named else 0.5) * len(sample)


def _card_token(digits: object, key: bytes) -> str:
    """Six hex digits of a keyed hash of the full number: distinct cards stay distinct once masked."""
    if not isinstance(digits, str):
        return "000000"
    return hmac.new(key, digits.encode(), hashlib.sha256).hexdigest()[:6]


def _card_tokens(digits: pd.Series, key: bytes) -> pd.Series:
    tokens = {value: _card_token(value, key) for value in pd.unique(digits.dropna())}
    return digits.map(tokens).fillna("000000")


def _mask_one(match: re.Match[str], key: bytes) -> str:
    digits = _CARD_CHARS.sub("", match.group(0))
    if not (13 <= len(digits) <= 19 and luhn_valid(digits)):
        return match.group(0)
    return "************" + digits[-4:] + "-" + _card_token(digits, key)


def mask_card_text(values: pd.Series, key: bytes | None = None) -> tuple[pd.Series, int]:
    """Mask card numbers written inside free text ("card 4509 9220 3327 2157 disputed"); return the count.

    Examples
    --------
    >>> masked, count = mask_card_text(pd.Series(["card 4111 1111 1111 1111 disputed", "ok"]), key=b"k")
    >>> masked[0][:22], count
    ('card ************1111-', 1)
    """
    key = key or MASK_KEY
    text = values.astype("string")
    candidates = text.str.contains(_IN_TEXT, regex=True, na=False)
    if not bool(candidates.any()):
        return values, 0
    replaced = text[candidates].map(lambda value: _IN_TEXT.sub(lambda m: _mask_one(m, key), value))
    changed = int((replaced != text[candidates]).sum())
    if not changed:
        return values, 0
    out = values.astype("object").copy()
    out[candidates] = replaced.astype("object")
    return out, changed


def mask_card_numbers(frame: pd.DataFrame, key: bytes | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Mask columns that hold card numbers, keeping only the last four digits and a keyed token.

    A column is a card-number column when at least half of its values are 13-19 digit numbers (digits,
    optionally with spaces or dashes) passing the Luhn check. Every value of such a column is masked,
    including shorter or invalid ones, so no full number survives. The last four digits alone would merge
    different cards (913 cards in the Sparkov sample share 859 endings), so each masked value also carries a
    six-hex-digit token: an HMAC-SHA256 of the full number under :data:`MASK_KEY`. The same card gives the
    same token within a process (so a customer table and a transaction table still join), and the token
    cannot be reversed without the key. Set ``CARDLENS_MASK_KEY`` to keep tokens stable across runs.
    Card numbers inside text columns are masked too (:func:`mask_card_text`).

    Parameters
    ----------
    frame : pandas.DataFrame
        Any table. Not modified.
    key : bytes, optional
        The masking key of this session or run; :data:`MASK_KEY` (one per process) when omitted.

    Returns
    -------
    tuple of (pandas.DataFrame, list of str)
        A copy with masked columns as text (``"************1111-3f9a0c"``; missing stays missing), and the
        names of the columns where anything was masked.

    Examples
    --------
    >>> masked, columns = mask_card_numbers(pd.DataFrame({"pan": ["4111 1111 1111 1111"], "x": [1]}))
    >>> masked["pan"].str[:16].tolist(), columns
    (['************1111'], ['pan'])
    """
    key = key or MASK_KEY
    card_columns = [column for column in frame.columns if is_card_column(frame[column], column)]
    text_columns = [
        column
        for column in frame.columns
        if column not in card_columns
        and (pd.api.types.is_string_dtype(frame[column]) or pd.api.types.is_object_dtype(frame[column]))
    ]
    out = frame
    masked_columns = []
    for column in frame.columns:
        values = frame[column]
        if column in card_columns:
            digits = _as_digit_text(values)
            digits = digits.fillna(values.astype("str").str.replace(_CARD_CHARS, "", regex=True).where(values.notna()))
            masked = (
                "************" + digits.str[-4:].str.replace(r"\D", "*", regex=True) + "-" + _card_tokens(digits, key)
            )
            new = masked.where(values.notna()).astype("str")
        elif column in text_columns:
            new, count = mask_card_text(values, key)
            if not count:
                continue
        else:
            continue
        if out is frame:
            out = frame.copy()
        out[column] = new
        masked_columns.append(column)
    return out, masked_columns
