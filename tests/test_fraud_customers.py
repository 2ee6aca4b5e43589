"""Customer anomaly scores: a planted outlier ranks first, reasons in original units, bad cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans

import core.fraud._customers as fraud_customers
from core.errors import DataError
from core.fraud import score_customers


def _customers(n: int = 400, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray, np.ndarray]:
    """Two segments of ordinary customers; customer C0399 takes 14x its segment's usual cash advance."""
    rng = np.random.default_rng(seed)
    half = n // 2
    table = pd.DataFrame(
        {
            "CUST_ID": [f"C{i:04d}" for i in range(n)],
            "CASH_ADVANCE": np.r_[rng.normal(100, 10, half), rng.normal(1000, 100, n - half)],
            "PURCHASES": np.r_[rng.normal(2000, 200, half), rng.normal(300, 30, n - half)],
        },
        index=pd.Index(np.arange(n) * 10 + 5, name="customer_row"),
    )
    table.loc[table.index[-1], "CASH_ADVANCE"] = 14_000.0
    features = ["CASH_ADVANCE", "PURCHASES"]
    matrix = (table[features] - table[features].mean()) / table[features].std()
    model = KMeans(2, n_init=4, random_state=0).fit(matrix)
    return table, matrix, model.labels_, model.cluster_centers_


@pytest.fixture(scope="module")
def customers():
    return _customers()


def test_a_planted_outlier_ranks_first_with_its_reason(customers):
    table, matrix, labels, centres = customers
    scored = score_customers(table, matrix, labels, centres, budget=5, id_column="CUST_ID")
    top = scored.loc[scored["anomaly_rank"] == 1].iloc[0]
    assert top.name == table.index[-1]
    assert top["flagged"]
    assert top["customer_id"] == "C0399"
    assert top["reasons"].startswith("cash advances 14x the segment median (14,000 vs ")
    assert scored["flagged"].sum() == 5


def test_output_keeps_the_table_index_and_contract(customers):
    table, matrix, labels, centres = customers
    before = table.copy()
    scored = score_customers(table, matrix, labels, centres)
    pd.testing.assert_frame_equal(table, before)
    assert scored.index.equals(table.index)
    assert scored["anomaly_score"].between(0, 1).all()
    assert sorted(scored["anomaly_rank"]) == list(range(1, len(table) + 1))
    assert {f"score_{m}" for m in fraud_customers.METHODS} <= set(scored)
    assert scored["segment"].tolist() == labels.tolist()
    assert scored["customer_id"].tolist() == [str(i) for i in table.index], "no id column: the index is the id"


def test_numpy_matrix_and_missing_centres_still_work(customers):
    table, matrix, labels, _ = customers
    scored = score_customers(table, matrix.to_numpy(), labels, None, budget=1)
    assert scored.loc[scored["flagged"]].index.tolist() == [table.index[-1]]


def test_budget_larger_than_the_data_is_clipped_with_a_note(customers):
    table, matrix, labels, centres = customers
    scored = score_customers(table, matrix, labels, centres, budget=10_000)
    assert scored["flagged"].all()
    assert any("larger than the 400 rows" in note for note in scored.attrs["notes"])


def test_budget_as_a_percentile(customers):
    table, matrix, labels, centres = customers
    assert score_customers(table, matrix, labels, centres, budget_percent=2.5)["flagged"].sum() == 10


def test_identical_customers_raise_no_alerts():
    table = pd.DataFrame({"BALANCE": [5.0] * 6, "PURCHASES": [1.0] * 6})
    matrix = pd.DataFrame(0.0, index=table.index, columns=table.columns)
    scored = score_customers(table, matrix, np.zeros(6, dtype=int), np.zeros((1, 2)))
    assert not scored["flagged"].any()
    assert any("identical" in note for note in scored.attrs["notes"])


def test_large_tables_fit_lof_on_a_sample_and_say_so(customers, monkeypatch):
    table, matrix, labels, centres = customers
    real = fraud_customers.setting
    monkeypatch.setattr(fraud_customers, "setting", lambda name: 100.0 if name == "lof_sample_above" else real(name))
    scored = score_customers(table, matrix, labels, centres, budget=1)
    assert any("random sample of 100 of the 400 customers" in note for note in scored.attrs["notes"])
    assert scored.loc[scored["flagged"]].index.tolist() == [table.index[-1]]


def test_noise_customers_are_judged_against_the_nearest_segment(customers):
    table, matrix, labels, centres = customers
    noisy = labels.copy()
    noisy[:3] = -1
    scored = score_customers(table, matrix, noisy, centres)
    assert scored["score_segment_distance"].notna().all()


@pytest.mark.parametrize(
    ("change", "message"),
    [("short labels", "different numbers of rows"), ("nan", "missing or infinite")],
    ids=["labels do not match", "matrix has gaps"],
)
def test_bad_input_is_a_data_error(customers, change, message):
    table, matrix, labels, centres = customers
    if change == "short labels":
        labels = labels[:-1]
    else:
        matrix = matrix.copy()
        matrix.iloc[0, 0] = np.nan
    with pytest.raises(DataError, match=message):
        score_customers(table, matrix, labels, centres)


def test_real_cc_general_with_the_real_clean_and_cluster(cc_general_path):
    from core.clean import apply_recipe, default_recipe
    from core.cluster import fit
    from core.io import read_path
    from core.schema import infer_roles

    frame = read_path(cc_general_path).frame
    roles = infer_roles(frame)
    clean = apply_recipe(frame, default_recipe(frame, roles), roles)
    segmentation = fit(clean.matrix, "kmeans", {"k": 4})
    scored = score_customers(clean.table, clean.matrix, segmentation.labels, segmentation.centres, budget=50)
    assert len(scored) == len(clean.table) == 8950
    alerts = scored.loc[scored["flagged"]]
    assert len(alerts) == 50
    assert (alerts["reasons"].str.len() > 0).all()
    assert alerts["reasons"].str.contains("segment median").all()


def test_reasons_name_features_in_the_projects_words_not_raw_column_names(customers):
    table, matrix, labels, centres = customers
    renamed = {"CASH_ADVANCE": "CASH_ADVANCE_TRX", "PURCHASES": "PRC_FULL_PAYMENT"}
    scored = score_customers(
        table.rename(columns=renamed), matrix.rename(columns=renamed), labels, centres, budget=5, id_column="CUST_ID"
    )
    top = scored.loc[scored["anomaly_rank"] == 1, "reasons"].iloc[0]
    assert top.startswith("cash advance transactions 14x the segment median")
    assert "_" not in "".join(scored.loc[scored["flagged"], "reasons"])


def test_protected_attributes_are_left_out_of_customer_anomaly_scores_and_reasons():
    """Home Credit-like applicants: a rare family status or gender must never make a customer "unusual"."""
    from core import pipeline
    from core.schema import understand

    rng = np.random.default_rng(12)
    n = 600
    table = pd.DataFrame(
        {
            "ID": np.arange(5_008_804, 5_008_804 + n),
            "CODE_GENDER": np.where(np.arange(n) < 3, "XNA", rng.choice(["F", "M"], n)),
            "NAME_FAMILY_STATUS": np.where(np.arange(n) < 6, "Widow", rng.choice(["Married", "Single"], n)),
            "AMT_INCOME_TOTAL": rng.lognormal(12, 0.4, n).round(-3),
            "CNT_CHILDREN": rng.poisson(0.6, n),
            "AMT_CREDIT_USED": rng.gamma(2.0, 900.0, n).round(2),
        }
    )
    roles = understand(table).roles
    _, clean = pipeline.prepare(table, roles)
    assert any(c.startswith("CODE_GENDER=") for c in clean.matrix.columns)  # they are segmentation features
    segmentation = pipeline.segment(clean.matrix, "kmeans", {"k": 3})
    alerts = pipeline.customer_alerts(clean, segmentation, None)
    reasons = " ".join(alerts["reasons"].dropna().astype(str)).lower()
    assert "gender" not in reasons and "family" not in reasons and "widow" not in reasons
    assert any(
        "CODE_GENDER (gender)" in note and "NAME_FAMILY_STATUS (marital status)" in note
        for note in alerts.attrs.get("notes", [])
    )
