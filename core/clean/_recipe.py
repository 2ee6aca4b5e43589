"""A cleaning recipe as data: ordered :class:`Step` s in a :class:`Recipe`, the step registry, and JSON.

A recipe is what a user builds on the Clean page and downloads; it holds choices, not learned numbers
(those live in :class:`core.clean.FittedRecipe`). ``Recipe.from_json(recipe.to_json()) == recipe``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from core.clean._matrix import MATRIX_STEPS
from core.clean._steps import TABLE_STEPS, StepKind
from core.errors import DataError
from core.features import missing_sources, presets

RECIPE_FORMAT = "cardlens-recipe"
RECIPE_VERSION = 1
STEP_KINDS: dict[str, StepKind] = {kind.kind: kind for kind in TABLE_STEPS + MATRIX_STEPS}


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
            When the text is not a CardLens recipe, comes from a newer version, or names an unknown step.
        """
        try:
            document = json.loads(text)
        except (ValueError, UnicodeDecodeError):
            raise DataError("This file is not a recipe: it is not valid JSON. Download a recipe again.") from None
        if not isinstance(document, dict) or document.get("format") != RECIPE_FORMAT:
            raise DataError("This JSON file is not a CardLens cleaning recipe.")
        if int(document.get("version", 0)) > RECIPE_VERSION:
            raise DataError("This recipe was written by a newer version of CardLens; update the app to read it.")
        steps = []
        for number, raw in enumerate(document.get("steps") or [], start=1):
            if not isinstance(raw, dict) or raw.get("kind") not in STEP_KINDS:
                kind = raw.get("kind") if isinstance(raw, dict) else raw
                raise DataError(f"Step {number} of the recipe has an unknown kind {kind!r}.")
            steps.append(Step(raw["kind"], raw.get("params") or {}))
        features = document.get("features")
        return cls(tuple(steps), None if features is None else tuple(features))

    def with_steps(self, steps: tuple[Step, ...]) -> Recipe:
        """Return a copy with other steps (the feature choice kept)."""
        return Recipe(tuple(steps), self.features)

    def with_features(self, features: tuple[str, ...] | None) -> Recipe:
        """Return a copy with another feature choice."""
        return Recipe(self.steps, features)


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
