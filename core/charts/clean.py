"""Figures for the Clean page: before / after box plots for outlier steps, and the correlation heatmap."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from core.charts import segment_colour


def outlier_boxplot(before: pd.Series, after: pd.Series, column: str) -> go.Figure:
    """Draw two box plots of one column: as loaded and after cleaning (capped or with rows removed).

    Parameters
    ----------
    before, after : pandas.Series
        The column's values before and after the recipe (missing values are ignored).
    column : str
        The column name, used in the title.
    """
    figure = go.Figure()
    for name, values, colour in (("before", before, segment_colour(7)), ("after", after, segment_colour(0))):
        figure.add_trace(go.Box(y=values.dropna().to_numpy(), name=name, marker_color=colour, boxpoints="outliers"))
    figure.update_layout(title=f"{column}: before and after cleaning", showlegend=False, yaxis_title=column)
    return figure


def correlation_heatmap(correlation: pd.DataFrame) -> go.Figure:
    """Draw a heatmap of a square correlation matrix (-1 blue .. +1 red), values shown in each cell."""
    labels = [str(c) for c in correlation.columns]
    figure = go.Figure(
        go.Heatmap(
            z=correlation.to_numpy(),
            x=labels,
            y=labels,
            zmin=-1,
            zmax=1,
            colorscale="RdBu",
            reversescale=True,
            text=correlation.round(2).to_numpy(),
            texttemplate="%{text}",
            colorbar={"title": "r"},
        )
    )
    figure.update_layout(
        title="Correlation between features", height=max(400, 28 * len(labels)), yaxis_autorange="reversed"
    )
    return figure
