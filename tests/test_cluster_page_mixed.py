"""AppTest of the Cluster page on a table with categories: which algorithms suit them, and a map by Gower distances."""

from __future__ import annotations

import json

import layouts

from core.clean import apply_recipe, default_recipe
from core.samples import generate_alllife
from core.schema import infer_roles
from pages import _state as state
from pages import _ui as ui


def test_a_churn_table_is_mapped_by_gower_distances_and_the_mixed_algorithms_are_named(app):
    churn = layouts.bank_churners(n=1_200)
    app.run()
    app.switch_page(ui.UPLOAD).run()
    app.get("file_uploader")[0].set_value((churn.filename, churn.data, "text/csv")).run()
    app.switch_page(ui.CLUSTER).run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.session_state[state.CLEAN].fitted.categorical
    said = " ".join(info.value for info in app.info)
    assert "K-Medoids on Gower distances (mixed data) and k-prototypes (mixed data) compare" in said
    assert "Gender" in said and "Card\\_Category" not in said  # plain: an underscore stays as typed
    titles = [json.loads(chart.proto.spec)["layout"]["title"]["text"] for chart in app.get("plotly_chart")]
    mapped = [t for t in titles if "MDS on Gower distances" in t]
    assert mapped == ["MDS on Gower distances of all 1,200 customers"]
    assert any(c.value.startswith("MDS on Gower distances of all 1,200 customers:") for c in app.caption)


def test_numbers_alone_get_no_gower_map_and_no_mixed_data_note(app):
    frame = generate_alllife()
    roles = infer_roles(frame)
    app.run()
    app.session_state[state.DATASET] = state.Dataset("alllife.csv", frame, None, "0" * 64)
    app.session_state[state.ROLES] = roles
    app.session_state[state.CLEAN] = apply_recipe(frame, default_recipe(frame, roles), roles)
    app.switch_page(ui.CLUSTER).run()
    assert not app.exception, [e.value for e in app.exception]
    titles = [json.loads(chart.proto.spec)["layout"]["title"]["text"] for chart in app.get("plotly_chart")]
    assert titles and not [t for t in titles if "Gower" in t]
    assert not [i for i in app.info if "categories" in i.value]
