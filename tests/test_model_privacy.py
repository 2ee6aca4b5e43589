"""A saved model or fitted recipe carries no customer's own row (KNN imputation keeps group averages only)."""

import json

import numpy as np
import pandas as pd

from core.clean import FittedRecipe, Recipe, Step, apply_recipe


def test_a_fitted_recipe_with_knn_imputation_saves_averages_not_rows():
    rng = np.random.default_rng(3)
    table = pd.DataFrame({"id": range(400), "spend": rng.gamma(2, 50, 400), "limit": rng.gamma(3, 900, 400)})
    table.loc[::9, "spend"] = np.nan
    roles = {"id": "id", "spend": "amount", "limit": "amount"}
    recipe = Recipe((Step("impute", {"method": "knn", "columns": None}), Step("scale", {"method": "zscore"})))
    clean = apply_recipe(table, recipe, roles)
    saved = json.loads(json.dumps(clean.fitted.to_dict()))
    knn = next(step["state"] for step in saved["steps"] if step["kind"] == "impute")
    rows = {tuple(row) for row in table[["spend", "limit"]].dropna().to_numpy().tolist()}
    assert 0 < len(knn["sample"]) <= len(rows) // 10
    assert not rows & {tuple(row) for row in knn["sample"]}
    # next month's file is still filled, from the prototypes
    again, _ = FittedRecipe.from_dict(saved).transform(table)
    assert again["spend"].notna().all()
