"""A scored customer's confidence: ``1 - d1 / d2`` from the distances to the nearest and second-nearest centre.

A tiny hand-made model (two numeric columns, no transform or scaling, so matrix space is the raw values) places
a customer on a centre (confidence exactly 1), halfway between two centres (0) and in between; a one-segment
model gives 1; and the score output carries the column with the segment's offers.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from core.clean import Recipe, apply_recipe
from core.model import SegmentModel, assign_file, assign_file_confidence, confidence_from_distances, model_from_run
from core.scale import model_columns, score
from core.scale._assign import segment_top_offers
from core.schema import infer_roles

CENTRES = np.array([[0.0, 0.0], [10.0, 0.0]])


@pytest.fixture(scope="module")
def tiny() -> tuple[pd.DataFrame, SegmentModel]:
    frame = pd.DataFrame({"CUST_ID": [f"C{i}" for i in range(6)], "x": [0.0, 5.0, 2.0, 10.0, 7.5, 1.0]})
    frame["y"] = 0.0
    frame.loc[5, "y"] = 1.0
    roles = infer_roles(frame)
    clean = apply_recipe(frame, Recipe(features=("x", "y")), roles)
    assert list(clean.matrix.columns) == ["x", "y"] and np.allclose(clean.matrix.to_numpy(), frame[["x", "y"]])
    segmentation = dataclasses.make_dataclass("Fit", ["feature_names", "centres", "algorithm", "params"])(
        ("x", "y"), CENTRES, "kmeans", {}
    )
    return frame, model_from_run(clean, segmentation, {0: "Left", 1: "Right"})


def test_confidence_is_one_on_a_centre_zero_halfway_and_one_minus_the_ratio_between(tiny):
    frame, model = tiny
    out = assign_file_confidence(model, frame).set_index("CUST_ID")
    assert out.loc["C0", "confidence"] == 1.0 and out.loc["C3", "confidence"] == 1.0
    assert out.loc["C1", "confidence"] == pytest.approx(0.0, abs=1e-12)
    assert out.loc["C2", "confidence"] == pytest.approx(1 - 2 / 8, abs=1e-12)
    assert out.loc["C4", ["segment", "distance", "second_distance"]].tolist() == [1, 2.5, 7.5]
    assert out.loc["C4", "confidence"] == pytest.approx(1 - 2.5 / 7.5, abs=1e-12)
    d1, d2 = np.hypot(1, 1), np.hypot(9, 1)
    assert out.loc["C5", "confidence"] == pytest.approx(1 - d1 / d2, abs=1e-12)
    assert out["confidence"].between(0, 1).all()
    plain = assign_file(model, frame)
    assert "confidence" not in plain.columns
    assert plain["segment"].tolist() == out["segment"].tolist()


def test_a_one_segment_model_is_fully_confident(tiny):
    frame, model = tiny
    alone = dataclasses.replace(model, centres=CENTRES[:1], names={0: "All"})
    out = assign_file_confidence(alone, frame)
    assert (out["confidence"] == 1.0).all() and np.isinf(out["second_distance"]).all()


def test_confidence_from_distances_handles_equal_zero_and_infinite_distances():
    got = confidence_from_distances(np.array([0.0, 3.0, 0.0, 2.0, 1.0]), np.array([4.0, 3.0, 0.0, np.inf, 4.0]))
    np.testing.assert_array_equal(got, [1.0, 0.0, 0.0, 1.0, 0.75])


def test_score_writes_confidence_and_the_segments_offers(tiny, tmp_path):
    frame, model = tiny
    frame.to_csv(tmp_path / "tiny.csv", index=False)
    summary = score(model, tmp_path / "tiny.csv", tmp_path / "out")
    scored = pd.read_parquet(tmp_path / "out" / "customers")
    assert list(scored.columns) == ["CUST_ID", "segment", "segment_name", "distance", "confidence", "top_offers"]
    offers, notes = segment_top_offers(model, frame, model_columns(model))
    assert scored["top_offers"].tolist() == [offers.get(s, "") for s in scored["segment"]]
    assert summary.notes == notes


def test_when_no_offer_can_be_ranked_the_column_is_empty_and_the_summary_says_why_once(tiny, tmp_path, monkeypatch):
    import core.recommend
    from core.errors import DataError

    def refuse(*args, **kwargs):
        raise DataError("The offer catalogue needs columns this model does not have.")

    monkeypatch.setattr(core.recommend, "segment_offers", refuse)
    frame, model = tiny
    frame.to_csv(tmp_path / "tiny.csv", index=False)
    summary = score(model, tmp_path / "tiny.csv", tmp_path / "out")
    scored = pd.read_parquet(tmp_path / "out" / "customers")
    assert (scored["top_offers"] == "").all() and scored["confidence"].between(0, 1).all()
    assert summary.notes == [
        "No offers were ranked, so top_offers is empty: The offer catalogue needs columns this model does not have."
    ]
