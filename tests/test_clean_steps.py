"""Each cleaning step on a small literal frame, with the exact values it should produce."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.clean import Recipe, Step, apply_recipe
from core.errors import DataError

ROLES = {"id": "id", "a": "feature", "b": "amount", "label": "label"}


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": ["c1", "c2", "c3", "c4", "c5"],
            "a": [1.0, np.nan, 3.0, 4.0, 100.0],
            "b": [10.0, 20.0, np.nan, 40.0, 50.0],
            "label": [0, 1, 0, 0, 1],
        }
    )


def run(*steps: Step, features=None, data=None):
    return apply_recipe(frame() if data is None else data, Recipe(tuple(steps), features), ROLES)


@pytest.mark.parametrize(
    ("method", "expected_a", "expected_b"),
    [
        ("median", 3.5, 30.0),
        ("mean", 27.0, 30.0),
        ("zero", 0.0, 0.0),
    ],
    ids=["median", "mean", "zero"],
)
def test_impute_fills_each_gap_with_the_learned_value(method, expected_a, expected_b):
    result = run(Step("impute", {"method": method}))
    assert result.table.loc[1, "a"] == expected_a
    assert result.table.loc[2, "b"] == expected_b
    assert result.reports[0].values_changed == 2
    assert "label" not in result.features and "id" not in result.features


def test_impute_constant_only_on_the_chosen_column():
    result = run(Step("impute", {"method": "constant", "fill_value": -1, "columns": ["a"]}))
    assert result.table["a"].tolist() == [1.0, -1.0, 3.0, 4.0, 100.0]
    assert np.isnan(result.table.loc[2, "b"])  # not this step's column: the table keeps the gap
    assert np.isfinite(result.matrix.to_numpy()).all()  # the final guard fills the matrix
    assert "1 values still missing" in result.reports[-1].message


def test_impute_drop_rows():
    result = run(Step("impute", {"method": "drop_rows"}))
    assert result.table["id"].tolist() == ["c1", "c4", "c5"]
    assert (result.reports[0].rows_before, result.reports[0].rows_after) == (5, 3)


def test_impute_knn_uses_the_nearest_complete_rows():
    data = pd.DataFrame({"id": list("pqrs"), "a": [1.0, 1.1, 10.0, np.nan], "b": [1.0, 1.2, 10.0, 1.05]})
    result = run(Step("impute", {"method": "knn", "n_neighbors": 2}), data=data)
    assert result.table.loc[3, "a"] == pytest.approx(1.05)


def test_drop_duplicate_rows_keeps_the_first_copy():
    data = pd.concat([frame(), frame().iloc[[0]]], ignore_index=True)
    result = run(Step("drop_duplicate_rows"), Step("impute"), data=data)
    assert len(result.table) == 5
    assert result.reports[0].message.startswith("Dropped 1 exact duplicate row ")


@pytest.mark.parametrize(("keep", "kept_a"), [("first", 1.0), ("last", 7.0)], ids=["keep first", "keep last"])
def test_duplicate_ids_keep_first_or_last(keep, kept_a):
    data = pd.concat([frame(), frame().iloc[[0]].assign(a=7.0)], ignore_index=True)
    result = run(Step("duplicate_ids", {"keep": keep}), Step("impute"), data=data)
    assert result.table["id"].tolist().count("c1") == 1
    assert result.table.loc[result.table["id"] == "c1", "a"].item() == kept_a


def test_duplicate_ids_report_drops_nothing():
    data = pd.concat([frame(), frame().iloc[[0]].assign(a=7.0)], ignore_index=True)
    result = run(Step("duplicate_ids"), Step("impute"), data=data)
    assert len(result.table) == 6
    assert result.reports[0].message.startswith("1 id appear")


def test_feature_duplicates_are_reported_never_dropped():
    data = pd.concat([frame(), frame().iloc[[0]].assign(id="c9")], ignore_index=True)
    result = run(Step("feature_duplicates"), Step("impute"), data=data)
    assert len(result.table) == 6
    assert result.reports[0].message.startswith("2 rows share every feature value")


def test_outliers_cap_at_percentiles():
    result = run(Step("impute"), Step("outliers", {"columns": ["a"], "detect": "percentile", "lower": 0, "upper": 75}))
    assert result.table["a"].max() == 4.0
    assert result.reports[1].values_changed == 1


def test_outliers_iqr_remove_and_keep():
    removed = run(Step("impute"), Step("outliers", {"columns": ["a"], "action": "remove"}))
    assert removed.table["id"].tolist() == ["c2", "c3", "c4"]  # fences 1.5 .. 5.5 (quartiles 3 and 4)
    kept = run(Step("impute"), Step("outliers", {"columns": ["a"], "action": "keep"}))
    assert len(kept.table) == 5 and kept.reports[1].message.startswith("Found 2 outlying values")


def test_drop_columns_never_drops_the_id():
    result = run(Step("drop_columns", {"columns": ["b", "id"]}), Step("impute"))
    assert list(result.table.columns) == ["id", "a", "label"]
    assert "always stays" in result.reports[0].message


def test_transform_log1p_on_skewed_non_negative_columns_only():
    result = run(Step("impute"), Step("transform"), features=("a", "b"))
    assert result.matrix["a"].tolist() == pytest.approx(np.log1p([1.0, 3.5, 3.0, 4.0, 100.0]).tolist())
    assert result.matrix["b"].tolist() == [10.0, 20.0, 30.0, 40.0, 50.0]  # not skewed: untouched
    assert result.table["a"].max() == 100.0  # the table keeps original units


def test_transform_uses_yeo_johnson_where_values_are_negative():
    data = frame().assign(a=[-5.0, 0.0, 1.0, 2.0, 200.0])
    result = run(Step("impute"), Step("transform", {"method": "log1p"}), features=("a",), data=data)
    assert "Yeo-Johnson on a" in result.reports[1].message
    assert result.fitted.steps[1].state["methods"] == {"a": "yeo_johnson"}


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("zscore", [-1.414214, -0.707107, 0.0, 0.707107, 1.414214]),
        ("robust", [-1.0, -0.5, 0.0, 0.5, 1.0]),
        ("minmax", [0.0, 0.25, 0.5, 0.75, 1.0]),
    ],
    ids=["z-score", "robust", "min-max"],
)
def test_scale(method, expected):
    result = run(Step("impute"), Step("scale", {"method": method}), features=("b",))
    assert result.matrix["b"].round(6).tolist() == expected


def test_add_features_presets_and_matrix_contract():
    data = pd.DataFrame(
        {"CUST_ID": ["x", "y"], "PURCHASES": [100.0, 0.0], "ONEOFF_PURCHASES": [40.0, 0.0], "CASH_ADVANCE": [0.0, 0.0]}
    )
    roles = {"CUST_ID": "id", "PURCHASES": "amount", "ONEOFF_PURCHASES": "amount", "CASH_ADVANCE": "amount"}
    result = apply_recipe(
        data, Recipe((Step("add_features", {"presets": ["oneoff_share", "cash_advance_share"]}),)), roles
    )
    assert result.table["oneoff_share"].tolist() == [0.4, 0.0]
    assert result.table["cash_advance_share"].tolist() == [0.0, 0.0]
    assert "cash_advance_share: 1 customer with a zero or missing denominator got 0." in result.reports[0].message
    assert result.matrix.dtypes.eq("float64").all() and result.matrix.index.equals(result.table.index)


def test_a_step_that_removes_every_row_says_which():
    with pytest.raises(DataError, match="No rows are left after step 1"):
        run(Step("impute", {"method": "drop_rows", "columns": ["a", "b"]}), data=frame().assign(a=np.nan))


def test_unknown_column_names_the_step():
    with pytest.raises(DataError, match="NOPE"):
        run(Step("impute", {"columns": ["NOPE"]}))


def test_a_preset_without_its_source_names_the_missing_column():
    with pytest.raises(DataError, match=r"Step 1.*utilisation feature needs BALANCE, CREDIT_LIMIT, which"):
        run(Step("add_features", {"presets": ["utilisation"]}))


def test_an_identifier_never_becomes_a_feature():
    result = run(Step("impute"), features=("id", "a"))
    assert result.features == ("a",)
    assert "id" in result.table.columns


def test_inputs_are_not_mutated():
    data = frame()
    before = data.copy()
    run(Step("impute"), Step("outliers"), Step("scale"), data=data)
    pd.testing.assert_frame_equal(data, before)


def test_fast_duplicate_detection_on_big_tables_matches_pandas():
    from core.clean._steps import duplicated_rows

    rng = np.random.default_rng(0)
    n = 60_000
    big = pd.DataFrame(
        {
            "id": pd.array([f"c{i % 50_000}" for i in range(n)], dtype="string"),
            "x": rng.integers(0, 30, n).astype("float64"),
            "y": rng.integers(0, 30, n).astype("float64"),
        }
    )
    big.loc[::7, "x"] = np.nan
    big.loc[::11, "y"] = -0.0  # equal to 0.0 for pandas: must count as a duplicate of 0.0 rows
    for subset, keep in [(None, "first"), (["x", "y"], False), (["id"], "last")]:
        expected = big.duplicated(subset=subset, keep=keep)
        pd.testing.assert_series_equal(duplicated_rows(big, subset, keep), expected, check_names=False)


def test_codes_for_not_applicable_are_read_as_missing_and_then_filled_by_the_default_recipe():
    """bank-full's pdays (-1: never contacted) and Home Credit's DAYS_EMPLOYED (365243 for pensioners)."""
    from core.clean import default_recipe

    rng = np.random.default_rng(5)
    n = 400
    never, pensioner = rng.random(n) < 0.7, rng.random(n) < 0.15
    table = pd.DataFrame(
        {
            "id": [f"K{i}" for i in range(n)],
            "pdays": np.where(never, -1, rng.integers(1, 300, n)),
            "DAYS_EMPLOYED": np.where(pensioner, 365_243, -rng.integers(20, 15_000, n)),
            "balance": np.round(rng.normal(1300, 3000, n)),  # negatives are real here: no code
        }
    )
    roles = {"id": "id", "pdays": "feature", "DAYS_EMPLOYED": "feature", "balance": "amount"}
    recipe = default_recipe(table, roles)
    kinds = [step.kind for step in recipe.steps]
    assert kinds.index("codes_as_missing") == kinds.index("impute") - 1
    result = apply_recipe(table, recipe, roles)
    assert not result.table["pdays"].eq(-1).any() and not result.table["DAYS_EMPLOYED"].eq(365_243).any()
    assert result.table["DAYS_EMPLOYED"].max() < 0  # pensioners took the others' median, not a thousand years
    assert result.table["balance"].tolist() == table["balance"].tolist()
    report = next(r for r in result.reports if r.step.endswith("codes_as_missing"))
    assert report.values_changed == int(never.sum() + pensioner.sum())
    assert f"-1 in pdays ({int(never.sum()):,} rows)" in report.message
    assert f"365,243 in DAYS_EMPLOYED ({int(pensioner.sum()):,} rows)" in report.message


def test_a_table_without_codes_gets_no_such_step():
    from core.clean import default_recipe

    assert "codes_as_missing" not in [s.kind for s in default_recipe(frame(), ROLES).steps]


def test_a_yes_no_flag_is_never_capped_away_nor_called_skewed():
    """Home Credit's FLAG_EMAIL (9% ones): the IQR fences of a 0/1 column are [0, 0], so capping erased every 1."""
    from core.clean import diagnose

    rng = np.random.default_rng(6)
    n = 500
    table = pd.DataFrame(
        {
            "id": [f"K{i}" for i in range(n)],
            "FLAG_EMAIL": (rng.random(n) < 0.09).astype("int64"),
            "income": np.round(rng.lognormal(11, 0.8, n), -2),
        }
    )
    roles = {"id": "id", "FLAG_EMAIL": "feature", "income": "amount"}
    capped = apply_recipe(table, Recipe((Step("outliers", {"detect": "iqr", "action": "cap"}),)), roles)
    assert capped.table["FLAG_EMAIL"].tolist() == table["FLAG_EMAIL"].tolist()
    assert capped.table["income"].max() < table["income"].max()  # the step still caps a real number column
    findings = diagnose(table, roles).findings
    assert [f.finding for f in findings if f.column == "FLAG_EMAIL"] == []
    assert any(f.column == "income" and "outliers" in f.finding for f in findings)


def test_give_me_some_credits_96_and_98_are_codes_not_ninety_times_late():
    from layouts import LAYOUTS

    from core import schema
    from core.clean import default_recipe
    from core.io import load_table

    layout = LAYOUTS["give-me-some-credit-with-an-unnamed-index-and-96-98-past-due-codes"](0)
    table = load_table(layout.data, layout.filename).frame
    roles = schema.understand(table).roles
    result = apply_recipe(table, default_recipe(table, roles), roles)
    for column in ("NumberOfTime30-59DaysPastDueNotWorse", "NumberOfTimes90DaysLate"):
        coded = table[column].isin([96, 98])
        assert coded.sum() > 3
        assert result.table[column].max() <= table.loc[~coded, column].max()
    report = next(r for r in result.reports if r.step.endswith("codes_as_missing"))
    assert "98 in NumberOfTimes90DaysLate" in report.message and "96 in NumberOfTimes90DaysLate" in report.message


def test_a_rare_code_far_below_the_rest_is_a_code_and_a_rare_small_one_is_not():
    """Santander's var3: -999999 in a few rows beside 0 to 238; a -1 as rare in a count column stays a number."""
    from core.schema import numeric_codes

    rng = np.random.default_rng(7)
    rare = rng.random(3_000) < 0.004
    region = pd.Series(np.where(rare, -999_999, rng.integers(0, 239, 3_000)))
    assert [code for code, *_ in numeric_codes(region)] == [-999_999.0]
    count = pd.Series(np.where(rare, -1, rng.integers(0, 239, 3_000)))
    assert numeric_codes(count) == []


def test_where_n_a_is_written_9999999999_a_minus_one_is_a_value():
    """Santander's delta_* ratios: 9999999999 for 'no previous value', -1 for a 100% fall (a value)."""
    from core.schema import numeric_codes

    rng = np.random.default_rng(8)
    delta = pd.Series(rng.choice([0.0, -1.0, 0.5, 2.0, 9_999_999_999.0], 2_000, p=[0.8, 0.08, 0.05, 0.05, 0.02]))
    assert [code for code, *_ in numeric_codes(delta)] == [9_999_999_999.0]
    pdays = pd.Series(rng.choice([-1.0, 3.0, 40.0, 200.0], 2_000, p=[0.8, 0.1, 0.05, 0.05]))
    assert [code for code, *_ in numeric_codes(pdays)] == [-1.0]  # bank-full's 'never contacted'
