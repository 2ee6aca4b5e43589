"""Trends per segment: the one entry point for the Trends page, the workbook and the command line.

The work is split by job: :mod:`core.trends._timeseries` aggregates transactions per period,
:mod:`core.trends._forecast` decomposes and forecasts a series (choosing the model by backtest),
:mod:`core.trends._migration` follows customers between segments over time. This module ties them into a
*view* (what the page shows) and a *sheet* (what the workbook's ``Trends`` sheet holds).
statsmodels is imported only when a forecast or decomposition runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.errors import DataError
from core.trends._forecast import Forecast, forecast
from core.trends._migration import Migration
from core.trends._timeseries import (
    ALL,
    METRICS,
    SEASON_LENGTH,
    aggregate,
    series_of,
)

__all__ = [
    "SHEET_COLUMNS",
    "TrendsView",
    "sheet",
    "trends_sheet",
    "trends_view",
]

ROUGH_MASE = 1.5  # every forecast missing by more than this MASE ...
ROUGH_MAPE = 30.0  # ... or by more than this percent on average: the forecasts are rough
MAX_FORECAST_SERIES = 11  # ten segments plus everyone: the page's time budget was measured for this many
SHEET_COLUMNS: tuple[str, ...] = (
    "section",
    "segment",
    "metric",
    "period",
    "value",
    "forecast",
    "lo80",
    "hi80",
    "lo95",
    "hi95",
    "model",
    "mase",
    "mape",
    "expected",
    "surprise",
    "surprise_pct",
    "from_segment",
    "to_segment",
    "customers",
    "note",
)


@dataclass(frozen=True)
class TrendsView:
    """What the Trends page shows for one choice of frequency, metric, segments and horizon.

    Attributes
    ----------
    series : pandas.DataFrame
        The long frame of :func:`core.trends.aggregate` (every metric, every segment, plus :data:`ALL`).
    metric, freq : str
        The forecast metric and the period frequency.
    forecasts : dict of str to Forecast
        Segment name (and :data:`ALL`) -> its forecast of ``metric``.
    notes : tuple of str
        What the aggregation left out (a part period) and why.
    """

    series: pd.DataFrame
    metric: str
    freq: str
    forecasts: dict[str, Forecast]
    notes: tuple[str, ...] = ()

    def accuracy(self) -> pd.DataFrame:
        """One row per forecast series: ``segment, model, mase, mape, unusual_periods, note``."""
        rows = [
            {
                "segment": segment,
                "model": result.model or "none",
                "mase": result.mase,
                "mape": result.mape,
                "unusual_periods": len(result.unusual),
                "note": result.sentence,
            }
            for segment, result in self.forecasts.items()
        ]
        return pd.DataFrame(rows, columns=["segment", "model", "mase", "mape", "unusual_periods", "note"])

    def caution(self) -> str | None:
        """One sentence when every forecast is rough (MASE above 1.5 or MAPE above 30%), else None.

        Examples
        --------
        >>> rough = Forecast(available=True, sentence="", mase=2.0, mape=12.0)
        >>> close = Forecast(available=True, sentence="", mase=0.8, mape=35.0)
        >>> TrendsView(pd.DataFrame(), "spend", "MS", {"All customers": rough, "Segment 0": close}).caution()[:40]
        'Every forecast here is rough: in the bac'
        >>> good = Forecast(available=True, sentence="", mase=0.8, mape=9.0)
        >>> TrendsView(pd.DataFrame(), "spend", "MS", {"All customers": rough, "Segment 0": good}).caution()
        """
        scored = [r for r in self.forecasts.values() if r.available and (np.isfinite(r.mase) or np.isfinite(r.mape))]
        if not scored or not all(r.mase > ROUGH_MASE or r.mape > ROUGH_MAPE for r in scored):
            return None
        return (
            f"Every forecast here is rough: in the backtest each missed by more than {ROUGH_MASE} MASE or "
            f"{ROUGH_MAPE:.0f}% on average, so read them as a direction, not as numbers to plan on."
        )


def trends_view(
    tx_canonical: pd.DataFrame,
    segment_by_customer: pd.Series | None = None,
    *,
    freq: str = "MS",
    metric: str = "spend",
    segments: Sequence[str] | None = None,
    horizon: int = 6,
) -> TrendsView:
    """Aggregate the transactions and forecast ``metric`` for everyone and the chosen segments.

    Parameters
    ----------
    tx_canonical : pandas.DataFrame
        Canonical transactions (:mod:`core.transactions`). Not modified.
    segment_by_customer : pandas.Series, optional
        Index ``customer_id``, values segment display names.
    freq : {"MS", "W-MON"}
        Monthly or weekly periods.
    metric : str
        One of :data:`core.trends.METRICS`, forecast per segment.
    segments : sequence of str, optional
        Segments to forecast besides :data:`ALL` (default: all, at most ten).
    horizon : int
        Periods ahead to forecast (3..12 on the page).

    Returns
    -------
    TrendsView
    """
    if metric not in METRICS:
        raise DataError(f"Choose one of {', '.join(METRICS)} to forecast, not {metric!r}.")
    series = aggregate(tx_canonical, segment_by_customer, freq=freq)
    available = [s for s in pd.unique(series["segment"]) if s != ALL]
    chosen = list(available if segments is None else [s for s in segments if s in available])
    chosen = [ALL, *chosen][:MAX_FORECAST_SERIES]
    forecasts = {
        name: forecast(series_of(series, name, metric), horizon=horizon, season_length=SEASON_LENGTH[freq])
        for name in chosen
    }
    return TrendsView(
        series=series, metric=metric, freq=freq, forecasts=forecasts, notes=tuple(series.attrs.get("notes", ()))
    )


def sheet(view: TrendsView, moves: Migration | None = None) -> pd.DataFrame:
    """Stack a view (and a migration) into the workbook's ``Trends`` sheet: one ``section`` per part.

    Sections: ``series`` (every metric per period and segment), ``forecast`` (future periods with 80% and 95%
    bounds), ``accuracy`` (model, MASE, MAPE and the sentence per segment), ``unusual`` (past periods outside
    the 95% one-step interval, with the surprise) and ``migration`` (customers per from/to segment).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SHEET_COLUMNS`; cells that do not apply to a section are empty.
    """
    parts = [view.series.assign(section="series")]
    for segment, result in view.forecasts.items():
        if result.available:
            parts.append(
                result.table.assign(section="forecast", segment=segment, metric=view.metric, model=result.model)
            )
            unusual = result.unusual
            if not unusual.empty:
                parts.append(
                    unusual.drop(columns=["unusual", "lo95", "hi95"])
                    .rename(columns={"actual": "value"})
                    .assign(section="unusual", segment=segment, metric=view.metric, model=result.model)
                )
    accuracy = view.accuracy().drop(columns="unusual_periods")
    parts.append(accuracy.assign(section="accuracy", metric=view.metric))
    if view.notes:
        parts.append(pd.DataFrame({"section": "note", "note": list(view.notes)}))
    if moves is not None:
        stacked = moves.matrix.rename_axis(index="from_segment").reset_index()
        stacked = stacked.melt("from_segment", var_name="to_segment", value_name="customers")
        parts.append(stacked.assign(section="migration", note=moves.sentence))
    out = pd.concat([p for p in parts if not p.empty], ignore_index=True)
    for column in SHEET_COLUMNS:
        if column not in out.columns:
            out[column] = np.nan
    return out[list(SHEET_COLUMNS)]


def trends_sheet(
    tx_canonical: pd.DataFrame,
    segment_by_customer: pd.Series | None,
    *,
    freq: str = "MS",
    horizon: int = 6,
    metric: str = "spend",
) -> pd.DataFrame:
    """Build the workbook's ``Trends`` sheet: series, forecasts of ``metric`` with intervals, backtest accuracy.

    Parameters
    ----------
    tx_canonical : pandas.DataFrame
        Canonical transactions (:mod:`core.transactions`). Not modified.
    segment_by_customer : pandas.Series or None
        Index ``customer_id``, values segment display names.
    freq : {"MS", "W-MON"}
        Monthly or weekly periods.
    horizon : int
        Periods ahead to forecast.
    metric : str
        The metric to forecast per segment (all metrics are in the ``series`` section).

    Returns
    -------
    pandas.DataFrame
        See :func:`sheet` (no migration section: that needs the fitted model, which the page adds).
    """
    view = trends_view(tx_canonical, segment_by_customer, freq=freq, metric=metric, horizon=horizon)
    return sheet(view)
