"""Figures for the Clean page: before / after box plots for outlier steps, and how the features correlate."""

from __future__ import annotations

import numpy as np
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


GRID_LIMIT = 12  # above this many features a heatmap's cells are too small to read: show the top pairs instead


def top_correlated_pairs(correlation: pd.DataFrame, n: int = 15) -> pd.DataFrame:
    """Return the ``n`` feature pairs with the largest absolute correlation, strongest first.

    Parameters
    ----------
    correlation : pandas.DataFrame
        A square correlation matrix.
    n : int
        Pairs returned.

    Returns
    -------
    pandas.DataFrame
        Columns ``first, second, r``.

    Examples
    --------
    >>> frame = pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, 4, 6, 9], "c": [4, 1, 3, 2]})
    >>> top_correlated_pairs(frame.corr(), 1)[["first", "second"]].values.tolist()
    [['a', 'b']]
    """
    values = correlation.to_numpy(dtype=float)
    upper = np.triu_indices(len(values), k=1)
    pairs = pd.DataFrame(
        {
            "first": correlation.index.to_numpy()[upper[0]].astype(str),
            "second": correlation.columns.to_numpy()[upper[1]].astype(str),
            "r": values[upper],
        }
    ).dropna(subset=["r"])
    order = pairs["r"].abs().sort_values(ascending=False, kind="stable").index
    return pairs.loc[order].head(n).reset_index(drop=True)


def correlation_chart(correlation: pd.DataFrame, *, limit: int = GRID_LIMIT) -> go.Figure:
    """Draw the correlation heatmap for up to ``limit`` features, above that a bar chart of the top pairs."""
    if len(correlation.columns) <= limit:
        return correlation_heatmap(correlation)
    pairs = top_correlated_pairs(correlation).iloc[::-1]  # strongest on top
    figure = go.Figure(
        go.Bar(
            x=pairs["r"],
            y=[f"{a} and {b}" for a, b in zip(pairs["first"], pairs["second"], strict=True)],
            orientation="h",
            marker={"color": ["#D55E00" if r > 0 else "#0072B2" for r in pairs["r"]]},
            text=[f"{r:.2f}" for r in pairs["r"]],
            textposition="outside",
            hovertemplate="%{y}: r = %{x:.2f}<extra></extra>",
        )
    )
    figure.update_layout(
        title=f"The {len(pairs)} most correlated pairs of {len(correlation.columns)} features",
        xaxis={"range": [-1.1, 1.1], "title": "correlation r (orange: together, blue: opposite)"},
        height=max(400, 30 * len(pairs) + 120),
        margin={"l": 20},
    )
    return figure
