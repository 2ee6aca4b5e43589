"""Trends per segment: series, decomposition, forecasts with calibrated intervals, migration.

``_timeseries`` aggregates transactions per period, ``_forecast`` decomposes and forecasts a series,
``_migration`` follows customers between segments, and ``_view`` ties them into what the Trends page shows
(:func:`trends_view`) and the workbook's ``Trends`` sheet (:func:`trends_sheet`).
"""

from __future__ import annotations

from core.trends._forecast import BACKTEST_HORIZON, Decomposition, Forecast, decompose, forecast
from core.trends._migration import Migration, migration, split_periods, value_order_by_spend
from core.trends._timeseries import (
    ALL,
    FREQUENCIES,
    METRICS,
    SEASON_LENGTH,
    aggregate,
    aggregate_table,
    category_mix,
    default_freq,
    series_of,
)
from core.trends._view import ROUGH_MAPE, ROUGH_MASE, SHEET_COLUMNS, TrendsView, sheet, trends_sheet, trends_view

__all__ = [
    "ALL",
    "BACKTEST_HORIZON",
    "FREQUENCIES",
    "METRICS",
    "ROUGH_MAPE",
    "ROUGH_MASE",
    "SEASON_LENGTH",
    "SHEET_COLUMNS",
    "Decomposition",
    "Forecast",
    "Migration",
    "TrendsView",
    "aggregate",
    "aggregate_table",
    "category_mix",
    "decompose",
    "default_freq",
    "forecast",
    "migration",
    "series_of",
    "sheet",
    "split_periods",
    "trends_sheet",
    "trends_view",
    "value_order_by_spend",
]
