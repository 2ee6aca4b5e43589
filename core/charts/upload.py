"""Figures for the Upload page: the distribution of one column of a freshly loaded table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core.charts import segment_colour

_SAMPLE = 100_000
_BINS = 40
_TOP = 20


def _spaced(values: pd.Series) -> pd.Series:
    if len(values) <= _SAMPLE:
        return values
    return values.iloc[np.linspace(0, len(values) - 1, _SAMPLE).astype("int64")]


def column_distribution(frame: pd.DataFrame, column: str) -> go.Figure:
    """Draw one column's distribution: a histogram for numbers and dates, the most common values for text.

    Parameters
    ----------
    frame : pandas.DataFrame
        Any table; only ``column`` is read (at most 100,000 evenly spaced rows). Not modified.
    column : str
        The column to draw.

    Returns
    -------
    plotly.graph_objects.Figure
        One bar trace (pre-binned with numpy, so the figure stays small for any row count).

    Examples
    --------
    >>> fig = column_distribution(pd.DataFrame({"x": [1.0, 2.0, 2.5, 10.0]}), "x")
    >>> fig.data[0].type, int(sum(fig.data[0].y))
    ('bar', 4)
    """
    values = _spaced(frame[column]).dropna()
    colour = segment_colour(0)
    if pd.api.types.is_bool_dtype(values) or not (
        pd.api.types.is_numeric_dtype(values) or pd.api.types.is_datetime64_any_dtype(values)
    ):
        counts = values.astype("str").value_counts().head(_TOP)
        figure = go.Figure(go.Bar(x=counts.index.tolist(), y=counts.to_numpy().tolist(), marker_color=colour))
        title, x_title = f"Most common values of {column}", str(column)
    else:
        is_date = pd.api.types.is_datetime64_any_dtype(values)
        numbers = values.astype("int64").to_numpy() if is_date else values.to_numpy(dtype="float64")
        numbers = numbers[np.isfinite(numbers)] if not is_date else numbers
        counts, edges = np.histogram(numbers, bins=_BINS) if numbers.size else (np.array([]), np.array([0.0]))
        centres = (edges[:-1] + edges[1:]) / 2
        x = pd.to_datetime(centres).tolist() if is_date else centres.tolist()
        figure = go.Figure(go.Bar(x=x, y=counts.tolist(), marker_color=colour))
        figure.update_layout(bargap=0.02)
        title, x_title = f"Distribution of {column}", str(column)
    sampled = " (sample of 100,000 rows)" if len(frame) > _SAMPLE else ""
    figure.update_layout(
        title=title + sampled,
        xaxis_title=x_title,
        yaxis_title="rows",
        height=320,
        margin={"l": 40, "r": 10, "t": 50, "b": 40},
        showlegend=False,
    )
    return figure
