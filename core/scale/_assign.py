"""One group of customers placed with a saved model: the work both engines share (pandas whole, Spark per group)."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from core.errors import DataError
from core.model import SegmentModel, assign_file, assign_file_confidence
from core.naming import display_name
from core.scale._inputs import ModelColumns, conform

ORDER_COLUMNS = ("_file", "_pos")  # file order inside a Spark group, so "keep the first copy" means the same row
RESULT_COLUMNS = ("segment", "segment_name", "distance", "confidence", "top_offers")
TOP_OFFERS = 3  # offers named per segment
OFFER_SEPARATOR = "; "
OFFER_SAMPLE = 20_000  # customers of the first input file the segments' offers are ranked on


def output_columns(columns: ModelColumns) -> tuple[str, ...]:
    """Columns of the scored customers: the id (when the model has one), segment, name, distance, confidence, offers.

    ``confidence`` is ``1 - d1 / d2`` with ``d1`` and ``d2`` the distances (Gower distance or k-prototypes cost
    for mixed-data models) to the nearest and second-nearest centre: 0 halfway between two segments, 1 on the
    centre, and 1 when the model has one segment (:func:`core.model.confidence_from_distances`). ``top_offers``
    names the segment's best offers, best first, joined by ``"; "`` (:func:`segment_top_offers`).
    """
    return (*([columns.id] if columns.id else []), *RESULT_COLUMNS)


def assign_group(
    frame: pd.DataFrame, model: SegmentModel, columns: ModelColumns, offers: Mapping[int, str] | None = None
) -> pd.DataFrame:
    """Type one group of input rows and place each customer in the model's nearest segment.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows as read (the model's columns, and optionally ``_file`` and ``_pos`` giving file order). Not modified.
    offers : mapping, optional
        Segment id -> its ``top_offers`` text (:func:`segment_top_offers`); ``""`` for segments not in it.

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
    assigned = assign_file_confidence(model, conform(frame.reset_index(drop=True), columns))
    by_segment = dict(offers or {})
    offer_texts = [by_segment.get(int(s), "") for s in assigned["segment"]]
    assigned["top_offers"] = pd.Series(offer_texts, index=assigned.index, dtype="str")
    out = assigned[names].reset_index(drop=True)
    if columns.id:
        out[columns.id] = out[columns.id].astype("str")
    return out


def _dtype(column: str) -> str:
    return {"segment": "int64", "distance": "float64", "confidence": "float64"}.get(column, "str")


def segment_top_offers(
    model: SegmentModel,
    frame: pd.DataFrame,
    columns: ModelColumns,
    *,
    top_n: int = TOP_OFFERS,
    sample: int = OFFER_SAMPLE,
    random_state: int = 0,
) -> tuple[dict[int, str], list[str]]:
    """Rank each segment's offers once, as the Recommendations page does, on a seeded sample of customers.

    The sample's customers are placed with the model (:func:`core.model.assign_file`) and their offers ranked
    by :func:`core.recommend.segment_offers` (the default catalogue, no feedback). Both engines call this once,
    on the driver, with the same rows, and join the result on ``segment``, so they write the same offers.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows as read (the model's columns), e.g. the first input file. Not modified.
    top_n : int, default 3
        Offers named per segment.
    sample : int, default 20,000
        At most this many rows of ``frame`` (a seeded random sample when there are more).
    random_state : int, default 0
        Seed of the sample.

    Returns
    -------
    tuple
        Segment id -> offer names, best first, joined by ``"; "``; and sentences for the summary (segments
        without offers, or why no offers could be ranked). Segments absent from the sample get no entry.
    """
    from core.recommend import segment_offers

    if len(frame) > sample:
        frame = frame.sample(n=sample, random_state=random_state).sort_index()
    try:
        assigned = assign_file(model, conform(frame.reset_index(drop=True), columns))
        ranked = segment_offers(
            assigned, assigned["segment"].to_numpy(), names=model.names, id_column=columns.id or None
        )
    except DataError as error:
        return {}, [f"No offers were ranked, so top_offers is empty: {error}"]
    ranked = ranked[ranked["rank"] <= top_n].sort_values(["segment", "rank"])
    offers = {int(s): OFFER_SEPARATOR.join(group["offer"].astype(str)) for s, group in ranked.groupby("segment")}
    missing = [display_name(s, model.names) for s in range(len(model.centres)) if s not in offers]
    notes = []
    if missing:
        notes.append(
            f"No offer ranked for {', '.join(missing)} (no eligible offer, or no customer of it among the "
            f"{min(len(frame), sample):,} the offers were ranked on): top_offers is empty there."
        )
    return offers, notes
