"""What one click accepts: the default feature choice (with a reason per column) and the default recipe."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from core.clean._matrix import MAX_LEVELS
from core.clean._recipe import Recipe, Step
from core.features import add_features, available_presets, presets
from core.schema import id_column as find_id_column
from core.schema import numeric_code

_ROLE_REASONS = {
    "id": "identifier: kept in the table, never a feature",
    "label": "known outcome (label): kept for checking results, never a feature",
    "leakage": "another model's output or a consequence of the outcome: never a feature",
    "card": "card number: masked, never a feature",
    "text": "free text: not a number",
    "datetime": "date / time: not a behaviour measure",
}


def _is_constant(values: pd.Series) -> bool:
    present = values.dropna()
    return present.empty or bool((present == present.iloc[0]).all())


def _category_reason(values: pd.Series) -> tuple[bool, str]:
    levels = values.nunique(dropna=False)
    if levels > MAX_LEVELS:
        return False, f"{levels:,} different values: too many to compare as categories (more than {MAX_LEVELS})"
    if levels < 2:
        return False, "constant: the same value for every customer tells segments nothing"
    return True, f"category with {levels} levels (one-hot encoded; rare levels pooled)"


def feature_reasons(frame: pd.DataFrame, roles: Mapping[str, str]) -> pd.DataFrame:
    """Say for every column whether it is a default segmentation feature, and why.

    Parameters
    ----------
    frame : pandas.DataFrame
        A customer table (raw or cleaned). Columns without a role (engineered ones) count as features.
    roles : mapping
        Column -> role (``id, feature, amount, categorical, datetime, label, card, text``).

    Returns
    -------
    pandas.DataFrame
        Columns ``column`` (str), ``used`` (bool), ``reason`` (str), one row per column in table order.
        Used: numeric behaviour and money columns that vary, and categories of 2 to 50 levels; not used:
        ids, labels, cards, text, dates, non-numeric columns without the role ``categorical`` and constants.

    Examples
    --------
    >>> df = pd.DataFrame({"id": ["a", "b"], "spend": [1.0, 2.0], "tenure": [12, 12]})
    >>> feature_reasons(df, {"id": "id", "spend": "amount", "tenure": "feature"})["used"].tolist()
    [False, True, False]
    """
    id_column = find_id_column(dict(roles))
    engineered = presets()
    rows = []
    for column in frame.columns:
        role = "id" if column == id_column else roles.get(column, "feature")
        values = frame[column]
        if role in _ROLE_REASONS:
            used, reason = False, _ROLE_REASONS[role]
        elif role == "categorical":
            used, reason = _category_reason(values)
        elif not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            used, reason = False, "not numeric"
        elif _is_constant(values):
            used, reason = False, "constant: the same value for every customer tells segments nothing"
        elif column in engineered and column not in roles:
            used, reason = True, f"engineered: {engineered[column].description}"
        else:
            used, reason = True, "money amount" if role == "amount" else "numeric behaviour"
        rows.append({"column": str(column), "used": used, "reason": reason})
    return pd.DataFrame(rows, columns=["column", "used", "reason"])


def default_presets(frame: pd.DataFrame, roles: Mapping[str, str]) -> list[str]:
    """Return the presets the default recipe adds: every available one that is more than a copy of a column."""
    return [name for name in available_presets(frame, roles) if presets()[name].denominator]


def default_recipe(frame: pd.DataFrame, roles: Mapping[str, str]) -> Recipe:
    """Return the recommended recipe for ``frame``: what "Accept recommended recipe" applies.

    Drop exact duplicate rows, report repeated ids and customers with identical features, read codes for "not
    applicable" in number columns (``pdays`` 999, ``DAYS_EMPLOYED`` 365243) as missing, fill gaps with
    column medians, add the credit-card presets whose columns exist, ``log1p`` skewed features (Yeo-Johnson
    when negative) and z-score them; one-hot encode the categorical features, if any. The features are the
    defaults of :func:`feature_reasons`.

    Parameters
    ----------
    frame : pandas.DataFrame
        The customer table as loaded. Not modified.
    roles : mapping
        Column -> role.

    Returns
    -------
    Recipe
    """
    steps = [Step("drop_duplicate_rows")]
    if find_id_column(dict(roles)) is not None:
        steps += [Step("duplicate_ids", {"keep": "report"}), Step("feature_duplicates")]
    if any(numeric_code(frame[c]) is not None for c, role in roles.items() if role in ("feature", "amount")):
        steps.append(Step("codes_as_missing"))  # pdays 999, DAYS_EMPLOYED 365243: missing, then filled
    steps.append(Step("impute", {"method": "median", "columns": None}))
    chosen = default_presets(frame, roles)
    if chosen:
        steps.append(Step("add_features", {"presets": chosen}))
    steps += [Step("transform", {"method": "auto", "skew_threshold": 1.0}), Step("scale", {"method": "zscore"})]
    engineered, _ = add_features(frame, chosen, roles)
    reasons = feature_reasons(engineered, roles)
    features = tuple(reasons.loc[reasons["used"], "column"])
    if any(roles.get(c) == "categorical" for c in features):
        steps.append(Step("categories"))
    return Recipe(tuple(steps), features)
