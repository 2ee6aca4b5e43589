"""Dates a nanosecond clock cannot hold: found in date and text columns, reported, and made missing.

pandas stores dates as nanoseconds since 1970, which covers 1677-09-21 to 2262-04-11. Bank exports often
write "no end date" as ``9999-12-31`` (or ``0001-01-01``, ``0000-00-00``), and typos give years like 3202.
pandas 3 parses those at a coarser resolution, and the first conversion to nanoseconds anywhere downstream
raises ``OutOfBoundsDatetime``; so the loader turns them into missing values and says how many there were.

Text columns are only searched when most of their first values look like dates, and then with one vectorised
regular expression for years outside the range, so a million-row column costs a fraction of a second.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from core.transactions import nanosecond_dates

DATE_RANGE = "1677-2262"
_SAMPLE = 1_000
_DATE_SHARE = 0.8  # a text column is a date column when this share of its first values look like dates
_TEXT_DATE = re.compile(
    r"\s*(?:(?P<lead>\d{4})[-/.]\d{1,2}[-/.]\d{1,2}"  # 9999-12-31, 2024/01/31
    r"|\d{1,2}[-/. ](?:\d{1,2}|[A-Za-z]{3,9}\.?)[-/. ,]+(?P<trail>\d{4})"  # 31/12/9999, 31-Dec-9999
    r"|[A-Za-z]{3,9}\.? \d{1,2},? (?P<month_first>\d{4}))"  # Dec 31, 9999
    r"(?:[T\s].*)?"
)
# A four-digit number that cannot be a year inside the range (1677 and 2262 are checked day by day).
_SUSPECT_YEAR = r"(?:^|[^\d])(?:0\d{3}|1[0-5]\d\d|16[0-7]\d|22[6-9]\d|2[3-9]\d\d|[3-9]\d{3})(?:[^\d]|$)"


@dataclass(frozen=True)
class OutOfRange:
    """How many values of one column were dates outside :data:`DATE_RANGE`, and the first of them."""

    count: int
    example: str

    def sentence(self, column: str) -> str:
        """Return the load report's sentence for ``column``."""
        values = "value was a date" if self.count == 1 else "values were dates"
        return f"{self.count:,} {values} in {column} outside {DATE_RANGE}, e.g. {self.example}; treated as missing."


def is_date_text(values: pd.Series) -> bool:
    """Return True when most of the first non-missing values of a text column are written as dates.

    Examples
    --------
    >>> is_date_text(pd.Series(["2024-01-31", "9999-12-31", None])), is_date_text(pd.Series(["A1", "B2"]))
    (True, False)
    """
    sample = values.head(4 * _SAMPLE).dropna().head(_SAMPLE)
    if sample.empty:
        return False
    first = sum(_TEXT_DATE.fullmatch(str(value)) is not None for value in sample.head(20))
    if first < _DATE_SHARE * min(20, len(sample)):  # most columns are decided here, cheaply
        return False
    matches = sum(_TEXT_DATE.fullmatch(str(value)) is not None for value in sample)
    return matches >= _DATE_SHARE * len(sample)


def _year(text: str) -> int | None:
    found = _TEXT_DATE.fullmatch(text)
    if found is None:
        return None
    return int(found["lead"] or found["trail"] or found["month_first"])


def _outside(text: str) -> bool:
    year = _year(text)
    if year is None:
        return False
    if year not in (1677, 2262):
        return not 1677 < year < 2262
    parsed = pd.to_datetime(pd.Series([text]), format="mixed", errors="coerce").iloc[0]
    return pd.notna(parsed) and not pd.Timestamp.min <= parsed <= pd.Timestamp.max


def drop_out_of_range_text(values: pd.Series) -> tuple[pd.Series, OutOfRange | None]:
    """Turn text dates outside :data:`DATE_RANGE` into missing values, if ``values`` is a date column.

    Returns
    -------
    tuple of (pandas.Series, OutOfRange or None)
        The column (unchanged unless something was out of range) and what was found.

    Examples
    --------
    >>> cleaned, found = drop_out_of_range_text(pd.Series(["2024-01-31", "31/12/9999", "0001-01-01"]))
    >>> cleaned.isna().tolist(), found
    ([False, True, True], OutOfRange(count=2, example='31/12/9999'))
    """
    if not is_date_text(values):
        return values, None
    text = values.astype("str") if values.dtype == object else values
    suspect = text.str.contains(_SUSPECT_YEAR, regex=True, na=False).to_numpy(dtype=bool)
    if not suspect.any():
        return values, None
    candidates = text[suspect]
    verdicts = {value: _outside(str(value).strip()) for value in candidates.unique()}  # sentinels repeat
    outside = pd.Series(False, index=values.index)
    outside[candidates.index] = candidates.map(verdicts).to_numpy(dtype=bool)
    if not outside.any():
        return values, None
    example = str(values[outside].iloc[0]).strip()
    return values.mask(outside), OutOfRange(int(outside.sum()), example)


def drop_out_of_range_dates(values: pd.Series) -> tuple[pd.Series, OutOfRange | None]:
    """Return a date column as ``datetime64[ns]``, dates outside :data:`DATE_RANGE` missing, and what was found.

    Examples
    --------
    >>> import datetime as dt
    >>> dates, found = drop_out_of_range_dates(pd.to_datetime(pd.Series([dt.date(2024, 1, 31), dt.date(9999, 12, 31)])))
    >>> dates.dtype, found
    (dtype('<M8[ns]'), OutOfRange(count=1, example='9999-12-31'))
    """
    present = values.notna()
    inside = values.between(pd.Timestamp.min, pd.Timestamp.max)
    outside = present & ~inside
    found = None
    if outside.any():
        first = values[outside].iloc[0]
        example = f"{first.year:04d}-{first.month:02d}-{first.day:02d}"
        if (first.hour, first.minute, first.second) != (0, 0, 0):
            example += f" {first.hour:02d}:{first.minute:02d}:{first.second:02d}"
        found = OutOfRange(int(outside.sum()), example)
    return nanosecond_dates(values), found
