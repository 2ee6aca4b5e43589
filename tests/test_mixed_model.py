"""Saved mixed-data models: the Gower / k-prototypes space in the model file, assignment by the fit's own rule.

A model of Gower K-Medoids or k-prototypes saves how it compares customers (numeric ranges and weights, category
blocks with their levels, gamma) beside its medoids or prototypes, so ``assign_file`` and the score engines place
a new file exactly as the fit placed its own customers; levels not seen at fit time are counted and reported.
"""

from __future__ import annotations

import functools
import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import silhouette_score

from core import cluster
from core.__main__ import main
from core.clean import apply_recipe, default_recipe
from core.cluster._mixed import silhouette_of
from core.errors import DataError
from core.model import (
    assign_file,
    assign_file_confidence,
    model_from_json,
    model_from_run,
    model_to_json,
    unseen_level_lines,
    unseen_levels,
)
from tests.test_mixed import ROLES, planted_customers


def saved_model(frame: pd.DataFrame, algorithm: str, k: int = 4):
    clean = apply_recipe(frame, default_recipe(frame, ROLES), ROLES)
    segmentation = cluster.fit(clean.matrix, algorithm, {"k": k})
    return segmentation, model_from_json(model_to_json(model_from_run(clean, segmentation)))


@pytest.fixture(scope="module")
def planted():
    frame, _ = planted_customers(n=1_500, seed=4)
    frame.loc[:9, "Card_Category"] = "Black"  # 0.7% of customers: pooled into (other)
    return frame


@pytest.fixture(scope="module")
def saved(planted):
    """``saved_model(planted, algorithm)``, fitted once per algorithm for the whole module."""
    return functools.cache(lambda algorithm: saved_model(planted, algorithm))


@pytest.fixture(scope="module", params=["gower-kmedoids", "kprototypes"], ids=["Gower K-Medoids", "k-prototypes"])
def fitted(request, saved):
    return saved(request.param)


def test_reassigning_the_fitted_customers_reproduces_every_label(planted, fitted):
    segmentation, model = fitted
    assigned = assign_file(model, planted)
    assert (assigned["segment"].to_numpy() == segmentation.labels).all()
    assert unseen_levels(model, assigned).empty


def test_the_saved_models_confidence_is_the_fits_own_by_the_same_distance_or_cost(planted, fitted):
    segmentation, model = fitted
    assigned = assign_file_confidence(model, planted)
    np.testing.assert_allclose(assigned["confidence"], segmentation.confidence, rtol=0, atol=1e-9)
    assert ((assigned["confidence"] >= 0) & (assigned["confidence"] <= 1)).all()
    assert (assigned["second_distance"] >= assigned["distance"]).all()


@pytest.mark.slow
def test_the_sampled_gower_path_reassigns_its_customers_identically_too():
    frame, _ = planted_customers(n=6_000, seed=5)
    segmentation, model = saved_model(frame, "gower-kmedoids", k=5)
    assert any("seeded samples" in note for note in segmentation.notes)
    assert (assign_file(model, frame)["segment"].to_numpy() == segmentation.labels).all()


def test_the_model_file_describes_the_mixed_space(fitted):
    segmentation, model = fitted
    document = json.loads(model_to_json(model))["mixed"]
    space = segmentation.model
    assert document["method"] == space.method
    assert document["centres"] == {"gower": "medoids", "prototypes": "prototypes"}[space.method]
    assert [item["column"] for item in document["numeric"]] == list(space.numeric)
    card = next(item for item in document["categories"] if item["feature"] == "Card_Category")
    assert card["levels"] == ["Blue", "Gold", "Platinum", "Silver", "(other)"]
    assert card["pooled"] == ["Black"]
    assert [model.features[c] for c in card["columns"]] == [f"Card_Category={level}" for level in card["levels"]]
    assert document["gamma"] == space.gamma
    assert model.mixed.space == space  # read back exactly


def test_unseen_levels_mismatch_every_centre_and_are_counted(planted, fitted):
    _, model = fitted
    new = planted.head(40).copy()
    new.loc[new.index[:12], "Card_Category"] = "Titanium"  # never seen; Card_Category has an (other) level
    new.loc[new.index[12:14], "Card_Category"] = "Black"  # seen at fit time, pooled: not unseen
    assigned = assign_file(model, new)
    unseen = unseen_levels(model, assigned)
    assert unseen.to_dict("records") == [{"feature": "Card_Category", "level": "Titanium", "customers": 12}]
    assert unseen_level_lines(unseen) == [
        "Card_Category: 12 customers with a level not seen when the model was fitted (Titanium)"
    ]
    # a mismatch with every centre: the distance is what the customer would have with no Card_Category match
    space = model.mixed.space
    values = assign_file(model, planted.head(40))  # the same customers as fitted
    card = dict(space.blocks)["Card_Category"]
    matrix = apply_recipe(planted, default_recipe(planted, ROLES), ROLES).fitted.transform(new)[1]
    cleared = matrix[list(model.features)].to_numpy().copy()
    cleared[:12, list(card)] = 0.0
    expected_segment, expected_distance = space.nearest(cleared, model.centres)
    assert assigned["segment"].tolist() == expected_segment.tolist()
    np.testing.assert_allclose(assigned["distance"], expected_distance, rtol=0, atol=1e-12)
    cost = space.mismatch_costs[space.categorical.index("Card_Category")]
    total = sum(space.numeric_weights) + sum(space.category_weights) if space.method == "gower" else 1.0
    assert (assigned["distance"].to_numpy()[:12] >= cost / total - 1e-12).all()
    assert (assigned["distance"].to_numpy()[14:] == values["distance"].to_numpy()[14:]).all()


def test_assign_reports_unseen_levels_per_feature(planted, fitted, tmp_path, capsys):
    _, model = fitted
    new = planted.head(30).copy()
    new.loc[new.index[:12], "Card_Category"] = "Titanium"
    new.loc[new.index[:1], "Marital_Status"] = "Widowed"
    (tmp_path / "model.json").write_text(model_to_json(model))
    new.to_csv(tmp_path / "new.csv", index=False)
    status = main(["assign", str(tmp_path / "model.json"), str(tmp_path / "new.csv"), "--out", str(tmp_path / "o.csv")])
    out = capsys.readouterr().out
    assert status == 0
    assert "Card_Category: 12 customers with a level not seen when the model was fitted (Titanium)" in out
    assert "Marital_Status: 1 customer with a level not seen when the model was fitted (Widowed)" in out


def test_a_model_saved_before_the_mixed_section_still_loads_and_assigns(planted, fitted):
    _, model = fitted
    document = json.loads(model_to_json(model))
    del document["mixed"]
    old = model_from_json(json.dumps(document))
    assert old.mixed is None
    assert len(assign_file(old, planted.head(20))) == 20  # euclidean to the centres, as before


def _mixed(document: dict) -> dict:
    return document["mixed"]


DAMAGE = {
    "a list instead of a mapping": lambda d: d.update(mixed=[]),
    "an unknown distance": lambda d: _mixed(d).update(method="cosine"),
    "numeric columns missing": lambda d: _mixed(d).pop("numeric"),
    "a feature placed twice": lambda d: _mixed(d)["numeric"][1].update(column=_mixed(d)["numeric"][0]["column"]),
    "a column number as text": lambda d: _mixed(d)["numeric"][0].update(column="0"),
    "a zero range": lambda d: _mixed(d)["numeric"][0].update(range=0),
    "a huge integer range": lambda d: _mixed(d)["numeric"][0].update(range=10**400),
    "a negative weight": lambda d: _mixed(d)["categories"][0].update(weight=-1),
    "gamma as text": lambda d: _mixed(d).update(gamma="2"),
    "levels that do not match the columns": lambda d: _mixed(d)["categories"][0]["levels"].reverse(),
    "a category without columns": lambda d: _mixed(d)["categories"][0].update(columns=[]),
    "pooled levels as numbers": lambda d: _mixed(d)["categories"][0].update(pooled=[1]),
    "a category that is not a mapping": lambda d: _mixed(d)["categories"].append("Gender"),
}


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_a_damaged_mixed_section_is_refused_in_one_sentence(fitted, damage):
    _, model = fitted
    document = json.loads(model_to_json(model))
    damage(document)
    with pytest.raises(DataError, match=r"^The model file is damaged: [^\n]*\. Save the model again") as error:
        model_from_json(json.dumps(document))
    assert "\n" not in str(error.value)


def test_the_pandas_score_engine_places_mixed_customers_as_assign_does(planted, fitted, tmp_path):
    from core.scale import score

    _, model = fitted
    new = planted.copy()
    new.loc[new.index[:5], "Card_Category"] = "Titanium"
    new.to_csv(tmp_path / "new.csv", index=False)
    score(model, tmp_path / "new.csv", tmp_path / "out")
    scored = pd.read_parquet(tmp_path / "out" / "customers")
    expected = assign_file(model, pd.read_csv(tmp_path / "new.csv", dtype={"CLIENTNUM": str}))
    assert scored["segment"].tolist() == expected["segment"].tolist()
    np.testing.assert_allclose(scored["distance"], expected["distance"], rtol=0, atol=1e-12)


@pytest.mark.slow
def test_spark_places_mixed_customers_as_the_pandas_engine_does(planted, saved, spark, tmp_path):
    from core.scale import score

    _, model = saved("gower-kmedoids")
    new = planted.copy()
    new.loc[new.index[:5], "Card_Category"] = "Titanium"
    new.to_csv(tmp_path / "new.csv", index=False)
    score(model, tmp_path / "new.csv", tmp_path / "spark", engine="spark", spark=spark)
    score(model, tmp_path / "new.csv", tmp_path / "pandas")
    by_pandas = pd.read_parquet(tmp_path / "pandas" / "customers").set_index("CLIENTNUM")
    by_spark = pd.read_parquet(tmp_path / "spark" / "customers").set_index("CLIENTNUM").loc[by_pandas.index]
    assert by_spark["segment"].tolist() == by_pandas["segment"].tolist()
    np.testing.assert_allclose(by_spark["distance"], by_pandas["distance"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(by_spark["confidence"], by_pandas["confidence"], rtol=0, atol=1e-9)
    assert by_spark["top_offers"].tolist() == by_pandas["top_offers"].tolist()


def test_the_silhouette_from_a_distance_matrix_matches_scikit_learn():
    rng = np.random.default_rng(0)
    points = rng.normal(size=(200, 3))
    distances = np.sqrt(((points[:, None] - points[None]) ** 2).sum(axis=2)).astype(np.float32)
    labels = rng.integers(0, 4, 200)
    labels[0] = 4  # a segment of one customer scores 0, as in scikit-learn
    expected = silhouette_score(distances.astype(np.float64), labels, metric="precomputed")
    assert silhouette_of(distances, labels) == pytest.approx(expected, abs=1e-6)


def test_metrics_and_the_sweep_say_their_silhouette_is_on_gower_distances_for_mixed_algorithms(planted, fitted):
    segmentation, _ = fitted
    matrix = apply_recipe(planted, default_recipe(planted, ROLES), ROLES).matrix
    gower = cluster.segmentation_metrics(matrix, segmentation.labels, algorithm=segmentation.algorithm)
    plain = cluster.segmentation_metrics(matrix, segmentation.labels)
    assert (gower["silhouette_distance"], plain["silhouette_distance"]) == ("Gower", "euclidean")
    expected = silhouette_score(cluster.gower_distances(matrix), segmentation.labels, metric="precomputed")
    assert gower["silhouette"] == pytest.approx(expected, abs=1e-4)
    table, _ = cluster.compare(matrix, {"mixed": segmentation})
    assert table.loc["mixed", "silhouette_distance"] == "Gower"
    sweep = cluster.sweep_k(matrix, segmentation.algorithm, range(2, 4), sample_size=500)
    assert sweep.silhouette_distance == "Gower"
