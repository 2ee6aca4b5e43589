"""AppTest of the Clean page: the recommended recipe applies on first visit and survives leaving the page."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from core.clean import Recipe, Step
from core.schema import infer_roles
from core.transactions import infer_transaction_columns
from pages import _state as state
from pages._state import Dataset

CLEAN_PAGE = "pages/2_Clean.py"


@pytest.fixture(scope="module")
def customers(cc_general_path) -> pd.DataFrame:
    return pd.read_csv(cc_general_path).head(1500)


def _load_customers(app, frame: pd.DataFrame) -> None:
    app.session_state[state.DATASET] = Dataset(name="cc.csv", frame=frame, report=None, sha256="abc")
    app.session_state[state.ROLES] = infer_roles(frame)


def test_first_visit_applies_the_recommended_recipe(app, customers):
    app.run()
    _load_customers(app, customers)
    app.switch_page(CLEAN_PAGE).run()
    assert not app.exception, [e.value for e in app.exception]
    clean = app.session_state[state.CLEAN]
    assert len(clean.table) == len(customers)
    assert np.isfinite(clean.matrix.to_numpy()).all()
    assert "CUST_ID" not in clean.features and "utilisation" in clean.features
    assert any("applied automatically" in info.value for info in app.info)
    shown = [m.value for m in app.markdown]
    assert "**Categories taking part**" not in shown and "**Text columns left out**" not in shown  # numbers only
    assert app.session_state[state.CUSTOMER_SOURCE] == "customers"
    correlation = json.loads(app.get("plotly_chart")[0].proto.spec)
    if len(clean.features) > 12:  # a grid this large is unreadable: the strongest pairs instead
        assert correlation["data"][0]["type"] == "bar"
        assert correlation["layout"]["title"]["text"].startswith("The 15 most correlated pairs")
    else:
        assert correlation["data"][0]["type"] == "heatmap"


def test_recipe_survives_leaving_and_coming_back(app, customers):
    app.run()
    _load_customers(app, customers)
    recipe = Recipe((Step("impute", {"method": "zero"}), Step("scale", {"method": "minmax"})), ("BALANCE", "PAYMENTS"))
    app.session_state[state.RECIPE] = recipe
    app.switch_page(CLEAN_PAGE).run()
    assert app.session_state[state.CLEAN].features == ("BALANCE", "PAYMENTS")
    app.switch_page("pages/1_Upload.py").run()
    app.switch_page(CLEAN_PAGE).run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.session_state[state.RECIPE] == recipe
    assert app.multiselect(key="clean__features").value == ["BALANCE", "PAYMENTS"]
    assert app.session_state[state.CLEAN].matrix.max().max() == pytest.approx(1.0)


def test_removing_a_step_and_accepting_the_recommendation(app, customers):
    app.run()
    _load_customers(app, customers)
    app.switch_page(CLEAN_PAGE).run()
    steps_before = len(app.session_state[state.RECIPE].steps)
    app.button(key="clean__remove_1").click().run()
    assert len(app.session_state[state.RECIPE].steps) == steps_before - 1
    app.button(key="clean__accept").click().run()
    assert not app.exception
    assert len(app.session_state[state.RECIPE].steps) == steps_before


def test_a_failing_step_keeps_the_last_good_result(app, customers):
    app.run()
    _load_customers(app, customers)
    app.switch_page(CLEAN_PAGE).run()
    good = app.session_state[state.CLEAN]
    broken = Recipe((Step("impute", {"method": "median", "columns": ["NOT_THERE"]}),))
    app.session_state[state.RECIPE] = broken
    app.run()
    assert not app.exception
    assert app.session_state[state.CLEAN] is good
    assert any("NOT_THERE" in e.value for e in app.error)


def test_transactions_alone_become_customers(app, sparkov_path):
    tx = pd.read_csv(sparkov_path).head(3000)
    app.run()
    app.session_state[state.TRANSACTIONS] = Dataset(name="tx.csv", frame=tx, report=None, sha256="tx")
    app.session_state[state.TX_COLUMNS] = infer_transaction_columns(tx)
    app.switch_page(CLEAN_PAGE).run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.session_state[state.CUSTOMER_SOURCE] == "transactions"
    assert app.session_state[state.TX_CANONICAL] is not None
    clean = app.session_state[state.CLEAN]
    assert clean.id_column == "customer_id"
    assert {"recency_days", "frequency", "monetary"} <= set(clean.features)


def test_joined_source_reports_matches_and_uses_both_tables(app, sparkov_path):
    tx = pd.read_csv(sparkov_path).head(3000)
    ids = tx["cc_num"].drop_duplicates().head(40).astype(str).tolist()
    customers = pd.DataFrame({"customer_no": [*ids, "999"], "credit_limit": np.linspace(1000, 9000, len(ids) + 1)})
    app.run()
    app.session_state[state.DATASET] = Dataset(name="c.csv", frame=customers, report=None, sha256="c")
    app.session_state[state.ROLES] = {"customer_no": "id", "credit_limit": "amount"}
    app.session_state[state.TRANSACTIONS] = Dataset(name="tx.csv", frame=tx, report=None, sha256="tx")
    app.session_state[state.TX_COLUMNS] = infer_transaction_columns(tx)
    app.session_state[state.CUSTOMER_SOURCE] = "joined"
    app.switch_page(CLEAN_PAGE).run()
    assert not app.exception, [e.value for e in app.exception]
    assert any("40 customers matched. 1 customers in the customer table" in c.value for c in app.caption)
    clean = app.session_state[state.CLEAN]
    assert len(clean.table) == 40 and {"credit_limit", "monetary"} <= set(clean.features)


def test_a_churn_table_says_which_categories_take_part_and_which_text_is_left_out(app):
    import layouts

    from core.io import load_table

    churn = load_table(layouts.bank_churners(n=600).data, "BankChurners.csv").frame
    # a bank's export often carries the branch: 80 names, too many to read as a category
    churn["Branch"] = np.random.default_rng(1).choice([f"Branch {i:03d}" for i in range(80)], size=len(churn))
    app.run()
    _load_customers(app, churn)
    app.switch_page(CLEAN_PAGE).run()
    assert not app.exception, [e.value for e in app.exception]
    shown = [m.value for m in app.markdown]
    assert "**Categories taking part**" in shown and "**Text columns left out**" in shown
    frames = [frame.value for frame in app.dataframe]
    taking_part = next(f for f in frames if "pooled into (other)" in f.columns).set_index("feature")
    assert list(taking_part.index) == [
        "Gender",
        "Education_Level",
        "Marital_Status",
        "Income_Category",
        "Card_Category",
    ]
    assert taking_part.loc["Gender", "levels"] == 2
    left_out = next(f for f in frames if list(f.columns) == ["column", "values", "reason"]).set_index("column")
    assert left_out.loc["Branch", "values"] == 80
    assert left_out.loc["Branch", "reason"].startswith("more than 50 different values")
