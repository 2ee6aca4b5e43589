"""Segment migration: literal transitions on a hand-built history, row sums, cut dates, the real sample."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.errors import DataError
from core.transactions import infer_transaction_columns, standardize_transactions
from core.trends._migration import INACTIVE, NEW, migration, split_periods, value_order_by_spend


def spend_features(tx: pd.DataFrame) -> pd.DataFrame:
    """A tiny stand-in for core.features.customer_features: total spend per customer."""
    return tx.groupby("customer_id", as_index=False)["amount"].sum().rename(columns={"amount": "monetary"})


def by_spend(features: pd.DataFrame) -> np.ndarray:
    """Segment 0 = big spenders (>= 50), 1 = small spenders."""
    return np.where(features["monetary"] >= 50, 0, 1)


@pytest.fixture
def history() -> pd.DataFrame:
    rows = [
        ("up", "2024-01-10", 10.0),
        ("up", "2024-04-10", 80.0),
        ("down", "2024-01-11", 90.0),
        ("down", "2024-04-11", 5.0),
        ("stay", "2024-01-12", 60.0),
        ("stay", "2024-04-12", 70.0),
        ("gone", "2024-01-13", 20.0),
        ("newbie", "2024-04-13", 30.0),
    ]
    tx = pd.DataFrame(rows, columns=["customer_id", "timestamp", "amount"])
    return tx.assign(timestamp=pd.to_datetime(tx["timestamp"]), is_refund=False)


def test_two_periods_give_the_literal_transitions(history):
    result = migration(
        history,
        by_spend,
        {0: 2.0, 1: 1.0},
        names={0: "Big", 1: "Small"},
        cut_dates=["2024-03-01"],
        features_fn=spend_features,
    )
    expected = pd.DataFrame(
        [[1, 1, 0], [1, 0, 1], [0, 1, 0]],
        index=pd.Index(["Big", "Small", NEW], name="from"),
        columns=pd.Index(["Big", "Small", INACTIVE], name="to"),
    )
    pd.testing.assert_frame_equal(result.matrix, expected)
    assert result.counts == {
        "moved_up": 1,
        "moved_down": 1,
        "stayed": 1,
        "changed": 0,
        "went_inactive": 1,
        "new": 1,
        "returned": 0,
    }
    directions = result.flows.set_index("customer_id")["direction"].to_dict()
    assert directions == {"down": "down", "gone": "inactive", "newbie": "new", "stay": "stayed", "up": "up"}
    assert result.periods["customers"].tolist() == [4, 4]


def test_segment_rows_sum_to_each_periods_customer_counts(history):
    extra = pd.DataFrame(
        {
            "customer_id": ["up", "gone"],
            "timestamp": pd.to_datetime(["2024-06-20", "2024-06-21"]),
            "amount": [5.0, 99.0],
        }
    ).assign(is_refund=False)
    tx = pd.concat([history, extra], ignore_index=True)
    result = migration(
        tx, by_spend, {0: 2.0, 1: 1.0}, cut_dates=["2024-03-01", "2024-05-01"], features_fn=spend_features
    )
    assert result.periods["customers"].tolist() == [4, 4, 2]
    for before, step in enumerate(result.flows["step"].unique()):
        part = result.flows.loc[result.flows["step"] == step]
        active_before = part.loc[~part["from"].isin([NEW, INACTIVE])]
        assert len(active_before) == result.periods["customers"].iloc[before]
    segment_rows = result.matrix.drop(index=[NEW, INACTIVE], errors="ignore")
    assert segment_rows.to_numpy().sum() == result.periods["customers"].iloc[:-1].sum()
    assert result.counts["returned"] == 1  # "gone" came back in the third period


def test_assign_fn_may_return_labels_by_customer_id(history):
    def by_id(features):
        return pd.Series(by_spend(features), index=features["customer_id"].to_numpy())[::-1]

    plain = migration(history, by_spend, {0: 2, 1: 1}, cut_dates=["2024-03-01"], features_fn=spend_features)
    keyed = migration(history, by_id, {0: 2, 1: 1}, cut_dates=["2024-03-01"], features_fn=spend_features)
    pd.testing.assert_frame_equal(plain.matrix, keyed.matrix)


def test_cut_dates_outside_the_data_are_refused(history):
    with pytest.raises(DataError, match="between 10 Jan 2024 and 13 Apr 2024"):
        split_periods(history["timestamp"], cut_dates=["2025-01-01"])


def test_equal_periods_start_on_month_starts(history):
    periods = split_periods(history["timestamp"], n_periods=2)
    assert periods["start"].tolist() == [pd.Timestamp("2024-01-10"), pd.Timestamp("2024-02-01")]
    assert periods["end"].iloc[-1] == pd.Timestamp("2024-04-14")


def test_value_order_is_mean_spend_per_customer(history):
    segments = pd.Series([0, 0, 1], index=["up", "down", "gone"])
    assert value_order_by_spend(history, segments) == {0: 92.5, 1: 20.0}


def test_sparkov_migration_with_real_customer_features(sparkov_path):
    from core.features import customer_features

    raw = pd.read_csv(sparkov_path)
    tx = standardize_transactions(raw, infer_transaction_columns(raw))[0]

    def by_frequency(features):
        return np.digitize(features["frequency"], [10, 20])  # 0, 1, 2 = rising activity

    result = migration(tx, by_frequency, {0: 0, 1: 1, 2: 2}, n_periods=2, features_fn=customer_features)
    assert (
        result.periods["customers"].iloc[0]
        == tx.loc[tx["timestamp"] < result.periods["end"].iloc[0], "customer_id"].nunique()
    )
    segment_rows = result.matrix.drop(index=[NEW, INACTIVE], errors="ignore")
    assert segment_rows.to_numpy().sum() == result.periods["customers"].iloc[0]
    assert sum(result.counts.values()) == len(result.flows)
