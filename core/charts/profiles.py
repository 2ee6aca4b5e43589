"""Figures of the Profiles page: sizes, z-score heatmap, snake chart, box plot, and category level shares."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative

from core.charts import segment_colour
from core.naming import display_name
from core.profiles import SegmentProfiles, feature_words


def _name(names: Mapping[int, str], segment: int) -> str:
    return display_name(int(segment), names)


def sizes_figure(profiles: SegmentProfiles, names: Mapping[int, str]) -> go.Figure:
    """Bar chart of customers per segment, labelled with the share."""
    sizes = profiles.sizes
    figure = go.Figure(
        go.Bar(
            x=[_name(names, s) for s in sizes["segment"]],
            y=sizes["size"],
            text=[f"{share:.0%}" for share in sizes["share"]],
            marker_color=[segment_colour(int(s)) for s in sizes["segment"]],
        )
    )
    figure.update_layout(title="Customers per segment", yaxis_title="customers", height=320, margin={"t": 50})
    return figure


def _ordered_features(profiles: SegmentProfiles, limit: int | None) -> list[str]:
    order = [f for f in profiles.tests.index if f in profiles.zscores.columns]
    return order[:limit] if limit else order


def zscore_heatmap(profiles: SegmentProfiles, names: Mapping[int, str], *, limit: int | None = 20) -> go.Figure:
    """Heatmap of segments x features (most distinguishing first), coloured by z-score, the index as text."""
    features = _ordered_features(profiles, limit)
    z = profiles.zscores[features]
    index = profiles.index[features]
    figure = go.Figure(
        go.Heatmap(
            z=z.to_numpy(),
            x=[feature_words(f).label for f in features],
            y=[_name(names, s) for s in z.index],
            text=np.where(np.isfinite(index.to_numpy()), index.round(0).to_numpy(), np.nan),
            texttemplate="%{text}",
            colorscale="RdBu",
            reversescale=True,
            zmid=0,
            colorbar={"title": "z-score"},
            hovertemplate="%{y}<br>%{x}<br>z = %{z:.2f}<br>index = %{text}<extra></extra>",
        )
    )
    figure.update_layout(
        title="How each segment differs (colour: z-score; number: index, portfolio = 100)",
        height=max(300, 60 * len(z) + 160),
        xaxis_tickangle=-35,
        margin={"t": 60},
    )
    return figure


def snake_chart(profiles: SegmentProfiles, names: Mapping[int, str], *, limit: int | None = 20) -> go.Figure:
    """Snake plot: one line per segment across the features, in z-scores (0 = portfolio average)."""
    features = _ordered_features(profiles, limit)
    labels = [feature_words(f).label for f in features]
    figure = go.Figure()
    for segment in profiles.zscores.index:
        figure.add_trace(
            go.Scatter(
                x=labels,
                y=profiles.zscores.loc[segment, features].to_numpy(),
                mode="lines+markers",
                name=_name(names, segment),
                line={"color": segment_colour(int(segment))},
            )
        )
    figure.add_hline(y=0, line_dash="dot", line_color="grey")
    figure.update_layout(
        title="Snake plot: segment means in z-scores", yaxis_title="z-score", xaxis_tickangle=-35, height=420
    )
    return figure


BOX_OUTLIERS = 300  # outliers drawn per segment at most (the most extreme first, then evenly between)


def feature_box(
    table: pd.DataFrame, labels: Sequence[int] | np.ndarray, feature: str, names: Mapping[int, str]
) -> go.Figure:
    """Box plot of one feature by segment (original units), outliers as points.

    Quartiles and whiskers (the furthest values within 1.5 IQR of the box) are computed here and sent as
    numbers, with at most ``BOX_OUTLIERS`` outliers per segment: a figure of a few kilobytes whether a segment
    holds a thousand customers or a million (Plotly would otherwise receive every value).
    """
    labels = np.asarray(labels)
    values = pd.to_numeric(table[feature], errors="coerce").to_numpy(dtype="float64")
    figure = go.Figure()
    for segment in np.unique(labels):
        mine = values[(labels == segment) & ~np.isnan(values)]
        name, colour = _name(names, int(segment)), segment_colour(int(segment))
        if not len(mine):
            continue
        q1, median, q3 = np.percentile(mine, [25, 50, 75])
        reach = 1.5 * (q3 - q1)
        inside = mine[(mine >= q1 - reach) & (mine <= q3 + reach)]
        figure.add_trace(
            go.Box(
                x=[name],
                q1=[q1],
                median=[median],
                q3=[q3],
                lowerfence=[inside.min()],
                upperfence=[inside.max()],
                name=name,
                marker_color=colour,
                boxpoints=False,
            )
        )
        outliers = np.sort(mine[(mine < q1 - reach) | (mine > q3 + reach)])
        if len(outliers) > BOX_OUTLIERS:
            outliers = outliers[np.unique(np.linspace(0, len(outliers) - 1, BOX_OUTLIERS).round().astype(int))]
        if len(outliers):
            figure.add_trace(
                go.Scatter(
                    x=[name] * len(outliers),
                    y=outliers,
                    mode="markers",
                    name=f"{name}: outliers",
                    marker={"color": colour, "size": 4, "opacity": 0.6},
                    hovertemplate="%{y:,.4~g}<extra>" + name + "</extra>",
                )
            )
    figure.update_layout(
        title=f"{feature_words(feature).label.capitalize()} by segment", yaxis_title=feature, showlegend=False
    )
    return figure


PORTFOLIO = "Portfolio"  # the bar that shows every customer's shares, for comparison
LEVEL_PALETTE: tuple[str, ...] = (*qualitative.Safe, *qualitative.Pastel)  # levels are not segments: other colours


def category_share_bars(profiles: SegmentProfiles, feature: str, names: Mapping[int, str]) -> go.Figure:
    """Stacked bars of a categorical feature's level shares: one bar per segment and one for the portfolio.

    Parameters
    ----------
    profiles : SegmentProfiles
        With ``levels`` for ``feature`` (profiled with ``categorical=...``).
    feature : str
        One of ``profiles.categorical_features``.
    names : mapping
        Segment id -> display name.

    Returns
    -------
    plotly.graph_objects.Figure
        One horizontal bar trace per level (most common in the portfolio first), segments top to bottom and the
        portfolio last; the text is the share, the hover adds customers and the index (portfolio = 100).

    Raises
    ------
    KeyError
        When ``feature`` was not profiled as a category.
    """
    rows = profiles.levels[profiles.levels["feature"] == feature]
    if rows.empty:
        raise KeyError(f"{feature} was not profiled as a category")
    portfolio = rows.groupby("level", sort=False)["portfolio_share"].first()
    levels = sorted(portfolio.index, key=lambda level: (-portfolio[level], str(level)))
    segments = [int(s) for s in profiles.sizes["segment"]]
    bars = [_name(names, s) for s in segments] + [PORTFOLIO]
    totals = rows.groupby("level")["customers"].sum()
    figure = go.Figure()
    for position, level in enumerate(levels):
        of_level = rows[rows["level"] == level].set_index("segment")
        shares = [float(of_level["share"].get(s, 0.0)) for s in segments] + [float(portfolio[level])]
        customers = [int(of_level["customers"].get(s, 0)) for s in segments] + [int(totals.get(level, 0))]
        index = [float(of_level["index"].get(s, np.nan)) for s in segments] + [100.0]
        figure.add_trace(
            go.Bar(
                y=bars,
                x=shares,
                name=str(level),
                orientation="h",
                marker_color=LEVEL_PALETTE[position % len(LEVEL_PALETTE)],
                text=[f"{share:.0%}" if share >= 0.05 else "" for share in shares],
                textposition="inside",
                customdata=np.column_stack([customers, index]),
                hovertemplate="%{y}<br>%{fullData.name}: %{x:.0%} (%{customdata[0]:,} customers)<br>"
                "index %{customdata[1]:.0f}<extra></extra>",  # the level as the trace's name: never a template
            )
        )
    label = feature_words(feature).label
    figure.update_layout(
        title=f"{label[:1].upper()}{label[1:]}: share of each level per segment (last bar: every customer)",
        barmode="stack",
        xaxis={"tickformat": ".0%", "range": [0, 1], "title": "share of the segment's customers"},
        yaxis={"autorange": "reversed"},
        legend={"title": {"text": str(feature)}, "traceorder": "normal"},
        height=max(260, 40 * len(bars) + 140),
        margin={"t": 60},
    )
    return figure
