"""Aggregation per period and segment, the category mix, the Trends sheet, and the real transaction sample."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.errors import DataError
from core.transactions import infer_transaction_columns, standardize_transactions
from core.trends import (
    ALL,
    SHEET_COLUMNS,
    aggregate,
    aggregate_table,
    category_mix,
    series_of,
    trends_sheet,
    trends_view,
)


@pytest.fixture
def small_tx() -> pd.DataFrame:
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "b", "c", "a"],
            "timestamp": pd.to_datetime(
                ["2024-01-03", "2024-01-20", "2024-01-09", "2024-03-02", "2024-03-15", "2024-03-30"]
            ),
            "amount": [10.0, -4.0, 6.0, 8.0, 20.0, 2.0],
            "category": ["food", "food", "travel", "food", "travel", "food"],
        }
    )
    tx["is_refund"] = tx["amount"] < 0
    return tx


def test_aggregate_nets_refunds_counts_purchases_and_fills_gaps(small_tx):
    segments = pd.Series(["Gold", "Basic"], index=["a", "b"])  # c has no segment: everyone only
    out = aggregate(small_tx, segments, complete_periods_only=False)
    wide = out.pivot_table(index=["segment", "period"], columns="metric", values="value", dropna=False)
    jan, feb, mar = pd.Timestamp("2024-01-01"), pd.Timestamp("2024-02-01"), pd.Timestamp("2024-03-01")
    assert wide.loc[(ALL, jan)].to_dict() == {
        "active_customers": 2.0,
        "avg_ticket": 8.0,
        "spend": 12.0,
        "transactions": 2.0,
    }
    assert wide.loc[(ALL, feb), ["spend", "transactions", "active_customers"]].tolist() == [0.0, 0.0, 0.0]
    assert np.isnan(wide.loc[(ALL, feb), "avg_ticket"])
    assert wide.loc[(ALL, mar), "spend"] == 30.0
    assert wide.loc[("Gold", jan), "spend"] == 6.0  # 10 bought, 4 refunded
    assert wide.loc[("Gold", jan), "avg_ticket"] == 10.0  # the refund is not a ticket
    assert wide.loc[("Basic", mar), "spend"] == 8.0
    assert list(pd.unique(out["segment"])) == [ALL, "Gold", "Basic"]
    assert list(out.columns) == ["period", "segment", "metric", "value"]


def test_aggregate_keeps_categorical_segment_order_and_does_not_modify_input(small_tx):
    before = small_tx.copy()
    segments = pd.Series(pd.Categorical(["Gold", "Basic"], categories=["Basic", "Gold"]), index=["a", "b"])
    out = aggregate(small_tx, segments, metrics=["spend"], complete_periods_only=False)
    assert list(pd.unique(out["segment"])) == [ALL, "Basic", "Gold"]
    pd.testing.assert_frame_equal(small_tx, before)


def test_weekly_periods_start_on_monday(small_tx):
    out = aggregate(small_tx, freq="W-MON", metrics=["transactions"], complete_periods_only=False)
    assert (out["period"].dt.day_of_week == 0).all()
    assert out["period"].iloc[0] == pd.Timestamp("2024-01-01")
    assert out["value"].sum() == 5.0


def test_a_part_month_at_the_end_is_left_out_and_said(small_tx):
    tail = pd.DataFrame(
        {"customer_id": ["a"], "timestamp": pd.to_datetime(["2024-04-05"]), "amount": [1.0], "category": ["food"]}
    ).assign(is_refund=False)
    out = aggregate(pd.concat([small_tx, tail], ignore_index=True), metrics=["spend"])
    assert out["period"].max() == pd.Timestamp("2024-03-01")
    assert "up to 05 Apr 2024" in out.attrs["notes"][0]


def test_unknown_metric_is_refused(small_tx):
    with pytest.raises(DataError, match="Unknown metric"):
        aggregate(small_tx, metrics=["profit"])


@pytest.mark.parametrize(
    "stamps",
    [
        ["2024-01-05T10:00:00", "2024-02-10T11:30:00", "2024-02-28T09:00:00"],
        ["05/01/2024 10:00", "10/02/2024 11:30", "28/02/2024 09:00"],
        ["2024-01-05 10:00:00.123456", "2024-02-10 11:30:00.5", "2024-02-28 09:00:00.000001"],
        ["2024-01-05T10:00:00Z", "2024-02-10T11:30:00Z", "2024-02-28T09:00:00Z"],
        ["2024-01-05T10:00:00+01:00", "2024-02-10T11:30:00+0200", "2024-02-28 09:00:00 -05:00"],
        ["05-01-2024 10:00 +01:00", "10-02-2024", "28-02-2024 09:00"],
    ],
    ids=["iso", "day first", "microseconds", "utc z", "mixed utc offsets", "day first dashes with an offset"],
)
def test_timestamp_formats_aggregate_through_the_canonical_frame(stamps):
    raw = pd.DataFrame({"card_id": ["x", "y", "x"], "posted": stamps, "amount": ["12.50", "7,50", "1"]})
    tx, _ = standardize_transactions(raw, infer_transaction_columns(raw))
    out = aggregate(tx, metrics=["spend"], complete_periods_only=False)
    assert out["period"].tolist() == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-02-01")]
    assert out["value"].tolist() == [12.5, 8.5]


def test_a_utc_offset_keeps_the_local_clock_time():
    raw = pd.DataFrame(
        {"card_id": ["x", "y"], "posted": ["2024-01-05T23:30:00+01:00", "2024-07-05T23:30:00+02:00"], "amount": [1, 2]}
    )
    tx, _ = standardize_transactions(raw, infer_transaction_columns(raw))
    assert tx["timestamp"].tolist() == [pd.Timestamp("2024-01-05 23:30"), pd.Timestamp("2024-07-05 23:30")]


def test_aggregate_table_works_on_customer_snapshots():
    snapshots = pd.DataFrame(
        {
            "month": ["2024-01-31", "2024-01-31", "2024-02-29", "2024-02-29"],
            "balance": [100.0, 300.0, 200.0, 500.0],
            "segment": ["A", "B", "A", "B"],
        }
    )
    out = aggregate_table(snapshots, "month", ["balance"], group=snapshots["segment"])
    assert series_of(out, ALL, "balance").tolist() == [200.0, 350.0]
    assert series_of(out, "B", "balance").tolist() == [300.0, 500.0]


def test_category_mix_shares_sum_to_one(small_tx):
    mix = category_mix(small_tx)
    sums = mix.groupby("period")["share"].sum()
    np.testing.assert_allclose(sums.to_numpy(), 1.0)
    jan = mix.loc[mix["period"] == pd.Timestamp("2024-01-01")].set_index("category")["spend"]
    assert jan.to_dict() == {"food": 10.0, "travel": 6.0}  # refunds are not purchases


def test_trends_sheet_stacks_sections_with_a_literal_layout(small_tx):
    frame = pd.concat([small_tx.assign(timestamp=small_tx["timestamp"] + pd.DateOffset(months=i)) for i in range(12)])
    out = trends_sheet(frame, pd.Series(["Gold", "Basic"], index=["a", "b"]), horizon=3)
    assert tuple(out.columns) == SHEET_COLUMNS
    assert {"series", "forecast", "accuracy"} <= set(out["section"])
    forecasts = out.loc[out["section"] == "forecast"]
    assert set(forecasts["segment"]) == {ALL, "Gold", "Basic"}
    assert forecasts.groupby("segment").size().tolist() == [3, 3, 3]


@pytest.fixture(scope="module")
def sparkov_tx(sparkov_path):
    raw = pd.read_csv(sparkov_path)
    return standardize_transactions(raw, infer_transaction_columns(raw))[0]


def test_sparkov_sample_aggregates_and_forecasts_ten_segments(sparkov_tx):
    customers = sparkov_tx["customer_id"].unique()
    names = [f"Segment {i}" for i in range(10)]
    segments = pd.Series(pd.Categorical([names[i % 10] for i in range(len(customers))], categories=names), customers)
    view = trends_view(sparkov_tx, segments, freq="MS", metric="spend", horizon=6)
    assert view.series["period"].nunique() == 17  # Jan 2019 .. May 2020; June 2020 ends on the 21st
    assert len(view.forecasts) == 11
    assert all(result.available for result in view.forecasts.values())
    accuracy = view.accuracy()
    assert accuracy["mase"].notna().all() and accuracy["mape"].notna().all()
    total = series_of(view.series, ALL, "spend").sum()
    parts = sum(series_of(view.series, name, "spend").sum() for name in names)
    assert total == pytest.approx(parts)


def test_sparkov_sample_weekly_sheet(sparkov_tx):
    out = trends_sheet(sparkov_tx, None, freq="W-MON", horizon=8)
    assert (out.loc[out["section"] == "forecast", "period"].dt.day_of_week == 0).all()
    assert len(out.loc[out["section"] == "forecast"]) == 8


def test_daily_periods_have_a_weekly_season():
    from core import trends

    days = pd.date_range("2024-03-01", periods=56, freq="D")
    rng = np.random.default_rng(4)
    weekday_lift = np.where(days.day_of_week >= 5, 80.0, 20.0)  # weekends spend more
    tx = pd.DataFrame(
        {
            "customer_id": rng.choice(["a", "b", "c"], len(days)),
            "timestamp": days + pd.Timedelta(hours=12),
            "amount": weekday_lift + rng.normal(0, 2, len(days)),
        }
    )
    series = trends.aggregate(tx, freq="D", metrics=["spend"], complete_periods_only=False)
    history = trends.series_of(series, trends.ALL, "spend")
    assert len(history) == 56 and trends.SEASON_LENGTH["D"] == 7
    parts = trends.decompose(history, period=trends.SEASON_LENGTH["D"])
    seasonal = parts.frame["seasonal"].groupby(history.index.day_of_week).mean()
    assert seasonal.loc[[5, 6]].min() > seasonal.loc[[0, 1, 2, 3, 4]].max(), "the weekend stands out as the season"
