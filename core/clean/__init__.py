"""Cleaning: the recipe (serialisable steps, each with a report), its defaults, the diagnosis, the feature matrix.

:func:`apply_recipe` is the one recipe runner (``_apply``); the steps live in ``_steps`` (table) and ``_matrix``
(transform, scale), the :class:`Recipe` format in ``_recipe``, the default recipe in ``_defaults`` and what the
Clean page diagnoses in ``_diagnose``.
"""

from __future__ import annotations

from core.clean._apply import CleanResult, FittedRecipe, FittedStep, StepReport, apply_recipe
from core.clean._defaults import default_recipe, feature_reasons
from core.clean._diagnose import Diagnosis, diagnose
from core.clean._matrix import MAX_LEVELS, as_levels
from core.clean._recipe import STEP_KINDS, Recipe, Step, check_recipe

__all__ = [
    "MAX_LEVELS",
    "STEP_KINDS",
    "CleanResult",
    "Diagnosis",
    "FittedRecipe",
    "FittedStep",
    "Recipe",
    "Step",
    "StepReport",
    "apply_recipe",
    "as_levels",
    "check_recipe",
    "default_recipe",
    "diagnose",
    "feature_reasons",
]
