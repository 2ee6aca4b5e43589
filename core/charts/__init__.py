"""Plotly figure builders: data in, ``go.Figure`` out. One colour per segment on every page."""

from __future__ import annotations

# Okabe-Ito-like qualitative palette, readable for colour-blind users, then Plotly's D3 for more segments.
SEGMENT_PALETTE: tuple[str, ...] = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
    "#8C564B",
    "#7F7F7F",
    "#BCBD22",
    "#17BECF",
    "#9467BD",
    "#1F77B4",
    "#FF7F0E",
)
NOISE_COLOUR = "#BBBBBB"


def segment_colour(segment: int) -> str:
    """Return the colour of a segment id; ``-1`` (noise / unassigned) is light grey.

    Examples
    --------
    >>> segment_colour(0)
    '#0072B2'
    >>> segment_colour(-1)
    '#BBBBBB'
    """
    if segment < 0:
        return NOISE_COLOUR
    return SEGMENT_PALETTE[segment % len(SEGMENT_PALETTE)]


def segment_colour_map(labels: dict[int, str]) -> dict[str, str]:
    """Map display names (segment id -> name) to their segment colours, for ``color_discrete_map``."""
    return {name: segment_colour(segment) for segment, name in labels.items()}
