"""The table steps of a cleaning recipe: each learns its parameters once (``fit``) and replays them (``apply``).

A step's ``fit(table, params, context) -> state`` returns a JSON-safe dict of what it learned (medians, caps,
which columns it needs under ``"requires"``); ``apply(table, state, context) -> Outcome`` changes a copy of
the table. :func:`core.clean.apply_recipe` fits then applies; :meth:`core.clean.FittedRecipe.transform`
only applies, so next month's file is treated exactly like this month's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.impute import KNNImputer

from core.errors import DataError
from core.features import add_features, available_presets, missing_sources, preset_sources, presets

NOT_FEATURE_ROLES = frozenset({"id", "label", "leakage", "card", "text", "datetime", "categorical"})
KNN_FIT_ROWS = 5_000  # KNN imputation learns from a seeded sample of complete rows this size
KNN_MAX_GAP_ROWS = 100_000  # beyond this many rows with gaps, KNN imputation refuses (median is the remedy)


@dataclass(frozen=True)
class Context:
    """What every step may know besides its parameters: the id column and each column's role."""

    id_column: str | None
    roles: Mapping[str, str]
    random_state: int = 0


@dataclass(frozen=True)
class Outcome:
    """A step's result on one table: the new table, how many values it changed, and one sentence."""

    table: pd.DataFrame
    values_changed: int
    message: str


@dataclass(frozen=True)
class ParamSpec:
    """One parameter of a step kind, enough for the page to draw a widget.

    ``kind`` is ``"choice"``, ``"float"``, ``"int"``, ``"columns"`` (a list of column names; ``None`` means
    the step's documented default columns) or ``"presets"``.
    """

    name: str
    kind: str
    default: Any
    help: str
    choices: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class StepKind:
    """A registered step: its name, one-line description, parameters and functions."""

    kind: str
    description: str
    params: tuple[ParamSpec, ...]
    fit: Callable[[pd.DataFrame, Mapping[str, Any], Context], dict[str, Any]]
    apply: Callable[[pd.DataFrame, Mapping[str, Any], Context], Outcome]
    target: str = "table"  # "table" (original units) or "matrix" (the chosen features only)
    idempotent: bool = field(default=True)

    def defaults(self) -> dict[str, Any]:
        """Return the default parameters."""
        return {spec.name: spec.default for spec in self.params}


def numeric_behaviour_columns(table: pd.DataFrame, context: Context) -> list[str]:
    """Numeric columns that may be features: not ids, labels, card numbers, text, dates or categories."""
    return [
        column
        for column in table.columns
        if column != context.id_column
        and context.roles.get(column, "feature") not in NOT_FEATURE_ROLES
        and pd.api.types.is_numeric_dtype(table[column])
        and not pd.api.types.is_bool_dtype(table[column])
    ]


def duplicated_rows(frame: pd.DataFrame, subset: list[str] | None = None, keep: str | bool = "first") -> pd.Series:
    """Return ``frame.duplicated(subset, keep)``, fast on big tables, and exact.

    Rows are hashed first (one 64-bit hash per row); only rows whose hash repeats are compared exactly
    with pandas, so a hash collision can never drop a row that is not a true duplicate.
    """
    columns = list(frame.columns) if subset is None else list(subset)
    if len(frame) < 50_000:
        return frame.duplicated(subset=columns, keep=keep)
    view = frame[columns]
    floats = [c for c in columns if pd.api.types.is_float_dtype(view[c])]
    if floats:  # -0.0 == 0.0 and all NaNs are equal for duplicated(); make their bits equal too
        view = view.assign(**{c: view[c].astype("float64").fillna(np.nan) + 0.0 for c in floats})
    hashes = pd.util.hash_pandas_object(view, index=False)
    candidates = hashes.duplicated(keep=False).to_numpy()
    result = pd.Series(False, index=frame.index)
    if candidates.any():
        result.iloc[np.flatnonzero(candidates)] = frame.loc[candidates, columns].duplicated(keep=keep).to_numpy()
    return result


def _chosen_columns(table: pd.DataFrame, params: Mapping[str, Any], context: Context, *, numeric: bool) -> list[str]:
    columns = params.get("columns")
    if columns is None:
        return numeric_behaviour_columns(table, context)
    columns = list(columns)
    for column in columns:
        if column not in table.columns:
            raise DataError(f"column {column} is not in this table; remove it from the step or pick another column")
        if numeric and not pd.api.types.is_numeric_dtype(table[column]):
            raise DataError(f"column {column} is not numeric, so this step cannot use it; pick numeric columns")
    return columns


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


# ---- drop_columns --------------------------------------------------------------------------------------
def _fit_drop_columns(table: pd.DataFrame, params: Mapping[str, Any], context: Context) -> dict[str, Any]:
    columns = [c for c in params.get("columns") or [] if c != context.id_column]
    return {"columns": columns, "kept_id": context.id_column in (params.get("columns") or []), "requires": []}


def _apply_drop_columns(table: pd.DataFrame, state: Mapping[str, Any], context: Context) -> Outcome:
    present = [c for c in state["columns"] if c in table.columns]
    message = f"Dropped {_plural(len(present), 'column')}" + (f": {', '.join(present)}." if present else ".")
    if state.get("kept_id"):
        message += f" The id column {context.id_column} always stays in the table (it is never a feature)."
    return Outcome(table.drop(columns=present), 0, message)


# ---- codes_as_missing -----------------------------------------------------------------------------------
def _fit_codes_as_missing(table: pd.DataFrame, params: Mapping[str, Any], context: Context) -> dict[str, Any]:
    from core.schema import numeric_codes

    columns = _chosen_columns(table, params, context, numeric=True)
    codes = {column: [code for code, *_ in found] for column in columns if (found := numeric_codes(table[column]))}
    return {"codes": codes, "requires": list(codes)}


def _apply_codes_as_missing(table: pd.DataFrame, state: Mapping[str, Any], context: Context) -> Outcome:
    out = table.copy()
    said, changed = [], 0
    for column, codes in state["codes"].items():
        if column not in out.columns:
            continue
        numbers = pd.to_numeric(out[column], errors="coerce")
        for code in codes:
            hit = numbers.eq(code)
            if hit.any():
                out[column] = out[column].astype("float64").mask(hit)
                said.append(f"{code:,g} in {column} ({_plural(int(hit.sum()), 'row')})")
                changed += int(hit.sum())
    if not said:
        return Outcome(table, 0, "No number column holds a code for 'not applicable' or 'unknown'.")
    message = (
        f"Read {', '.join(said)} as missing: a code for 'not applicable' or 'unknown', not an amount (the next "
        "step fills the gaps)."
    )
    return Outcome(out, changed, message)


# ---- impute ---------------------------------------------------------------------------------------------
def _fit_impute(table: pd.DataFrame, params: Mapping[str, Any], context: Context) -> dict[str, Any]:
    method = params.get("method", "median")
    columns = _chosen_columns(table, params, context, numeric=method != "drop_rows")
    state: dict[str, Any] = {"method": method, "columns": columns, "requires": columns}
    if method in ("median", "mean"):
        values = table[columns].median() if method == "median" else table[columns].mean()
        state["values"] = {c: float(v) if np.isfinite(v) else 0.0 for c, v in values.items()}
    elif method in ("zero", "constant"):
        fill = 0.0 if method == "zero" else float(params.get("fill_value", 0.0))
        state["values"] = dict.fromkeys(columns, fill)
    elif method == "knn":
        complete = table[columns].dropna()
        if complete.empty:
            raise DataError("KNN imputation needs some rows without gaps; use the median instead.")
        if len(complete) > KNN_FIT_ROWS:
            complete = complete.sample(KNN_FIT_ROWS, random_state=context.random_state)
        state["n_neighbors"] = int(params.get("n_neighbors", 5))
        state["sample"] = complete.astype("float64").to_numpy().tolist()
    elif method != "drop_rows":
        raise DataError(f"Unknown way to fill gaps: {method!r}; use median, mean, zero, constant, knn or drop_rows.")
    return state


KNN_GROUP_ROWS = 10  # a saved KNN state keeps averages of at least about this many customers, never a row


def shareable_state(kind: str, state: Mapping[str, Any], *, random_state: int = 0) -> dict[str, Any]:
    """Return a step's state fit to leave the session (a model or recipe file): no customer's own row in it.

    KNN imputation learns from complete rows; what is saved instead is the averages of groups of about
    :data:`KNN_GROUP_ROWS` similar customers (k-means centres of the sample), so next month's gaps are filled
    from prototypes. Every other state is returned as it is.

    Examples
    --------
    >>> rows = [[float(i), float(i % 7)] for i in range(100)]
    >>> saved = shareable_state("impute", {"method": "knn", "sample": rows, "n_neighbors": 5, "columns": ["a", "b"]})
    >>> len(saved["sample"]) <= 10, any(row in rows for row in saved["sample"])
    (True, False)
    """
    out = dict(state)
    if kind != "impute" or out.get("method") != "knn" or not out.get("sample"):
        return out
    from sklearn.cluster import KMeans

    sample = np.asarray(out["sample"], dtype="float64")
    groups = max(1, len(sample) // KNN_GROUP_ROWS)
    fitted = KMeans(n_clusters=groups, n_init=1, random_state=random_state).fit(sample)
    labels, centres = fitted.labels_.copy(), fitted.cluster_centers_
    sizes = np.bincount(labels, minlength=groups)
    large = np.flatnonzero(sizes >= KNN_GROUP_ROWS)
    if large.size == 0:  # too few rows for groups of that size: one average of them all
        prototypes = sample.mean(axis=0, keepdims=True)
    else:  # members of small groups join the nearest large one, so no prototype is a customer's own row
        small = ~np.isin(labels, large)
        nearest = ((sample[small, None, :] - centres[None, large, :]) ** 2).sum(axis=2).argmin(axis=1)
        labels[small] = large[nearest]
        prototypes = np.vstack([sample[labels == group].mean(axis=0) for group in large])
    out["sample"] = prototypes.tolist()
    out["n_neighbors"] = min(int(out.get("n_neighbors", 5)), len(prototypes))
    return out


def _apply_impute(table: pd.DataFrame, state: Mapping[str, Any], context: Context) -> Outcome:
    columns = state["columns"]
    method = state["method"]
    gaps = table[columns].isna()
    filled = int(gaps.to_numpy().sum())
    if method == "drop_rows":
        rows = gaps.any(axis=1)
        return Outcome(
            table.loc[~rows], 0, f"Dropped {_plural(int(rows.sum()), 'row')} with a gap in {len(columns)} columns."
        )
    out = table.copy()
    if method == "knn":
        rows = gaps.any(axis=1).to_numpy()
        if rows.sum() > KNN_MAX_GAP_ROWS:
            raise DataError(
                f"KNN imputation would have to search neighbours for {int(rows.sum()):,} rows with gaps, which is "
                "too slow here; fill these gaps with the median instead."
            )
        if rows.any():
            imputer = KNNImputer(n_neighbors=state["n_neighbors"]).fit(np.asarray(state["sample"], dtype="float64"))
            values = imputer.transform(out.loc[rows, columns].astype("float64").to_numpy())
            out.loc[rows, columns] = values
        note = f" (neighbours from a sample of {len(state['sample']):,} complete rows)"
        return Outcome(
            out, filled, f"Filled {_plural(filled, 'gap')} from the {state['n_neighbors']} nearest customers{note}."
        )
    out = out.fillna(state["values"])
    changed = {c: int(gaps[c].sum()) for c in columns if gaps[c].any()}
    detail = ", ".join(f"{c} {n:,}" for c, n in changed.items())
    return Outcome(
        out, filled, f"Filled {_plural(filled, 'gap')} with the {method}" + (f" ({detail})." if detail else ".")
    )


# ---- duplicates -------------------------------------------------------------------------------------------
def _fit_nothing(table: pd.DataFrame, params: Mapping[str, Any], context: Context) -> dict[str, Any]:
    return {"requires": []}


def _apply_drop_duplicate_rows(table: pd.DataFrame, state: Mapping[str, Any], context: Context) -> Outcome:
    duplicated = duplicated_rows(table)
    count = int(duplicated.sum())
    return Outcome(table.loc[~duplicated], 0, f"Dropped {_plural(count, 'exact duplicate row')} (first copy kept).")


def _fit_duplicate_ids(table: pd.DataFrame, params: Mapping[str, Any], context: Context) -> dict[str, Any]:
    keep = params.get("keep", "report")
    if keep not in ("report", "first", "last"):
        raise DataError(f"Unknown choice for duplicate ids: {keep!r}; use report, first or last.")
    requires = [context.id_column] if context.id_column else []
    return {"keep": keep, "id_column": context.id_column, "requires": requires}


def _apply_duplicate_ids(table: pd.DataFrame, state: Mapping[str, Any], context: Context) -> Outcome:
    id_column = state["id_column"]
    if id_column is None:
        return Outcome(table, 0, "There is no id column, so ids cannot repeat.")
    repeated = duplicated_rows(table, [id_column], keep=False)
    ids = int(table.loc[repeated, id_column].nunique())
    if state["keep"] == "report" or not ids:
        return Outcome(
            table, 0, f"{_plural(ids, 'id')} appear on more than one row ({int(repeated.sum()):,} rows); kept."
        )
    drop = duplicated_rows(table, [id_column], keep=state["keep"])
    return Outcome(
        table.loc[~drop],
        0,
        f"{_plural(ids, 'id')} appear on more than one row; kept the {state['keep']} row of each and dropped "
        f"{_plural(int(drop.sum()), 'row')}.",
    )


def _fit_feature_duplicates(table: pd.DataFrame, params: Mapping[str, Any], context: Context) -> dict[str, Any]:
    columns = numeric_behaviour_columns(table, context)
    return {"columns": columns, "id_column": context.id_column, "requires": columns}


def _apply_feature_duplicates(table: pd.DataFrame, state: Mapping[str, Any], context: Context) -> Outcome:
    columns, id_column = state["columns"], state["id_column"]
    if not columns or id_column is None or id_column not in table.columns:
        return Outcome(table, 0, "Nothing to compare: rows need an id and numeric features.")
    same_features = table.loc[duplicated_rows(table, columns, keep=False)]
    count = int((~same_features.duplicated(subset=[*columns, id_column], keep=False)).sum())
    return Outcome(
        table,
        0,
        f"{_plural(count, 'row')} share every feature value with a row of another id; they are different "
        "customers and are kept.",
    )


# ---- outliers -----------------------------------------------------------------------------------------------
def _fit_outliers(table: pd.DataFrame, params: Mapping[str, Any], context: Context) -> dict[str, Any]:
    columns = _chosen_columns(table, params, context, numeric=True)
    detect = params.get("detect", "iqr")
    action = params.get("action", "cap")
    if detect not in ("iqr", "percentile") or action not in ("keep", "cap", "remove"):
        raise DataError("Outliers are detected by iqr or percentile, and kept, capped or removed.")
    # A two-valued column (a 0/1 flag) has no outliers: its rarer value lies outside the IQR fences of the other
    # and would be capped onto it, erasing the flag.
    columns = [c for c in columns if table[c].nunique(dropna=True) > 2]
    values = table[columns].astype("float64").replace([np.inf, -np.inf], np.nan)
    if detect == "iqr":
        q1, q3 = values.quantile(0.25), values.quantile(0.75)
        factor = float(params.get("iqr_factor", 1.5))
        lower, upper = q1 - factor * (q3 - q1), q3 + factor * (q3 - q1)
    else:
        lower = values.quantile(float(params.get("lower", 1.0)) / 100)
        upper = values.quantile(float(params.get("upper", 99.0)) / 100)
    bounds = {c: [float(np.nan_to_num(lower[c])), float(np.nan_to_num(upper[c]))] for c in columns}
    return {"bounds": bounds, "action": action, "detect": detect, "requires": columns}


def _apply_outliers(table: pd.DataFrame, state: Mapping[str, Any], context: Context) -> Outcome:
    bounds = state["bounds"]
    columns = list(bounds)
    low = pd.Series({c: b[0] for c, b in bounds.items()}, dtype="float64")
    high = pd.Series({c: b[1] for c, b in bounds.items()}, dtype="float64")
    values = table[columns]
    outside = values.lt(low) | values.gt(high)
    count = int(outside.to_numpy().sum())
    action = state["action"]
    if action == "keep":
        return Outcome(table, 0, f"Found {_plural(count, 'outlying value')} ({state['detect']}); kept.")
    if action == "remove":
        rows = outside.any(axis=1)
        return Outcome(
            table.loc[~rows],
            0,
            f"Removed {_plural(int(rows.sum()), 'row')} with an outlying value ({state['detect']}).",
        )
    out = table.copy()
    out[columns] = values.astype("float64").clip(lower=low, upper=high, axis=1)
    return Outcome(out, count, f"Capped {_plural(count, 'outlying value')} at the {state['detect']} bounds.")


# ---- engineered features --------------------------------------------------------------------------------
def _fit_add_features(table: pd.DataFrame, params: Mapping[str, Any], context: Context) -> dict[str, Any]:
    names = params.get("presets")
    names = list(available_presets(table, context.roles)) if names is None else list(names)
    requires: list[str] = []
    for name in names:
        if name not in presets():
            raise DataError(f"There is no feature preset called {name!r}.")
        sources = preset_sources(table, presets()[name], context.roles)
        if sources is None:
            missing = ", ".join(missing_sources(table, presets()[name], context.roles))
            raise DataError(
                f"The {name} feature needs {missing}, which this table does not have (as a numeric column); "
                "remove the feature from the step."
            )
        requires += [c for c in sources.values() if c not in requires]
    return {"presets": names, "requires": requires}


def _apply_add_features(table: pd.DataFrame, state: Mapping[str, Any], context: Context) -> Outcome:
    out, notes = add_features(table, state["presets"], context.roles)
    message = f"Added {_plural(len(state['presets']), 'feature')}: {', '.join(state['presets'])}."
    return Outcome(out, 0, " ".join([message, *notes]))


TABLE_STEPS: tuple[StepKind, ...] = (
    StepKind(
        "drop_columns",
        "Drop columns you do not want (the id column always stays).",
        (ParamSpec("columns", "columns", [], "Columns to drop."),),
        _fit_drop_columns,
        _apply_drop_columns,
    ),
    StepKind(
        "codes_as_missing",
        "Read codes for 'not applicable' or 'unknown' in number columns (999, -1, 365243 days) as missing.",
        (ParamSpec("columns", "columns", None, "Columns to check; empty = every numeric behaviour column."),),
        _fit_codes_as_missing,
        _apply_codes_as_missing,
    ),
    StepKind(
        "impute",
        "Fill gaps: median, mean, zero, a constant, the nearest customers (KNN), or drop the rows.",
        (
            ParamSpec(
                "method",
                "choice",
                "median",
                "How to fill gaps.",
                ("median", "mean", "zero", "constant", "knn", "drop_rows"),
            ),
            ParamSpec("columns", "columns", None, "Columns to fill; empty = every numeric behaviour column."),
            ParamSpec("fill_value", "float", 0.0, "The constant, when the method is constant."),
            ParamSpec("n_neighbors", "int", 5, "Neighbours for KNN.", low=1, high=50),
        ),
        _fit_impute,
        _apply_impute,
    ),
    StepKind(
        "drop_duplicate_rows",
        "Drop rows that repeat another row exactly (all columns, id included).",
        (),
        _fit_nothing,
        _apply_drop_duplicate_rows,
    ),
    StepKind(
        "duplicate_ids",
        "Report ids on more than one row; optionally keep only the first or last.",
        (ParamSpec("keep", "choice", "report", "What to do with repeated ids.", ("report", "first", "last")),),
        _fit_duplicate_ids,
        _apply_duplicate_ids,
    ),
    StepKind(
        "feature_duplicates",
        "Report customers whose features are identical but ids differ (never dropped).",
        (),
        _fit_feature_duplicates,
        _apply_feature_duplicates,
    ),
    StepKind(
        "outliers",
        "Find outliers (IQR or percentiles) and keep, cap or remove them.",
        (
            ParamSpec("columns", "columns", None, "Columns to check; empty = every numeric behaviour column."),
            ParamSpec("detect", "choice", "iqr", "How to find outliers.", ("iqr", "percentile")),
            ParamSpec("action", "choice", "cap", "What to do with them.", ("cap", "keep", "remove")),
            ParamSpec("iqr_factor", "float", 1.5, "IQR fences: quartile ± factor × IQR.", low=0.5, high=10.0),
            ParamSpec("lower", "float", 1.0, "Lower percentile (percentile detection).", low=0.0, high=50.0),
            ParamSpec("upper", "float", 99.0, "Upper percentile (percentile detection).", low=50.0, high=100.0),
        ),
        _fit_outliers,
        _apply_outliers,
    ),
    StepKind(
        "add_features",
        "Add credit-card features (utilisation, payment ratio, shares ...) from the columns present.",
        (ParamSpec("presets", "presets", None, "Features to add; empty = every available one."),),
        _fit_add_features,
        _apply_add_features,
    ),
)
