"""The ranked-offers table of the Recommendations page: display names, percentages, and what the rank sorts by."""

from __future__ import annotations

import json

import pytest
from pagetest import open_page

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


def test_ranked_offers_have_readable_headers_percentages_and_a_caption_for_the_rank(app, upstream):
    open_page(app, PAGE, upstream)
    table = next(df for df in app.dataframe if "expected_acceptance" in df.value.columns)
    config = json.loads(table.proto.columns)
    labels = {name: spec.get("label") for name, spec in config.items()}
    assert labels["expected_acceptance"] == "Expected acceptance"
    assert labels["eligible_share"] == "Eligible customers (share)"
    assert labels["expected_acceptances"] == "Expected acceptances"
    for name in ("expected_acceptance", "low", "high", "eligible_share"):
        assert config[name]["type_config"]["format"] == "percent", name
    captions = [c.value for c in app.caption]
    assert any(
        c.startswith("Rank sorts each segment's offers by expected acceptances: expected acceptance x eligible")
        and '"few qualify"' in c
        for c in captions
    ), captions
