"""AppTest of the Profiles page: automatic names, edits that survive a page switch, unique names, charts."""

from __future__ import annotations

import json

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
