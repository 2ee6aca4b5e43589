"""Engineered customer features: credit-card presets, and transactions turned into customer features.

The presets are business rules kept as data in ``core/data/feature_presets.csv``: each is a ratio of
source columns (found by name, case-insensitively, with aliases), offered only when its sources exist.
A zero or missing denominator, or a missing part, gives the preset's documented fill value instead of
``inf`` or ``NaN``, and the notes say how many customers got it.

Transactions -> customers lives in :mod:`core.features._transactions` and is re-exported here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from core.errors import DataError

__all__ = [
    "Preset",
    "add_features",
    "available_presets",
    "missing_sources",
    "preset_sources",
    "presets",
]

_PRESETS_CSV = Path(__file__).parents[1] / "data" / "feature_presets.csv"
_NOT_SOURCES = frozenset({"id", "label", "leakage", "card", "text", "datetime"})


@dataclass(frozen=True)
class Preset:
    """One engineered feature: ``sum(numerator) / sum(denominator)``, or a copy when there is no denominator.

    Each term is a tuple of aliases (upper case, spaces as ``_``); the first alias found in a frame is used.
    """

    name: str
    numerator: tuple[tuple[str, ...], ...]
    denominator: tuple[tuple[str, ...], ...]
    fill_value: float
    description: str


def _terms(text: object) -> tuple[tuple[str, ...], ...]:
    if not isinstance(text, str) or not text.strip():
        return ()
    return tuple(tuple(alias.strip().upper() for alias in term.split("|")) for term in text.split("+"))


@cache
def presets() -> dict[str, Preset]:
    """Return every preset defined in ``core/data/feature_presets.csv``, by name."""
    table = pd.read_csv(_PRESETS_CSV, dtype={"denominator": "string"}, keep_default_na=False)
    return {
        row.name: Preset(
            name=row.name,
            numerator=_terms(row.numerator),
            denominator=_terms(row.denominator),
            fill_value=float(row.fill_value),
            description=row.description,
        )
        for row in table.itertuples(index=False)
    }


def _normalise(name: object) -> str:
    return re.sub(r"[\s\-./]+", "_", str(name).strip()).upper()


def preset_sources(
    frame: pd.DataFrame, preset: Preset, roles: Mapping[str, str] | None = None
) -> dict[str, str] | None:
    """Map each source alias group of ``preset`` to a numeric column of ``frame``; ``None`` if one is absent.

    Parameters
    ----------
    frame : pandas.DataFrame
        Any customer table.
    preset : Preset
        The preset whose sources are looked for.
    roles : mapping, optional
        Column -> role; identifiers, labels, card numbers, text and dates are never used as sources.

    Returns
    -------
    dict or None
        Canonical source name (the first alias) -> column name in ``frame``.
    """
    found = _match_sources(frame, preset, roles)
    return None if any(column is None for column in found.values()) else found  # type: ignore[return-value]


def missing_sources(frame: pd.DataFrame, preset: Preset, roles: Mapping[str, str] | None = None) -> list[str]:
    """Return the source columns of ``preset`` that ``frame`` lacks (canonical names, e.g. ``PAYMENTS``).

    Examples
    --------
    >>> missing_sources(pd.DataFrame({"BALANCE": [1.0]}), presets()["utilisation"])
    ['CREDIT_LIMIT']
    """
    return [name for name, column in _match_sources(frame, preset, roles).items() if column is None]


def _match_sources(frame: pd.DataFrame, preset: Preset, roles: Mapping[str, str] | None) -> dict[str, str | None]:
    roles = roles or {}
    by_name = {
        _normalise(column): column
        for column, dtype in frame.dtypes.items()
        if roles.get(column) not in _NOT_SOURCES and pd.api.types.is_numeric_dtype(dtype)
    }
    return {
        term[0]: next((by_name[alias] for alias in term if alias in by_name), None)
        for term in preset.numerator + preset.denominator
    }


def available_presets(frame: pd.DataFrame, roles: Mapping[str, str] | None = None) -> dict[str, str]:
    """Return the presets whose source columns exist in ``frame``: name -> description.

    Examples
    --------
    >>> df = pd.DataFrame({"balance": [10.0], "Credit Limit": [100.0]})
    >>> list(available_presets(df))
    ['utilisation']
    """
    return {
        name: preset.description
        for name, preset in presets().items()
        if preset_sources(frame, preset, roles) is not None and name not in frame.columns
    }


def _total(frame: pd.DataFrame, terms: tuple[tuple[str, ...], ...], sources: dict[str, str]) -> pd.Series:
    parts = [frame[sources[term[0]]].astype("float64") for term in terms]
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    return total


def add_features(
    frame: pd.DataFrame, names: Sequence[str], roles: Mapping[str, str] | None = None
) -> tuple[pd.DataFrame, list[str]]:
    """Add the named presets as new columns (named after the preset) at the end of a copy of ``frame``.

    Parameters
    ----------
    frame : pandas.DataFrame
        A customer table holding each preset's source columns (see :func:`available_presets`).
    names : sequence of str
        Preset names, e.g. ``["utilisation", "payment_ratio"]``.
    roles : mapping, optional
        Column -> role, so that identifiers and labels are never used as sources.

    Returns
    -------
    tuple of (pandas.DataFrame, list of str)
        The frame with one float64 column per preset (always finite), and one note per preset that had to
        fill values (zero or missing denominators, missing parts).

    Raises
    ------
    DataError
        For an unknown preset or one whose source columns are not in the table.

    Examples
    --------
    >>> df = pd.DataFrame({"PURCHASES": [100.0, 0.0], "ONEOFF_PURCHASES": [25.0, 0.0]})
    >>> out, notes = add_features(df, ["oneoff_share"])
    >>> out["oneoff_share"].tolist(), notes
    ([0.25, 0.0], ['oneoff_share: 1 customer with a zero or missing denominator got 0.'])
    """
    known = presets()
    out = frame.copy()
    notes: list[str] = []
    for name in names:
        if name not in known:
            raise DataError(f"There is no feature preset called {name!r}; choose one of: {', '.join(known)}.")
        preset = known[name]
        sources = preset_sources(frame, preset, roles)
        if sources is None:
            wanted = " + ".join(term[0] for term in preset.numerator + preset.denominator)
            raise DataError(f"The {name} feature needs the columns {wanted}, and this table does not have them all.")
        numerator = _total(out, preset.numerator, sources)
        if preset.denominator:
            denominator = _total(out, preset.denominator, sources)
            with np.errstate(divide="ignore", invalid="ignore"):
                values = numerator / denominator
            bad_denominator = (denominator == 0) | denominator.isna()
        else:
            values = numerator
            bad_denominator = pd.Series(False, index=out.index)
        missing_part = numerator.isna() & ~bad_denominator
        values = values.where(np.isfinite(values) & ~bad_denominator, preset.fill_value)
        out[name] = values.astype("float64")
        fill = f"{preset.fill_value:g}"
        if int(bad_denominator.sum()):
            count = int(bad_denominator.sum())
            notes.append(
                f"{name}: {count} customer{'s' if count != 1 else ''} with a zero or missing denominator got {fill}."
            )
        if int(missing_part.sum()):
            count = int(missing_part.sum())
            notes.append(f"{name}: {count} customer{'s' if count != 1 else ''} with a missing value got {fill}.")
    return out, notes
