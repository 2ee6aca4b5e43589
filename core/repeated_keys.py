"""Repeated and blank customer keys: reported, then kept, reduced to the last row, or merged, as the user chooses.

A customer table should hold one row per customer, but real exports repeat keys (the AllLife file has five
keys on two rows each) and leave some blank. :func:`resolve_repeated_keys` applies the user's choice and says
what it did in one sentence; the Upload page, the command line (``--repeated-keys``) and the workbook's
provenance all use it, so every way into CardLens treats repeated keys the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from core.errors import DataError

KEEP, LAST, MERGE = "keep", "last", "merge"
CHOICES: tuple[str, ...] = (KEEP, LAST, MERGE)
"""What to do with rows that share a customer key (``keep`` by default, ``last`` for a monthly panel: see
:func:`default_choice`)."""
CHOICE_WORDS: dict[str, str] = {
    KEEP: "Keep every row (each row is a customer)",
    LAST: "Keep the latest row of each key (by its date column, else the last in the file)",
    MERGE: "Merge the rows of each key into one customer",
}
BLANK_CHOICES: tuple[str, ...] = (KEEP, "drop")
"""What to do with rows whose key is blank: keep each as a customer of its own, or drop them."""
NUMBERS: tuple[str, ...] = ("mean", "sum")
"""How ``merge`` combines the numbers of one key's rows (``mean`` by default, see :func:`resolve_repeated_keys`)."""

_DONE = {
    KEEP: "kept, each row as its own customer",
    LAST: "kept the last row of each",
    MERGE: "merged into one row each",
}
_NOTE = {KEEP: "kept", LAST: "last row kept", MERGE: "merged"}
_TIMES = {2: "twice", 3: "three times"}
# Roles whose numbers are behaviour (merged by mean or sum) and whose values are levels (merged by the most
# common level); every other column (ids, dates, outcomes, scores, text) takes its first non-missing value.
_NUMBER_ROLES = frozenset({"feature", "amount"})
_LEVEL_ROLES = frozenset({"categorical"})


@dataclass(frozen=True)
class KeyResolution:
    """A customer table after the user's choice for repeated and blank keys, and what was done.

    Attributes
    ----------
    frame : pandas.DataFrame
        The table to segment: one row per customer unless ``how`` is ``keep``.
    key : str or None
        The customer key column (None: the table has none, so nothing could repeat).
    how : str
        The choice applied to repeated keys, one of :data:`CHOICES`.
    blank_keys : str
        The choice applied to rows without a key, one of :data:`BLANK_CHOICES`.
    numbers : str
        How ``merge`` combined numbers, one of :data:`NUMBERS`.
    rows : int
        Rows before the choice.
    repeated_keys : int
        Keys found on more than one row.
    repeated_rows : int
        Rows holding those keys.
    times : tuple of (int, int)
        ``(rows per key, number of keys)`` for the repeated keys, fewest rows first.
    blank_rows : int
        Rows whose key is missing or blank.
    latest_by : str or None
        With ``last``: the date column that decided which row of a key is its latest (None: the file's order).
    differing : tuple of (str, int)
        ``(column, keys)``: the columns whose values differ between the rows of some repeated key, and for how
        many keys, most first. Empty when every repeated key's rows are copies (the same customer exported twice).
    conflicting_keys : int
        Repeated keys whose rows differ somewhere (different people, or different dates, under one key).
    """

    frame: pd.DataFrame = field(repr=False, compare=False)
    key: str | None
    how: str
    blank_keys: str
    numbers: str
    rows: int
    repeated_keys: int
    repeated_rows: int
    times: tuple[tuple[int, int], ...]
    blank_rows: int
    latest_by: str | None = None
    differing: tuple[tuple[str, int], ...] = ()
    conflicting_keys: int = 0

    @property
    def customers(self) -> int:
        """Rows after the choice: the customers that will be segmented."""
        return len(self.frame)

    @property
    def found(self) -> bool:
        """Whether any key repeats or is blank (otherwise there was nothing to choose)."""
        return bool(self.repeated_keys or self.blank_rows)

    def sentence(self) -> str:
        """Return the one-line report, e.g. ``5 customer keys appeared twice; merged into one row each: ...``."""
        if self.key is None:
            return f"No customer key column: each row is a customer ({self.rows:,} rows)."
        if not self.found:
            return f"Every customer key is unique: {self.rows:,} customers."
        parts = []
        if self.repeated_keys:
            done = _DONE[self.how]
            if self.how == LAST and self.latest_by is not None:
                done = f"kept the latest row of each by {self.latest_by!r}"
            if self.how == MERGE:
                done += " (numbers added up)" if self.numbers == "sum" else " (numbers averaged)"
            parts.append(f"{self._repeats()}{self._differences()}; {done}")
        if self.blank_rows:
            rows = "1 row had" if self.blank_rows == 1 else f"{self.blank_rows:,} rows had"
            kept = "kept, each as its own customer" if self.blank_keys == KEEP else "dropped"
            parts.append(f"{rows} no customer key; {kept}")
        noun = "customer" if self.customers == 1 else "customers"
        return f"{'; '.join(parts)}: {self.rows:,} rows -> {self.customers:,} {noun}."

    def note(self) -> str | None:
        """Return the provenance note, e.g. ``repeated keys: merged (5 keys)``; None when nothing repeated."""
        notes = []
        if self.repeated_keys:
            notes.append(f"repeated keys: {_NOTE[self.how]} ({_count(self.repeated_keys, 'key')})")
        if self.blank_rows:
            notes.append(
                f"blank keys: {'kept' if self.blank_keys == KEEP else 'dropped'} ({_count(self.blank_rows, 'row')})"
            )
        return "; ".join(notes) or None

    def _repeats(self) -> str:
        keys = "1 customer key" if self.repeated_keys == 1 else f"{self.repeated_keys:,} customer keys"
        if len(self.times) == 1:
            per_key = self.times[0][0]
            return f"{keys} appeared {_TIMES.get(per_key, f'{per_key:,} times')}"
        return f"{keys} appeared more than once ({self.repeated_rows:,} rows)"

    def _differences(self) -> str:
        """``, 5 of them on rows that differ (in 'income' and 'SEX')``, or ``, each on copies of one row``."""
        if not self.differing:
            return ", each on copies of one row"
        names = [repr(column) for column, _ in self.differing[:3]]
        more = len(self.differing) - len(names)
        listed = " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
        if more:
            listed = f"{', '.join(names)} and {more} more column{'s' if more > 1 else ''}"
        keys = "all of them" if self.conflicting_keys == self.repeated_keys else f"{self.conflicting_keys:,} of them"
        return f", {keys} on rows that differ (in {listed})"


def default_choice(roles: Mapping[str, str] | None) -> str:
    """Return the choice for repeated keys before the user makes one: a monthly panel's latest row, else keep.

    A table whose rows are months of a customer (a period column such as ``MONTHS_BALANCE``,
    :func:`core.schema.period_column`) describes each customer as they are now in their latest month; segmenting
    every month as a customer of its own would count each customer dozens of times.

    Examples
    --------
    >>> default_choice({"ID": "id", "MONTHS_BALANCE": "datetime"}), default_choice({"Customer Key": "id"})
    ('last', 'keep')
    """
    from core.schema import period_column

    return LAST if roles and period_column(roles) is not None else KEEP


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}" + ("" if number == 1 else "s")


def _key_codes(values: pd.Series) -> np.ndarray:
    """One integer per distinct key, numbered in order of first appearance; -1 for a missing or blank key.

    Numbers compare as numbers (``87073.0`` is ``87073``), text as stripped text. Integer codes keep a
    million-row file to about a second, where grouping by the keys' text took half a minute.
    """
    if pd.api.types.is_numeric_dtype(values):
        return pd.factorize(values)[0]
    text = values.astype("string").str.strip()
    return pd.factorize(text.mask(text.eq("")))[0]


def resolve_repeated_keys(
    frame: pd.DataFrame,
    key: str | None,
    how: Literal["keep", "last", "merge"] = "keep",
    *,
    blank_keys: Literal["keep", "drop"] = "keep",
    roles: Mapping[str, str] | None = None,
    numbers: Literal["mean", "sum"] = "mean",
) -> KeyResolution:
    """Apply the user's choice to rows that share a customer key, and report it in one sentence.

    Parameters
    ----------
    frame : pandas.DataFrame
        A customer table as loaded (:func:`core.io.load_table`): one column is the customer key. Not modified.
    key : str or None
        The customer key column (:func:`core.schema.id_column` of the roles); None leaves the table as it is.
        Keys are compared as stripped text, so ``87073`` and ``87073.0`` are one key.
    how : {"keep", "last", "merge"}
        ``keep`` (the default, as before): every row is a customer. ``last``: the last row of each key (its
        latest export, as files are usually appended to). ``merge``: one row per key, in place of its first
        row: numbers of behaviour (roles ``feature`` and ``amount``) are averaged, because a repeated key in a
        snapshot is most often the same customer exported twice, and adding up would double a balance or a
        credit limit; categories take their most common level (the first one seen on a tie); every other
        column (ids, dates, outcomes, other models' scores, text) takes its first non-missing value.
    blank_keys : {"keep", "drop"}
        Rows whose key is missing or blank belong to nobody: keep each as a customer of its own, or drop them.
    roles : mapping of str to str, optional
        Column -> role (:data:`core.schema.ROLES`), deciding how ``merge`` combines each column; inferred with
        :func:`core.schema.infer_roles` when not given.
    numbers : {"mean", "sum"}
        How ``merge`` combines numbers of behaviour: ``sum`` when the repeated rows are parts of one customer
        (say, one row per card) rather than copies.

    Returns
    -------
    KeyResolution
        The new table (row order kept; a new 0..n-1 index when rows were dropped or merged) and the counts.

    Raises
    ------
    DataError
        For an unknown choice or a key that is not a column of ``frame``.

    Examples
    --------
    >>> table = pd.DataFrame({"Customer Key": [11, 12, 11, None], "Avg_Credit_Limit": [1000.0, 500.0, 3000.0, 800.0],
    ...                       "region": ["N", "S", "E", "W"]})
    >>> merged = resolve_repeated_keys(table, "Customer Key", "merge", roles={"Avg_Credit_Limit": "amount",
    ...                                "region": "categorical", "Customer Key": "id"})
    >>> merged.frame
       Customer Key  Avg_Credit_Limit region
    0          11.0            2000.0      N
    1          12.0             500.0      S
    2           NaN             800.0      W
    >>> merged.sentence()  # doctest: +NORMALIZE_WHITESPACE
    "1 customer key appeared twice, all of them on rows that differ (in 'Avg_Credit_Limit' and 'region'); merged
     into one row each (numbers averaged); 1 row had no customer key; kept, each as its own customer: 4 rows -> 3
     customers."
    >>> merged.note()
    'repeated keys: merged (1 key); blank keys: kept (1 row)'
    >>> resolve_repeated_keys(table, "Customer Key", "last", blank_keys="drop").frame["Avg_Credit_Limit"].tolist()
    [500.0, 3000.0]
    """
    if how not in CHOICES:
        raise DataError(f"Unknown choice for repeated customer keys: {how!r}; use keep, last or merge.")
    if blank_keys not in BLANK_CHOICES:
        raise DataError(f"Unknown choice for rows without a customer key: {blank_keys!r}; use keep or drop.")
    if numbers not in NUMBERS:
        raise DataError(f"Unknown way to merge numbers: {numbers!r}; use mean or sum.")
    if key is None:
        return KeyResolution(frame, None, how, blank_keys, numbers, len(frame), 0, 0, (), 0)
    if key not in frame.columns:
        raise DataError(
            f"The customer key {key!r} is not a column of the table. Its columns are: "
            f"{', '.join(map(str, frame.columns[:30]))}."
        )
    codes = _key_codes(frame[key])
    blank = codes < 0
    rows_of_key = np.bincount(codes[~blank])
    repeated = ~blank & (rows_of_key[np.where(blank, 0, codes)] > 1) if len(rows_of_key) else np.zeros(len(frame), bool)
    rows_per_key, keys_with = np.unique(rows_of_key[rows_of_key > 1], return_counts=True)
    given = roles  # "latest" follows a date column only when the caller named the roles
    if roles is None and repeated.any():  # how to merge, and which columns are ids, once
        from core.schema import infer_roles

        roles = infer_roles(frame)
    drop = blank if blank_keys == "drop" else np.zeros(len(frame), dtype=bool)
    latest_by = None
    if how == LAST:
        latest_by, order = _latest_order(frame, codes, repeated, given)
        later = pd.Series(codes[order]).duplicated(keep="last").to_numpy()
        superseded = np.zeros(len(frame), dtype=bool)
        superseded[order] = later
        drop = drop | (repeated & superseded)
    if how == MERGE and repeated.any():
        out = _merged(frame, codes, repeated, drop, roles, numbers)
    elif drop.any():
        out = frame.loc[~drop].reset_index(drop=True)
    else:
        out = frame
    counts = {
        "repeated_keys": int(keys_with.sum()),
        "repeated_rows": int(repeated.sum()),
        "blank_rows": int(blank.sum()),
    }
    times = tuple(zip(rows_per_key, keys_with, strict=True))
    return KeyResolution(
        out, key, how, blank_keys, numbers, len(frame), counts["repeated_keys"], counts["repeated_rows"],
        tuple((int(rows), int(keys)) for rows, keys in times), counts["blank_rows"], latest_by,
        *_differing(frame, key, codes, repeated, roles),
    )  # fmt: skip


def _differing(
    frame: pd.DataFrame, key: str, codes: np.ndarray, repeated: np.ndarray, roles: Mapping[str, str] | None
) -> tuple[tuple[tuple[str, int], ...], int]:
    """Return the columns that differ between the rows of some repeated key (with how many keys), and those keys."""
    if not repeated.any():
        return (), 0
    roles = roles or {}
    ids = [c for c in frame.columns if c == key or roles.get(c) == "id"]  # a row number always differs
    rows = frame.loc[repeated].drop(columns=ids)
    groups = codes[repeated]
    differs = pd.DataFrame(
        {column: rows[column].groupby(groups).nunique(dropna=False).gt(1) for column in rows.columns}
    )
    per_column = differs.sum()
    ranked = sorted(((str(c), int(n)) for c, n in per_column.items() if n), key=lambda item: -item[1])
    return tuple(ranked), int(differs.any(axis=1).sum())


def _latest_order(
    frame: pd.DataFrame, codes: np.ndarray, repeated: np.ndarray, roles: Mapping[str, str] | None
) -> tuple[str | None, np.ndarray]:
    """Row positions from each key's earliest row to its latest, and the date column that decided it.

    The first date column (role ``datetime``) whose value changes within some repeated key orders the rows: a
    monthly panel (Home Credit's ``MONTHS_BALANCE``, 0 the latest) or an export sorted newest first is read by its
    dates, not by its row order. Rows without a date come first; ties keep the file's order. Without such a
    column, the file's order.
    """
    from core.transactions import parse_timestamps

    positions = np.arange(len(frame))
    for column, role in (roles or {}).items():
        if role != "datetime" or column not in frame.columns or not repeated.any():
            continue
        values = frame[column]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            when = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64")
        else:
            parsed = values if pd.api.types.is_datetime64_any_dtype(values) else parse_timestamps(values)[0]
            when = parsed.to_numpy(dtype="datetime64[ns]").astype("int64").astype("float64")
            when[pd.isna(parsed).to_numpy()] = np.nan
        within = pd.DataFrame({"key": codes[repeated], "when": when[repeated]}).dropna()
        spans = within.groupby("key")["when"].agg(["min", "max"])
        if not (spans["max"] > spans["min"]).any():
            continue
        order = np.lexsort((positions, np.nan_to_num(when, nan=-np.inf)))
        return column, order
    return None, positions


def _merged(
    frame: pd.DataFrame,
    codes: np.ndarray,
    repeated: np.ndarray,
    drop: np.ndarray,
    roles: Mapping[str, str] | None,
    numbers: str,
) -> pd.DataFrame:
    """One row per repeated key at the place of its first row; the other rows as they are (less ``drop``)."""
    roles = roles or {}
    position = np.arange(len(frame))
    rows = frame.loc[repeated]
    groups = codes[repeated]
    grouped = rows.groupby(groups, sort=True)  # codes number keys in order of first appearance
    merged = grouped.first()  # pandas' first skips missing values: the first non-missing of each column
    behaviour = [
        column
        for column in frame.columns
        if roles.get(column) in _NUMBER_ROLES
        and pd.api.types.is_numeric_dtype(rows[column])
        and not pd.api.types.is_bool_dtype(rows[column])
    ]
    if behaviour:
        combined = grouped[behaviour]
        merged[behaviour] = combined.sum(min_count=1) if numbers == "sum" else combined.mean()
    for column in frame.columns:
        if roles.get(column) in _LEVEL_ROLES:
            merged[column] = _most_common(rows[column], groups).reindex(merged.index)
    first_row = position[repeated][np.unique(groups, return_index=True)[1]]
    merged = merged[frame.columns].set_axis(first_row)
    keep = ~repeated & ~drop
    out = pd.concat([frame.loc[keep].set_axis(position[keep]), merged]).sort_index(kind="stable")
    return out.reset_index(drop=True)


def _most_common(values: pd.Series, groups: np.ndarray) -> pd.Series:
    """Per group, the most common non-missing value; on a tie, the one seen first."""
    table = pd.DataFrame({"group": groups, "value": values.to_numpy(), "order": np.arange(len(values))})
    table = table.dropna(subset=["value"])
    stats = table.groupby(["group", "value"], sort=False).agg(n=("order", "size"), first=("order", "min"))
    best = stats.reset_index().sort_values(["n", "first"], ascending=[False, True], kind="stable")
    return best.drop_duplicates("group").set_index("group")["value"]
