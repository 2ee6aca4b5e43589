"""Small pieces every page shares: page paths, upstream results with the defaults, error display, sidebar status."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import streamlit as st

from core import pipeline
from core.errors import DataError
from core.naming import display_name
from pages import _state as state
from pages._shared import shared

UPLOAD = "pages/1_Upload.py"
CLEAN = "pages/2_Clean.py"
CLUSTER = "pages/3_Cluster.py"
PROFILES = "pages/4_Profiles.py"
RECOMMENDATIONS = "pages/5_Recommendations.py"
FRAUD = "pages/6_Fraud.py"
TRENDS = "pages/7_Trends.py"

T = TypeVar("T")
# A visitor whose system asks for less motion gets still spinners (their words stay). A rotating spinner costs a
# software-rendered browser about 0.12 s of CPU per second it shows, and a weak client shows it for as long as the
# server is busy. Static text only: no user string ever goes into it.
REDUCED_MOTION_CSS = (
    "<style>@media (prefers-reduced-motion: reduce) {*, *::before, *::after "
    "{animation: none !important; transition: none !important;}}</style>"
)
_RUN = threading.local()  # this script run's sidebar status slot (each session's script runs in its own thread)

# Markdown's active characters (links, images, emphasis, code, HTML, LaTeX, tables, headings, Streamlit's
# `:material/...:` icons and `:red[...]` colours): a backslash before each makes it literal. `_` stays: inside
# snake_case names it is never emphasis, and `*` is escaped; at worst `__name__` shows in bold.
_MARKDOWN = re.compile(r"([\\`*\[\]<>$~:|#!])")
# GitHub-flavoured Markdown turns a bare `http://...`, `www.` or e-mail address into a link after escapes are
# resolved, so a word joiner (U+2060, invisible, no line break) goes where the pattern would match.
_AUTOLINK = re.compile(r"(?i)(https?|ftp|www|@)(?=\\:|\.|\w)")
# Plotly renders a few HTML tags in titles, labels and hover text; user text may keep only these harmless ones.
_PLOTLY_TAG = re.compile(r"<(?!/?(?:br|b|i|em|sub|sup)\s*/?>)", re.IGNORECASE)
_PLOTLY_DATA_KEYS = frozenset({"x", "y", "z", "customdata", "ids", "values", "lat", "lon", "r", "theta"})


MEMO = "_ui_memo"  # {name: (the session objects a value was derived from, the value)}


def derived(name: str, sources: tuple, compute: Callable[[], T]) -> T:
    """``compute()`` once for the same ``sources`` (objects kept in the session, compared by identity).

    For cheap-to-keep things a page derives from stored tables on every rerun (a layout, a report's lines, a
    caption): the session's objects are replaced, never changed in place, so the same objects mean the same
    answer. Kept per session; nothing is shared between visitors.
    """
    memo = st.session_state.setdefault(MEMO, {})
    kept = memo.get(name)
    if kept is not None and len(kept[0]) == len(sources) and all(a is b for a, b in zip(kept[0], sources, strict=True)):
        return kept[1]
    value = compute()
    memo[name] = (sources, value)
    return value


def plain(text: object) -> str:
    """A user's string (column name, value, file or segment name) made literal inside Markdown.

    Every element that renders Markdown (markdown, caption, info/warning/error/success, expander and tab
    labels, metric labels and values, radio options, widget labels) shows it as typed: never a link (written or
    automatic), an image, emphasis, an icon, a colour or a formula. Selectbox and multiselect options are plain
    text already, so they need none of this.
    """
    escaped = _MARKDOWN.sub(r"\\\1", " ".join(str(text).splitlines()))
    return _AUTOLINK.sub("\\1\u2060", escaped)


def plain_all(items: Any, sep: str = ", ") -> str:
    """Several user strings joined with ``sep``, each made literal (see :func:`plain`)."""
    return sep.join(plain(item) for item in items)


def _plotly_safe(value: Any, key: str = "") -> Any:
    if isinstance(value, str):
        return _PLOTLY_TAG.sub("&lt;", value)
    if isinstance(value, dict):
        return {k: _plotly_safe(v, k) for k, v in value.items()}
    if isinstance(value, list | tuple):
        if key in _PLOTLY_DATA_KEYS and value and not isinstance(value[0], str):
            return value  # numbers: nothing to escape, and the largest arrays
        return [_plotly_safe(v, key) for v in value]
    if getattr(value, "dtype", None) is not None and value.dtype.kind in "OUS":  # text in a numpy array
        return [_plotly_safe(v, key) for v in value.tolist()]
    return value


def safe_figure(figure: Any) -> Any:
    """The figure with every ``<`` that would open a link or any other non-formatting tag written as ``&lt;``.

    Plotly draws ``<a href>``, ``<span style>`` and friends in titles, axis and tick labels, legends and hover
    text; column names and values from the user's file reach all of those.
    """
    import plotly.graph_objects as go

    spec = figure.to_plotly_json()  # from a figure Plotly validated when it was built: not validated again
    return go.Figure(_plotly_safe(spec), _validate=False)  # validating 5 x 9,000 points again took 0.5 s per draw


def plotly_chart(figure: Any, **kwargs: Any) -> Any:
    """``st.plotly_chart`` of :func:`safe_figure`: the one way pages draw a figure that may show user text."""
    return st.plotly_chart(safe_figure(figure), **kwargs)


def stop() -> NoReturn:
    """Stop the page here, after drawing the sidebar's status for what the page did (with the workbook).

    Pages stop early at their guards (nothing loaded yet, a step that failed); ``st.stop`` alone would leave the
    sidebar as the frame drew it before the page ran: without the workbook download, and without what this
    run changed.
    """
    slot = getattr(_RUN, "status_slot", None)
    if slot is not None:
        _RUN.status_slot = None
        sidebar_status(slot)
    st.stop()


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
        stop()
    return value


@shared(max_entries=4)
def _default_clean(customers, tx_canonical, source: str, roles_json: str):
    frame, roles, _ = pipeline.customer_table(customers, tx_canonical, source, json.loads(roles_json) or None)
    recipe, clean = pipeline.prepare(frame, roles)
    return recipe, clean


def _said(message: str, page: str, label: str) -> None:
    st.caption(message)
    st.page_link(page, label=label, icon=":material/tune:")


def canonical_transactions() -> Any:
    """Return the session's canonical transactions, reading the loaded transaction table once when needed.

    None when no transaction table is loaded or it cannot be read (the reason is shown).
    """
    tx = st.session_state.get(state.TX_CANONICAL)
    transactions = st.session_state.get(state.TRANSACTIONS)
    if tx is None and transactions is not None:
        columns = st.session_state.get(state.TX_COLUMNS)
        tx = run_safely(
            lambda: pipeline.canonical_transactions(transactions.frame, columns), what="Reading the transactions"
        )
        if tx is not None:
            st.session_state[state.TX_CANONICAL] = tx
    return tx


def ensure_clean() -> Any:
    """Return the session's cleaned table; without one, apply the default recipe (and say so in one line).

    Stops the page with a link to Upload when nothing is loaded.
    """
    clean = st.session_state.get(state.CLEAN)
    if clean is not None:
        return clean
    dataset = st.session_state.get(state.DATASET)
    transactions = st.session_state.get(state.TRANSACTIONS)
    tx = st.session_state.get(state.TX_CANONICAL)
    if dataset is None and transactions is None and tx is None:
        st.info("Load a customer or transaction table first.")
        st.page_link(UPLOAD, label="Go to Upload", icon=":material/arrow_forward:")
        stop()
    if tx is None and transactions is not None:
        tx = canonical_transactions()
    source = st.session_state.get(state.CUSTOMER_SOURCE) or pipeline.default_source(
        dataset.frame if dataset is not None else None
    )
    roles = st.session_state.get(state.ROLES) or {}
    with st.spinner("Applying the default recipe ..."):
        done = run_safely(
            lambda: _default_clean(dataset.frame if dataset is not None else None, tx, source, json.dumps(roles)),
            what="Cleaning with the default recipe",
        )
    if done is None:
        stop()
    recipe, clean = done
    state.put(state.RECIPE, recipe)
    state.put(state.CLEAN, clean)
    st.session_state[state.CUSTOMER_SOURCE] = source
    prefetch_next_step()
    _said("The data was cleaned with the default recipe.", CLEAN, "Change the recipe on Clean")
    return clean


def ensure_segments() -> tuple[Any, Any]:
    """Return ``(clean, segmentation)``; without segments, fit K-Means with the recommended k (and say so)."""
    clean = ensure_clean()
    segmentation = st.session_state.get(state.SEGMENTATION)
    if segmentation is not None and len(segmentation.labels) == len(clean.table):
        return clean, segmentation
    with st.spinner("Segmenting with K-Means and the recommended number of segments ..."):
        from pages import _cached  # here, not at the top: the first page should not wait for scikit-learn

        done = run_safely(lambda: _cached.default_segments(clean.matrix), what="Segmentation with the defaults")
    if done is None:
        stop()
    sweep, segmentation = done
    state.put(state.SWEEP, sweep)
    state.put(state.SEGMENTATION, segmentation)
    _said(
        f"The customers were segmented with the defaults: K-Means, k = {segmentation.n_segments} (recommended).",
        CLUSTER,
        "Change the segmentation on Cluster",
    )
    return clean, segmentation


def run_safely(action: Callable[[], T], *, what: str) -> T | None:
    """Run a core call; show a :class:`DataError` as an actionable message, anything else as a bug report.

    Returns ``None`` when the call failed, so the page can keep the last good result.
    """
    try:
        return action()
    except DataError as error:  # its sentence may quote column names, values or the file's name
        st.error(plain(error), icon=":material/error:")
    except MemoryError:
        st.error(f"{plain(what)} ran out of memory. Try fewer rows or features, or a sampling option.")
    except Exception as error:  # a bug: say so plainly, keep the app usable, never show a traceback
        st.error(
            f"{plain(what)} failed unexpectedly ({type(error).__name__}). Your data and earlier results are "
            "kept; try other settings, and please report this."
        )
    return None


def run_heavy(action: Callable[[], T], *, what: str, doing: str, report_as: str | None = None) -> T | None:
    """Run a heavy cached call through the worker gate (queue place and progress shown); errors as in
    :func:`run_safely`, under ``report_as`` (default: ``what`` capitalised)."""
    from pages import _work

    return run_safely(lambda: _work.run(action, what=what, doing=doing), what=report_as or what[:1].upper() + what[1:])


def segment_names() -> dict[int, str]:
    """Segment id -> display name, following the user's edits (``Segment N`` until named)."""
    segmentation = st.session_state.get(state.SEGMENTATION)
    names = st.session_state.get(state.NAMES) or {}
    if segmentation is None:
        return {}
    ids = sorted({int(label) for label in segmentation.labels})
    return {i: display_name(i, names) for i in ids}


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
    _RUN.status_slot = None if with_download else where  # a page that stops early redraws it (see stop)
    with where.container():
        st.subheader("Pipeline")
        dataset = st.session_state.get(state.DATASET)
        transactions = st.session_state.get(state.TRANSACTIONS)
        clean = st.session_state.get(state.CLEAN)
        segmentation = st.session_state.get(state.SEGMENTATION)
        if dataset is None and transactions is None:
            st.markdown(":material/radio_button_unchecked: No data loaded yet")
        if dataset is not None:
            st.markdown(f":material/table: **Customers**: {plain(dataset.name)}  \n{len(dataset.frame):,} rows")
        if transactions is not None:
            st.markdown(
                f":material/receipt_long: **Transactions**: {plain(transactions.name)}  \n"
                f"{len(transactions.frame):,} rows"
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


def prefetch_next_step() -> None:
    """Start the k sweep in the background as soon as the data is cleaned and nothing is segmented yet.

    It is the Cluster page's first and slowest result; by the time the visitor opens that page it is done, or
    under way and waited for rather than started again.
    """
    clean = st.session_state.get(state.CLEAN)
    if clean is None or st.session_state.get(state.SWEEP) is not None:
        return
    choices = st.session_state.get(state.CLUSTER_PARAMS) or {}
    algorithm, k_max = choices.get("sweep_algorithm", "kmeans"), int(choices.get("k_max", pipeline.K_MAX))
    matrix = clean.matrix
    from pages import _cached, _work

    _work.prefetch(f"sweep-{id(matrix)}-{algorithm}-{k_max}", lambda: _cached.sweep(matrix, algorithm, k_max))
