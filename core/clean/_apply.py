"""Apply a cleaning :class:`Recipe` to a customer table: the one recipe runner.

Table steps (drop columns, impute, duplicates, outliers, engineered features) run in recipe order on the
table, which stays in original units. The chosen features then form the matrix, and the matrix steps
(transform, scale) run on it in their recipe order. Every step reports what it changed. What the steps
learned (medians, caps, lambdas, scaler) is kept in a :class:`FittedRecipe` that replays it, unchanged, on
next month's file.

Examples
--------
>>> frame = pd.DataFrame({"id": ["a", "b", "c"], "spend": [1.0, None, 3.0]})
>>> result = apply_recipe(frame, Recipe((Step("impute"), Step("scale"))), {"id": "id", "spend": "amount"})
>>> result.table["spend"].tolist(), result.matrix["spend"].round(3).tolist()
([1.0, 2.0, 3.0], [-1.225, 0.0, 1.225])
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from core.clean._defaults import default_recipe, feature_reasons
from core.clean._matrix import apply_guard, fit_guard, is_categorical
from core.clean._recipe import STEP_KINDS, Recipe, Step, check_recipe
from core.clean._steps import Context, shareable_state
from core.errors import DataError
from core.schema import id_column as find_id_column

__all__ = [
    "STEP_KINDS",
    "CleanResult",
    "FittedRecipe",
    "FittedStep",
    "Recipe",
    "Step",
    "StepReport",
    "apply_recipe",
    "check_recipe",
    "default_recipe",
    "feature_reasons",
]
FITTED_VERSION = 1


@dataclass(frozen=True)
class StepReport:
    """What one step did: its label (``"3. impute"``), rows before and after, values changed, one sentence."""

    step: str
    rows_before: int
    rows_after: int
    values_changed: int
    message: str


@dataclass(frozen=True)
class FittedStep:
    """A step with what it learned (JSON-safe ``state``) and its 1-based number in the recipe."""

    number: int
    kind: str
    state: Mapping[str, Any]


@dataclass(frozen=True)
class FittedRecipe:
    """Everything a recipe learned, ready to replay on a new file without refitting."""

    steps: tuple[FittedStep, ...]
    id_column: str | None
    features: tuple[str, ...]
    guard: Mapping[str, float]
    roles: Mapping[str, str]

    def transform(self, new_frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Clean another file with the learned parameters: return ``(table, matrix)`` as in :class:`CleanResult`.

        Raises
        ------
        DataError
            When the file lacks a column the recipe needs ("column PAYMENTS is not in this file; the recipe
            needs it for step 3") or a step leaves no rows.
        """
        table, matrix, _ = _run(new_frame, self)
        return table, matrix

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict (for a model file used by ``python -m core assign``).

        No customer's own row leaves in it: KNN imputation keeps group averages (see :func:`shareable_state`).
        """
        return {
            "format": "cardlens-fitted-recipe",
            "version": FITTED_VERSION,
            "steps": [
                {"number": s.number, "kind": s.kind, "state": shareable_state(s.kind, s.state)} for s in self.steps
            ],
            "id_column": self.id_column,
            "features": list(self.features),
            "guard": dict(self.guard),
            "roles": dict(self.roles),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FittedRecipe:
        """Read what :meth:`to_dict` wrote."""
        if data.get("format") != "cardlens-fitted-recipe" or int(data.get("version", 0)) > FITTED_VERSION:
            raise DataError("This is not a fitted CardLens recipe, or it comes from a newer version of the app.")
        for step in data["steps"]:
            if step["kind"] not in STEP_KINDS:
                raise DataError(f"Step {step['number']} of the fitted recipe has an unknown kind {step['kind']!r}.")
        return cls(
            steps=tuple(FittedStep(int(s["number"]), s["kind"], s["state"]) for s in data["steps"]),
            id_column=data.get("id_column"),
            features=tuple(data["features"]),
            guard={str(k): float(v) for k, v in data["guard"].items()},
            roles=dict(data.get("roles") or {}),
        )

    @property
    def categorical(self) -> tuple[str, ...]:
        """The categorical features, one-hot encoded in the matrix as ``<feature>=<level>`` columns."""
        for step in self.steps:
            if step.kind == "categories":
                return tuple(step.state["columns"])
        return ()


@dataclass(frozen=True)
class CleanResult:
    """The cleaned customers.

    Attributes
    ----------
    table : pandas.DataFrame
        Rows kept, original units: the id, every kept column, engineered features. Input index kept.
    matrix : pandas.DataFrame
        float64, the chosen features after transforms and scaling, same index as ``table``; always finite.
    id_column : str or None
    features : tuple of str
    reports : tuple of StepReport
        One per recipe step, in recipe order, then one for the feature matrix.
    fitted : FittedRecipe
    """

    table: pd.DataFrame
    matrix: pd.DataFrame
    id_column: str | None
    features: tuple[str, ...]
    reports: tuple[StepReport, ...]
    fitted: FittedRecipe


def _need(frame: pd.DataFrame, columns: list[str], where: str) -> None:
    for column in columns:
        if column not in frame.columns:
            raise DataError(f"column {column} is not in this file; the recipe needs it {where}")


def _fit_and_apply(number: int, kind_name: str, data: pd.DataFrame, params, state, context):
    """Fit step ``number`` on ``data`` (or replay its learned ``state``) and apply it; name the step on failure."""
    kind = STEP_KINDS[kind_name]
    try:
        if state is None:
            state = kind.fit(data, params, context)
        else:
            _need(data, list(state.get("requires", [])), f"for step {number}")
        return state, kind.apply(data, state, context)
    except DataError as error:
        raise _step_error(number, kind_name, error) from None


def _step_error(number: int, kind: str, error: Exception) -> DataError:
    text = str(error)
    if text.startswith("column ") and "step" in text:
        return DataError(text)
    return DataError(f"Step {number} ({kind}) failed: {text}")


def _category_plan(plan: list, table: pd.DataFrame, features: list[str], roles, fitted) -> tuple[list, list[str]]:
    """Split off the categorical features; add a ``categories`` step (defaults) when they need one and none is given.

    A replayed recipe keeps the categorical features it learned; a fresh one takes role ``categorical`` and
    non-numeric features. Every other feature must be numeric.
    """
    given = [entry for entry in plan if STEP_KINDS[entry[1]].target == "categories"]
    if fitted is not None:
        categorical = [c for c in fitted.categorical if c in features]
    else:
        categorical = [c for c in features if is_categorical(table[c], roles.get(c))]
    for column in features:
        if column not in categorical and not pd.api.types.is_numeric_dtype(table[column]):
            raise DataError(f"column {column} is not numeric, so it cannot be a feature; remove it from the features")
    if categorical and not given:
        number = max((entry[0] for entry in plan), default=0) + 1
        plan = [*plan, (number, "categories", STEP_KINDS["categories"].defaults(), None)]
    return plan, categorical


def _run(
    frame: pd.DataFrame, fitted: FittedRecipe | None, recipe: Recipe | None = None, context: Context | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, tuple[Any, ...]]:
    """Fit-and-apply (``recipe`` + ``context``) or replay (``fitted``); return table, matrix and details."""
    if fitted is not None:
        context = Context(fitted.id_column, dict(fitted.roles))
        plan = [(s.number, s.kind, None, s.state) for s in fitted.steps]
        if fitted.id_column is not None:
            _need(frame, [fitted.id_column], "as the customer id column")
    else:
        assert recipe is not None and context is not None
        plan = [(n, step.kind, step.resolved_params(), None) for n, step in enumerate(recipe.steps, start=1)]
    table = frame.copy()
    roles = dict(context.roles)
    reports: dict[int, StepReport] = {}
    learned: list[FittedStep] = []
    for number, kind_name, params, state in plan:
        kind = STEP_KINDS[kind_name]
        if kind.target != "table":
            continue
        state, outcome = _fit_and_apply(number, kind_name, table, params, state, context)
        learned.append(FittedStep(number, kind_name, state))
        reports[number] = StepReport(
            f"{number}. {kind_name}", len(table), len(outcome.table), outcome.values_changed, outcome.message
        )
        table = outcome.table
        roles.update({c: "feature" for c in table.columns if c not in roles})
        context = replace(context, roles=roles)
        if table.empty:
            raise DataError(f"No rows are left after step {number} ({kind_name}); loosen that step or remove it.")
    if fitted is not None:
        features = list(fitted.features)
        _need(table, features, "as a segmentation feature")
    elif recipe.features is not None:
        features = list(recipe.features)
        missing = [c for c in features if c not in table.columns]
        if missing:
            raise DataError(f"column {missing[0]} is not in the cleaned table; the recipe uses it as a feature")
    else:
        reasons = feature_reasons(table, roles)
        features = reasons.loc[reasons["used"], "column"].tolist()
    features = [c for c in features if c != context.id_column]
    if not features:
        raise DataError("No features are chosen; pick at least one numeric behaviour column.")
    plan, categorical = _category_plan(plan, table, features, roles, fitted)
    numeric = [c for c in features if c not in categorical]
    guard = fit_guard(table[numeric]) if fitted is None else dict(fitted.guard)
    matrix, guarded = apply_guard(table[numeric], guard)
    for number, kind_name, params, state in plan:
        kind = STEP_KINDS[kind_name]
        if kind.target != "matrix" or not numeric:
            continue
        state, outcome = _fit_and_apply(number, kind_name, matrix, params, state, context)
        learned.append(FittedStep(number, kind_name, state))
        reports[number] = StepReport(
            f"{number}. {kind_name}", len(matrix), len(matrix), outcome.values_changed, outcome.message
        )
        matrix = outcome.table
    matrix, overflow = apply_guard(matrix, dict.fromkeys(numeric, 0.0))
    for number, kind_name, params, state in plan:
        if STEP_KINDS[kind_name].target == "categories":
            state, outcome = _fit_and_apply(number, kind_name, table[categorical], params, state, context)
            learned.append(FittedStep(number, kind_name, state))
            reports[number] = StepReport(
                f"{number}. {kind_name}", len(matrix), len(matrix), outcome.values_changed, outcome.message
            )
            matrix = pd.concat([matrix, outcome.table], axis=1)
    message = f"{len(features)} features for {len(matrix):,} customers."
    if guarded:
        message += f" {guarded:,} values still missing (or infinite) were set to the feature's median."
    if overflow:
        message += f" {overflow:,} values a transform could not represent were set to 0."
    summary = StepReport("features", len(matrix), len(matrix), guarded + overflow, message)
    details = (
        (*(reports[n] for n in sorted(reports)), summary),
        tuple(sorted(learned, key=lambda s: s.number)),
        tuple(features),
        guard,
        roles,
    )
    return table, matrix, details


def apply_recipe(
    frame: pd.DataFrame, recipe: Recipe, roles: Mapping[str, str], *, random_state: int = 0
) -> CleanResult:
    """Clean a customer table with a recipe and build the feature matrix.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per customer: an id column (role ``id``), numeric behaviour columns, maybe others. Not
        modified.
    recipe : Recipe
        The ordered steps and the feature choice (``None`` = the defaults of :func:`feature_reasons`).
    roles : mapping
        Column -> role, as from :func:`core.schema.infer_roles` (possibly corrected by the user).
    random_state : int, default 0
        Seed for the samples that KNN imputation and Yeo-Johnson fitting draw on large tables.

    Returns
    -------
    CleanResult
        The same input and recipe always give the same result, bit for bit.

    Raises
    ------
    DataError
        When a step cannot run (naming the step), no rows are left, or a feature is missing or not numeric.
    """
    if frame.empty:
        raise DataError("The table has no rows; load a file with customers in it.")
    present = {c: r for c, r in roles.items() if c in frame.columns}
    id_column = find_id_column(present)
    context = Context(id_column, present, random_state)
    table, matrix, (reports, steps, features, guard, final_roles) = _run(frame, None, recipe, context)
    fitted = FittedRecipe(steps, id_column, features, guard, {c: r for c, r in final_roles.items()})
    return CleanResult(table, matrix, id_column, features, reports, fitted)
