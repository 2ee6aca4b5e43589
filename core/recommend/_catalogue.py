"""The offer catalogue: products and actions kept as data, their eligibility rules and guardrails.

The catalogue is ``core/data/offers.csv`` (editable in the app, downloadable, uploadable). Each offer has

==================  ======================================================================================
column              meaning
==================  ======================================================================================
``offer_id``        short unique key (letters, digits, ``_``)
``name``            what the customer is offered, in words
``description``     one sentence
``eligible_if``     rule a customer must meet (empty = everybody)
``excluded_if``     guardrail: customers meeting it are never offered this (empty = nobody excluded)
``fit_features``    features whose high (``+``) or low (``-``) values make acceptance likelier
``base_rate``       acceptance rate of a typical eligible customer, 0 < rate < 1
``reason``          reason template, e.g. ``utilisation {utilisation:.0%}``; alternatives split by ``|``
==================  ======================================================================================

An optional ``value_per_acceptance`` column (what one acceptance is worth, net of its cost; empty when unknown)
lets the segment ranking order offers by expected value instead of expected acceptances.

Rules use a tiny language that is parsed, never evaluated as code: ``feature op number`` clauses (``op`` is
one of ``> >= < <= == !=``; numbers may end in ``%``) joined by ``and``, and such groups joined by ``or``
(``and`` binds tighter). Feature names match table columns case-insensitively, and the engineered ratios
of :mod:`core.features` (utilisation, payment_ratio, ...) are computed when a table lacks them.

Features are found by meaning, not only by CC GENERAL's names: ``core/data/offer_feature_aliases.csv`` lists,
per feature a rule may name (``feature``), the columns of other layouts that hold the same quantity (``alias``,
matched like every name here: case, spaces and punctuation do not matter) and what it means (``meaning``), e.g.
``utilisation`` <- ``Avg_Utilization_Ratio`` (BankChurners) and ``credit_limit`` <- ``LIMIT_BAL`` (UCI). A
column the table already has under the feature's own name wins; otherwise the first alias present, in file
order. Aliases are filled in before the engineered ratios, so a ratio is derived only when both of its parts
exist (``utilisation`` = ``balance`` / ``credit_limit`` on a table with ``BILL_AMT1`` and ``LIMIT_BAL``).
Rules, fit features and reasons may never use a protected attribute (``core/data/protected_attributes.csv``).

Missing data is handled conservatively: an eligibility clause on a feature the table lacks (or a missing
value) is not met, and a guardrail clause on one is treated as met, so the offer is withheld.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from core.errors import DataError
from core.features import add_features, available_presets, preset_sources, presets
from core.names import snake_name

__all__ = [
    "CATALOGUE_COLUMNS",
    "Clause",
    "catalogue_to_csv",
    "evaluate_rule",
    "evaluation_note",
    "feature_aliases",
    "feature_frame",
    "load_catalogue",
    "parse_rule",
    "protected_words",
    "read_catalogue",
    "rule_features",
    "unevaluable_offers",
    "unknown_features",
    "validate_catalogue",
]

_DATA = Path(__file__).parents[1] / "data"
DEFAULT_CATALOGUE = _DATA / "offers.csv"
FEATURE_ALIASES = _DATA / "offer_feature_aliases.csv"
CATALOGUE_COLUMNS = (
    "offer_id",
    "name",
    "description",
    "eligible_if",
    "excluded_if",
    "fit_features",
    "base_rate",
    "reason",
)
OPTIONAL_COLUMNS = ("value_per_acceptance",)  # what one acceptance is worth, net of its cost; empty = unknown
_TEXT_COLUMNS = ("offer_id", "name", "description", "eligible_if", "excluded_if", "fit_features", "reason")
_CLAUSE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_ ]*?)\s*(>=|<=|==|!=|>|<)\s*(-?\d+(?:\.\d+)?)\s*(%?)\s*$")
_FIT = re.compile(r"^([+-]?)([A-Za-z_][A-Za-z0-9_]*)$")
_OFFER_ID = re.compile(r"^[A-Za-z0-9_]+$")
_OPS = {
    ">": np.greater,
    ">=": np.greater_equal,
    "<": np.less,
    "<=": np.less_equal,
    "==": np.equal,
    "!=": np.not_equal,
}


@dataclass(frozen=True)
class Clause:
    """One ``feature op number`` comparison of a rule (``feature`` is normalised to lower case)."""

    feature: str
    op: str
    value: float

    def __str__(self) -> str:
        return f"{self.feature} {self.op} {self.value:g}"


Rule = tuple[tuple[Clause, ...], ...]  # any of (all of clauses)


def normalise(name: object) -> str:
    """Return the lookup key of a feature or column name: lower case, runs of spaces and punctuation as ``_``."""
    return snake_name(name)


def parse_rule(text: object) -> Rule:
    """Parse a rule written in the catalogue's rule language into groups of clauses.

    Parameters
    ----------
    text : str
        ``feature op number`` clauses joined by ``and`` / ``or``; empty or missing means "no condition".

    Returns
    -------
    tuple of tuple of Clause
        Any group may hold; within a group every clause must hold. Empty for no condition.

    Raises
    ------
    DataError
        When a part is not a ``feature op number`` comparison.

    Examples
    --------
    >>> [[str(c) for c in group] for group in parse_rule("utilisation > 70% and PRC_FULL_PAYMENT >= 0.5 or x < 1")]
    [['utilisation > 0.7', 'prc_full_payment >= 0.5'], ['x < 1']]
    """
    if text is None or (isinstance(text, float) and np.isnan(text)) or not str(text).strip():
        return ()
    groups = []
    for group_text in re.split(r"\s+or\s+", str(text).strip(), flags=re.IGNORECASE):
        clauses = []
        for part in re.split(r"\s+and\s+", group_text, flags=re.IGNORECASE):
            match = _CLAUSE.match(part)
            if match is None:
                raise DataError(
                    f"The rule part {part.strip()!r} is not understood. Write comparisons like "
                    "'utilisation > 0.7', joined by 'and' or 'or'."
                )
            feature, op, number, percent = match.groups()
            value = float(number) / (100.0 if percent else 1.0)
            clauses.append(Clause(normalise(feature), op, value))
        groups.append(tuple(clauses))
    return tuple(groups)


def parse_fit(text: object) -> tuple[tuple[str, int], ...]:
    """Parse ``fit_features`` (``+PURCHASES -TENURE``) into (normalised feature, +1 / -1) pairs."""
    if text is None or (isinstance(text, float) and np.isnan(text)) or not str(text).strip():
        return ()
    out = []
    for token in re.split(r"[\s,;]+", str(text).strip()):
        match = _FIT.match(token)
        if match is None:
            raise DataError(f"The fit feature {token!r} is not understood. Write '+feature' or '-feature'.")
        out.append((normalise(match.group(2)), -1 if match.group(1) == "-" else 1))
    return tuple(out)


def template_fields(template: str) -> list[list[str]]:
    """Return the feature names of each ``|``-separated alternative of a reason template.

    Raises
    ------
    DataError
        When a placeholder is not a plain feature name with a number format (``{utilisation:.0%}``).
    """
    alternatives = []
    for alternative in str(template).split("|"):
        fields = []
        try:
            parsed = list(string.Formatter().parse(alternative))
        except ValueError as error:
            raise DataError(f"The reason {alternative.strip()!r} has unbalanced braces: {error}.") from error
        for _literal, field, spec, conversion in parsed:
            if field is None:
                continue
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", field) or conversion or "{" in (spec or ""):
                raise DataError(
                    f"The reason placeholder {{{field}}} is not allowed: use a feature name and a number format, "
                    "e.g. {utilisation:.0%}."
                )
            try:
                format(0.5, spec or "")
            except ValueError as error:
                raise DataError(f"The reason format {{{field}:{spec}}} is not a number format.") from error
            fields.append(field)
        alternatives.append(fields)
    return alternatives


def rule_features(catalogue: pd.DataFrame) -> dict[str, list[str]]:
    """Return, per offer id, every (normalised) feature its rules, fit features and reason mention."""
    out: dict[str, list[str]] = {}
    for row in catalogue.itertuples(index=False):
        names = [c.feature for col in (row.eligible_if, row.excluded_if) for g in parse_rule(col) for c in g]
        names += [name for name, _ in parse_fit(row.fit_features)]
        names += [normalise(f) for alt in template_fields(row.reason) for f in alt]
        out[str(row.offer_id)] = list(dict.fromkeys(names))
    return out


@cache
def protected_words() -> dict[str, str]:
    """Word -> protected attribute, from ``core/data/protected_attributes.csv``."""
    table = pd.read_csv(_DATA / "protected_attributes.csv", dtype=str)
    return dict(zip(table["word"].str.lower(), table["attribute"], strict=True))


def protected_attribute(name: str) -> str | None:
    """Return the protected attribute a feature or column name refers to (``gender``, ``marital status`` ...).

    One-hot columns count as their feature (``NAME_FAMILY_STATUS=Widow``: its name before ``=``).

    Examples
    --------
    >>> protected_attribute("CODE_GENDER=F"), protected_attribute("NAME_FAMILY_STATUS=Widow")
    ('gender', 'marital status')
    >>> protected_attribute("Avg_Utilization_Ratio") is None
    True
    """
    words = protected_words()
    for token in normalise(str(name).split("=", 1)[0]).split("_"):
        if token in words:
            return words[token]
    return None


def validate_catalogue(frame: pd.DataFrame) -> pd.DataFrame:
    """Check an offer catalogue and return a tidy copy (text stripped, ``base_rate`` as float).

    Parameters
    ----------
    frame : pandas.DataFrame
        Columns as in :data:`CATALOGUE_COLUMNS`, optionally :data:`OPTIONAL_COLUMNS` (other columns are
        dropped); one row per offer.

    Returns
    -------
    pandas.DataFrame
        The catalogue with :data:`CATALOGUE_COLUMNS` (and the optional columns given), a fresh ``RangeIndex``.

    Raises
    ------
    DataError
        For missing columns, an empty catalogue, missing or repeated offer ids, a base rate outside (0, 1),
        an unreadable rule, fit feature or reason, or any use of a protected attribute (gender, age, ...).
    """
    if not isinstance(frame, pd.DataFrame):
        raise DataError("The offer catalogue must be a table with one row per offer.")
    renamed = frame.rename(columns={c: normalise(c) for c in frame.columns})
    missing = [c for c in CATALOGUE_COLUMNS if c not in renamed.columns]
    if missing:
        raise DataError(
            f"The offer catalogue lacks the column(s) {', '.join(missing)}. Download the current catalogue "
            "and edit that file."
        )
    optional = [c for c in OPTIONAL_COLUMNS if c in renamed.columns]
    out = renamed.loc[:, [*CATALOGUE_COLUMNS, *optional]].copy()
    out = out.dropna(how="all").reset_index(drop=True)
    if out.empty:
        raise DataError("The offer catalogue has no offers. Add at least one row.")
    for column in _TEXT_COLUMNS:
        out[column] = out[column].map(lambda v: "" if pd.isna(v) else str(v).strip()).astype(object)
    bad_ids = out.loc[~out["offer_id"].map(lambda v: bool(_OFFER_ID.match(v))), "offer_id"].tolist()
    if bad_ids:
        raise DataError(f"Offer ids must be letters, digits and '_' only; fix: {', '.join(map(repr, bad_ids))}.")
    repeated = out.loc[out["offer_id"].duplicated(), "offer_id"].unique().tolist()
    if repeated:
        raise DataError(f"Each offer id must be unique; repeated: {', '.join(repeated)}.")
    blank = out.loc[out["name"] == "", "offer_id"].tolist()
    if blank:
        raise DataError(f"Give every offer a name; missing for: {', '.join(blank)}.")
    rates = pd.to_numeric(out["base_rate"], errors="coerce")
    bad = out.loc[~rates.between(0, 1, inclusive="neither"), "offer_id"].tolist()
    if bad:
        raise DataError(f"base_rate must be a number between 0 and 1 (e.g. 0.1 for 10%); fix: {', '.join(bad)}.")
    out["base_rate"] = rates.astype("float64")
    if optional:
        text = out["value_per_acceptance"].map(lambda v: "" if pd.isna(v) else str(v).strip())
        values = pd.to_numeric(text.replace("", np.nan), errors="coerce")
        bad = out.loc[(values.isna() & (text != "")) | (values < 0), "offer_id"].tolist()
        if bad:
            raise DataError(
                "value_per_acceptance must be a number of at least 0 (what one acceptance is worth, net of its "
                f"cost), or empty when unknown; fix: {', '.join(bad)}."
            )
        out["value_per_acceptance"] = values.astype("float64")
    for row in out.itertuples(index=False):
        try:
            features = rule_features(pd.DataFrame([row._asdict()]))[row.offer_id]
        except DataError as error:
            raise DataError(f"Offer {row.offer_id}: {error}") from error
        for feature in features:
            attribute = protected_attribute(feature)
            if attribute is not None:
                raise DataError(
                    f"Offer {row.offer_id} uses {feature!r}, a protected attribute ({attribute}). Offers may "
                    "never depend on protected attributes: remove it from the rules, fit features and reason."
                )
    return out


@cache
def _default_catalogue() -> pd.DataFrame:
    return validate_catalogue(pd.read_csv(DEFAULT_CATALOGUE, dtype=str, keep_default_na=False))


def load_catalogue(path: str | Path | None = None) -> pd.DataFrame:
    """Load and validate an offer catalogue CSV; the project's default catalogue when ``path`` is ``None``.

    Raises
    ------
    DataError
        When the file cannot be opened or fails :func:`validate_catalogue`.
    """
    if path is None:
        return _default_catalogue().copy()
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError) as error:
        raise DataError(f"The offer catalogue {Path(path).name} could not be read ({error}).") from error
    return validate_catalogue(frame)


def without_formula_guard(frame: pd.DataFrame) -> pd.DataFrame:
    """Undo the apostrophe our CSV files put before text that a spreadsheet could run as a formula.

    :func:`core.workbook.customers_csv` writes ``+PURCHASES`` as ``'+PURCHASES``; reading our own file back
    (a catalogue, campaign outcomes, the feedback store) must give ``+PURCHASES`` again.

    Examples
    --------
    >>> without_formula_guard(pd.DataFrame({"fit": ["'+PURCHASES", "'x", "-1"]}))["fit"].tolist()
    ['+PURCHASES', "'x", '-1']
    """
    from core.workbook._writer import FORMULA_PREFIXES

    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if pd.api.types.is_string_dtype(values) or pd.api.types.is_object_dtype(values):
            text = values.astype("string")
            guarded = (text.str.startswith("'") & text.str[1:].str.startswith(FORMULA_PREFIXES)).fillna(False)
            if guarded.any():
                out[column] = values.mask(guarded.to_numpy(dtype=bool), text.str[1:])
    return out


def read_catalogue(data: bytes, filename: str) -> pd.DataFrame:
    """Read an uploaded catalogue (CSV or XLSX bytes) with the project's loader, then validate it."""
    from core.io import read_table

    return validate_catalogue(without_formula_guard(read_table(data, filename)))


def catalogue_to_csv(catalogue: pd.DataFrame) -> bytes:
    """Return the validated catalogue as CSV bytes, ready to download, open in a spreadsheet and upload again.

    Written by :func:`core.workbook.customers_csv`: text a spreadsheet could run as a formula (``=``, ``+``,
    ``-``, ``@``) gets a leading apostrophe, which :func:`read_catalogue` removes again.
    """
    from core.workbook import customers_csv

    return customers_csv(validate_catalogue(catalogue))


@cache
def feature_aliases() -> tuple[tuple[str, str], ...]:
    """Return the (feature, alias) pairs of ``core/data/offer_feature_aliases.csv``, normalised, in file order.

    Examples
    --------
    >>> ("utilisation", "avg_utilization_ratio") in feature_aliases()
    True
    """
    table = pd.read_csv(FEATURE_ALIASES, dtype=str, keep_default_na=False)
    pairs = zip(table["feature"].map(normalise), table["alias"].map(normalise), strict=True)
    return tuple((feature, alias) for feature, alias in pairs if feature and alias and feature != alias)


def _with_aliases(numeric: pd.DataFrame) -> pd.DataFrame:
    """Add, under the feature's own name, each aliased feature the table lacks but holds under another name."""
    have = {normalise(c): c for c in reversed(list(numeric.columns))}  # the first of repeated names wins
    added: dict[str, pd.Series] = {}
    for feature, alias in feature_aliases():
        if feature not in have and feature not in added and alias in have:
            added[feature] = numeric[have[alias]]
    return pd.concat([numeric, pd.DataFrame(added, index=numeric.index)], axis=1) if added else numeric


def feature_frame(table: pd.DataFrame) -> pd.DataFrame:
    """Return the numeric features rules can use, keyed by normalised name, with engineered ratios added.

    Parameters
    ----------
    table : pandas.DataFrame
        A customer table in original units (e.g. ``CleanResult.table``). Numeric columns are used, features
        held under another layout's name are added under theirs (:func:`feature_aliases`), then the ratios of
        :mod:`core.features` that the table lacks but can supply are computed.

    Returns
    -------
    pandas.DataFrame
        float64 columns named by :func:`normalise`, same index as ``table``.
    """
    numeric = _with_aliases(table.select_dtypes(include=["number", "bool"]))
    missing = [name for name in available_presets(numeric) if normalise(name) not in map(normalise, numeric.columns)]
    if missing:
        # each ratio from its own source columns: add_features copies the frame it is given, all of it
        known = presets()
        added = {}
        for name in missing:
            sources = list(dict.fromkeys((preset_sources(numeric, known[name]) or {}).values()))
            added[name] = add_features(numeric.loc[:, sources], [name])[0][name]
        numeric = pd.concat([numeric, pd.DataFrame(added, index=numeric.index)], axis=1)
    out = numeric.astype("float64")
    out.columns = [normalise(c) for c in out.columns]
    return out.loc[:, ~out.columns.duplicated()]


def evaluate_rule(rule: Rule, features: pd.DataFrame, *, missing_means: bool, empty_means: bool) -> np.ndarray:
    """Evaluate a parsed rule for every row of a :func:`feature_frame`.

    Parameters
    ----------
    rule : Rule
        From :func:`parse_rule`.
    features : pandas.DataFrame
        From :func:`feature_frame`.
    missing_means : bool
        The value of a clause whose feature is absent or missing (``False`` for eligibility, ``True`` for
        guardrails, so that missing data never lets an offer through).
    empty_means : bool
        The value of an empty rule (``True`` for eligibility: everybody; ``False`` for guardrails: nobody).

    Returns
    -------
    numpy.ndarray of bool
    """
    n = len(features)
    if not rule:
        return np.full(n, empty_means)
    result = np.zeros(n, dtype=bool)
    for group in rule:
        holds = np.ones(n, dtype=bool)
        for clause in group:
            if clause.feature not in features.columns:
                holds &= missing_means
                continue
            values = features[clause.feature].to_numpy()
            with np.errstate(invalid="ignore"):
                met = _OPS[clause.op](values, clause.value)
            holds &= np.where(np.isnan(values), missing_means, met)
        result |= holds
    return result


def unknown_features(catalogue: pd.DataFrame, columns: Iterable[str]) -> dict[str, list[str]]:
    """Per offer id, the features its eligibility rule or guardrail mention that ``columns`` cannot supply.

    Such offers still load (a catalogue serves several layouts), but their eligibility clauses on those
    features are never met and guardrails on them withhold the offer.
    """
    available = set(feature_frame(pd.DataFrame(columns=list(columns), dtype="float64")).columns)
    out = {}
    for row in catalogue.itertuples(index=False):
        rules = (parse_rule(row.eligible_if), parse_rule(row.excluded_if))
        absent = [c.feature for rule in rules for group in rule for c in group if c.feature not in available]
        if absent:
            out[str(row.offer_id)] = list(dict.fromkeys(absent))
    return out


def unevaluable_offers(catalogue: pd.DataFrame, columns: Iterable[str]) -> dict[str, list[str]]:
    """Per offer id that cannot be evaluated on a table with ``columns``, the features it needs and lacks.

    An offer can be evaluated when its eligibility rule is empty or has an ``and`` group whose features the
    table supplies (directly, by an alias or as an engineered ratio), and its guardrail's features are all
    supplied (a guardrail that cannot be checked withholds the offer from everybody).

    Parameters
    ----------
    catalogue : pandas.DataFrame
        A validated catalogue.
    columns : iterable of str
        The customer table's numeric columns.

    Returns
    -------
    dict
        Offer id -> missing (normalised) feature names, in catalogue order; empty when every offer can be
        evaluated.

    Examples
    --------
    >>> catalogue = load_catalogue()
    >>> missing = unevaluable_offers(catalogue, ["Credit_Limit", "Total_Revolving_Bal", "Total_Trans_Ct"])
    >>> "fraud_alerts" in missing, missing["balance_transfer"]
    (False, ['full_payment_rate', 'payment_ratio', 'cash_advance_share'])
    """
    available = set(feature_frame(pd.DataFrame(columns=list(columns), dtype="float64")).columns)
    out = {}
    for row in catalogue.itertuples(index=False):
        eligible, guard = parse_rule(row.eligible_if), parse_rule(row.excluded_if)
        lacking = [c.feature for group in guard for c in group if c.feature not in available]
        if eligible and not any(all(c.feature in available for c in group) for group in eligible):
            lacking = [c.feature for group in eligible for c in group if c.feature not in available] + lacking
        if lacking:
            out[str(row.offer_id)] = list(dict.fromkeys(lacking))
    return out


def evaluation_note(
    catalogue: pd.DataFrame, columns: Iterable[str], offers_per_customer: int | None = None
) -> str | None:
    """Say which offers cannot be evaluated on a table and what they need; ``None`` when all of them can.

    Parameters
    ----------
    catalogue : pandas.DataFrame
        A validated catalogue.
    columns : iterable of str
        The customer table's numeric columns.
    offers_per_customer : int, optional
        The number of offers asked for per customer; the note says so when fewer offers can be evaluated.

    Examples
    --------
    >>> note = evaluation_note(load_catalogue(), ["Credit_Limit", "Total_Revolving_Bal"], offers_per_customer=3)
    >>> note.startswith("1 of 12 offers can be evaluated on this table")
    True
    >>> "Balance transfer (needs full_payment_rate, payment_ratio, cash_advance_share)" in note
    True
    >>> "Offers per customer is 3, but only 1 offer can be evaluated" in note
    True
    """
    missing = unevaluable_offers(catalogue, columns)
    if not missing:
        return None
    names = dict(zip(catalogue["offer_id"].astype(str), catalogue["name"].astype(str), strict=True))
    usable = len(catalogue) - len(missing)
    note = (
        f"{usable} of {len(catalogue)} offers can be evaluated on this table. Cannot be evaluated on this table "
        "(a rule or guardrail needs a feature it lacks): "
        + "; ".join(f"{names[offer]} (needs {', '.join(features)})" for offer, features in missing.items())
        + "."
    )
    if offers_per_customer is not None and usable < offers_per_customer:
        note += (
            f" Offers per customer is {offers_per_customer}, but only {usable} offer{'s' if usable != 1 else ''} "
            f"can be evaluated, so no customer gets more than {usable}."
        )
    return note
