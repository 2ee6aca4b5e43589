"""A one-customer segment: its description says "1 customer" and the Profiles page warns it is too small."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
from pagetest import open_page

from core.clean import apply_recipe, default_recipe
from core.cluster import fit
from core.guards import segment_warnings
from core.naming import name_segments
from core.profiles import profile_segments
from core.samples import generate_alllife
from core.schema import infer_roles
from pages import _state as state

PROFILES = "pages/4_Profiles.py"


def test_a_segment_of_one_customer_reads_in_the_singular_and_is_called_too_small():
    table = pd.DataFrame({"spend": [10.0] * 60 + [20.0] * 39 + [500.0]})
    labels = np.array([0] * 60 + [1] * 39 + [2])
    named = name_segments(profile_segments(table, labels, ["spend"]), "generic")
    assert "(1 customer," in named[2].description and "1 customers" not in named[2].description
    assert "(39 customers," in named[1].description
    warnings = segment_warnings(table, labels, {"spend": "amount"})
    assert warnings == ["Segment 2 holds 1 customer: too small to act on; try a smaller k."]


def test_the_tiny_segment_floor_grows_with_the_table_and_ignores_noise():
    big = np.array([0] * 1500 + [1] * 493 + [2] * 7)  # 0.5% of 2,000 is 10: 7 customers is too few
    assert segment_warnings(pd.DataFrame({"x": np.zeros(2000)}), big, {}) == [
        "Segment 2 holds 7 customers: too small to act on; try a smaller k."
    ]
    noise = np.array([0] * 60 + [1] * 35 + [-1] * 5)  # noise is not a segment
    assert segment_warnings(pd.DataFrame({"x": np.zeros(100)}), noise, {}) == []


def test_the_profiles_page_warns_about_a_one_customer_segment(app):
    frame = generate_alllife()
    roles = infer_roles(frame)
    clean = apply_recipe(frame, default_recipe(frame, roles), roles)
    fitted = fit(clean.matrix, "kmeans", {"k": 3})
    labels = fitted.labels.copy()
    labels[int(np.flatnonzero(labels == 0)[0])] = 3  # one customer of the largest segment on its own
    row = clean.matrix.to_numpy()[labels == 3] if hasattr(clean.matrix, "to_numpy") else clean.matrix[labels == 3]
    segmentation = dataclasses.replace(fitted, labels=labels, centres=np.vstack([fitted.centres, row]))
    open_page(
        app,
        PROFILES,
        {
            state.DATASET: state.Dataset("alllife.csv", frame, None, "0" * 64),
            state.ROLES: roles,
            state.CLEAN: clean,
            state.SEGMENTATION: segmentation,
        },
    )
    assert any("Segment 3 holds 1 customer: too small to act on" in t.value for t in app.text)
    assert not any("1 customers" in str(df.value.to_dict()) for df in app.dataframe)
