"""The Fraud page with real upstream state: alerts, budget, charts, evaluation and reviews that persist."""

from __future__ import annotations

import pytest
from pagetest import open_page, plotly_specs

from core.clean import apply_recipe, default_recipe
from core.cluster import fit
from core.io import read_path
from core.schema import infer_roles
from core.transactions import infer_transaction_columns, standardize_transactions
from pages import _state as state

PAGE = "pages/6_Fraud.py"


@pytest.fixture(scope="module")
def customers(cc_general_path):
    frame = read_path(cc_general_path).frame.head(1500)
    roles = infer_roles(frame)
    clean = apply_recipe(frame, default_recipe(frame, roles), roles)
    return clean, fit(clean.matrix, "kmeans", {"k": 4})


@pytest.fixture(scope="module")
def canonical(sparkov_path):
    frame = read_path(sparkov_path).frame
    return standardize_transactions(frame, infer_transaction_columns(frame))[0]


def test_customer_alerts_with_segment_names_reasons_and_a_review_that_persists(app, customers):
    clean, segmentation = customers
    open_page(app, PAGE, {state.CLEAN: clean, state.SEGMENTATION: segmentation, state.NAMES: {0: "Big spenders"}})
    scored = app.session_state[state.FRAUD_CUSTOMERS]
    assert len(scored) == 1500
    alerts = scored.loc[scored["flagged"]]
    assert len(alerts) == 50
    assert (alerts["reasons"].str.len() > 0).all()
    assert "Big spenders" in set(scored["segment_name"])
    assert any("flagged" in [t.get("name") for t in spec["data"]] for spec in plotly_specs(app))

    first = app.selectbox(key="fraud__customers_review_alert").value
    assert first == "customer:" + alerts.sort_values("anomaly_rank")["customer_id"].iloc[0]
    app.button(key="fraud__customers_mark_confirmed_fraud").click().run()
    assert not app.exception
    assert app.session_state[state.FRAUD_REVIEWS] == {first: "confirmed fraud"}
    assert any(m.label == "Precision of reviewed alerts" and m.value == "100%" for m in app.metric)

    app.switch_page("pages/4_Profiles.py").run()
    app.switch_page(PAGE).run()
    assert app.session_state[state.FRAUD_REVIEWS] == {first: "confirmed fraud"}
    assert not app.exception


def test_the_budget_is_a_count_or_a_percentile_and_survives_navigation(app, customers):
    clean, segmentation = customers
    open_page(app, PAGE, {state.CLEAN: clean, state.SEGMENTATION: segmentation})
    app.number_input(key="fraud__customers_budget_n").set_value(20).run()
    assert app.session_state[state.FRAUD_CUSTOMERS]["flagged"].sum() == 20
    app.switch_page("pages/4_Profiles.py").run()
    app.switch_page(PAGE).run()
    assert app.number_input(key="fraud__customers_budget_n").value == 20
    assert app.session_state[state.FRAUD_CUSTOMERS]["flagged"].sum() == 20

    app.radio(key="fraud__customers_budget_kind").set_value("percent").run()
    app.number_input(key="fraud__customers_budget_pct").set_value(2.0).run()
    assert not app.exception
    assert app.session_state[state.FRAUD_CUSTOMERS]["flagged"].sum() == 30


def test_a_budget_larger_than_the_data_is_clipped_with_a_note(app, customers):
    clean, segmentation = customers
    open_page(app, PAGE, {state.CLEAN: clean, state.SEGMENTATION: segmentation})
    app.number_input(key="fraud__customers_budget_n").set_value(5000).run()
    assert not app.exception
    assert app.session_state[state.FRAUD_CUSTOMERS]["flagged"].all()
    assert any("larger than the 1,500 rows" in i.value for i in app.info)


def test_customers_without_labels_get_a_note_instead_of_an_evaluation(app, customers):
    clean, segmentation = customers
    open_page(app, PAGE, {state.CLEAN: clean, state.SEGMENTATION: segmentation})
    assert any("No fraud label column in the customers" in i.value for i in app.info)


def test_transactions_are_scored_evaluated_and_reviewed(app, canonical):
    open_page(app, PAGE, {state.TX_CANONICAL: canonical})
    scored = app.session_state[state.FRAUD_TRANSACTIONS]
    assert len(scored) == len(canonical) == 15000
    assert scored["flagged"].sum() == 100
    metrics = {m.label: m.value for m in app.metric}
    assert float(metrics["PR-AUC"]) >= 0.25
    assert metrics["Base rate"] == "0.57%"
    pr = next(spec for spec in plotly_specs(app) if spec["layout"]["xaxis"]["title"]["text"].startswith("recall"))
    assert [t["name"].split(" ")[0] for t in pr["data"]] == ["this", "base", "top"]
    assert pr["data"][1]["y"] == [pytest.approx(85 / 15000)] * 2

    key = app.selectbox(key="fraud__transactions_review_alert").value
    assert key.startswith("transaction:")
    app.button(key="fraud__transactions_mark_false_alarm").click().run()
    assert app.session_state[state.FRAUD_REVIEWS] == {key: "false alarm"}
    assert any(m.label == "Precision of reviewed alerts" and m.value == "0%" for m in app.metric)
    app.button(key="fraud__transactions_mark_not_reviewed").click().run()
    assert app.session_state[state.FRAUD_REVIEWS] == {}


def test_transactions_without_labels_show_a_note(app, canonical):
    open_page(app, PAGE, {state.TX_CANONICAL: canonical.drop(columns="label").head(3000)})
    assert app.session_state[state.FRAUD_TRANSACTIONS]["flagged"].sum() == 100
    assert any("No fraud label column in the transactions" in i.value for i in app.info)
    assert not any(m.label == "PR-AUC" for m in app.metric)


def test_without_transactions_the_tab_says_what_it_needs(app, customers):
    clean, segmentation = customers
    open_page(app, PAGE, {state.CLEAN: clean, state.SEGMENTATION: segmentation})
    assert any("Load a transaction table" in i.value for i in app.info)
    assert state.FRAUD_TRANSACTIONS not in app.session_state


def test_kept_scores_follow_a_renamed_segment_and_are_not_rescored_on_a_plain_rerun(app, customers):
    clean, segmentation = customers
    open_page(app, PAGE, {state.CLEAN: clean, state.SEGMENTATION: segmentation, state.NAMES: {0: "Big spenders"}})
    first = app.session_state[state.FRAUD_CUSTOMERS]
    app.run()
    assert app.session_state[state.FRAUD_CUSTOMERS] is first  # a rerun keeps the session's scores as they are
    app.session_state[state.NAMES] = {0: "Revolvers"}
    app.run()
    renamed = app.session_state[state.FRAUD_CUSTOMERS]
    assert "Revolvers" in set(renamed["segment_name"]) and "Big spenders" not in set(renamed["segment_name"])
