"""Decomposition and forecasts: planted structure is recovered, intervals cover, short series explain."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.errors import DataError
from core.trends._forecast import MIN_HISTORY, _Candidate, _sentence, decompose, forecast


def monthly(values, start="2018-01-01") -> pd.Series:
    return pd.Series(np.asarray(values, dtype=float), index=pd.date_range(start, periods=len(values), freq="MS"))


def seasonal_series(n: int = 60, seed: int = 1) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    trend = 100 + 0.8 * t
    season = 15 * np.sin(2 * np.pi * t / 12)
    return monthly(trend + season + rng.normal(0, 2, n)), trend, season


def test_stl_recovers_planted_trend_and_seasonality():
    series, trend, season = seasonal_series()
    result = decompose(series)
    assert result.method == "STL"
    frame = result.frame
    assert np.corrcoef(frame["seasonal"], season)[0, 1] > 0.95
    assert np.abs(frame["trend"] - trend).mean() < 3
    assert frame["seasonal"].max() == pytest.approx(15, abs=3)
    np.testing.assert_allclose(frame["trend"] + frame["seasonal"] + frame["remainder"], series.to_numpy())


def test_short_series_gets_trend_only_with_the_reason():
    series, _, _ = seasonal_series(n=17)
    result = decompose(series)
    assert result.method == "trend only"
    assert "two full seasons (24 months)" in result.sentence and "17" in result.sentence
    assert result.frame["seasonal"].isna().all() and result.frame["trend"].notna().all()


def test_forecast_beats_seasonal_naive_on_a_seasonal_series():
    series, _, _ = seasonal_series()
    result = forecast(series, horizon=12)
    assert result.available
    assert result.mase < 1
    naive = result.backtest.loc[result.backtest["model"].str.startswith("Seasonal naive")]
    assert len(naive) == 1 and naive["mae"].iloc[0] > result.backtest.loc[result.backtest["chosen"], "mae"].iloc[0]
    assert "seasonal" in result.model or "(0,1,1,12)" in result.model
    table = result.table
    assert len(table) == 12
    assert table["period"].iloc[0] == pd.Timestamp("2023-01-01")
    assert (table["lo95"] <= table["lo80"]).all() and (table["lo80"] <= table["forecast"]).all()
    assert (table["forecast"] <= table["hi80"]).all() and (table["hi80"] <= table["hi95"]).all()


def test_forecast_does_not_modify_its_input():
    series, _, _ = seasonal_series(n=30)
    before = series.copy()
    forecast(series, horizon=3)
    pd.testing.assert_series_equal(series, before)


def test_intervals_cover_about_their_nominal_share():
    hits = {80: [], 95: []}
    horizon = 6
    for seed in range(16):
        rng = np.random.default_rng(seed)
        values = 200 + np.cumsum(rng.normal(0.5, 4, 30 + horizon))  # random walk with drift
        history, future = monthly(values[:30]), values[30:]
        result = forecast(history, horizon=horizon, season_length=1)
        assert result.available
        for level in (80, 95):
            inside = (future >= result.table[f"lo{level}"].to_numpy()) & (
                future <= result.table[f"hi{level}"].to_numpy()
            )
            hits[level].extend(inside.tolist())
    # calibrated on the backtest: within 10 points of nominal (measured 0.80 and 0.95 here)
    assert 0.85 <= np.mean(hits[95]) <= 1.0
    assert 0.70 <= np.mean(hits[80]) <= 0.90


def test_too_short_series_explains_instead_of_raising():
    result = forecast(monthly(np.arange(MIN_HISTORY - 1) + 5.0))
    assert not result.available
    assert f"at least {MIN_HISTORY} months" in result.sentence and f"has {MIN_HISTORY - 1}" in result.sentence
    assert result.table.empty and result.unusual.empty


def test_a_planted_spike_is_an_unusual_period_with_its_surprise():
    rng = np.random.default_rng(3)
    values = 100 + rng.normal(0, 2, 30)
    values[20] += 40
    result = forecast(monthly(values), horizon=3)
    unusual = result.unusual
    assert pd.Timestamp("2019-09-01") in set(unusual["period"])
    spike = unusual.loc[unusual["period"] == pd.Timestamp("2019-09-01")].iloc[0]
    assert spike["surprise"] > 25 and spike["surprise_pct"] > 25


def test_constant_series_repeats_its_value():
    result = forecast(monthly([7.0] * 15), horizon=4)
    assert result.available and result.model == "Constant"
    assert result.table["forecast"].tolist() == [7.0] * 4


def test_weekly_series_forecasts_weeks_ahead():
    rng = np.random.default_rng(0)
    series = pd.Series(50 + rng.normal(0, 3, 40), index=pd.date_range("2024-01-01", periods=40, freq="W-MON"))
    result = forecast(series, horizon=4)
    assert result.available
    assert list(result.table["period"].dt.day_of_week) == [0, 0, 0, 0]


def test_a_series_without_dates_is_refused():
    with pytest.raises(DataError, match="indexed by dates"):
        forecast(pd.Series([1.0, 2.0, 3.0]))


def seasonal_with_wandering_level(seed: int, n: int = 54) -> pd.Series:
    """Trend + season + noise of known sd, plus a random-walk level: the model's own intervals are too narrow."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    noise = rng.uniform(2, 8)
    values = 200 + t + 20 * np.sin(2 * np.pi * t / 12) + rng.normal(0, noise, n) + np.cumsum(rng.normal(0, noise, n))
    return monthly(values)


def test_calibrated_intervals_cover_nominal_out_of_sample_where_the_models_own_do_not():
    hits = {("calibrated", 80): [], ("calibrated", 95): [], ("model", 80): [], ("model", 95): []}
    for seed in range(12):
        series = seasonal_with_wandering_level(seed)
        history, future = series.iloc[:48], series.iloc[48:].to_numpy()
        for intervals in ("calibrated", "model"):
            table = forecast(history, horizon=6, intervals=intervals).table
            for level in (80, 95):
                inside = (future >= table[f"lo{level}"].to_numpy()) & (future <= table[f"hi{level}"].to_numpy())
                hits[intervals, level].extend(inside.tolist())
    cover = {key: float(np.mean(value)) for key, value in hits.items()}
    assert abs(cover["calibrated", 80] - 0.80) <= 0.10, cover
    assert abs(cover["calibrated", 95] - 0.95) <= 0.10, cover
    assert cover["model", 80] < cover["calibrated", 80], cover


def test_calibration_reports_its_backtest_points_and_factor():
    rng = np.random.default_rng(5)
    series = monthly(100 + np.cumsum(rng.normal(0, 3, 36)))
    result = forecast(series, horizon=3, season_length=1)
    # origins 18..35, each forecasting up to 6 periods ahead within the data: 13 x 6 + 5 + 4 + 3 + 2 + 1
    assert result.calibration["points"].tolist() == [93, 93]
    factor = result.calibration.set_index("level")["factor"]
    assert (factor > 0).all()
    assert "backtest points" in result.sentence and " of 93 " in result.sentence
    table = result.table
    assert (table["lo95"] <= table["lo80"]).all() and (table["hi80"] <= table["hi95"]).all()
    own = forecast(series, horizon=3, season_length=1, intervals="model").table
    np.testing.assert_allclose(table["forecast"], own["forecast"])
    ratio = (table["hi80"] - table["forecast"]) / (own["hi80"] - own["forecast"])
    np.testing.assert_allclose(ratio, factor[80], rtol=1e-6)


@pytest.mark.filterwarnings("ignore:Too few observations to estimate starting parameters")  # 48 points, season 12
@pytest.mark.parametrize(("kind", "season"), [("ETS", 12), ("ETS", None), ("SARIMAX", 12), ("SARIMAX", None)])
def test_all_origin_paths_equal_one_prediction_per_origin(kind, season):
    series, _, _ = seasonal_series(n=48)
    y = series.to_numpy()
    candidate = _Candidate(kind, season)
    extended = candidate.extend(candidate.fit(y[:30]), y)
    origins = np.arange(30, 43)
    together = candidate.paths(extended, origins, 6)
    for row, origin in enumerate(origins):
        np.testing.assert_allclose(together[row], candidate.path(extended, origin, 6), rtol=1e-8)


def test_the_verdict_compares_mase_with_the_benchmark_not_with_one():
    scores = pd.DataFrame(
        {
            "model": ["ETS (damped trend, seasonal)", "Seasonal naive (benchmark)"],
            "mae": [10.0, 13.0],
            "mase": [1.62, 2.19],
            "mape": [12.0, 15.0],
        }
    )
    text = _sentence("ETS (damped trend, seasonal)", scores.iloc[0], scores, "month", 0)
    assert "MASE 1.62, better than repeating last season's value (2.19)" in text
    worse = scores.assign(mase=[0.9, 0.8])
    text = _sentence("ETS (damped trend, seasonal)", worse.iloc[0], worse, "month", 0)
    assert "MASE 0.90, no better than repeating last season's value (0.80)" in text


def test_unknown_interval_policy_is_refused():
    series, _, _ = seasonal_series(n=30)
    with pytest.raises(DataError, match="calibrated"):
        forecast(series, intervals="wide")
