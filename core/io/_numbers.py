"""Text cells to numbers: null markers, currency, percent, decimal commas and thousands separators.

Bank exports write numbers in many ways (``1.234,56``, ``1,234.56``, ``1 234,56``, ``$1,234``, ``12 EUR``,
``45%``, ``(12.50)``). :func:`convert_text_column` turns a text column into numbers, vectorised, only when
most of its values parse; otherwise the column stays text. :func:`replace_null_markers` turns the usual
"no value" spellings (``NA``, ``N/A``, ``null``, ``-``, ``?``, ``NaN``, ``none``; any case) into missing values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

NULL_MARKERS: tuple[str, ...] = ("na", "n/a", "n.a.", "#n/a", "null", "-", "--", "?", "nan", "none", "nil", "")
MIN_PARSED_SHARE = 0.9  # a text column becomes numeric only when at least this share of its values parse

_CURRENCY = r"(?:US\$|[$€£¥]|EUR|GBP|USD|CHF|[Ee]ur|[Gg]bp|[Uu]sd|[Cc]hf)"
_SPACES = "[ \t\u00a0\u202f']"  # ordinary, no-break and narrow no-break spaces, Swiss apostrophe
_INNER_SPACE = "[0-9][ \t\u00a0\u202f][0-9]"
_FLOAT = r"^[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$|^[-+]?(?:[Ii]nf|[Ii]nfinity|INF)$"
_WS = " \t\u00a0\u202f"  # whitespace as written literally: RE2 (pyarrow) and Python agree on these
_NUMBERISH = (  # used on a small sample only, so Python's re is fine here
    rf"^\(?[-+]?[{_WS}]*{_CURRENCY}?[{_WS}]*[-+]?[{_WS}]*[0-9][0-9.,{_WS}']*[{_WS}]*{_CURRENCY}?[{_WS}]*%?\)?$|"
    rf"^[-+]?[{_WS}]*{_CURRENCY}?[{_WS}]*[-+]?[{_WS}]*\.[0-9]+[{_WS}]*%?$|^[-+]?(?i:inf|infinity)$|"
    r"^[-+]?[0-9]+(?:\.[0-9]*)?[eE][-+]?[0-9]+$"
)
_LEADING_ZERO_ID = r"^0[0-9]+$"
_COMMA_DECIMAL = r"^-?[0-9]{1,3}(?:\.[0-9]{3})+,[0-9]+$|^-?[0-9]+,[0-9]{1,2}$|^-?[0-9]+,[0-9]{4,}$"
_DOT_DECIMAL = r"^-?[0-9]{1,3}(?:,[0-9]{3})+\.[0-9]+$|^-?[0-9]+\.[0-9]{1,2}$|^-?[0-9]+\.[0-9]{4,}$"
_COMMA_THOUSANDS = r"^-?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?$"


@dataclass(frozen=True)
class Conversion:
    """A text column turned into numbers.

    Attributes
    ----------
    numbers : pandas.Series
        The numbers (float64, or int64 when every value is a whole number and none is missing).
    kinds : tuple of str
        What was converted, in plain words: ``"currency"``, ``"percent"``, ``"decimal comma"``,
        ``"thousands separator"``, ``"numbers stored as text"``.
    thousands : str or None
        The thousands separator seen (``","``, ``"."``, ``" "``, ``"'"``), if any.
    decimal : str
        The decimal mark used for this column.
    unreadable : int
        Non-empty values that did not parse and became missing.
    """

    numbers: pd.Series
    kinds: tuple[str, ...]
    thousands: str | None
    decimal: str
    unreadable: int


def replace_null_markers(values: pd.Series) -> tuple[pd.Series, dict[str, int]]:
    """Turn null-marker cells of a text column into missing values.

    Parameters
    ----------
    values : pandas.Series
        A text (``str`` or ``object``) column. Not modified.

    Returns
    -------
    tuple of (pandas.Series, dict)
        The column with markers replaced by missing values, and marker spelling -> count found.

    Examples
    --------
    >>> out, found = replace_null_markers(pd.Series(["1", "N/A", "null", "2"]))
    >>> out.isna().tolist(), found
    ([False, True, True, False], {'N/A': 1, 'null': 1})
    """
    as_text = values if pd.api.types.is_string_dtype(values) else values.where(values.isna(), values.astype("str"))
    stripped = as_text.str.strip()
    is_marker = stripped.str.lower().isin(NULL_MARKERS) & values.notna()
    if not bool(is_marker.any()):
        return values, {}
    counts = stripped[is_marker].replace("", "(blank)").value_counts()
    found = {str(marker): int(count) for marker, count in counts.items()}
    return values.mask(is_marker), found


def guess_decimal_mark(cells: list[str]) -> str:
    """Guess the file's decimal mark from raw cells: ``","`` when unambiguous decimal commas dominate.

    Examples
    --------
    >>> guess_decimal_mark(["1,5", "2.345,67", "abc"])
    ','
    >>> guess_decimal_mark(["1.5", "1,234"])
    '.'
    """
    comma = sum(1 for cell in cells if re.match(_COMMA_DECIMAL, cell.strip()))
    dot = sum(1 for cell in cells if re.match(_DOT_DECIMAL, cell.strip()))
    return "," if comma > dot else "."


_DOTTED_DATE = re.compile(r"^\d{1,2}\.\d{1,2}\.(\d{2}|\d{4})$")


def convert_text_column(values: pd.Series, *, decimal_hint: str = ".") -> Conversion | None:
    """Convert a text column to numbers when most values are numbers written as text.

    Parameters
    ----------
    values : pandas.Series
        A text column whose missing values are already missing (see :func:`replace_null_markers`).
        Not modified.
    decimal_hint : str, default "."
        The file's decimal mark; ``","`` makes ``1.234`` read as one thousand two hundred and thirty-four.

    Returns
    -------
    Conversion or None
        ``None`` when the column should stay text (fewer than 90% of its values parse, or it looks like
        codes with leading zeros).

    Examples
    --------
    >>> c = convert_text_column(pd.Series(["$1,234.50", "€ 3", "45%"]))
    >>> c.numbers.tolist(), c.kinds
    ([1234.5, 3.0, 0.45], ('currency', 'percent', 'thousands separator'))
    """
    present = values.dropna()
    if present.empty:
        return None
    text = present.astype("str").str.strip()
    sample = _spaced(text, 2000)
    if sample.str.match(_NUMBERISH).mean() < MIN_PARSED_SHARE or bool(sample.str.match(_LEADING_ZERO_ID).any()):
        return None
    if sample.str.match(_DOTTED_DATE).mean() >= MIN_PARSED_SHARE:  # 31.12.2024 is a date, not 31,122,024
        return None
    plain = not bool(text.str.contains(r"[^0-9.,eE+\-]", regex=True).any())  # skip the symbol passes
    percent = pd.Series(False, index=text.index) if plain else text.str.endswith("%")
    if bool(percent.any()):
        text = text.str.rstrip("%").str.strip()
    negative = percent if plain else text.str.startswith("(") & text.str.endswith(")")
    if bool(negative.any()):
        text = text.str.strip("()")
    currency = percent if plain else text.str.contains(_CURRENCY, regex=True)
    if bool(currency.any()):
        text = text.str.replace(_CURRENCY, "", regex=True).str.strip()
    thousands: str | None = None
    if not plain and bool(text.str.contains(_SPACES, regex=True).any()):
        if bool(text.str.contains(r"[0-9]'[0-9]", regex=True).any()):
            thousands = "'"
        if bool(text.str.contains(_INNER_SPACE, regex=True).any()):
            thousands = " "
        text = text.str.replace(_SPACES, "", regex=True)
    decimal = _column_decimal(_spaced(text, 20_000), decimal_hint)
    if decimal == ",":
        if bool(text.str.contains(".", regex=False).any()):
            thousands = thousands or "."
            text = text.str.replace(".", "", regex=False)
        text = text.str.replace(",", ".", regex=False)
    elif bool(text.str.contains(",", regex=False).any()):
        thousands = thousands or ","
        text = text.str.replace(",", "", regex=False)
    numbers = _parse_floats(text)
    parsed = int(numbers.notna().sum())
    if parsed < MIN_PARSED_SHARE * len(present):
        return None
    if bool(percent.any()):
        numbers = numbers.where(~percent, numbers / 100.0)
    if bool(negative.any()):
        numbers = numbers.where(~negative, -numbers.abs())
    out = pd.Series(np.nan, index=values.index, dtype="float64")
    out.loc[numbers.index] = numbers.to_numpy()
    if not out.isna().any() and bool(np.all(np.isfinite(out)) and np.all(out == np.round(out))):
        out = out.astype("int64")
    kinds = [
        kind
        for kind, seen in (
            ("currency", bool(currency.any())),
            ("percent", bool(percent.any())),
            ("decimal comma", decimal == ","),
            ("thousands separator", thousands is not None),
        )
        if seen
    ]
    return Conversion(
        numbers=out,
        kinds=tuple(kinds) or ("numbers stored as text",),
        thousands=thousands,
        decimal=decimal,
        unreadable=len(present) - parsed,
    )


def _spaced(values: pd.Series, size: int) -> pd.Series:
    if len(values) <= size:
        return values
    return values.iloc[np.linspace(0, len(values) - 1, size).astype("int64")]


def _parse_floats(text: pd.Series) -> pd.Series:
    """Parse plain number strings to float64 (NaN where not a number), with Arrow's fast cast when possible."""
    valid = text.str.match(_FLOAT)
    candidates = text.where(valid)
    try:
        import pyarrow as pa
        import pyarrow.compute as pc

        array = pc.cast(pa.array(candidates.array), pa.float64())
        return pd.Series(array.to_numpy(zero_copy_only=False), index=text.index, dtype="float64")
    except Exception:  # no Arrow, or a value Arrow will not cast: pandas' slower parser decides
        return pd.to_numeric(candidates, errors="coerce").astype("float64")


def _column_decimal(text: pd.Series, hint: str) -> str:
    """Decide a column's decimal mark from unambiguous values, falling back on the file's mark."""
    if hint == ",":
        return (
            "," if not bool(text.str.match(_DOT_DECIMAL).any()) or bool(text.str.match(_COMMA_DECIMAL).any()) else "."
        )
    if bool(text.str.match(r"^-?[0-9]{1,3}(?:\.[0-9]{3})+,[0-9]+$").any()):
        return ","
    with_comma = text[text.str.contains(",", regex=False)]
    if with_comma.empty:
        return "."
    if bool(with_comma.str.match(_COMMA_THOUSANDS).all()):
        return "."
    return "," if bool(with_comma.str.match(r"^-?[0-9]+,[0-9]+$").any()) else "."


def describe_kinds(kinds: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    """Return column -> plain description of what was converted (``"currency, thousands separator"``)."""
    return {column: ", ".join(parts) for column, parts in kinds.items()}
