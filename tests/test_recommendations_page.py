"""The Recommendations page with real upstream state: rankings, lookup, feedback that re-ranks, simulation."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from pagetest import open_page, plotly_specs

from core.clean import apply_recipe, default_recipe
from core.cluster import fit
from core.io import read_path
from core.schema import infer_roles
from pages import _state as state

PAGE = "pages/5_Recommendations.py"


@pytest.fixture(scope="module")
def upstream(cc_general_path):
    frame = read_path(cc_general_path).frame.head(1500)
    roles = infer_roles(frame)
    clean = apply_recipe(frame, default_recipe(frame, roles), roles)
    return {state.CLEAN: clean, state.SEGMENTATION: fit(clean.matrix, "kmeans", {"k": 4})}


def test_segments_show_ranked_offers_with_intervals(app, upstream):
    open_page(app, PAGE, {**upstream, state.NAMES: {0: "Big spenders"}})
    assert app.session_state[state.CATALOGUE]["offer_id"].tolist()[0] == "balance_transfer"
    titles = [spec["layout"]["title"]["text"] for spec in plotly_specs(app)]
    assert "Expected acceptance per segment" in titles
    assert "Big spenders: acceptance per offer" in titles
    posterior = next(s for s in plotly_specs(app) if s["layout"]["title"]["text"].endswith("acceptance per offer"))
    assert posterior["data"][0]["error_x"]["type"] == "data"


def test_recording_an_outcome_updates_feedback_and_moves_the_ranking(app, upstream):
    open_page(app, PAGE, upstream)
    app.number_input(key="recs__prior_strength").set_value(1.0).run()
    customer = upstream[state.CLEAN].table["CUST_ID"].iloc[0]
    app.text_input(key="recs__query").set_value(customer).run()
    assert app.selectbox(key="recs__customer").value == customer
    offer_by_name = dict(zip(*app.session_state[state.CATALOGUE][["name", "offer_id"]].T.values, strict=True))
    # the customer's second offer: their third (fraud alerts, open to everyone) already ranks first by expected value
    lowest = offer_by_name[app.selectbox(key="recs__outcome_offer").options[1]]
    app.selectbox(key="recs__outcome_offer").set_value(lowest).run()
    app.button(key="recs__mark_accepted").click().run()
    assert not app.exception, [e.value for e in app.exception]

    feedback = app.session_state[state.FEEDBACK]
    assert feedback[["customer_id", "offer_id", "outcome"]].values.tolist() == [[customer, lowest, 1]]
    history = app.session_state[state.RANKING_HISTORY]
    assert len(history) == 1
    moved = [df for df in app.dataframe if "movement" in df.value.columns]
    assert moved, "the page shows how the ranking changed"
    assert (moved[0].value["rank"] < moved[0].value["rank_before"]).any()

    app.switch_page("pages/4_Profiles.py").run()
    app.switch_page(PAGE).run()
    assert not app.exception
    assert len(app.session_state[state.FEEDBACK]) == 1
    assert app.text_input(key="recs__query").value == customer
    assert app.number_input(key="recs__prior_strength").value == 1.0


def test_campaign_upload_reports_bad_lines_and_adds_good_rows(app, upstream):
    open_page(app, PAGE, upstream)
    ids = upstream[state.CLEAN].table["CUST_ID"]
    data = f"customer_id,offer,outcome\n{ids.iloc[1]},fraud_alerts,yes\nNOPE,fraud_alerts,no\n{ids.iloc[2]},x,no\n"
    app.file_uploader(key="recs__feedback_file").set_value(("results.csv", data.encode(), "text/csv")).run()
    assert not app.exception
    problems = next(df.value for df in app.dataframe if "line" in df.value.columns)
    assert problems["line"].tolist() == [3, 4]
    app.button(key="recs__feedback_apply").click().run()
    assert not app.exception
    assert app.session_state[state.FEEDBACK]["customer_id"].tolist() == [ids.iloc[1]]
    app.run()
    assert len(app.session_state[state.FEEDBACK]) == 1, "the same file is never added twice"


def test_catalogue_upload_with_a_protected_attribute_is_refused(app, upstream):
    open_page(app, PAGE, upstream)
    before = app.session_state[state.CATALOGUE].copy()
    bad = before.assign(eligible_if=["gender == 1", *before["eligible_if"].tolist()[1:]])
    app.file_uploader(key="recs__catalogue_file").set_value(
        ("offers.csv", bad.to_csv(index=False).encode(), "text/csv")
    ).run()
    assert not app.exception
    assert any("protected attribute" in e.value for e in app.error)
    assert app.session_state[state.CATALOGUE].equals(before)


def test_simulation_panel_draws_a_regret_curve(app, upstream):
    open_page(app, PAGE, upstream)
    app.number_input(key="recs__sim_rounds").set_value(500).run()
    app.button(key="recs__sim_run").click().run()
    assert not app.exception
    run = app.session_state["recs__simulation"]["run"]
    assert len(run) == 500
    regret = next(s for s in plotly_specs(app) if s["layout"]["title"]["text"].startswith("Acceptances lost"))
    assert regret["data"][0]["y"] is not None


def test_customer_lookup_suggests_categories_customers_like_them_use(app, upstream):
    clean, segmentation = upstream[state.CLEAN], upstream[state.SEGMENTATION]
    ids, labels = clean.table["CUST_ID"].to_numpy(), segmentation.labels
    me, peer = ids[labels == labels[0]][:2]
    other = ids[labels != labels[0]][0]
    canonical = pd.DataFrame(
        {
            "customer_id": [me, peer, peer, other, other],
            "category": ["grocery_pos", "travel", "travel", "grocery_pos", "gas_transport"],
        }
    )
    open_page(app, PAGE, {**upstream, state.TX_CANONICAL: canonical})
    assert app.selectbox(key="recs__customer").value == me
    spoken = [m.value for m in app.markdown if "also spend on" in m.value]
    # segment: travel 2 of 3 transactions; everyone: 2 of 5 -> lift (2/3) / (2/5) = 1.7
    assert spoken == ["**Customers like this one also spend on:** travel (1.7x)"]


def test_an_opted_in_deployment_keeps_feedback_across_sessions(app, upstream, tmp_path, monkeypatch):
    monkeypatch.setenv("CARDLENS_FEEDBACK_DIR", str(tmp_path))
    open_page(app, PAGE, upstream)
    customer = upstream[state.CLEAN].table["CUST_ID"].iloc[0]
    app.text_input(key="recs__query").set_value(customer).run()
    app.button(key="recs__mark_declined").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert (tmp_path / "feedback.csv").exists()

    from streamlit.testing.v1 import AppTest

    entrypoint = Path(__file__).resolve().parents[1] / "streamlit_app.py"
    second_visitor = AppTest.from_file(str(entrypoint), default_timeout=60)
    open_page(second_visitor, PAGE, upstream)
    stored = second_visitor.session_state[state.FEEDBACK]
    assert stored[["customer_id", "outcome"]].values.tolist() == [[customer, 0]]


def test_without_the_setting_nothing_is_written(app, upstream, tmp_path, monkeypatch):
    monkeypatch.delenv("CARDLENS_FEEDBACK_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    open_page(app, PAGE, upstream)
    app.button(key="recs__mark_accepted").click().run()
    assert len(app.session_state[state.FEEDBACK]) == 1
    assert list(tmp_path.iterdir()) == []
