"""Figures for the Cluster page: criteria by k, silhouette, sizes, projections, k-distance, dendrogram, stability.

Every builder is pure (data in, ``go.Figure`` out). Segments keep their colour from
:func:`core.charts.segment_colour` and their display name from the ``names`` mapping (segment id -> name).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core.charts import segment_colour
from core.cluster import CRITERIA, HENNIG_BANDS
from core.naming import display_name

MAX_POINTS = 20_000  # scatter points drawn; larger tables show a seeded sample (the browser stays responsive)
MATRIX_POINTS = 5_000  # customers in a scatter matrix (each is drawn once per pair of features)


def _name(names: Mapping[int, str], segment: int) -> str:
    return display_name(segment, names)


def _segments(labels: np.ndarray) -> list[int]:
    found = sorted({int(s) for s in np.unique(labels)})
    return [s for s in found if s >= 0] + [s for s in found if s < 0]


def _shown_rows(n: int, limit: int = MAX_POINTS) -> np.ndarray:
    if n <= limit:
        return np.arange(n)
    return np.sort(np.random.default_rng(0).choice(n, size=limit, replace=False))


def criteria_chart(table: pd.DataFrame, recommended_k: int, votes: Mapping[str, int] | None = None) -> go.Figure:
    """Draw every criterion against k on one 0-1 scale (1 = that criterion's best k), recommended k marked.

    Parameters
    ----------
    table : pandas.DataFrame
        ``SweepResult.table``: ``k`` and one column per criterion (``silhouette, calinski_harabasz,
        davies_bouldin, inertia, bic``).
    recommended_k : int
        Marked with a vertical line.
    votes : mapping, optional
        Criterion -> its k; shown in the legend.
    """
    fig = go.Figure()
    votes = votes or {}
    for key, (label, column, best) in CRITERIA.items():
        if column not in table or table[column].isna().all():
            continue
        raw = table[column].astype(float)
        span = raw.max() - raw.min()
        scaled = (raw - raw.min()) / span if span > 0 else raw * 0 + 1.0
        if best != "max":  # lower is better (Davies-Bouldin, BIC, inertia): flip so that up is better
            scaled = 1.0 - scaled
        vote = f" (picks {votes[key]})" if key in votes else ""
        label = f"{label[0].upper()}{label[1:]}"
        fig.add_trace(
            go.Scatter(
                x=table["k"],
                y=scaled,
                mode="lines+markers",
                name=f"{label}{vote}",
                customdata=raw,
                hovertemplate="k = %{x}<br>" + label + ": %{customdata:,.3~f}<extra></extra>",
            )
        )
    fig.add_vline(
        x=recommended_k, line_dash="dash", line_color="#444", annotation_text=f"recommended k = {recommended_k}"
    )
    fig.update_layout(
        title="How each criterion rates every k",
        xaxis_title="number of segments (k)",
        yaxis_title="rating (1 = that criterion's best k)",
        xaxis={"dtick": 1},
        legend={"orientation": "h", "y": -0.25},
    )
    return fig


def silhouette_chart(frame: pd.DataFrame, names: Mapping[int, str]) -> go.Figure:
    """Draw the classic silhouette plot: each sampled customer's silhouette, grouped by segment.

    Each segment is one filled outline (a customer per row, filled to 0) rather than one bar per customer: the
    same picture, but the browser draws a path per segment instead of thousands of rectangles.

    Parameters
    ----------
    frame : pandas.DataFrame
        ``core.cluster.silhouette_per_customer`` output: ``segment, silhouette`` sorted within segment.
    names : mapping
        Segment id -> display name.
    """
    fig = go.Figure()
    position = 0
    for segment in _segments(frame["segment"].to_numpy()):
        values = frame.loc[frame["segment"] == segment, "silhouette"].to_numpy()
        colour = segment_colour(segment)
        fig.add_trace(
            go.Scatter(
                x=values,
                y=np.arange(position, position + len(values)),
                mode="lines",
                fill="tozerox",
                line={"color": colour, "width": 0.5, "shape": "hvh"},
                fillcolor=colour,
                name=_name(names, segment),
                hovertemplate=_name(names, segment) + ": %{x:.2f}<extra></extra>",
            )
        )
        position += len(values) + max(len(frame) // 100, 2)
    if len(frame):
        mean = float(frame["silhouette"].mean())
        fig.add_vline(x=mean, line_dash="dash", line_color="#444", annotation_text=f"average {mean:.2f}")
    fig.update_layout(
        title="Silhouette per customer",
        xaxis_title="silhouette (right: well inside its segment; below 0: closer to another)",
        yaxis={"showticklabels": False, "title": "customers (sample), grouped by segment"},
    )
    return fig


def sizes_chart(labels: np.ndarray, names: Mapping[int, str]) -> go.Figure:
    """Draw customers per segment (noise last, in grey)."""
    labels = np.asarray(labels)
    segments = _segments(labels)
    counts = [int(np.count_nonzero(labels == s)) for s in segments]
    share = [c / max(len(labels), 1) for c in counts]
    fig = go.Figure(
        go.Bar(
            x=[_name(names, s) for s in segments],
            y=counts,
            marker={"color": [segment_colour(s) for s in segments]},
            customdata=share,
            hovertemplate="%{x}: %{y:,} customers (%{customdata:.1%})<extra></extra>",
            text=[f"{s:.0%}" for s in share],
            textposition="outside",
        )
    )
    fig.update_layout(title="Segment sizes", xaxis_title="segment", yaxis_title="customers")
    return fig


def projection_chart(
    coords: pd.DataFrame,
    labels: np.ndarray,
    names: Mapping[int, str],
    *,
    explained: Sequence[float] | None = None,
    title: str = "Customers projected",
) -> go.Figure:
    """Scatter customers in 2-D or 3-D (by the number of coordinate columns), one colour per segment.

    Parameters
    ----------
    coords : pandas.DataFrame
        Two or three coordinate columns (``PC1, PC2[, PC3]`` or ``TSNE1, TSNE2``), one row per customer.
    labels : numpy.ndarray
        Segment id per row of ``coords``.
    names : mapping
        Segment id -> display name.
    explained : sequence of float, optional
        Share of variance per axis, written into the axis titles.
    title : str
        Figure title; above :data:`MAX_POINTS` rows a seeded sample is drawn and the title says so.
    """
    labels = np.asarray(labels)
    rows = _shown_rows(len(coords))
    columns = list(coords.columns)
    axis = [
        f"{c} ({explained[i]:.0%} of variance)" if explained is not None and i < len(explained) else c
        for i, c in enumerate(columns)
    ]
    three = len(columns) >= 3
    fig = go.Figure()
    for segment in _segments(labels[rows]):
        chosen = rows[labels[rows] == segment]
        points = coords.iloc[chosen]
        style = {"color": segment_colour(segment), "size": 3 if three else 5, "opacity": 0.7}
        if three:
            fig.add_trace(
                go.Scatter3d(
                    x=points[columns[0]],
                    y=points[columns[1]],
                    z=points[columns[2]],
                    mode="markers",
                    marker=style,
                    name=_name(names, segment),
                )
            )
        else:
            fig.add_trace(
                go.Scattergl(
                    x=points[columns[0]],
                    y=points[columns[1]],
                    mode="markers",
                    marker=style,
                    name=_name(names, segment),
                )
            )
    if len(rows) < len(coords):
        title += f" ({len(rows):,} of {len(coords):,} customers)"
    if three:
        fig.update_layout(scene={"xaxis_title": axis[0], "yaxis_title": axis[1], "zaxis_title": axis[2]})
    else:
        fig.update_layout(xaxis_title=axis[0], yaxis_title=axis[1])
    fig.update_layout(title=title, legend={"itemsizing": "constant"})
    return fig


def scatter_matrix_chart(frame: pd.DataFrame, labels: np.ndarray, names: Mapping[int, str]) -> go.Figure:
    """Draw every pair of the given feature columns (a scatter matrix), one colour per segment."""
    labels = np.asarray(labels)
    rows = _shown_rows(len(frame), MATRIX_POINTS)
    fig = go.Figure()
    for segment in _segments(labels[rows]):
        chosen = rows[labels[rows] == segment]
        fig.add_trace(
            go.Splom(
                dimensions=[{"label": c, "values": frame[c].iloc[chosen]} for c in frame.columns],
                marker={"color": segment_colour(segment), "size": 3, "opacity": 0.6},
                name=_name(names, segment),
                diagonal_visible=False,
                showupperhalf=False,
            )
        )
    title = "Chosen features, pair by pair"
    if len(rows) < len(frame):
        title += f" ({len(rows):,} of {len(frame):,} customers)"
    fig.update_layout(title=title, height=250 + 150 * len(frame.columns), dragmode="select")
    return fig


def k_distance_chart(distances: np.ndarray, suggested_eps: float, current_eps: float | None = None) -> go.Figure:
    """Draw sorted k-distances with the suggested eps (the knee) and the eps in use."""
    fig = go.Figure(
        go.Scatter(
            x=np.arange(len(distances)),
            y=distances,
            mode="lines",
            name="distance to the k-th neighbour",
            hovertemplate="%{y:.3f}<extra></extra>",
        )
    )
    fig.add_hline(y=suggested_eps, line_dash="dash", line_color="#009E73", annotation_text=f"knee {suggested_eps:.2f}")
    if current_eps is not None:
        fig.add_hline(y=current_eps, line_dash="dot", line_color="#D55E00", annotation_text=f"eps {current_eps:.2f}")
    fig.update_layout(
        title="k-distance curve (customers above eps become noise)",
        xaxis_title="customers, sorted by distance",
        yaxis_title="distance to the k-th nearest neighbour",
    )
    return fig


def dendrogram_chart(linkage: np.ndarray, *, leaves: int = 30, cut_height: float | None = None) -> go.Figure:
    """Draw the top of a hierarchical tree (the last ``leaves`` merges), optionally with the cut line.

    Parameters
    ----------
    linkage : numpy.ndarray
        A scipy linkage matrix.
    leaves : int
        Branches shown at the bottom; each shows how many customers it holds.
    cut_height : float, optional
        Height of the cut, drawn as a dashed line.
    """
    from scipy.cluster.hierarchy import dendrogram

    tree = dendrogram(linkage, truncate_mode="lastp", p=leaves, no_plot=True)
    fig = go.Figure()
    for xs, ys in zip(tree["icoord"], tree["dcoord"], strict=True):
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line={"color": "#0072B2", "width": 1.5}, hoverinfo="skip"))
    ticks = [5 + 10 * i for i in range(len(tree["ivl"]))]
    if cut_height is not None:
        fig.add_hline(y=cut_height, line_dash="dash", line_color="#D55E00", annotation_text="cut")
    fig.update_layout(
        title="Dendrogram, top of the tree",
        xaxis={"tickvals": ticks, "ticktext": tree["ivl"], "title": "branches (customers per branch in brackets)"},
        yaxis_title="merge distance",
        showlegend=False,
    )
    return fig


def stability_chart(frame: pd.DataFrame, names: Mapping[int, str]) -> go.Figure:
    """Draw the mean bootstrap Jaccard per segment over Hennig's bands.

    Parameters
    ----------
    frame : pandas.DataFrame
        ``core.cluster.stability`` output: ``segment, jaccard, band``.
    names : mapping
        Segment id -> display name.
    """
    fig = go.Figure(
        go.Bar(
            x=[_name(names, int(s)) for s in frame["segment"]],
            y=frame["jaccard"],
            marker={"color": [segment_colour(int(s)) for s in frame["segment"]]},
            customdata=frame["band"],
            hovertemplate="%{x}: %{y:.2f} (%{customdata})<extra></extra>",
            text=frame["band"],
            textposition="outside",
        )
    )
    upper = 1.0
    shades = ("#D9F0D3", "#EEF7E6", "#FFF4D6", "#FBE3E0")
    for (lowest, band), shade in zip(HENNIG_BANDS, shades, strict=True):
        fig.add_hrect(y0=lowest, y1=upper, fillcolor=shade, opacity=0.6, line_width=0, layer="below")
        fig.add_annotation(x=1.0, xref="paper", xanchor="left", y=(lowest + upper) / 2, text=band, showarrow=False)
        upper = lowest
    fig.update_layout(
        title="Stability per segment",
        yaxis={"range": [0, 1.08], "title": "mean Jaccard over bootstrap refits"},
        xaxis_title="segment",
        margin={"r": 120},
    )
    return fig
