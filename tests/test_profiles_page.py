"""AppTest of the Profiles page: automatic names, edits that survive a page switch, unique names, charts."""

from __future__ import annotations

import json

import layouts

from core.clean import apply_recipe, default_recipe
from core.cluster import fit
from core.samples import generate_alllife
from core.schema import infer_roles
from pages import _state as state

PROFILES = "pages/4_Profiles.py"


def seed(app) -> None:
    frame = generate_alllife()
    roles = infer_roles(frame)
    clean = apply_recipe(frame, default_recipe(frame, roles), roles)
    app.session_state[state.DATASET] = state.Dataset("alllife.csv", frame, None, "0" * 64)
    app.session_state[state.ROLES] = roles
    app.session_state[state.CLEAN] = clean
    app.session_state[state.SEGMENTATION] = fit(clean.matrix, "kmeans", {"k": 3})


def open_profiles(app):
    app.run()
    seed(app)
    app.switch_page(PROFILES).run()
    assert not app.exception, app.exception
    return app


def test_profiles_page_names_segments_and_draws_the_charts(app):
    open_profiles(app)
    names = app.session_state[state.NAMES]
    assert {n.lower() for n in names.values()} == {
        "low-limit phone-first",
        "mid-limit branch-first",
        "premium online-first",
    }
    assert len(app.session_state[state.DESCRIPTIONS]) == 3
    specs = [json.loads(chart.proto.spec) for chart in app.get("plotly_chart")]
    kinds = [spec["data"][0]["type"] for spec in specs]
    assert kinds[:3] == ["bar", "heatmap", "scatter"] and "box" in kinds
    assert len(specs[1]["data"][0]["y"]) == 3
    assert "How the categories differ" not in [h.value for h in app.subheader]  # numbers only: nothing new
    assert app.selectbox(key="profiles__box_feature") is not None
    assert [b.label for b in app.get("download_button")][-3:] == [
        "Download workbook (.xlsx)",
        "Customers with segments (.csv)",
        "Segment model (.json)",
    ]


def test_a_name_edit_flows_to_state_and_survives_a_page_switch(app):
    open_profiles(app)
    first = int(app.data_editor[0].value["segment"].iloc[0])
    app.session_state["profiles__names"] = {
        "edited_rows": {0: {"name": "My best customers"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    app.run()
    assert not app.exception
    assert app.session_state[state.NAMES][first] == "My best customers"
    app.switch_page("pages/1_Upload.py").run()
    app.switch_page(PROFILES).run()
    assert not app.exception
    assert app.session_state[state.NAMES][first] == "My best customers"
    assert app.data_editor[0].value["name"].iloc[0] == "My best customers"


def test_a_duplicate_name_is_refused_with_a_message(app):
    open_profiles(app)
    before = dict(app.session_state[state.NAMES])
    taken = app.data_editor[0].value["name"].iloc[1].upper()  # differs only in capitals: still the same name
    app.session_state["profiles__names"] = {"edited_rows": {0: {"name": taken}}, "added_rows": [], "deleted_rows": []}
    app.run()
    assert not app.exception
    assert any("own name" in e.value for e in app.error)
    assert app.session_state[state.NAMES] == before


def test_the_box_plot_feature_choice_is_kept(app):
    open_profiles(app)
    app.selectbox(key="profiles__box_feature").set_value("Total_calls_made").run()
    app.switch_page("pages/1_Upload.py").run()
    app.switch_page(PROFILES).run()
    assert app.selectbox(key="profiles__box_feature").value == "Total_calls_made"


def test_the_model_offered_for_download_places_the_same_customers_in_the_same_named_segments(app):
    from core.model import assign_file, model_from_json, model_from_run, model_to_json

    open_profiles(app)
    names = app.session_state[state.NAMES]
    clean = app.session_state[state.CLEAN]
    segmentation = app.session_state[state.SEGMENTATION]
    model = model_from_json(
        model_to_json(model_from_run(clean, segmentation, names, app.session_state[state.DESCRIPTIONS]))
    )
    assigned = assign_file(model, app.session_state[state.DATASET].frame)
    assert assigned["segment"].tolist() == list(segmentation.labels)
    assert set(assigned["segment_name"]) == set(names.values())


def test_a_mixed_table_shows_level_shares_tests_and_sentences_about_its_categories(app):
    churn = layouts.bank_churners(n=1_200)
    app.run()
    app.switch_page("pages/1_Upload.py").run()
    app.get("file_uploader")[0].set_value((churn.filename, churn.data, "text/csv")).run()
    app.switch_page(PROFILES).run()
    assert not app.exception, [e.value for e in app.exception]
    categorical = list(app.session_state[state.CLEAN].fitted.categorical)
    assert {"Gender", "Income_Category", "Card_Category"} <= set(categorical)
    assert "How the categories differ" in [h.value for h in app.subheader]

    chosen = app.selectbox(key="profiles__category_feature")
    assert chosen.options == categorical
    app.selectbox(key="profiles__category_feature").set_value("Card_Category").run()
    assert not app.exception, [e.value for e in app.exception]
    specs = [json.loads(chart.proto.spec) for chart in app.get("plotly_chart")]
    bars = [spec for spec in specs if spec["layout"].get("barmode") == "stack"]
    assert len(bars) == 1 and bars[0]["data"][0]["name"] == "Blue"
    assert bars[0]["data"][0]["y"][-1] == "Portfolio"

    level_columns = ["segment", "level", "customers", "share", "portfolio_share", "index"]
    levels = next(frame.value for frame in app.dataframe if list(frame.value.columns) == level_columns)
    assert set(levels["level"]) == {"Blue", "Silver", "Gold", "Platinum"}
    assert levels.groupby("segment")["share"].sum().round(6).eq(1).all()
    tests = [frame.value for frame in app.dataframe if "cramers_v" in frame.value.columns and "chi2_p" in frame.value]
    assert tests and set(tests[0]["feature"]) == set(categorical)
    assert any("eta_squared" in frame.value.columns and "anova_f" in frame.value for frame in app.dataframe)
    sentences = [m.value for m in app.markdown if m.value.startswith("- ") and "overall" in m.value]
    assert sentences, "the segments of the churn table differ in gender and income, so a sentence says so"
    app.switch_page("pages/1_Upload.py").run()
    app.switch_page(PROFILES).run()
    assert app.selectbox(key="profiles__category_feature").value == "Card_Category"
