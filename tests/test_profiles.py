"""Segment profiles: statistics against hand-computed values, noise as its own group, plain words."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.errors import DataError
from core.profiles import comparison_words, describe_feature, distinguishing_features, profile_segments

FRAME = pd.DataFrame({"CUST_ID": ["a", "b", "c", "d"], "x": [1.0, 3.0, 10.0, 14.0], "y": [2.0, 2.0, 2.0, 2.0]})


def test_means_medians_index_and_zscores_match_hand_computed_values():
    profiles = profile_segments(FRAME, [0, 0, 1, 1], ["x", "y"])
    pd.testing.assert_frame_equal(
        profiles.sizes, pd.DataFrame({"segment": [0, 1], "size": [2, 2], "share": [0.5, 0.5]})
    )
    assert profiles.means["x"].tolist() == [2.0, 12.0]
    assert profiles.medians["x"].tolist() == [2.0, 12.0]
    # portfolio mean 7: index 2/7*100 and 12/7*100; population std sqrt(27.5)
    assert profiles.index["x"].tolist() == pytest.approx([200 / 7, 1200 / 7])
    assert profiles.zscores["x"].tolist() == pytest.approx([-5 / np.sqrt(27.5), 5 / np.sqrt(27.5)])
    # a constant feature has index 100 and z-score 0
    assert profiles.index["y"].tolist() == [100.0, 100.0]
    assert profiles.zscores["y"].tolist() == [0.0, 0.0]


def test_tests_match_hand_computed_anova_kruskal_and_eta_squared():
    tests = profile_segments(FRAME, [0, 0, 1, 1], ["x", "y"]).tests
    # SSB = 100, SSW = 10 -> F = 100 / (10 / 2) = 20, eta^2 = 100 / 110
    assert tests.at["x", "anova_f"] == pytest.approx(20.0)
    assert tests.at["x", "eta_squared"] == pytest.approx(100 / 110)
    # ranks 1,2 | 3,4 -> H = 12/20 * (9/2 + 49/2) - 15 = 2.4
    assert tests.at["x", "kruskal_h"] == pytest.approx(2.4)
    assert tests.at["x", "kruskal_p"] == pytest.approx(0.12133, abs=1e-4)
    assert tests.index[0] == "x"  # most distinguishing first
    assert np.isnan(tests.at["y", "eta_squared"])


def test_noise_is_profiled_as_its_own_group_and_inputs_are_not_changed():
    frame = FRAME.copy()
    profiles = profile_segments(frame, np.array([-1, 0, 0, 1]), ["x"])
    assert profiles.segments == [-1, 0, 1]
    assert profiles.sizes["size"].tolist() == [1, 2, 1]
    assert profiles.means.loc[-1, "x"] == 1.0
    pd.testing.assert_frame_equal(frame, FRAME)


def test_missing_values_are_left_out_of_that_feature_only():
    frame = FRAME.assign(z=[1.0, np.nan, 5.0, 7.0])
    profiles = profile_segments(frame, [0, 0, 1, 1], ["x", "z"])
    assert profiles.means["z"].tolist() == [1.0, 6.0]
    assert profiles.tests.at["x", "anova_f"] == pytest.approx(20.0)
    assert np.isfinite(profiles.tests.at["z", "anova_f"])


@pytest.mark.parametrize(
    ("labels", "features", "message"),
    [
        ([0, 1], ["x"], "do not match"),
        ([0, 0, 1, 1], ["nope"], "not in the table"),
        ([0, 0, 1, 1], ["CUST_ID"], "numeric"),
    ],
    ids=["labels of another length", "an unknown feature", "a text feature"],
)
def test_bad_input_raises_an_actionable_data_error(labels, features, message):
    with pytest.raises(DataError, match=message):
        profile_segments(FRAME, labels, features)


def test_plain_words_follow_the_feature_vocabulary():
    assert describe_feature("ONEOFF_PURCHASES", 420.0, 2.0) == "spends 4.2x the average on one-off purchases"
    assert describe_feature("PURCHASES_INSTALLMENTS_FREQUENCY", 50.0, -1.0) == (
        "has an instalment purchase frequency 50% below average"
    )
    assert describe_feature("mystery_score", float("nan"), -1.5) == "is well below average on mystery score"
    assert comparison_words(120.0, 0.4) == "20% above average"


def test_highlights_and_distinguishing_features_name_the_most_unusual_feature():
    frame = pd.DataFrame({"ONEOFF_PURCHASES": [0.0] * 8 + [100.0] * 2, "TENURE": [12.0] * 9 + [11.0]})
    profiles = profile_segments(frame, [0] * 8 + [1] * 2, list(frame.columns))
    assert profiles.highlights[1][0] == "spends 5.0x the average on one-off purchases"
    table = distinguishing_features(profiles, 1)
    assert table["feature"].iloc[0] == "ONEOFF_PURCHASES"
    assert {"anova_f", "kruskal_p", "eta_squared", "words"} <= set(table.columns)


def test_profiles_on_the_real_cc_general_file(cc_general_path):
    table = pd.read_csv(cc_general_path)
    features = [c for c in table.columns if c != "CUST_ID"]
    labels = (table["PURCHASES"] > table["CASH_ADVANCE"]).astype(int).to_numpy()
    profiles = profile_segments(table, labels, features)
    assert profiles.sizes["size"].sum() == 8950
    assert profiles.means.shape == (2, 17)
    assert profiles.tests["anova_p"].lt(0.05).sum() >= 10
