"""Forecasts with prediction intervals, the model chosen per series by a rolling-origin backtest.

Two small model families compete on every series: exponential smoothing (ETS with additive errors and a damped
trend, plus additive seasonality when there are two full seasons of history) and SARIMAX (the "airline" model
(0,1,1)(0,1,1,12) on monthly data with two full seasons, else (1,1,0)). The seasonal SARIMAX part is used for
monthly data only: with 52-week seasons its state is too large to fit within the page's time budget.

The backtest is rolling-origin: from every origin in the second half of the history (after two full seasons
when the model is seasonal; the latest :data:`MAX_ORIGINS` at most) each model forecasts up to
:data:`BACKTEST_HORIZON` periods ahead and is compared with what happened, so a 36-month series gives 12 origins
and 57 errors. Parameters are estimated once, on the data before the first origin, and later origins only update
the model's state with the newer data (so no origin ever sees its own future); this keeps a series to one fit
per model. The model with the lower mean absolute error wins and is refitted on all data.

The intervals are calibrated on those backtest errors (split-conformal): at a step ahead with at least 19 errors
the 80% (95%) half-width is their conformal 80% (95%) quantile of absolute errors; with fewer, every error is
divided by the chosen model's own standard error at its step and the half-width is the pooled ratios' quantile
times that standard error. The model's own intervals assume its parameters are known and its form is right; on
two real monthly series their 80% intervals covered 54% and 72% of backtest outcomes, and on 24 generated
seasonal series 69% (the calibrated ones 83%; ``benchmarks/forecast_coverage.py``). ``Forecast.calibration``
says how much the intervals were widened (or narrowed) and how often the model's own intervals covered.

Accuracy is reported as MASE (mean absolute error divided by the in-sample error of repeating the value one
season earlier, or the previous value without seasons) and MAPE (mean absolute percentage error over periods
whose actual value is not 0). The verdict compares the chosen model's MASE with the benchmark's MASE on the same
backtest, not with 1.

statsmodels is imported inside the functions: importing it costs about 2 s and 90 MB, which pages that never
forecast should not pay.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from core.errors import DataError
from core.trends._timeseries import regular_freq

BACKTEST_HORIZON = 6  # periods ahead forecast from each backtest origin
MIN_TRAIN = 7  # periods of history before the first origin
MIN_ORIGINS = 5  # backtest origins at least
MAX_ORIGINS = 24  # and at most (the latest): 24 origins give about 130 errors; each origin costs a prediction
MIN_HISTORY = MIN_TRAIN + MIN_ORIGINS  # 12: the shortest series we forecast
LEVELS = (80, 95)  # prediction interval levels, in percent
_MIN_STEP_ERRORS = 19  # errors a step needs for its own quantiles (a 95% conformal quantile needs 19)
_Z = {80: 1.2815515655446004, 95: 1.959963984540054}  # normal quantiles of the model's own intervals
_SEASON_BY_FREQ = {"MS": 12, "M": 12, "ME": 12, "W-MON": 52, "W-SUN": 52, "W": 52, "QS": 4, "QE": 4, "D": 7}
_UNIT_BY_FREQ = {"MS": "month", "W-MON": "week", "D": "day"}


@dataclass(frozen=True)
class Forecast:
    """A series' forecast, or the reason there is none (``available`` is False).

    Attributes
    ----------
    available : bool
        False when the series is too short or no model could be fitted; ``sentence`` says why.
    sentence : str
        One plain sentence: the chosen model and how it did in the backtest, or why there is no forecast.
    model : str
        The chosen model's name (empty when unavailable).
    table : pandas.DataFrame
        ``period, forecast, lo80, hi80, lo95, hi95``: one row per future period.
    fitted : pandas.DataFrame
        ``period, actual, expected, lo95, hi95, unusual, surprise, surprise_pct``: the chosen model's one-step
        prediction of each past period after a short warm-up; ``unusual`` when the actual value is outside the
        95% interval, ``surprise`` = actual - expected (units), ``surprise_pct`` = that as % of expected.
    backtest : pandas.DataFrame
        ``model, mae, mase, mape, chosen``: each candidate and the naive benchmark on the same origins.
    mase, mape : float
        The chosen model's backtest accuracy (NaN when unavailable).
    calibration : pandas.DataFrame
        ``level, points, model_coverage, factor``: per interval level, the backtest errors the intervals were
        calibrated on, the share of them the model's own interval covered, and how much wider (> 1) or
        narrower the published interval is than the model's own. Empty when the intervals are the model's.
    """

    available: bool
    sentence: str
    model: str = ""
    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    fitted: pd.DataFrame = field(default_factory=pd.DataFrame)
    backtest: pd.DataFrame = field(default_factory=pd.DataFrame)
    mase: float = float("nan")
    mape: float = float("nan")
    calibration: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def unusual(self) -> pd.DataFrame:
        """The past periods whose actual value fell outside the model's 95% one-step interval."""
        if self.fitted.empty:
            return self.fitted
        return self.fitted.loc[self.fitted["unusual"]].reset_index(drop=True)


def season_length_for(index: pd.DatetimeIndex) -> int | None:
    """Return the natural season length of a regular date index: 12 for months, 52 for weeks, 7 for days, else None."""
    freq = regular_freq(index)
    return _SEASON_BY_FREQ.get(freq) if freq else None


def _unit(index: pd.DatetimeIndex) -> str:
    freq = index.freqstr if index.freq is not None else ""
    return _UNIT_BY_FREQ.get(freq, "period")


class _Candidate:
    """One model family: fit on a training window, update with more data, predict with intervals."""

    def __init__(self, kind: str, season: int | None) -> None:
        self.kind = kind
        self.season = season

    @property
    def name(self) -> str:
        if self.kind == "ETS":
            return "ETS (damped trend" + (", seasonal)" if self.season else ")")
        if self.season:
            return f"SARIMAX (0,1,1)(0,1,1,{self.season})"
        return "SARIMAX (1,1,0)"

    def _model(self, y: np.ndarray) -> Any:
        endog = pd.Series(y)  # a plain RangeIndex: statsmodels' date handling costs more than the fit
        if self.kind == "ETS":
            from statsmodels.tsa.exponential_smoothing.ets import ETSModel

            return ETSModel(
                endog,
                error="add",
                trend="add",
                damped_trend=True,
                seasonal="add" if self.season else None,
                seasonal_periods=self.season,
                # the heuristic start is 5x faster than estimating it; it needs 10 values or two seasons
                initialization_method="heuristic" if len(y) >= max(10, 2 * (self.season or 0)) else "estimated",
            )
        from statsmodels.tsa.statespace.sarimax import SARIMAX

        if self.season:
            return SARIMAX(endog, order=(0, 1, 1), seasonal_order=(0, 1, 1, self.season), concentrate_scale=True)
        return SARIMAX(endog, order=(1, 1, 0), concentrate_scale=True)

    def fit(self, y: np.ndarray) -> Any:
        """Estimate the parameters on ``y``."""
        return self._model(y).fit(disp=False)

    def extend(self, fitted: Any, y: np.ndarray) -> Any:
        """Run the fitted model over the longer ``y`` with the same parameters and starting state (no re-fit)."""
        if self.kind == "SARIMAX":
            return fitted.apply(pd.Series(y))
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel

        model = ETSModel(
            pd.Series(y),
            error="add",
            trend="add",
            damped_trend=True,
            seasonal="add" if self.season else None,
            seasonal_periods=self.season,
            initialization_method="known",
            initial_level=fitted.initial_level,
            initial_trend=fitted.initial_trend,
            initial_seasonal=fitted.initial_seasonal if self.season else None,
        )
        names = list(fitted.model.param_names)
        return model.smooth([fitted.params[names.index(name)] for name in model.param_names])

    def path(self, extended: Any, origin: int, steps: int) -> np.ndarray:
        """Forecasts of positions ``origin..origin+steps-1`` made with data before ``origin`` only."""
        dynamic = 0 if self.kind == "ETS" else True
        return np.asarray(extended.predict(start=origin, end=origin + steps - 1, dynamic=dynamic), dtype=float)

    def paths(self, extended: Any, origins: np.ndarray, steps: int) -> np.ndarray:
        """:meth:`path` from every origin at once (origins x steps), from the filtered states.

        One ``predict`` call per origin cost 10 ms; the states give all origins in one pass. Positions past
        the end of the data are forecast too (the caller ignores them). ``tests/test_forecast.py`` checks that
        both give the same numbers.
        """
        h = np.arange(1, steps + 1)
        if self.kind == "SARIMAX":
            result = extended.filter_results
            state = result.predicted_state[:, origins]  # a(origin | data before origin)
            transition, design = result.transition[:, :, 0], result.design[0, :, 0]
            out = np.empty((len(origins), steps))
            for step in range(steps):
                out[:, step] = design @ state + result.obs_intercept[0, 0]
                state = transition @ state
            return out
        states = extended.states
        names = list(extended.model.param_names)
        damping = float(extended.params[names.index("damping_trend")])
        last = np.asarray(origins)[:, None] - 1  # the state after the last value each origin saw
        out = states["level"].to_numpy()[last] + np.cumsum(damping**h) * states["trend"].to_numpy()[last]
        if self.season:
            out = out + states["seasonal"].to_numpy()[last + h - self.season * ((h - 1) // self.season + 1)]
        return out

    def predict(self, fitted: Any, start: int, end: int) -> pd.DataFrame:
        """Mean and interval bounds for positions ``start..end`` (in-sample one-step, or ahead)."""
        out: dict[str, np.ndarray] = {}
        if self.kind == "ETS":
            prediction = fitted.get_prediction(start=start, end=end)
            out["mean"] = np.asarray(prediction.predicted_mean, dtype=float)
            for level in LEVELS:
                frame = prediction.summary_frame(alpha=1 - level / 100)
                out[f"lo{level}"] = frame["pi_lower"].to_numpy(float)
                out[f"hi{level}"] = frame["pi_upper"].to_numpy(float)
        else:
            prediction = fitted.get_prediction(start=start, end=end)
            out["mean"] = np.asarray(prediction.predicted_mean, dtype=float)
            for level in LEVELS:
                bounds = np.asarray(prediction.conf_int(alpha=1 - level / 100), dtype=float)
                out[f"lo{level}"], out[f"hi{level}"] = bounds[:, 0], bounds[:, 1]
        return pd.DataFrame(out)


def _naive_scale(y: np.ndarray, lag: int) -> float:
    diffs = np.abs(y[lag:] - y[:-lag])
    scale = float(np.mean(diffs)) if diffs.size else float("nan")
    return scale if scale > 0 else float("nan")


def _first_origin(n: int, season: int | None) -> tuple[int, bool]:
    """Place the backtest's first origin (in the second half of the history); say whether seasons take part."""
    first = max(MIN_TRAIN, -(-n // 2), n - MAX_ORIGINS)
    seasonal = bool(season) and season > 1 and n - 2 * season >= MIN_ORIGINS
    if seasonal:
        first = max(first, 2 * season)
    return min(first, n - MIN_ORIGINS), seasonal


def _backtest(
    y: np.ndarray, candidates: list[_Candidate], lag: int, first: int
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Rolling-origin errors per candidate and the naive rule, from every origin ``first..n-1``.

    Returns the accuracy table (``model, mae, mase, mape``) and, per model that fitted, its errors
    (``origin, step, error``; ``step`` 1 = one period ahead).
    """
    n = len(y)
    origins = range(first, n)
    naive_name = "Seasonal naive (benchmark)" if lag > 1 else "Naive (benchmark)"
    scale = {origin: _naive_scale(y[:origin], lag) for origin in origins}
    errors: dict[str, pd.DataFrame] = {}
    origin_of, step_of = np.array([(o, h + 1) for o in origins for h in range(min(BACKTEST_HORIZON, n - o))]).T
    for candidate in candidates:
        try:
            extended = candidate.extend(candidate.fit(y[:first]), y)
            predicted = candidate.paths(extended, np.asarray(origins), BACKTEST_HORIZON)
            predicted = predicted[origin_of - first, step_of - 1]
            error = y[origin_of + step_of - 1] - predicted
            errors[candidate.name] = pd.DataFrame({"origin": origin_of, "step": step_of, "error": error})
        except (ValueError, np.linalg.LinAlgError, IndexError, KeyError):
            continue
    rows = []
    for origin in origins:
        for h in range(min(BACKTEST_HORIZON, n - origin)):
            predicted = y[origin - lag + (h % lag)] if lag > 1 else y[origin - 1]
            rows.append((origin, h + 1, y[origin + h] - predicted))
    errors[naive_name] = pd.DataFrame(rows, columns=["origin", "step", "error"])
    table = []
    for name, frame in errors.items():
        err = frame["error"].to_numpy(dtype=float)
        if not np.all(np.isfinite(err)):
            continue
        scales = frame["origin"].map(scale).to_numpy(dtype=float)
        actual = y[frame["origin"].to_numpy() + frame["step"].to_numpy() - 1]
        nonzero = actual != 0
        table.append(
            {
                "model": name,
                "mae": float(np.mean(np.abs(err))),
                "mase": float(np.mean(np.abs(err) / scales)) if np.all(np.isfinite(scales)) else float("nan"),
                "mape": float(np.mean(np.abs(err[nonzero] / actual[nonzero])) * 100) if nonzero.any() else np.nan,
            }
        )
    fitted = {name: frame for name, frame in errors.items() if name != naive_name}
    return pd.DataFrame(table, columns=["model", "mae", "mase", "mape"]), fitted


def _calibrate(ahead: pd.DataFrame, errors: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Set the intervals' half-widths to split-conformal quantiles of the backtest's absolute errors per step.

    At step ``h`` with ``m`` backtest errors the level-``L`` half-width is the ``ceil((m + 1) L)``-th smallest
    absolute error. Where a step has too few errors for that (95% needs 19), the errors of all steps are pooled
    after dividing each by the model's own standard error at its step (read from its 95% interval), and the
    half-width is that quantile times the standard error; steps beyond the backtest keep the last step's
    half-width scaled by the model's standard error. Half-widths never shrink with the horizon. Returns the new
    bounds and the calibration table; the model's own bounds and an empty table when its errors are unusable.
    """
    sd = ((ahead["hi95"] - ahead["lo95"]) / (2 * _Z[95])).to_numpy(dtype=float)
    steps = errors["step"].to_numpy()
    absolute = np.abs(errors["error"].to_numpy(dtype=float))
    usable = steps <= len(sd)
    if not usable.any() or not np.all(np.isfinite(sd)) or np.any(sd <= 0):
        return ahead, pd.DataFrame()
    ratios = np.sort(absolute[usable] / sd[steps[usable] - 1])
    out = ahead.copy()
    rows = []
    for level in LEVELS:
        pooled = _conformal(ratios, level)
        half = pooled * sd
        last = 0
        for step in range(1, min(len(sd), int(steps.max())) + 1):
            at_step = absolute[steps == step]
            own = _conformal(np.sort(at_step), level, pooled=False) if len(at_step) >= _MIN_STEP_ERRORS else np.nan
            if np.isfinite(own):
                half[step - 1] = own
                last = step
        if last and last < len(sd):
            half[last:] = half[last - 1] * sd[last:] / sd[last - 1]
        half = np.maximum.accumulate(half)
        out[f"lo{level}"] = out["mean"] - half
        out[f"hi{level}"] = out["mean"] + half
        model_half = _Z[level] * sd
        rows.append(
            {
                "level": level,
                "points": len(ratios),
                "model_coverage": float(np.mean(ratios <= _Z[level])),
                "factor": float(np.mean(half[: int(steps.max())] / model_half[: int(steps.max())])),
            }
        )
    return out, pd.DataFrame(rows)


def _conformal(values: np.ndarray, level: int, *, pooled: bool = True) -> float:
    """Pick the ``ceil((m + 1) L)``-th smallest of ``m`` sorted values; if m is too small, the largest or NaN."""
    m = len(values)
    k = int(np.ceil((m + 1) * level / 100))
    if m == 0:
        return float("nan")
    if k > m:
        return float(values[-1]) if pooled else float("nan")
    return float(values[k - 1])


def _future_index(index: pd.DatetimeIndex, horizon: int) -> pd.DatetimeIndex:
    freq = regular_freq(index)
    return pd.date_range(index[-1], periods=horizon + 1, freq=freq)[1:]


def _too_short(n: int, unit: str) -> Forecast:
    return Forecast(
        available=False,
        sentence=(
            f"A forecast needs at least {MIN_HISTORY} {unit}s of history to be checked against what happened "
            f"(this series has {n}). Load a longer history, or switch to weekly periods."
        ),
    )


def _constant(series: pd.Series, horizon: int) -> Forecast:
    value = float(series.iloc[-1])
    future = _future_index(series.index, horizon)
    table = pd.DataFrame({"period": future, "forecast": value})
    for level in LEVELS:
        table[f"lo{level}"] = value
        table[f"hi{level}"] = value
    return Forecast(
        available=True,
        sentence=f"The series is constant at {value:,.2f}, so the forecast repeats it.",
        model="Constant",
        table=table,
        mase=0.0,
        mape=0.0,
    )


INTERVALS = ("calibrated", "model")  # interval policies of :func:`forecast`


def forecast(
    series: pd.Series, *, horizon: int = 6, season_length: int | None = None, intervals: str = "calibrated"
) -> Forecast:
    """Forecast a regular series ``horizon`` periods ahead with 80% and 95% prediction intervals.

    Parameters
    ----------
    series : pandas.Series
        Values on a regular ``DatetimeIndex`` (monthly or weekly period starts, as :func:`core.trends.series_of`
        returns), oldest first. Missing values are read as 0. Not modified.
    horizon : int
        Periods to forecast (1..52).
    season_length : int, optional
        Periods per season; by default 12 for months and 52 for weeks. Seasonal models are used only with two
        full seasons of history before the first backtest origin.
    intervals : {"calibrated", "model"}
        ``"calibrated"`` scales the intervals to the backtest errors (see the module notes); ``"model"`` keeps
        the model's own, which assume its parameters and form are right (for comparison).

    Returns
    -------
    Forecast
        The forecast, its backtest and unusual past periods; or ``available=False`` with the reason.
        A series that is never negative gets forecasts and bounds clipped at 0.
    """
    if not isinstance(series.index, pd.DatetimeIndex):
        raise DataError("A forecast needs a series indexed by dates (one value per month or week).")
    if not 1 <= horizon <= 52:
        raise DataError("Choose a forecast horizon between 1 and 52 periods.")
    if intervals not in INTERVALS:
        raise DataError(f"Choose intervals {' or '.join(map(repr, INTERVALS))}, not {intervals!r}.")
    history = series.sort_index().astype("float64").fillna(0.0)
    unit = _unit(history.index)
    if len(history) < MIN_HISTORY:
        return _too_short(len(history), unit)
    if history.min() == history.max():
        return _constant(history, horizon)
    season = season_length if season_length is not None else season_length_for(history.index)
    y = history.to_numpy()
    first, seasonal = _first_origin(len(y), season)
    candidates = [
        _Candidate("ETS", season if seasonal else None),
        _Candidate("SARIMAX", season if seasonal and season <= 12 else None),
    ]
    # the models' matrices are tiny: BLAS threads only add start-up and spinning cost (2x CPU measured here)
    with warnings.catch_warnings(), np.errstate(all="ignore"), threadpool_limits(limits=1):
        warnings.simplefilter("ignore")
        scores, errors = _backtest(y, candidates, season if seasonal else 1, first)
        ranked = scores.loc[scores["model"].isin(list(errors))].sort_values("mae", kind="stable")
        final = None
        for name in ranked["model"]:
            chosen = next(c for c in candidates if c.name == name)
            try:
                model = chosen.fit(y)
                steps = max(horizon, BACKTEST_HORIZON)  # the calibration reads the model's errors at every step
                ahead = chosen.predict(model, len(y), len(y) + steps - 1)
                warm = min(len(y) - 1, max(3, season if seasonal else 3))
                past = chosen.predict(model, warm, len(y) - 1)
            except (ValueError, np.linalg.LinAlgError, IndexError):
                continue
            if np.all(np.isfinite(ahead.to_numpy())):
                final = (chosen, ahead, past, warm)
                break
    if final is None:
        return Forecast(
            available=False,
            sentence="Neither forecasting model could be fitted to this series (it may be too irregular).",
            backtest=scores,
        )
    chosen, ahead, past, warm = final
    ahead, calibration = _calibrate(ahead, errors[chosen.name])
    if intervals == "model":
        ahead = final[1]
    ahead = ahead.iloc[:horizon].reset_index(drop=True)
    if (y >= 0).all():
        ahead = ahead.clip(lower=0.0)
    table = ahead.rename(columns={"mean": "forecast"})
    table.insert(0, "period", _future_index(history.index, horizon))
    fitted = _fitted_frame(history, past, warm)
    scores = scores.assign(chosen=scores["model"].eq(chosen.name))
    best = scores.loc[scores["chosen"]].iloc[0]
    sentence = _sentence(chosen.name, best, scores, unit, len(fitted.loc[fitted["unusual"]]))
    return Forecast(
        available=True,
        sentence=sentence + _calibration_sentence(calibration),
        model=chosen.name,
        table=table,
        fitted=fitted,
        backtest=scores,
        mase=float(best["mase"]),
        mape=float(best["mape"]),
        calibration=calibration,
    )


def _fitted_frame(history: pd.Series, past: pd.DataFrame, warm: int) -> pd.DataFrame:
    actual = history.iloc[warm:].to_numpy()
    expected = past["mean"].to_numpy()
    surprise = actual - expected
    with np.errstate(all="ignore"):
        pct = np.where(expected != 0, surprise / np.abs(expected) * 100, np.nan)
    return pd.DataFrame(
        {
            "period": history.index[warm:],
            "actual": actual,
            "expected": expected,
            "lo95": past["lo95"].to_numpy(),
            "hi95": past["hi95"].to_numpy(),
            "unusual": (actual < past["lo95"].to_numpy()) | (actual > past["hi95"].to_numpy()),
            "surprise": surprise,
            "surprise_pct": pct,
        }
    )


def _sentence(model: str, best: pd.Series, scores: pd.DataFrame, unit: str, n_unusual: int) -> str:
    naive = scores.loc[scores["model"].str.endswith("(benchmark)")]
    text = f"{model} was chosen: in the backtest its forecasts were off by {best['mape']:.0f}% on average"
    if np.isfinite(best["mase"]) and len(naive) and np.isfinite(naive["mase"].iloc[0]):
        benchmark = float(naive["mase"].iloc[0])
        rule = "repeating last season's value" if "Seasonal" in naive["model"].iloc[0] else f"repeating the last {unit}"
        verdict = "better than" if best["mase"] < benchmark else "no better than"
        text += f" (MASE {best['mase']:.2f}, {verdict} {rule} ({benchmark:.2f}))"
    text += "."
    if n_unusual:
        text += f" {n_unusual} past {unit}{'s' if n_unusual > 1 else ''} fell outside the 95% interval."
    return text


def _calibration_sentence(calibration: pd.DataFrame) -> str:
    """Say how often the model's own intervals covered in the backtest and how much they were widened."""
    if calibration.empty:
        return ""
    row = calibration.set_index("level").loc[80]
    change = "widened" if row["factor"] >= 1 else "narrowed"
    return (
        f" The model's own 80% intervals covered {row['model_coverage']:.0%} of {int(row['points'])} backtest "
        f"points, so the intervals shown are {change} {row['factor']:.1f}x to cover what the backtest saw."
    )


@dataclass(frozen=True)
class Decomposition:
    """Trend / seasonal / remainder of a series (see :func:`decompose`)."""

    frame: pd.DataFrame
    method: str
    sentence: str


def decompose(series: pd.Series, *, period: int | None = None) -> Decomposition:
    """Split a series into trend, seasonality and remainder (STL), or trend only when it is too short.

    Parameters
    ----------
    series : pandas.Series
        Values on a regular ``DatetimeIndex``, oldest first; missing values are read as 0. Not modified.
    period : int, optional
        Periods per season; by default 12 for months and 52 for weeks.

    Returns
    -------
    Decomposition
        ``frame`` with columns ``observed, trend, seasonal, remainder`` (``seasonal`` and ``remainder`` are NaN
        when only the trend could be estimated) on the series' index, the method and a sentence.
    """
    if not isinstance(series.index, pd.DatetimeIndex):
        raise DataError("A decomposition needs a series indexed by dates (one value per month or week).")
    observed = series.sort_index().astype("float64").fillna(0.0)
    if len(observed) < 3:
        raise DataError("Decomposing needs at least three periods of data.")
    period = period if period is not None else season_length_for(observed.index)
    unit = _unit(observed.index)
    frame = pd.DataFrame({"observed": observed})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if period and period > 1 and len(observed) >= 2 * period:
            from statsmodels.tsa.seasonal import STL

            result = STL(observed.to_numpy(), period=period, robust=True).fit()
            frame["trend"], frame["seasonal"], frame["remainder"] = result.trend, result.seasonal, result.resid
            return Decomposition(
                frame=frame,
                method="STL",
                sentence=f"Trend, a {period}-{unit} seasonal pattern and the remainder (STL, robust to outliers).",
            )
        from statsmodels.nonparametric.smoothers_lowess import lowess

        frac = min(1.0, max(0.3, 6 / len(observed)))
        frame["trend"] = lowess(observed.to_numpy(), np.arange(len(observed)), frac=frac, return_sorted=False)
    frame["seasonal"] = np.nan
    frame["remainder"] = np.nan
    need = 2 * period if period else None
    reason = (
        f"Seasonality needs two full seasons ({need} {unit}s) of history and this series has {len(observed)}"
        if need
        else "This series has no natural season length"
    )
    return Decomposition(frame=frame, method="trend only", sentence=f"{reason}, so only a smoothed trend is shown.")
