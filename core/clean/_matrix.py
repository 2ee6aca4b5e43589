"""The matrix steps of a cleaning recipe: transforms and scaling act on the chosen features only.

The clean table stays in original units (so profiles read in money and counts); the feature matrix gets
``log1p`` / Yeo-Johnson and a scaler. Parameters are learned with scikit-learn / scipy and stored as plain
numbers, so a saved recipe replays them exactly on another file.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.preprocessing import MinMaxScaler, PowerTransformer, RobustScaler, StandardScaler

from core.clean._steps import Context, Outcome, ParamSpec, StepKind
from core.errors import DataError
from core.schema import MAX_CATEGORY_LEVELS

POWER_FIT_ROWS = 200_000  # Yeo-Johnson lambdas are estimated on a seeded sample of at most this many rows


def _matrix_columns(matrix: pd.DataFrame, params: Mapping[str, Any]) -> list[str]:
    columns = params.get("columns")
    if columns is None:
        return list(matrix.columns)
    missing = [c for c in columns if c not in matrix.columns]
    if missing:
        raise DataError(
            f"column {missing[0]} is not among the chosen features, so it cannot be transformed; add it to the "
            "features or remove it from the step"
        )
    return list(columns)


# ---- transform --------------------------------------------------------------------------------------------
def _fit_transform(matrix: pd.DataFrame, params: Mapping[str, Any], context: Context) -> dict[str, Any]:
    method = params.get("method", "auto")
    if method not in ("auto", "log1p", "yeo_johnson"):
        raise DataError(f"Unknown transform {method!r}; use auto, log1p or yeo_johnson.")
    threshold = float(params.get("skew_threshold", 1.0))
    methods: dict[str, str] = {}
    for column in _matrix_columns(matrix, params):
        values = matrix[column]
        if method == "auto" and not values.skew() > threshold:
            continue
        non_negative = bool(values.min() >= 0)
        methods[column] = "log1p" if method != "yeo_johnson" and non_negative else "yeo_johnson"
    power = [c for c, m in methods.items() if m == "yeo_johnson"]
    lambdas: dict[str, float] = {}
    if power:
        sample = matrix[power]
        if len(sample) > POWER_FIT_ROWS:
            sample = sample.sample(POWER_FIT_ROWS, random_state=context.random_state)
        fitted = PowerTransformer(method="yeo-johnson", standardize=False).fit(sample.to_numpy())
        lambdas = {c: float(v) for c, v in zip(power, fitted.lambdas_, strict=True)}
    return {"methods": methods, "lambdas": lambdas, "requires": list(methods)}


def _apply_transform(matrix: pd.DataFrame, state: Mapping[str, Any], context: Context) -> Outcome:
    out = matrix.copy()
    methods: dict[str, str] = state["methods"]
    clipped = 0
    for column, method in methods.items():
        values = out[column].to_numpy(dtype="float64")
        if method == "log1p":
            clipped += int((values < 0).sum())
            out[column] = np.log1p(np.clip(values, 0.0, None))
        else:
            out[column] = stats.yeojohnson(values, lmbda=state["lambdas"][column])
    logs = [c for c, m in methods.items() if m == "log1p"]
    powers = [c for c, m in methods.items() if m == "yeo_johnson"]
    parts = []
    if logs:
        parts.append(f"log1p on {', '.join(logs)}")
    if powers:
        parts.append(f"Yeo-Johnson on {', '.join(powers)}")
    message = ("; ".join(parts) + ".") if parts else "No column was skewed enough to transform."
    if clipped:
        message += f" {clipped:,} negative values were set to 0 before log1p (the recipe learned non-negative data)."
    return Outcome(out, len(out) * len(methods), message)


# ---- scale --------------------------------------------------------------------------------------------------
_SCALERS = {"zscore": StandardScaler, "robust": RobustScaler, "minmax": MinMaxScaler}


def _fit_scale(matrix: pd.DataFrame, params: Mapping[str, Any], context: Context) -> dict[str, Any]:
    method = params.get("method", "zscore")
    if method not in _SCALERS:
        raise DataError(f"Unknown scaling {method!r}; use zscore, robust or minmax.")
    columns = list(matrix.columns)
    scaler = _SCALERS[method]().fit(matrix.to_numpy(dtype="float64"))
    if method == "zscore":
        offset, divisor = scaler.mean_, scaler.scale_
    elif method == "robust":
        offset, divisor = scaler.center_, scaler.scale_
    else:
        offset, divisor = scaler.data_min_, np.where(scaler.data_range_ > 0, scaler.data_range_, 1.0)
    return {
        "method": method,
        "columns": columns,
        "offset": [float(v) for v in offset],
        "divisor": [float(v) for v in divisor],
        "requires": columns,
    }


def _apply_scale(matrix: pd.DataFrame, state: Mapping[str, Any], context: Context) -> Outcome:
    columns = state["columns"]
    offset = np.asarray(state["offset"], dtype="float64")
    divisor = np.asarray(state["divisor"], dtype="float64")
    values = (matrix[columns].to_numpy(dtype="float64") - offset) / divisor
    if columns == list(matrix.columns):
        out = pd.DataFrame(values, index=matrix.index, columns=matrix.columns)
    else:
        out = matrix.copy()
        out[columns] = values
    names = {"zscore": "z-scores (mean 0, sd 1)", "robust": "robust scores (median 0, IQR 1)", "minmax": "0-1 range"}
    return Outcome(out, values.size, f"Scaled {len(columns)} features to {names[state['method']]}.")


NUMERIC_STEPS: tuple[StepKind, ...] = (
    StepKind(
        "transform",
        "Tame skewed features: log1p (non-negative) or Yeo-Johnson (any sign); the table keeps original units.",
        (
            ParamSpec(
                "method",
                "choice",
                "auto",
                "auto = log1p where skew > threshold (Yeo-Johnson if negative).",
                ("auto", "log1p", "yeo_johnson"),
            ),
            ParamSpec("columns", "columns", None, "Features to transform; empty = every chosen feature."),
            ParamSpec(
                "skew_threshold", "float", 1.0, "auto transforms features more skewed than this.", low=0.0, high=10.0
            ),
        ),
        _fit_transform,
        _apply_transform,
        target="matrix",
        idempotent=False,
    ),
    StepKind(
        "scale",
        "Put features on one scale: z-score (default), robust (median / IQR) or min-max.",
        (ParamSpec("method", "choice", "zscore", "Scaler.", ("zscore", "robust", "minmax")),),
        _fit_scale,
        _apply_scale,
        target="matrix",
    ),
)


def fit_guard(matrix: pd.DataFrame) -> dict[str, float]:
    """Learn a fill value (the median, 0 if none) per feature for gaps no step filled."""
    medians = matrix.replace([np.inf, -np.inf], np.nan).median()
    return {c: float(v) if np.isfinite(v) else 0.0 for c, v in medians.items()}


def apply_guard(matrix: pd.DataFrame, fills: Mapping[str, float]) -> tuple[pd.DataFrame, int]:
    """Replace missing and infinite feature values with the learned fills; return the count replaced."""
    values = matrix.to_numpy(dtype="float64", copy=True)
    bad = ~np.isfinite(values)
    count = int(bad.sum())
    if count:
        fill = np.asarray([fills.get(c, 0.0) for c in matrix.columns], dtype="float64")
        values = np.where(bad, fill, values)
    return pd.DataFrame(values, index=matrix.index, columns=matrix.columns), count


# ---- categories ---------------------------------------------------------------------------------------------
# One-hot columns are named ``<feature>=<level>``; a customer has the value ``weight / sqrt(2)`` in the column of
# its level and 0 in the block's other columns, so two customers who differ in one category are ``weight`` apart
# (euclidean), like two customers one standard deviation apart in one z-scored feature.
LEVEL_SEPARATOR = "="
OTHER_LEVEL = "(other)"
MISSING_LEVEL = "(missing)"
MAX_LEVELS = MAX_CATEGORY_LEVELS  # more distinct values than this read as names or free text, not categories


def is_categorical(values: pd.Series, role: str | None) -> bool:
    """Whether a chosen feature is a category: role ``categorical``, text, or true/false values."""
    return role == "categorical" or not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)


def as_levels(values: pd.Series) -> pd.Series:
    """Return a column's values as level names: text as is, whole numbers without ``.0``, gaps as ``(missing)``.

    Examples
    --------
    >>> as_levels(pd.Series([1.0, 2.0, None])).tolist()
    ['1', '2', '(missing)']
    """
    present = values.notna()
    if pd.api.types.is_float_dtype(values):
        whole = values[present]
        if bool((whole == whole.round()).all()):
            values = values.astype("Int64")
    text = values.astype("string").astype(object)
    return pd.Series(np.where(present.to_numpy(), text.to_numpy(), MISSING_LEVEL), index=values.index, dtype=object)


def one_hot_name(feature: str, level: str) -> str:
    """Name of the matrix column for one level of a categorical feature (``Gender=F``)."""
    return f"{feature}{LEVEL_SEPARATOR}{level}"


def _fit_categories(table: pd.DataFrame, params: Mapping[str, Any], context: Context) -> dict[str, Any]:
    min_share = float(params.get("min_share", 0.01))
    max_levels = int(params.get("max_levels", MAX_LEVELS))
    weight = float(params.get("weight", 1.0))
    if not 0 <= min_share < 0.5 or max_levels < 2 or weight <= 0:
        raise DataError("Keep levels held by under 50% of customers, at least 2 levels, and a positive weight.")
    levels: dict[str, list[str]] = {}
    pooled: dict[str, list[str]] = {}
    for column in table.columns:
        counts = as_levels(table[column]).value_counts(sort=True)
        counts = counts.iloc[np.lexsort((counts.index.astype(str), -counts.to_numpy()))]
        keep = counts[counts >= min_share * len(table)].index[:max_levels]
        kept = sorted(str(v) for v in keep)
        rare = sorted(str(v) for v in counts.index if v not in set(keep))
        if len(kept) < 2 and rare:  # pooling would leave one level: keep the most common ones instead
            kept = sorted(str(v) for v in counts.index[: max(2, min(max_levels, len(counts)))])
            rare = sorted(str(v) for v in counts.index if str(v) not in kept)
        levels[str(column)] = [*kept, OTHER_LEVEL] if rare else kept
        pooled[str(column)] = rare
    return {"columns": list(levels), "levels": levels, "pooled": pooled, "weight": weight, "requires": list(levels)}


def _apply_categories(table: pd.DataFrame, state: Mapping[str, Any], context: Context) -> Outcome:
    hot = float(state["weight"]) / np.sqrt(2.0)
    blocks, parts, changed = [], [], 0
    for column in state["columns"]:
        known = list(state["levels"][column])
        values = as_levels(table[column])
        position = pd.Index(known).get_indexer(values)
        unseen = position < 0
        if OTHER_LEVEL in known:
            position[unseen] = known.index(OTHER_LEVEL)
        block = np.zeros((len(values), len(known)))
        rows = np.flatnonzero(position >= 0)
        block[rows, position[rows]] = hot
        blocks.append(pd.DataFrame(block, index=table.index, columns=[one_hot_name(column, level) for level in known]))
        pooled = state["pooled"][column]
        rare = int(values.isin(pooled).sum()) if pooled else 0
        fresh = int(unseen.sum()) - rare
        changed += int(unseen.sum())
        text = f"{column}: {len(known)} levels"
        if pooled:
            text += f", {len(pooled)} rare level(s) pooled into {OTHER_LEVEL} ({rare:,} customers)"
        if fresh:
            where = f"counted as {OTHER_LEVEL}" if OTHER_LEVEL in known else "matched to no level"
            text += f", {fresh:,} value(s) not seen when the recipe was fitted {where}"
        parts.append(text)
    if not blocks:
        return Outcome(pd.DataFrame(index=table.index), 0, "No categorical feature is chosen; nothing to encode.")
    message = f"One-hot encoded {len(blocks)} categorical feature(s): " + "; ".join(parts) + "."
    return Outcome(pd.concat(blocks, axis=1), changed, message)


CATEGORY_STEP = StepKind(
    "categories",
    "Let categorical features (text or coded categories) take part: one 0/1 column per level, rare levels pooled.",
    (
        ParamSpec(
            "min_share",
            "float",
            0.01,
            f"Levels held by fewer customers than this share are pooled into {OTHER_LEVEL}.",
            low=0.0,
            high=0.49,
        ),
        ParamSpec(
            "max_levels", "int", MAX_LEVELS, "At most this many levels per feature; the rarer ones are pooled.", low=2
        ),
        ParamSpec(
            "weight",
            "float",
            1.0,
            "How far apart two customers in different levels are, in standard deviations of a numeric feature.",
            low=0.01,
            high=10.0,
        ),
    ),
    _fit_categories,
    _apply_categories,
    target="categories",
)

# numeric steps run on the numeric features (in recipe order); the categories' block is appended after them
MATRIX_STEPS: tuple[StepKind, ...] = (*NUMERIC_STEPS, CATEGORY_STEP)
