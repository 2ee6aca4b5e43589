"""Assigning a new file to a saved model says which values the recipe filled in instead of passing them off."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core import pipeline
from core.model import assign_file, model_from_run


@pytest.fixture(scope="module")
def model():
    rng = np.random.default_rng(0)
    n = 300
    frame = pd.DataFrame(
        {
            "CUST_ID": [f"C{i:04d}" for i in range(n)],
            "BALANCE": rng.gamma(2.0, 500.0, n),
            "PURCHASES": rng.gamma(2.0, 300.0, n),
            "CREDIT_LIMIT": rng.choice([1000.0, 3000.0, 8000.0], n),
            "TENURE": rng.choice([6.0, 12.0], n),
        }
    )
    frame.loc[[3, 40], "PURCHASES"] = np.nan  # the training file has gaps too, so the recipe imputes
    result = pipeline.run_segment_pipeline(frame, act=False, k=3)
    return model_from_run(result.clean, result.segmentation, result.names), frame


def test_filled_in_cells_are_named_per_row(model):
    segment_model, frame = model
    new = frame.iloc[:6].copy()
    new.loc[0, "PURCHASES"] = np.nan
    new.loc[1, "PURCHASES"] = np.nan
    new.loc[1, "BALANCE"] = np.nan
    new.loc[3, "PURCHASES"] = 12.5  # observed in this file although blank when the model was trained
    before = new.copy()
    assigned = assign_file(segment_model, new)
    pd.testing.assert_frame_equal(new, before)
    assert assigned["imputed"].tolist() == ["PURCHASES", "BALANCE; PURCHASES", "", "", "", ""]
    assert assigned["PURCHASES"].notna().all(), "the recipe did fill them in"
    assert assigned.loc[3, "PURCHASES"] == 12.5
