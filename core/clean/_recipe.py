"""A cleaning recipe as data: ordered :class:`Step` s in a :class:`Recipe`, the step registry, and JSON.

A recipe is what a user builds on the Clean page and downloads; it holds choices, not learned numbers
(those live in :class:`core.clean.FittedRecipe`). ``Recipe.from_json(recipe.to_json()) == recipe``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from core.clean._matrix import MATRIX_STEPS
from core.clean._steps import TABLE_STEPS, ParamSpec, StepKind
from core.errors import DataError, excerpt
from core.features import missing_sources, presets
from core.io import read_json_document

RECIPE_FORMAT = "cardlens-recipe"
RECIPE_VERSION = 1
STEP_KINDS: dict[str, StepKind] = {kind.kind: kind for kind in TABLE_STEPS + MATRIX_STEPS}
MAX_RECIPE_BYTES = 1024 * 1024  # a recipe is choices, a few KB; anything this large is not one
MAX_STEPS = 100
MAX_NAMES = 10_000  # column or feature names in one list
MAX_NAME_CHARS = 1_000
MAX_NUMBER = 1e15  # a parameter without its own range (a fill value) is still a plausible amount
_AGAIN = "Download the recipe again from the Clean page."


def _json_safe(value: Any, what: str) -> Any:
    try:
        return json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError) as error:
        raise DataError(f"The parameters of {what} must be plain numbers, text and lists ({error}).") from None


@dataclass(frozen=True)
class Step:
    """One step of a recipe: a registered ``kind`` and its parameters (JSON-safe; missing ones take defaults).

    Examples
    --------
    >>> Step("impute", {"method": "median"}).params["method"]
    'median'
    """

    kind: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in STEP_KINDS:
            raise DataError(f"Unknown cleaning step {self.kind!r}; use one of: {', '.join(STEP_KINDS)}.")
        object.__setattr__(self, "params", _json_safe(dict(self.params), f"step {self.kind}"))

    def __hash__(self) -> int:
        return hash((self.kind, json.dumps(self.params, sort_keys=True)))

    def resolved_params(self) -> dict[str, Any]:
        """Return the parameters with every default filled in."""
        return {**STEP_KINDS[self.kind].defaults(), **self.params}

    def describe(self) -> str:
        """Return a short human summary, e.g. ``impute: median on every numeric column``."""
        params = self.resolved_params()
        shown = []
        for name, value in params.items():
            if isinstance(value, list):
                value = ", ".join(map(str, value)) if value else "none"
            elif value is None:
                value = "all"
            shown.append(f"{name}={value}")
        return f"{self.kind}" + (f" ({'; '.join(shown)})" if shown else "")

    def plain(self) -> str:
        """Return what the step does in plain words, for people rather than recipes.

        Examples
        --------
        >>> Step("impute").plain()
        'Fill gaps with the median, in every numeric behaviour column'
        >>> Step("outliers", {"columns": ["BALANCE"], "action": "remove"}).plain()
        'Remove outliers beyond 1.5 × IQR from the quartiles, in BALANCE'
        """
        p = self.resolved_params()
        where = ", in " + _few(p["columns"]) if p.get("columns") else ", in every numeric behaviour column"
        if self.kind == "impute":
            how = {
                "median": "with the median",
                "mean": "with the mean",
                "zero": "with 0",
                "constant": f"with {p['fill_value']:g}",
                "knn": f"from the {p['n_neighbors']} most similar customers",
            }
            if p["method"] == "drop_rows":
                return "Drop rows with gaps" + where
            return f"Fill gaps {how[p['method']]}" + where
        if self.kind == "outliers":
            found = (
                f"beyond {p['iqr_factor']:g} × IQR from the quartiles"
                if p["detect"] == "iqr"
                else f"outside the {p['lower']:g}th to {p['upper']:g}th percentiles"
            )
            verb = {"cap": "Cap", "keep": "Mark (and keep)", "remove": "Remove"}[p["action"]]
            return f"{verb} outliers {found}" + where
        if self.kind == "transform":
            if p["method"] == "auto":
                return f"Tame skewed features (log1p where skew is above {p['skew_threshold']:g})"
            method = "log1p" if p["method"] == "log1p" else "Yeo-Johnson"
            return f"Tame skew with {method}" + (", in " + _few(p["columns"]) if p.get("columns") else "")
        if self.kind == "scale":
            scales = {"zscore": "z-scores", "robust": "robust scores (median and IQR)", "minmax": "a 0-1 range"}
            return f"Put features on one scale: {scales[p['method']]}"
        if self.kind == "drop_columns":
            return "Drop columns: " + (_few(p["columns"]) if p["columns"] else "none")
        if self.kind == "duplicate_ids":
            keep = {"report": "Report repeated ids", "first": "Keep the first row of each repeated id"}
            return keep.get(p["keep"], "Keep the last row of each repeated id")
        if self.kind == "add_features":
            return "Add card features: " + (_few(p["presets"]) if p.get("presets") else "every available one")
        fixed = {
            "drop_duplicate_rows": "Drop rows that repeat another row exactly",
            "feature_duplicates": "Report customers with identical features",
            "categories": "Let categorical features take part (one 0/1 column per level, rare levels pooled)",
        }
        return fixed.get(self.kind, STEP_KINDS[self.kind].description.rstrip("."))


def _few(values: list[str], shown: int = 4) -> str:
    """List a few names, then how many more."""
    names = [str(v) for v in values]
    more = f" and {len(names) - shown:,} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


@dataclass(frozen=True)
class Recipe:
    """Ordered cleaning steps and the chosen features (``None`` = the default choice after the steps)."""

    steps: tuple[Step, ...] = ()
    features: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "steps", tuple(self.steps))
        if self.features is not None:
            object.__setattr__(self, "features", tuple(str(f) for f in self.features))

    def to_json(self) -> str:
        """Return the recipe as a small, stable JSON document (with a format name and version)."""
        document = {
            "format": RECIPE_FORMAT,
            "version": RECIPE_VERSION,
            "steps": [{"kind": step.kind, "params": dict(step.params)} for step in self.steps],
            "features": None if self.features is None else list(self.features),
        }
        return json.dumps(document, indent=2)

    @classmethod
    def from_json(cls, text: str | bytes) -> Recipe:
        """Read a recipe written by :meth:`to_json`.

        Raises
        ------
        DataError
            With one sentence when the text is not a CardLens recipe (not JSON, empty, truncated, another
            format, a newer version) or holds anything its steps cannot take: an unknown step or parameter,
            a value of the wrong type or outside its range, NaN or infinity, more than :data:`MAX_STEPS`
            steps or :data:`MAX_NAMES` names in a list.
        """
        document = read_json_document(
            text,
            what="CardLens cleaning recipe",
            remedy=_AGAIN,
            max_bytes=MAX_RECIPE_BYTES,
            format_name=RECIPE_FORMAT,
            version=RECIPE_VERSION,
        )
        raw_steps = document.get("steps")
        raw_steps = [] if raw_steps is None else raw_steps
        if not isinstance(raw_steps, list) or len(raw_steps) > MAX_STEPS:
            raise DataError(f"The recipe's steps must be a list of at most {MAX_STEPS} steps. {_AGAIN}")
        steps = []
        for number, raw in enumerate(raw_steps, start=1):
            kind = raw.get("kind") if isinstance(raw, dict) else None
            if not isinstance(kind, str) or kind not in STEP_KINDS:
                shown = excerpt(json.dumps(kind if isinstance(raw, dict) else raw, default=str))
                raise DataError(
                    f"Step {number} of the recipe has an unknown kind {shown}; the kinds are {', '.join(STEP_KINDS)}."
                )
            params = raw.get("params")
            params = {} if params is None else params
            if not isinstance(params, dict):
                raise DataError(f"Step {number} of the recipe ({kind}) has parameters that are not a mapping. {_AGAIN}")
            steps.append(Step(kind, _checked_params(STEP_KINDS[kind], params, number)))
        features = document.get("features")
        if features is not None:
            features = _names(features, "The recipe's features")
        return cls(tuple(steps), features)

    def with_steps(self, steps: tuple[Step, ...]) -> Recipe:
        """Return a copy with other steps (the feature choice kept)."""
        return Recipe(tuple(steps), self.features)

    def with_features(self, features: tuple[str, ...] | None) -> Recipe:
        """Return a copy with another feature choice."""
        return Recipe(self.steps, features)


def _names(value: Any, what: str) -> tuple[str, ...]:
    """Return a list of column names from a document, or refuse it."""
    if not isinstance(value, list) or len(value) > MAX_NAMES:
        raise DataError(f"{what} must be a list of at most {MAX_NAMES:,} column names. {_AGAIN}")
    for name in value:
        if not isinstance(name, str) or len(name) > MAX_NAME_CHARS:
            raise DataError(f"{what} must be column names (text), not {excerpt(json.dumps(name))}. {_AGAIN}")
    return tuple(value)


def _param_problem(spec: ParamSpec, value: Any) -> str | None:
    """Return what is wrong with one parameter value for its spec, or None."""
    if spec.kind == "choice":
        return None if isinstance(value, str) and value in spec.choices else f"must be one of {', '.join(spec.choices)}"
    if spec.kind in ("float", "int"):
        low = -MAX_NUMBER if spec.low is None else spec.low
        high = MAX_NUMBER if spec.high is None else spec.high
        whole = spec.kind == "int"
        number = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        if not number or not low <= value <= high or (whole and value != int(value)):
            kind = "a whole number" if whole else "a number"
            return f"must be {kind} from {low:g} to {high:g}"
        return None
    if spec.kind in ("columns", "presets"):
        if value is None:
            return None
        if not isinstance(value, list) or len(value) > MAX_NAMES:
            return f"must be a list of at most {MAX_NAMES:,} names"
        if not all(isinstance(name, str) and len(name) <= MAX_NAME_CHARS for name in value):
            return "must be a list of names (text)"
    return None


def _checked_params(kind: StepKind, params: Mapping[str, Any], number: int) -> dict[str, Any]:
    """Return a step's parameters from a document after checking each against the step's specs."""
    specs = {spec.name: spec for spec in kind.params}
    for name, value in params.items():
        spec = specs.get(name)
        if spec is None:
            takes = ", ".join(specs) or "none"
            raise DataError(
                f"Step {number} of the recipe ({kind.kind}) has an unknown parameter {excerpt(name)!r}; "
                f"it takes: {takes}."
            )
        problem = _param_problem(spec, value)
        if problem is not None:
            raise DataError(
                f"Step {number} of the recipe ({kind.kind}): {name} {problem}, not {excerpt(json.dumps(value))}."
            )
    return dict(params)


def produced_columns(recipe: Recipe) -> set[str]:
    """Columns the recipe's own steps create (engineered features)."""
    produced: set[str] = set()
    for step in recipe.steps:
        if step.kind == "add_features":
            names = step.params.get("presets")
            produced |= set(presets()) if names is None else set(names)
    return produced


def check_recipe(frame: pd.DataFrame, recipe: Recipe) -> list[str]:
    """List the columns a recipe names that ``frame`` lacks, one sentence each (empty list = fits).

    Examples
    --------
    >>> check_recipe(pd.DataFrame({"A": [1.0]}), Recipe((Step("impute", {"columns": ["PAYMENTS"]}),)))
    ['column PAYMENTS is not in this file; the recipe needs it for step 1']
    """
    problems: list[str] = []
    available = set(frame.columns)
    produced = produced_columns(recipe)
    for number, step in enumerate(recipe.steps, start=1):
        if step.kind == "drop_columns":
            continue
        needed = list(step.params.get("columns") or [])
        if step.kind == "add_features":
            for name in step.params.get("presets") or []:
                if name in presets():
                    needed += [c for c in missing_sources(frame, presets()[name]) if c not in needed]
        for column in needed:
            if column not in available and column not in produced:
                problems.append(f"column {column} is not in this file; the recipe needs it for step {number}")
    for column in recipe.features or ():
        if column not in available and column not in produced:
            problems.append(f"column {column} is not in this file; the recipe uses it as a feature")
    return problems
