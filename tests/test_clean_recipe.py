"""Recipes as data: JSON round trips, replay on next month's file, properties, defaults, real data."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.pandas import column, data_frames, range_indexes

from core.clean import FittedRecipe, Recipe, Step, apply_recipe, check_recipe, default_recipe, diagnose, feature_reasons
from core.errors import DataError
from core.schema import infer_roles

ROLES = {"id": "id", "x": "feature", "y": "amount"}


@pytest.fixture(scope="module")
def cc_general(cc_general_path) -> pd.DataFrame:
    return pd.read_csv(cc_general_path)


def test_recipe_json_round_trip_gives_the_same_recipe_and_output_bit_for_bit(cc_general):
    roles = infer_roles(cc_general)
    recipe = default_recipe(cc_general, roles)
    again = Recipe.from_json(recipe.to_json())
    assert again == recipe and hash(again) == hash(recipe)
    first, second = apply_recipe(cc_general, recipe, roles), apply_recipe(cc_general, again, roles)
    pd.testing.assert_frame_equal(first.matrix, second.matrix, check_exact=True)
    pd.testing.assert_frame_equal(first.table, second.table, check_exact=True)


def test_recipe_json_has_a_format_and_version():
    document = json.loads(Recipe((Step("scale"),), ("x",)).to_json())
    assert document == {
        "format": "cardlens-recipe",
        "version": 1,
        "steps": [{"kind": "scale", "params": {}}],
        "features": ["x"],
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "not valid JSON"),
        ('{"format": "other"}', "not a CardLens"),
        ('{"format": "cardlens-recipe", "version": 99}', "newer version"),
        ('{"format": "cardlens-recipe", "version": 1, "steps": [{"kind": "explode"}]}', "Step 1 .* unknown kind"),
    ],
    ids=["not json", "another format", "newer version", "unknown step"],
)
def test_bad_recipe_files_are_refused_with_a_reason(text, message):
    with pytest.raises(DataError, match=message):
        Recipe.from_json(text)


def test_default_recipe_on_cc_general_fills_every_gap_and_keeps_every_row(cc_general):
    roles = infer_roles(cc_general)
    recipe = default_recipe(cc_general, roles)
    assert [s.kind for s in recipe.steps] == [
        "drop_duplicate_rows",
        "duplicate_ids",
        "feature_duplicates",
        "impute",
        "add_features",
        "transform",
        "scale",
    ]
    result = apply_recipe(cc_general, recipe, roles)
    impute = next(r for r in result.reports if r.step.endswith("impute"))
    assert (
        impute.values_changed == 314 and "MINIMUM_PAYMENTS 313" in impute.message and "CREDIT_LIMIT 1" in impute.message
    )
    assert len(result.table) == 8950 and result.table.isna().sum().sum() == 0
    assert np.isfinite(result.matrix.to_numpy()).all() and result.matrix.dtypes.eq("float64").all()
    assert result.id_column == "CUST_ID" and "CUST_ID" in result.table.columns and "CUST_ID" not in result.features
    assert {"utilisation", "payment_ratio", "cash_advance_share"} <= set(result.features)
    assert result.matrix.mean().abs().max() < 1e-9


def test_fitted_recipe_replays_on_next_month_without_refitting(cc_general):
    roles = infer_roles(cc_general)
    result = apply_recipe(cc_general.iloc[:6000], default_recipe(cc_general, roles), roles)
    fitted = FittedRecipe.from_dict(json.loads(json.dumps(result.fitted.to_dict())))
    table, matrix = fitted.transform(cc_general.iloc[6000:])
    assert len(table) == 2950 and list(matrix.columns) == list(result.features)
    assert np.isfinite(matrix.to_numpy()).all()
    assert abs(matrix.mean().mean()) > 1e-6  # scaled with this month's numbers, not refitted on next month's
    _, same = fitted.transform(cc_general.iloc[:6000])
    pd.testing.assert_frame_equal(same, result.matrix, check_exact=True)


def test_fitted_recipe_names_the_missing_column_and_the_step(cc_general):
    roles = infer_roles(cc_general)
    recipe = Recipe(
        (
            Step("drop_duplicate_rows"),
            Step("add_features", {"presets": ["utilisation"]}),
            Step("impute", {"columns": ["PAYMENTS"]}),
        )
    )
    fitted = apply_recipe(cc_general, recipe, roles).fitted
    with pytest.raises(DataError, match="column PAYMENTS is not in this file; the recipe needs it for step 3"):
        fitted.transform(cc_general.drop(columns="PAYMENTS"))


def test_check_recipe_lists_missing_columns_but_not_engineered_ones():
    recipe = Recipe(
        (Step("add_features", {"presets": ["utilisation"]}), Step("outliers", {"columns": ["PAYMENTS"]})),
        ("utilisation", "TENURE"),
    )
    frame = pd.DataFrame({"BALANCE": [1.0], "CREDIT_LIMIT": [2.0]})
    assert check_recipe(frame, recipe) == [
        "column PAYMENTS is not in this file; the recipe needs it for step 2",
        "column TENURE is not in this file; the recipe uses it as a feature",
    ]


def test_check_recipe_names_a_feature_presets_missing_source_column_and_its_step():
    recipe = Recipe((Step("impute"), Step("add_features", {"presets": ["utilisation", "payment_ratio"]})))
    frame = pd.DataFrame({"BALANCE": [1.0], "CREDIT_LIMIT": [2.0], "MINIMUM_PAYMENTS": [3.0]})
    assert check_recipe(frame, recipe) == ["column PAYMENTS is not in this file; the recipe needs it for step 2"]


def test_feature_reasons_explain_each_default():
    frame = pd.DataFrame(
        {"id": ["a", "b"], "x": [1.0, 2.0], "y": [5.0, 5.0], "flag": [0, 1], "utilisation": [0.1, 0.2]}
    )
    reasons = feature_reasons(frame, {**ROLES, "flag": "label"})
    assert reasons["used"].tolist() == [False, True, False, False, True]
    assert reasons.loc[2, "reason"].startswith("constant")
    assert reasons.loc[4, "reason"].startswith("engineered")


def test_diagnose_finds_gaps_duplicates_and_correlated_pairs():
    frame = pd.DataFrame(
        {"id": ["a", "b", "c", "c", "e"], "x": [1.0, 2.0, 3.0, 3.0, np.nan], "y": [2.0, 4.0, 6.0, 6.0, 9.0]}
    )
    found = diagnose(frame, ROLES)
    assert found.duplicate_rows == 1 and found.duplicate_ids == 2
    assert found.correlated.iloc[0].tolist() == ["x", "y", pytest.approx(1.0)]
    steps = {f.finding: f.step for f in found.findings}
    assert steps["1 missing (20.0%)"] == Step("impute", {"method": "median", "columns": ["x"]})
    assert steps["1 exact duplicate rows"] == Step("drop_duplicate_rows")


# ---- properties -------------------------------------------------------------------------------------------
finite = st.one_of(st.floats(min_value=-1e6, max_value=1e6), st.just(np.nan))
tables = data_frames(
    [column("x", elements=finite), column("y", elements=st.one_of(finite, st.just(np.inf)))],
    index=range_indexes(min_size=2, max_size=30),
)
kinds = st.lists(
    st.sampled_from(
        [
            Step("impute"),
            Step("impute", {"method": "drop_rows", "columns": ["x"]}),
            Step("drop_duplicate_rows"),
            Step("outliers", {"action": "cap"}),
            Step("outliers", {"action": "remove", "detect": "percentile"}),
            Step("transform"),
            Step("scale", {"method": "robust"}),
        ]
    ),
    max_size=5,
)


def _with_ids(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(id=[f"c{i}" for i in range(len(frame))])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables, kinds)
def test_cleaning_never_adds_rows_and_the_matrix_is_always_finite(frame, steps):
    frame = _with_ids(frame)
    try:
        result = apply_recipe(frame, Recipe(tuple(steps), ("x", "y")), ROLES)
    except DataError:
        return  # e.g. every row removed: refused with a message, never a crash
    assert len(result.table) <= len(frame) and len(result.matrix) == len(result.table)
    assert np.isfinite(result.matrix.to_numpy()).all()


@settings(max_examples=40, deadline=None)
@given(
    tables,
    st.sampled_from(
        [
            Step("impute"),
            Step("drop_duplicate_rows"),
            Step("impute", {"method": "drop_rows"}),
            Step("duplicate_ids", {"keep": "first"}),
        ]
    ),
)
def test_idempotent_steps_applied_twice_equal_once(frame, step):
    frame = _with_ids(frame).replace(np.inf, 1.0)
    try:
        once = apply_recipe(frame, Recipe((step,), ("x", "y")), ROLES).table
    except DataError:
        return
    twice = apply_recipe(once, Recipe((step,), ("x", "y")), ROLES).table
    pd.testing.assert_frame_equal(once, twice)
