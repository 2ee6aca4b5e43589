"""The workbook download, offered on the Profiles page and in the sidebar of every page once segments exist.

Building the workbook takes about a second on the sample, so the sidebar never builds it on a rerun: the
download button gets a callable (deferred download, Streamlit >= 1.50) that builds the bytes only when clicked.
The callable runs outside the script run, so it captures the session's values first (cheap references).

Memory: the bytes live once. The memo keeps the last export, and Streamlit's media storage is handed that same
``bytes`` object (not a copy); a new session state drops the old export before the next one is built.

A failing deferred build shows only a short generic line under the button in the browser (Streamlit cannot
report it to the script), so the callable records what went wrong in the memo and the next run of the page shows
it under the button with ``st.error``.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

import streamlit as st

from core import pipeline
from core.errors import DataError
from core.workbook import Export, WorkbookInputs, assemble_export, exports_as_zip
from pages import _state as state

FILE_STEM = "cardlens_segments"
PROVENANCE = "provenance"  # key of the collected values: the session's input records
MEMO_KEY = state.WORKBOOK_MEMO  # per-session memo of the last workbook built (never shared between sessions)
FAILURE = "failure"  # memo key: (session values' key, message) of the last build that failed
# One large build at a time on the server: two builds of a million customers at once would double the peak memory.
# Builds below LARGE_BUILD_ROWS (the sample's takes about a second) never queue behind one: a visitor's small
# download waited minutes for someone else's 1M export, past the 180 s the browser gives a deferred download.
BUILDING = threading.Lock()
LARGE_BUILD_ROWS = 100_000
_PLAIN_MEMO = threading.Lock()  # the session lock of a memo that carries none (a plain dict, as in tests)


class BuildMemo(dict):
    """A session's last export (see :func:`workbook_bytes`), with the lock a second click waits on.

    The browser gives a deferred download up after 180 s, so a second click during a long build must wait for the
    build in progress and take its bytes, not start over.
    """

    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()


def session_memo() -> BuildMemo:
    """This session's build memo."""
    memo = st.session_state.get(MEMO_KEY)
    if not isinstance(memo, BuildMemo):
        memo = st.session_state[MEMO_KEY] = BuildMemo()
    return memo


LONG_BUILD_NOTE = (
    "At this size the file takes minutes to build. If the download has not started after 3 minutes, click again: "
    "the file built meanwhile is kept."
)


WORKBOOK_KEYS = (
    state.DATASET,
    state.TRANSACTIONS,
    state.TX_COLUMNS,
    state.TX_CANONICAL,
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
    state.OFFER_SCORES,
    state.FEEDBACK,
    state.FRAUD_CUSTOMERS,
    state.FRAUD_TRANSACTIONS,
    state.FRAUD_REVIEWS,
    state.TRENDS,
    state.CUSTOMERS_UNDERSTOOD,
    state.TX_UNDERSTOOD,
)


def collect_state() -> dict[str, Any]:
    """Take every value the workbook needs from the session (references only, and the input records)."""
    values = {key: st.session_state.get(key) for key in WORKBOOK_KEYS}
    values[PROVENANCE] = tuple(state.provenance())
    return values


def inputs_from(values: dict[str, Any]) -> WorkbookInputs:
    """Turn collected session values into :class:`core.workbook.WorkbookInputs`, the way the command line does.

    Whatever the session lacks (offers, customer and transaction alerts, trends, profiles and names) is computed
    by the pipeline's steps with their defaults; what the user did (edited names, the catalogue, recorded
    outcomes, reviews, the Trends view, the alert budgets) is used as it is.
    """
    from core.schema import detect_layout

    dataset, transactions = values[state.DATASET], values[state.TRANSACTIONS]
    clean, segmentation = values[state.CLEAN], values[state.SEGMENTATION]
    layout = detect_layout(dataset.frame) if dataset is not None else "transactions"
    profiles = values[state.PROFILES]
    names, descriptions = values[state.NAMES], values[state.DESCRIPTIONS]
    if profiles is None or names is None:
        profiles, automatic, automatic_descriptions = pipeline.profile_and_name(clean, segmentation, layout)
        names = {**automatic, **(names or {})}
        descriptions = {**automatic_descriptions, **(descriptions or {})}
    tx = values[state.TX_CANONICAL]
    if tx is None and transactions is not None:
        tx = pipeline.canonical_transactions(transactions.frame, values[state.TX_COLUMNS])
    acted = pipeline.act_on_segments(
        clean,
        segmentation,
        names,
        tx_canonical=tx,
        catalogue=values[state.CATALOGUE],
        feedback=values[state.FEEDBACK],
        offer_scores=values[state.OFFER_SCORES],
        customer_scores=values[state.FRAUD_CUSTOMERS],
        transaction_scores=values[state.FRAUD_TRANSACTIONS],
        reviews=values[state.FRAUD_REVIEWS],
        trends=values[state.TRENDS],
        random_state=getattr(segmentation, "random_state", 0),
    )
    stability = values[state.STABILITY]
    if stability is None:
        stability = pipeline.check_stability(
            clean.matrix, segmentation, random_state=getattr(segmentation, "random_state", 0)
        )
    understanding: list[str] = []
    for key, table in ((state.CUSTOMERS_UNDERSTOOD, dataset), (state.TX_UNDERSTOOD, transactions)):
        if values.get(key) is not None and table is not None:
            understanding += values[key].lines(table.name)
    warnings, outcome_lines = pipeline.check_segments(clean, segmentation, names=names)
    return pipeline.workbook_inputs(
        dataset_name=getattr(dataset or transactions, "name", "customers"),
        sha256=getattr(dataset or transactions, "sha256", None),
        clean=clean,
        segmentation=segmentation,
        profiles=profiles,
        names=names,
        descriptions=descriptions,
        sweep=values[state.SWEEP],
        stability=stability,
        recipe=values[state.RECIPE],
        params=values[state.CLUSTER_PARAMS],
        layout=layout,
        acted=acted,
        feedback=values[state.FEEDBACK],
        understanding=tuple(understanding),
        warnings=warnings,
        outcome_lines=outcome_lines,
        provenance=tuple(values.get(PROVENANCE) or ()),
    )


def _key(values: dict[str, Any]) -> tuple:
    """Identity of the session values (shared values are replaced, never mutated), plus the edited names."""
    names = tuple(sorted((values[state.NAMES] or {}).items()))
    descriptions = tuple(sorted((values[state.DESCRIPTIONS] or {}).items()))
    reviews = tuple(sorted((values[state.FRAUD_REVIEWS] or {}).items()))
    by_value = (state.NAMES, state.DESCRIPTIONS, state.FRAUD_REVIEWS, PROVENANCE)
    others = tuple(id(v) for k, v in values.items() if k not in by_value)
    return (others, names, descriptions, reviews, values.get(PROVENANCE, ()))


def workbook_bytes(values: dict[str, Any] | None = None, memo: dict | None = None) -> Export:
    """Build the workbook (or the zip beyond Excel's rows) once per distinct session state; reuse it after.

    ``memo`` lives in the session (the deferred download runs outside the script run, so it is captured
    when the button is drawn); one workbook is kept, since it can be large.
    """
    values = values if values is not None else collect_state()
    memo = memo if memo is not None else session_memo()
    key = _key(values)
    if key not in memo:
        memo.clear()  # the previous export goes before the next one is built: one in memory at a time
        inputs = inputs_from(values)
        memo[key] = (values, inputs, assemble_export(inputs, stem=FILE_STEM))
    return memo[key][2]


def memoised_inputs(values: dict[str, Any], memo: dict) -> WorkbookInputs:
    """The workbook inputs of these session values (built with the workbook, and reused by it)."""
    workbook_bytes(values, memo)
    return memo[_key(values)][1]


def failure_message(error: Exception) -> str:
    """What the page says when the workbook could not be built."""
    if isinstance(error, DataError):
        return f"The workbook could not be built: {error}"
    if isinstance(error, MemoryError):
        return "The workbook could not be built: the server ran out of memory while building it."
    return (
        f"The workbook could not be built ({type(error).__name__}: {error}). This is a bug in CardLens; the "
        "pages' results are unaffected."
    )


def deferred_build(values: dict[str, Any], memo: dict) -> Callable[[], bytes]:
    """The download's callable: build (or reuse) the export; on failure, keep a message for the next page run."""

    clean = values[state.CLEAN]
    large = clean is not None and len(clean.table) >= LARGE_BUILD_ROWS

    def build() -> bytes:
        try:
            with getattr(memo, "lock", _PLAIN_MEMO), BUILDING if large else contextlib.nullcontext():
                data = workbook_bytes(values, memo).data  # a second click gets the first build's bytes
        except Exception as error:
            memo.clear()  # nothing half-built stays in memory
            memo[FAILURE] = (_key(values), failure_message(error))
            raise
        memo.pop(FAILURE, None)
        return data

    return build


def _file_name(values: dict[str, Any]) -> tuple[str, str]:
    clean = values[state.CLEAN]
    if clean is not None and exports_as_zip(len(clean.table)):  # the customers or their offers pass Excel's rows
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
    memo = session_memo()
    where.download_button(
        "Download workbook (.xlsx)" if file_name.endswith(".xlsx") else "Download workbook + customers (.zip)",
        data=deferred_build(values, memo),
        file_name=file_name,
        mime=mime,
        on_click="ignore",
        icon=":material/download:",
        key=key,
    )
    if file_name.endswith(".zip"):
        where.caption(LONG_BUILD_NOTE)
    failure = memo.get(FAILURE)
    if failure is not None and failure[0] == _key(values):
        where.error(failure[1], icon=":material/error:")


def sidebar_download() -> None:
    """Offer the analyst workbook in the sidebar (called by the frame once a segmentation exists)."""
    download_button(st.sidebar, key="sidebar__workbook")
