"""The workbook download, offered on the Profiles page and in the sidebar of every page once segments exist.

Building the workbook takes about a second on the sample, so the sidebar never builds it on a rerun: the
download button gets a callable (deferred download, Streamlit >= 1.50) that builds the bytes only when clicked.
The callable runs outside the script run, so it captures the session's values first (cheap references).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from core.workbook import MAX_EXCEL_ROWS, Export, WorkbookInputs, assemble_export
from pages import _state as state

FILE_STEM = "cardlens_segments"
MEMO_KEY = state.WORKBOOK_MEMO  # per-session memo of the last workbook built (never shared between sessions)


def collect_state() -> dict[str, Any]:
    """Take every value the workbook needs from the session (references only, nothing computed)."""
    keys = (
        state.DATASET,
        state.TRANSACTIONS,
        state.CLEAN,
        state.SEGMENTATION,
        state.PROFILES,
        state.NAMES,
        state.DESCRIPTIONS,
        state.SWEEP,
        state.STABILITY,
        state.RECIPE,
        state.CLUSTER_PARAMS,
        state.CATALOGUE,
        state.FEEDBACK,
        state.FRAUD_CUSTOMERS,
        state.FRAUD_TRANSACTIONS,
        state.FRAUD_REVIEWS,
        state.TRENDS,
    )
    return {key: st.session_state.get(key) for key in keys}


def _offers(values: dict[str, Any], names: dict[int, str]) -> pd.DataFrame | None:
    clean, segmentation = values[state.CLEAN], values[state.SEGMENTATION]
    if values[state.CATALOGUE] is None and values[state.FEEDBACK] is None:
        return None
    try:
        from core.recommend import top_offers_table
    except ImportError:
        return None
    feedback = values[state.FEEDBACK]
    return top_offers_table(
        clean.table,
        segmentation.labels,
        id_column=clean.id_column,
        names=names,
        catalogue=values[state.CATALOGUE],
        feedback=feedback if feedback is not None and len(feedback) else None,
    )


def _fraud(values: dict[str, Any]) -> pd.DataFrame | None:
    reviews = values[state.FRAUD_REVIEWS] or {}
    parts = []
    for key in (state.FRAUD_TRANSACTIONS, state.FRAUD_CUSTOMERS):
        scored = values[key]
        if scored is not None and "flagged" in scored.columns:
            alerts = scored.loc[scored["flagged"].astype(bool)].copy()
            if "alert" in alerts.columns:
                alerts["review"] = alerts["alert"].map(lambda k: reviews.get(k, "not reviewed"))
            parts.append(alerts.assign(kind="transaction" if key == state.FRAUD_TRANSACTIONS else "customer"))
    return pd.concat(parts, ignore_index=True) if parts else None


def _customer_scores(values: dict[str, Any]) -> pd.DataFrame | None:
    scored = values[state.FRAUD_CUSTOMERS]
    if scored is None:
        return None
    keep = [c for c in ("anomaly_score", "anomaly_rank", "flagged", "reasons") if c in scored.columns]
    return scored[keep] if keep else None


def inputs_from(values: dict[str, Any], *, with_offers: bool = True) -> WorkbookInputs:
    """Turn collected session values into :class:`core.workbook.WorkbookInputs` (offers are computed here)."""
    from core.schema import detect_layout

    dataset = values[state.DATASET] or values[state.TRANSACTIONS]
    clean, segmentation = values[state.CLEAN], values[state.SEGMENTATION]
    names = dict(values[state.NAMES] or {})
    trends = values[state.TRENDS]
    return WorkbookInputs(
        dataset_name=getattr(dataset, "name", "customers"),
        sha256=getattr(dataset, "sha256", None),
        table=clean.table,
        labels=segmentation.labels,
        id_column=clean.id_column,
        names=names or None,
        descriptions=values[state.DESCRIPTIONS],
        profiles=values[state.PROFILES],
        segmentation=segmentation,
        sweep=values[state.SWEEP],
        stability=values[state.STABILITY],
        recipe=values[state.RECIPE],
        clean_reports=clean.reports,
        params=values[state.CLUSTER_PARAMS],
        random_state=getattr(segmentation, "random_state", 0),
        layout=detect_layout(values[state.DATASET].frame) if values[state.DATASET] is not None else "transactions",
        offers=_offers(values, names) if with_offers else None,
        feedback=values[state.FEEDBACK],
        fraud=_fraud(values),
        customer_scores=_customer_scores(values),
        trends=trends if trends is not None and len(trends) else None,
    )


def workbook_inputs_from_state() -> WorkbookInputs:
    """Gather everything the session produced into :class:`core.workbook.WorkbookInputs`."""
    return inputs_from(collect_state())


def _key(values: dict[str, Any]) -> tuple:
    """Identity of the session values (shared values are replaced, never mutated), plus the edited names."""
    names = tuple(sorted((values[state.NAMES] or {}).items()))
    descriptions = tuple(sorted((values[state.DESCRIPTIONS] or {}).items()))
    reviews = tuple(sorted((values[state.FRAUD_REVIEWS] or {}).items()))
    others = tuple(id(v) for k, v in values.items() if k not in (state.NAMES, state.DESCRIPTIONS, state.FRAUD_REVIEWS))
    return (others, names, descriptions, reviews)


def workbook_bytes(values: dict[str, Any] | None = None, memo: dict | None = None) -> Export:
    """Build the workbook (or the zip beyond Excel's rows) once per distinct session state; reuse it after.

    ``memo`` lives in the session (the deferred download runs outside the script run, so it is captured
    when the button is drawn); one workbook is kept, since it can be large.
    """
    values = values if values is not None else collect_state()
    memo = memo if memo is not None else st.session_state.setdefault(MEMO_KEY, {})
    key = _key(values)
    if key not in memo:
        memo.clear()
        memo[key] = (values, assemble_export(inputs_from(values), stem=FILE_STEM))
    return memo[key][1]


def _deferred(values: dict[str, Any]) -> Callable[[], bytes]:
    memo = st.session_state.setdefault(MEMO_KEY, {})
    return lambda: workbook_bytes(values, memo).data


def _file_name(values: dict[str, Any]) -> tuple[str, str]:
    clean = values[state.CLEAN]
    if clean is not None and len(clean.table) + 1 > MAX_EXCEL_ROWS:
        return f"{FILE_STEM}.zip", "application/zip"
    return f"{FILE_STEM}.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download_button(where: Any = st, *, key: str) -> None:
    """A 'Download workbook' button whose bytes are built only when clicked."""
    values = collect_state()
    if values[state.CLEAN] is None or values[state.SEGMENTATION] is None:
        return
    if len(values[state.CLEAN].table) != len(values[state.SEGMENTATION].labels):
        return
    file_name, mime = _file_name(values)
    where.download_button(
        "Download workbook (.xlsx)" if file_name.endswith(".xlsx") else "Download workbook + customers (.zip)",
        data=_deferred(values),
        file_name=file_name,
        mime=mime,
        on_click="ignore",
        icon=":material/download:",
        key=key,
    )


def sidebar_download() -> None:
    """Offer the analyst workbook in the sidebar (called by the frame once a segmentation exists)."""
    download_button(st.sidebar, key="sidebar__workbook")
