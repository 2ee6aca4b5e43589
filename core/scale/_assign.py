"""One group of customers placed with a saved model: the work both engines share (pandas whole, Spark per group)."""

from __future__ import annotations

import pandas as pd

from core.model import SegmentModel, assign_file
from core.scale._inputs import ModelColumns, conform

ORDER_COLUMNS = ("_file", "_pos")  # file order inside a Spark group, so "keep the first copy" means the same row
RESULT_COLUMNS = ("segment", "segment_name", "distance")


def output_columns(columns: ModelColumns) -> tuple[str, ...]:
    """Columns of the scored customers: the id (when the model has one), then segment, its name, distance."""
    return (*([columns.id] if columns.id else []), *RESULT_COLUMNS)


def assign_group(frame: pd.DataFrame, model: SegmentModel, columns: ModelColumns) -> pd.DataFrame:
    """Type one group of input rows and place each customer in the model's nearest segment.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows as read (the model's columns, and optionally ``_file`` and ``_pos`` giving file order). Not modified.

    Returns
    -------
    pandas.DataFrame
        :func:`output_columns`, one row per customer kept by the recipe, in file order.
    """
    names = list(output_columns(columns))
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=_dtype(c)) for c in names})
    if all(c in frame.columns for c in ORDER_COLUMNS):
        frame = frame.sort_values(list(ORDER_COLUMNS), kind="stable")
    assigned = assign_file(model, conform(frame.reset_index(drop=True), columns))
    out = assigned[names].reset_index(drop=True)
    if columns.id:
        out[columns.id] = out[columns.id].astype("str")
    return out


def _dtype(column: str) -> str:
    return {"segment": "int64", "distance": "float64"}.get(column, "str")
