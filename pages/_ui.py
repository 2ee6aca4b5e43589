"""Small pieces every page shares: page paths, the 'do this first' guard, error display, sidebar status."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st

from core.errors import DataError
from pages import _state as state

UPLOAD = "pages/1_Upload.py"
CLEAN = "pages/2_Clean.py"
CLUSTER = "pages/3_Cluster.py"
PROFILES = "pages/4_Profiles.py"
RECOMMENDATIONS = "pages/5_Recommendations.py"
FRAUD = "pages/6_Fraud.py"
TRENDS = "pages/7_Trends.py"

T = TypeVar("T")


def page_header(title: str, purpose: str) -> None:
    """Title and the one sentence that says what the page is for."""
    st.title(title)
    st.caption(purpose)


def require(key: str, message: str, page: str, label: str) -> Any:
    """Return the shared value under ``key``, or explain what to do first, link there, and stop."""
    value = st.session_state.get(key)
    if value is None:
        st.info(message)
        st.page_link(page, label=label, icon=":material/arrow_forward:")
        st.stop()
    return value


def run_safely(action: Callable[[], T], *, what: str) -> T | None:
    """Run a core call; show a :class:`DataError` as an actionable message, anything else as a bug report.

    Returns ``None`` when the call failed, so the page can keep the last good result.
    """
    try:
        return action()
    except DataError as error:
        st.error(str(error), icon=":material/error:")
    except MemoryError:
        st.error(f"{what} ran out of memory. Try fewer rows or features, or a sampling option.")
    except Exception as error:  # a bug: say so plainly, keep the app usable, never show a traceback
        st.error(
            f"{what} failed unexpectedly ({type(error).__name__}). Your data and earlier results are "
            "kept; try other settings, and please report this."
        )
    return None


def segment_names() -> dict[int, str]:
    """Segment id -> display name, following the user's edits (``Segment N`` until named)."""
    segmentation = st.session_state.get(state.SEGMENTATION)
    names = st.session_state.get(state.NAMES) or {}
    if segmentation is None:
        return {}
    ids = sorted({int(label) for label in segmentation.labels})
    return {i: names.get(i, "Noise" if i < 0 else f"Segment {i}") for i in ids}


def algorithm_label(key: str) -> str:
    """Return the algorithm's display name ("K-Means"), never its registry key ("kmeans")."""
    from core.cluster import ALGORITHMS

    spec = ALGORITHMS.get(key)
    return spec.label if spec is not None else str(key)


def sidebar_status(where: Any, *, with_download: bool = True) -> None:
    """Show the pipeline's state on every page: what is loaded, cleaned and segmented.

    ``where`` is an ``st.sidebar.empty()`` slot. The frame fills it before the page runs (so a page that
    stops early still shows it) and again after, so the status shows what the page just did (data loaded
    or segments made on this very run); only the second pass offers the workbook download.
    """
    with where.container():
        st.subheader("Pipeline")
        dataset = st.session_state.get(state.DATASET)
        transactions = st.session_state.get(state.TRANSACTIONS)
        clean = st.session_state.get(state.CLEAN)
        segmentation = st.session_state.get(state.SEGMENTATION)
        if dataset is None and transactions is None:
            st.markdown(":material/radio_button_unchecked: No data loaded yet")
        if dataset is not None:
            st.markdown(f":material/table: **Customers**: {dataset.name}  \n{len(dataset.frame):,} rows")
        if transactions is not None:
            st.markdown(
                f":material/receipt_long: **Transactions**: {transactions.name}  \n{len(transactions.frame):,} rows"
            )
        if clean is not None:
            st.markdown(
                f":material/cleaning_services: **Cleaned**: {len(clean.table):,} customers, "
                f"{len(clean.features)} features"
            )
        if segmentation is not None:
            st.markdown(
                f":material/bubble_chart: **Segmented**: {algorithm_label(segmentation.algorithm)}, "
                f"{segmentation.n_segments} segments"
            )
        if segmentation is not None and with_download:
            from pages import _workbook

            _workbook.sidebar_download()
