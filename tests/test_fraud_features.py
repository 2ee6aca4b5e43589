"""Transaction fraud features on hand-built canonical frames with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import DataError
from core.fraud._features import FEATURE_COLUMNS, _leave_one_out_quantiles, transaction_features


def _canonical(rows: list[tuple[str, str, float, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "row": np.arange(len(rows), dtype="int64"),
            "customer_id": pd.array([r[0] for r in rows], dtype="string"),
            "timestamp": pd.to_datetime([r[1] for r in rows]),
            "amount": [r[2] for r in rows],
            "category": pd.array([r[3] for r in rows], dtype="string"),
        }
    )


@pytest.fixture
def tx() -> pd.DataFrame:
    return _canonical(
        [
            ("a", "2024-01-01 10:00", 10.0, "grocery"),
            ("a", "2024-01-01 10:20", 10.0, "grocery"),
            ("a", "2024-01-01 10:40", 10.0, "grocery"),
            ("a", "2024-01-01 10:50", 10.0, "grocery"),
            ("a", "2024-01-02 02:14", 100.0, "travel"),
            ("a", "2024-01-03 12:00", 10.0, "grocery"),
            ("a", "2024-01-04 12:00", 10.0, "grocery"),
            ("b", "2024-01-01 09:00", 20.0, "grocery"),
            ("b", "2024-01-05 09:00", 200.0, "travel"),
        ]
    )


def test_columns_and_index_follow_the_input(tx):
    shuffled = tx.sample(frac=1.0, random_state=3)
    features = transaction_features(shuffled)
    assert list(features.columns) == list(FEATURE_COLUMNS)
    assert features.index.equals(shuffled.index)
    pd.testing.assert_frame_equal(features.sort_index(), transaction_features(tx))


def test_input_is_not_modified(tx):
    before = tx.copy()
    transaction_features(tx)
    pd.testing.assert_frame_equal(tx, before)


def test_velocity_counts_and_sums_in_the_last_hour_and_day(tx):
    features = transaction_features(tx)
    assert features["count_1h"].tolist() == [1, 2, 3, 4, 1, 1, 1, 1, 1]
    assert features["sum_1h"].tolist() == [10, 20, 30, 40, 100, 10, 10, 20, 200]
    # 02:14 the next day is within 24 h of the four morning purchases; 12:00 on the 3rd is not.
    assert features["count_1d"].tolist() == [1, 2, 3, 4, 5, 1, 1, 1, 1]
    assert features.loc[4, "sum_1d"] == 140.0


def test_seconds_since_previous_uses_the_customers_own_timeline(tx):
    seconds = transaction_features(tx)["seconds_since_previous"]
    assert np.isnan(seconds[0]) and np.isnan(seconds[7])
    assert seconds[1] == 1200.0
    assert seconds[8] == 4 * 86400.0


def test_first_use_of_a_category_needs_earlier_purchases(tx):
    features = transaction_features(tx)
    assert features["first_category"].tolist() == [False, False, False, False, True, False, False, False, True]
    assert not features["first_merchant"].any(), "no merchant column: never a first merchant"


def test_night_flag(tx):
    assert transaction_features(tx)["is_night"].tolist() == [False] * 4 + [True] + [False] * 4


def test_robust_z_against_the_customers_other_transactions(tx):
    features = transaction_features(tx)
    # The 100 travel purchase against six purchases of 10: median log1p(10), spread 0 -> floor 0.1.
    assert features.loc[4, "amount_vs_customer_z"] == pytest.approx((np.log(101) - np.log(11)) / 0.1)
    assert features.loc[4, "amount_vs_customer_ratio"] == pytest.approx(10.0)
    # A 10 against five 10s and the 100: the leave-one-out median and quartiles are all log1p(10).
    assert features.loc[0, "amount_vs_customer_z"] == 0.0
    assert features["history_size"].tolist() == [6] * 7 + [1, 1]
    assert features.loc[[7, 8], "amount_vs_customer_z"].isna().all(), "one other purchase is too little history"


def test_robust_z_within_the_category(tx):
    features = transaction_features(tx)
    # grocery: six 10s and one 20 -> median log1p(10), MAD 0 -> floor 0.1
    assert features.loc[7, "amount_vs_category_z"] == pytest.approx((np.log(21) - np.log(11)) / 0.1)
    assert features.loc[7, "amount_vs_category_ratio"] == pytest.approx(2.0)
    # travel: 100 and 200 -> median of the logs, MAD = half their distance
    centre = (np.log(101) + np.log(201)) / 2
    scale = (np.log(201) - centre) * 1.4826
    assert features.loc[8, "amount_vs_category_z"] == pytest.approx((np.log(201) - centre) / scale)


def test_distance_from_the_customers_home():
    tx = _canonical([("a", "2024-01-01 10:00", 5.0, "x"), ("a", "2024-01-02 10:00", 5.0, "x")])
    tx["lat"], tx["lon"] = 0.0, 0.0
    tx["merch_lat"], tx["merch_lon"] = [0.0, 1.0], [0.0, 0.0]
    distance = transaction_features(tx)["distance_km"]
    assert distance.tolist() == pytest.approx([0.0, 111.195], abs=0.01)


def test_no_coordinates_means_no_distance(tx):
    assert transaction_features(tx)["distance_km"].isna().all()


def test_missing_required_column_is_a_data_error(tx):
    with pytest.raises(DataError, match="timestamp"):
        transaction_features(tx.drop(columns="timestamp"))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 50)), min_size=1, max_size=30))
def test_leave_one_out_quartiles_match_brute_force(pairs):
    codes = np.array([p[0] for p in pairs], dtype="int64")
    values = np.array([p[1] for p in pairs], dtype="float64")
    q25, q50 = _leave_one_out_quantiles(codes, values, (0.25, 0.5))
    for i in range(len(values)):
        others = np.delete(values[codes == codes[i]], np.flatnonzero(np.flatnonzero(codes == codes[i]) == i))
        if len(others) == 0:
            assert np.isnan(q50[i])
        else:
            assert q25[i] == pytest.approx(np.quantile(others, 0.25))
            assert q50[i] == pytest.approx(np.quantile(others, 0.5))
