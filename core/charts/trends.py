"""Figures for the Trends page: series per segment, category mix, decomposition, forecasts, migration."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.charts import segment_colour_map
from core.trends import ALL, Decomposition, Forecast

ALL_COLOUR = "#333333"
UNUSUAL_COLOUR = "#D62728"
METRIC_LABELS: dict[str, str] = {
    "spend": "Net spend",
    "transactions": "Purchases",
    "active_customers": "Active customers",
    "avg_ticket": "Average ticket",
}


def colours_for(names: Mapping[int, str]) -> dict[str, str]:
    """Segment display name -> colour (segment id colours), with everyone in dark grey."""
    return {**segment_colour_map(dict(names)), ALL: ALL_COLOUR}


def _rgba(hex_colour: str, alpha: float) -> str:
    value = hex_colour.lstrip("#")
    red, green, blue = (int(value[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({red},{green},{blue},{alpha})"


def series_figure(
    long: pd.DataFrame, metric: str, colours: Mapping[str, str], *, segments: Sequence[str] | None = None
) -> go.Figure:
    """Line per segment (and everyone, dashed) of one metric over time.

    Parameters
    ----------
    long : pandas.DataFrame
        ``period, segment, metric, value`` (:func:`core.trends.aggregate`).
    metric : str
        The metric to draw.
    colours : mapping of str to str
        Segment name -> colour (:func:`colours_for`).
    segments : sequence of str, optional
        Segments to draw besides everyone (default: all).
    """
    part = long.loc[long["metric"] == metric]
    names = [ALL, *[s for s in pd.unique(part["segment"]) if s != ALL and (segments is None or s in segments)]]
    figure = go.Figure()
    for name in names:
        line = part.loc[part["segment"] == name]
        figure.add_trace(
            go.Scatter(
                x=line["period"],
                y=line["value"],
                name=name,
                mode="lines+markers",
                line={"color": colours.get(name, ALL_COLOUR), "dash": "dash" if name == ALL else "solid"},
                visible=True if name != ALL or len(names) == 1 else "legendonly",
            )
        )
    figure.update_layout(
        title=f"{METRIC_LABELS.get(metric, metric)} per period",
        xaxis_title=None,
        yaxis_title=METRIC_LABELS.get(metric, metric),
        legend_title_text="Segment (click to show or hide)",
        hovermode="x unified",
    )
    return figure


def category_mix_figure(mix: pd.DataFrame, title: str = "Category mix of purchase spend") -> go.Figure:
    """Stacked area of each category's share of purchase spend per period (``period, category, share``)."""
    figure = go.Figure()
    order = mix.groupby("category")["spend"].sum().sort_values(ascending=False).index
    for category in order:
        part = mix.loc[mix["category"] == category]
        figure.add_trace(
            go.Scatter(x=part["period"], y=part["share"], name=str(category), stackgroup="mix", mode="lines")
        )
    figure.update_layout(title=title, yaxis={"tickformat": ".0%", "range": [0, 1]}, hovermode="x unified")
    return figure


def decomposition_figure(decomposition: Decomposition, title: str, colour: str = ALL_COLOUR) -> go.Figure:
    """Observed values with the trend, then the seasonal pattern and the remainder (when STL applied)."""
    frame = decomposition.frame
    seasonal = decomposition.method == "STL"
    rows = 3 if seasonal else 1
    titles = ("Observed and trend", "Seasonal pattern", "Remainder") if seasonal else ("Observed and trend",)
    figure = make_subplots(rows=rows, cols=1, shared_xaxes=True, subplot_titles=titles, vertical_spacing=0.08)
    figure.add_trace(
        go.Scatter(x=frame.index, y=frame["observed"], name="Observed", line={"color": _rgba(colour, 0.45)}), 1, 1
    )
    figure.add_trace(
        go.Scatter(x=frame.index, y=frame["trend"], name="Trend", line={"color": colour, "width": 3}), 1, 1
    )
    if seasonal:
        figure.add_trace(go.Scatter(x=frame.index, y=frame["seasonal"], name="Seasonal", line={"color": colour}), 2, 1)
        figure.add_trace(go.Bar(x=frame.index, y=frame["remainder"], name="Remainder", marker_color=colour), 3, 1)
    figure.update_layout(title=title, height=250 + 150 * rows, showlegend=False)
    return figure


def forecast_figure(history: pd.Series, result: Forecast, title: str, colour: str = ALL_COLOUR) -> go.Figure:
    """History, the forecast with 80% and 95% bands, and unusual past periods marked in red.

    Parameters
    ----------
    history : pandas.Series
        The observed series (index: period start).
    result : Forecast
        Its forecast (:func:`core.trends.forecast`); when unavailable only the history is drawn.
    title : str
        Figure title.
    colour : str
        The segment's colour.
    """
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(x=history.index, y=history.to_numpy(), name="Actual", mode="lines+markers", line={"color": colour})
    )
    if result.available:
        table = result.table
        for level, alpha in ((95, 0.15), (80, 0.3)):
            figure.add_trace(
                go.Scatter(
                    x=[*table["period"], *table["period"][::-1]],
                    y=[*table[f"hi{level}"], *table[f"lo{level}"][::-1]],
                    fill="toself",
                    fillcolor=_rgba(colour, alpha),
                    line={"width": 0},
                    name=f"{level}% interval",
                    hoverinfo="skip",
                )
            )
        figure.add_trace(
            go.Scatter(
                x=[history.index[-1], *table["period"]],
                y=[history.iloc[-1], *table["forecast"]],
                name=f"Forecast ({result.model})",
                mode="lines+markers",
                line={"color": colour, "dash": "dash"},
            )
        )
        unusual = result.unusual
        if not unusual.empty:
            figure.add_trace(
                go.Scatter(
                    x=unusual["period"],
                    y=unusual["actual"],
                    name="Unusual period",
                    mode="markers",
                    marker={"color": UNUSUAL_COLOUR, "size": 13, "symbol": "circle-open", "line": {"width": 3}},
                    customdata=unusual[["expected", "surprise", "surprise_pct"]].to_numpy(),
                    hovertemplate=(
                        "%{x|%d %b %Y}: %{y:,.0f}<br>expected %{customdata[0]:,.0f}"
                        "<br>surprise %{customdata[1]:+,.0f} (%{customdata[2]:+.0f}%)<extra></extra>"
                    ),
                )
            )
    figure.update_layout(title=title, hovermode="x", legend={"orientation": "h", "y": -0.15})
    return figure


def migration_heatmap(
    matrix: pd.DataFrame, title: str = "Customers from one period's segment to the next"
) -> go.Figure:
    """Transition matrix as a heatmap: rows = earlier segment, columns = later segment, cells = customers."""
    shares = matrix.div(matrix.sum(axis=1).where(lambda s: s > 0, 1), axis=0)
    figure = go.Figure(
        go.Heatmap(
            z=shares.to_numpy(),
            x=[str(c) for c in matrix.columns],
            y=[str(i) for i in matrix.index],
            text=matrix.to_numpy(),
            texttemplate="%{text}",
            colorscale="Blues",
            zmin=0,
            zmax=1,
            colorbar={"title": "Share of row", "tickformat": ".0%"},
            hovertemplate="%{y} → %{x}: %{text} customers (%{z:.0%} of the row)<extra></extra>",
        )
    )
    figure.update_layout(
        title=title, xaxis_title="Later period", yaxis_title="Earlier period", yaxis_autorange="reversed"
    )
    return figure


def migration_sankey(matrix: pd.DataFrame, colours: Mapping[str, str], title: str = "Segment migration") -> go.Figure:
    """Sankey diagram of the transition matrix: earlier segments on the left, later on the right."""
    left = [str(i) for i in matrix.index]
    right = [str(c) for c in matrix.columns]
    labels = [*left, *right]
    node_colours = [colours.get(name, "#AAAAAA") for name in labels]
    sources, targets, values, link_colours = [], [], [], []
    for i, row_name in enumerate(left):
        for j in range(len(right)):
            count = int(matrix.iloc[i, j])
            if count > 0:
                sources.append(i)
                targets.append(len(left) + j)
                values.append(count)
                link_colours.append(_rgba(colours.get(row_name, "#AAAAAA"), 0.35))
    figure = go.Figure(
        go.Sankey(
            node={"label": labels, "color": node_colours, "pad": 14},
            link={"source": sources, "target": targets, "value": values, "color": link_colours},
        )
    )
    figure.update_layout(title=title)
    return figure
