"""Figures for the Fraud page: score distribution, precision-recall curve, alerts per segment."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core.charts import segment_colour
from core.fraud import Evaluation
from core.naming import display_name

FLAG_COLOUR = "#D55E00"
PLAIN_COLOUR = "#0072B2"
CHANCE_COLOUR = "#7F7F7F"
HISTOGRAM_BINS = 50  # score bins of width 0.02
CURVE_POINTS = 1_000  # at most this many points of a precision-recall curve are drawn


def score_histogram(scores: pd.Series, flagged: pd.Series, *, what: str = "transactions") -> go.Figure:
    """Histogram of scores, flagged alerts in their own colour, so the budget's cut-off is visible.

    Parameters
    ----------
    scores : pandas.Series
        Scores, higher = more suspicious (NaN ignored).
    flagged : pandas.Series of bool
        Alerts, aligned with ``scores``.
    what : str
        What is scored, for the axis title ("customers" / "transactions").

    Returns
    -------
    plotly.graph_objects.Figure
        Two stacked bar traces named ``not flagged`` and ``flagged``: counts per bin of width 0.02, counted
        here, so the figure sends 50 counts instead of every score (a million scores stay a few kilobytes).
    """
    scores = pd.Series(scores, dtype="float64").reset_index(drop=True)
    flags = pd.Series(flagged, dtype="bool").reset_index(drop=True).to_numpy()
    values = scores.to_numpy()
    known = ~np.isnan(values)
    edges = np.linspace(0.0, 1.0, HISTOGRAM_BINS + 1)
    centres = (edges[:-1] + edges[1:]) / 2
    figure = go.Figure()
    for name, chosen, colour in (("not flagged", ~flags, PLAIN_COLOUR), ("flagged", flags, FLAG_COLOUR)):
        counts, _ = np.histogram(np.clip(values[known & chosen], 0.0, 1.0), bins=edges)
        figure.add_trace(
            go.Bar(
                x=centres,
                y=np.where(counts > 0, counts, np.nan),  # an empty bin has no bar (log axis: 0 is undefined)
                width=edges[1] - edges[0],
                name=name,
                marker_color=colour,
                hovertemplate="score %{x:.2f}: %{y:,} " + name + "<extra></extra>",
            )
        )
    figure.update_layout(
        barmode="stack",
        bargap=0.02,
        xaxis_title="suspicion score (0 = ordinary, 1 = most unusual)",
        yaxis_title=f"{what} (log scale)",
        yaxis_type="log",
        yaxis_dtick=1,  # a tick per power of ten: 1, 10, 100 (the default labels every digit between)
        legend_title_text="",
        margin={"t": 30},
    )
    return figure


def pr_curve(evaluation: Evaluation, *, name: str = "this score") -> go.Figure:
    """Precision-recall curve with the base rate (what a random score gets) and the budget's point marked.

    Parameters
    ----------
    evaluation : Evaluation
        From :func:`core.fraud.evaluate`.
    name : str
        Legend name of the curve.

    Returns
    -------
    plotly.graph_objects.Figure
        Traces: the curve, ``base rate`` (a horizontal line as a trace, so it has a legend entry), and
        ``top N reviewed`` (one marker).
    """
    curve = evaluation.curve
    if len(curve) > CURVE_POINTS:  # one point per distinct score is more than a chart can show: thin it evenly
        curve = curve.iloc[np.unique(np.linspace(0, len(curve) - 1, CURVE_POINTS).round().astype(int))]
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(
            x=curve["recall"].to_numpy(),
            y=curve["precision"].to_numpy(),
            mode="lines",
            name=f"{name} (PR-AUC {evaluation.pr_auc:.3f})",
            line={"color": FLAG_COLOUR, "shape": "hv"},
        )
    )
    figure.add_trace(
        go.Scatter(
            x=[0.0, 1.0],
            y=[evaluation.base_rate, evaluation.base_rate],
            mode="lines",
            name=f"base rate {evaluation.base_rate:.2%} (random score)",
            line={"color": CHANCE_COLOUR, "dash": "dash"},
        )
    )
    figure.add_trace(
        go.Scatter(
            x=[evaluation.recall_at_budget],
            y=[evaluation.precision_at_budget],
            mode="markers",
            name=f"top {evaluation.budget:,} reviewed",
            marker={"color": "#000000", "size": 10, "symbol": "diamond"},
        )
    )
    figure.update_layout(
        xaxis_title="recall (share of fraud caught)",
        yaxis_title="precision (share of alerts that are fraud)",
        xaxis_range=[0, 1.02],
        yaxis_range=[0, 1.02],
        margin={"t": 30},
    )
    return figure


def alerts_by_segment(segments: pd.Series, flagged: pd.Series, names: dict[int, str]) -> go.Figure:
    """Bar chart: flagged customers per segment, each bar in its segment's colour.

    Parameters
    ----------
    segments : pandas.Series of int
        Segment id per customer.
    flagged : pandas.Series of bool
        Alerts, aligned with ``segments``.
    names : dict
        Segment id -> display name.

    Returns
    -------
    plotly.graph_objects.Figure
        One bar per segment (zero-alert segments included), x = display name, y = alerts.
    """
    ids = sorted({int(s) for s in np.unique(np.asarray(segments))})
    counts = pd.Series(np.asarray(flagged, dtype=bool)).groupby(np.asarray(segments)).sum()
    figure = go.Figure(
        go.Bar(
            x=[display_name(i, names) for i in ids],
            y=[int(counts.get(i, 0)) for i in ids],
            marker_color=[segment_colour(i) for i in ids],
        )
    )
    figure.update_layout(xaxis_title="segment", yaxis_title="flagged customers", margin={"t": 30})
    return figure
