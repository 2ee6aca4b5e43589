"""Figures for the Recommendations page: posterior acceptance with intervals, the offer map, the regret curve."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core.charts import segment_colour

__all__ = ["acceptance_heatmap", "posterior_chart", "regret_chart"]


def posterior_chart(ranked: pd.DataFrame, segment: int, *, level: float = 0.9) -> go.Figure:
    """Draw each offer's expected acceptance in one segment, with its credible interval and rule-based prior.

    Parameters
    ----------
    ranked : pandas.DataFrame
        :func:`core.recommend.rank_segments` output (``segment, segment_name, rank, offer, prior,
        expected_acceptance, low, high, accepted, declined``).
    segment : int
        The segment to draw.
    level : float, default 0.9
        The interval's level (for the legend only).
    """
    rows = ranked[ranked["segment"] == segment].sort_values("rank", ascending=False)
    name = rows["segment_name"].iloc[0] if len(rows) else f"Segment {segment}"
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(
            x=rows["expected_acceptance"],
            y=rows["offer"],
            mode="markers",
            marker={"color": segment_colour(int(segment)), "size": 11},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": rows["high"] - rows["expected_acceptance"],
                "arrayminus": rows["expected_acceptance"] - rows["low"],
            },
            name=f"expected acceptance ({level:.0%} interval)",
            customdata=rows[["accepted", "declined"]].to_numpy(),
            hovertemplate="%{y}: %{x:.1%}<br>accepted %{customdata[0]}, declined %{customdata[1]}<extra></extra>",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=rows["prior"],
            y=rows["offer"],
            mode="markers",
            marker={"symbol": "line-ns-open", "size": 14, "color": "#555555"},
            name="rule-based prior",
            hovertemplate="%{y}: prior %{x:.1%}<extra></extra>",
        )
    )
    figure.update_layout(
        title=f"{name}: acceptance per offer",
        xaxis={"title": "acceptance rate", "tickformat": ".0%", "rangemode": "tozero"},
        yaxis={"title": None},
        legend={"orientation": "h", "y": -0.2},
        height=120 + 32 * max(len(rows), 1),
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
    )
    return figure


def acceptance_heatmap(ranked: pd.DataFrame) -> go.Figure:
    """Draw expected acceptance of every offer (rows) in every segment (columns); blank = nobody eligible.

    The colour scale runs from 0 to the highest acceptance, so equal rates get equal colours; when every
    cell holds the same rate (e.g. a single offer), no colour bar is drawn: it would only repeat that rate.

    Examples
    --------
    >>> ranked = pd.DataFrame({"segment": [0, 1], "segment_name": ["A", "B"], "offer": ["x", "x"],
    ...                        "expected_acceptance": [0.12, 0.12]})
    >>> trace = acceptance_heatmap(ranked).data[0]
    >>> (trace.zmin, trace.zmax, trace.showscale)
    (0, 0.12, False)
    """
    table = ranked.pivot_table(index="offer", columns="segment_name", values="expected_acceptance", sort=False)
    order = ranked.drop_duplicates("segment").sort_values("segment")["segment_name"]
    table = table.reindex(columns=[c for c in order if c in table.columns])
    z = table.to_numpy(dtype="float64")
    finite = z[np.isfinite(z)]
    top = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
    varies = finite.size > 1 and not np.allclose(finite, finite[0])
    figure = go.Figure(
        go.Heatmap(
            z=z,
            x=list(table.columns),
            y=list(table.index),
            colorscale="Blues",
            zmin=0,
            zmax=top,
            zauto=False,
            showscale=varies,
            colorbar={"title": "acceptance", "tickformat": ".0%"},
            hovertemplate="%{y} in %{x}: %{z:.1%}<extra></extra>",
            texttemplate="%{z:.0%}",
        )
    )
    figure.update_layout(
        title="Expected acceptance per segment" + ("" if varies or not finite.size else f" (all {top:.0%})"),
        height=140 + 30 * len(table.index),
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
    )
    return figure


def regret_chart(simulation: pd.DataFrame) -> go.Figure:
    """Cumulative regret of a Thompson-sampling simulation; a flattening curve means the loop has learned.

    Parameters
    ----------
    simulation : pandas.DataFrame
        :func:`core.recommend.simulate` output (``round, cumulative_regret``).
    """
    figure = go.Figure(
        go.Scatter(
            x=simulation["round"],
            y=simulation["cumulative_regret"],
            mode="lines",
            line={"color": segment_colour(0)},
            name="cumulative regret",
            hovertemplate="round %{x}: %{y:.1f} acceptances lost<extra></extra>",
        )
    )
    figure.update_layout(
        title="Acceptances lost against always offering the best offer",
        xaxis={"title": "round (customers contacted)"},
        yaxis={"title": "cumulative regret", "rangemode": "tozero"},
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
    )
    return figure
