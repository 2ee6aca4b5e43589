"""Heavy work on a shared server: a few jobs at a time, in arrival order, each visitor shown their place.

Streamlit runs every visitor's script in a thread of one process. Eight visitors who each start a k sweep would
split the cores eight ways, wait eight times as long and hold eight working sets in memory at once. Here every
heavy computation (the bodies of the cached calls in ``pages/_cached.py``, which only run on a cache miss)
first takes a slot of one process-wide :class:`Gate` (``with GATE.slot():``): at most :data:`SLOTS` run at a
time, the rest wait in arrival order. :func:`run` calls such a computation from a page in a worker thread and
keeps the page informed: its place in the queue while it waits, a progress bar against a time estimate while
it runs. A visitor who leaves the page (another page, another setting) while queued gives up the place; a job
that already started finishes, and its result is cached for whoever asks next. A visitor who asks for a result
another visitor is computing takes no slot: Streamlit's per-key compute lock makes them wait for that result.

:func:`prefetch` starts the computation a visitor will most likely ask for next (the k sweep once the data is
cleaned), and :func:`warm_sample` computes the bundled sample's default segmentation once per server process,
so the public demo's Cluster page answers from the cache for every visitor.
"""

from __future__ import annotations

import gc
import itertools
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import streamlit as st
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

T = TypeVar("T")


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# One core is kept for the visitors' own reruns (widgets, tables, charts): with a job on every core, a visitor who
# only changed k waited behind another visitor's t-SNE (47 s for a 5 s step in a two-visitor walk).
SLOTS = max(1, int(os.environ.get("CARDLENS_WORKERS", "0") or 0) or _cores() - 1)
# First guesses of the slow jobs on a 2-core machine (seconds); once one ran, its own duration is the guess.
ESTIMATES = {"k sweep": 6.0, "segmentation": 1.0, "t-SNE": 30.0, "stability": 15.0, "comparison": 3.0}
POLL_SECONDS = 0.25
QUIET_SECONDS = 0.4  # a job done this fast shows no bar at all


class Cancelled(Exception):
    """The visitor left the page while their job was still waiting for a slot."""


@dataclass
class _Ticket:
    number: int
    thread: int
    cancelled: bool = False


class Gate:
    """At most ``slots`` jobs at a time, started in arrival order.

    A thread that holds a slot and enters again (a cached call calling another) does not queue behind itself.
    """

    def __init__(self, slots: int) -> None:
        self.slots = slots
        self._condition = threading.Condition()
        self._waiting: deque[_Ticket] = deque()
        self._running: dict[int, int] = {}  # thread id -> how deep it entered
        self._numbers = itertools.count()

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold a slot for the duration of the block; raise :class:`Cancelled` if cancelled while queued."""
        me = threading.get_ident()
        with self._condition:
            if me in self._running:
                self._running[me] += 1
            else:
                ticket = _Ticket(next(self._numbers), me)
                self._waiting.append(ticket)
                while self._waiting[0] is not ticket or len(self._running) >= self.slots:
                    if ticket.cancelled:
                        self._waiting.remove(ticket)
                        self._condition.notify_all()
                        raise Cancelled
                    self._condition.wait(POLL_SECONDS)
                self._waiting.popleft()
                self._running[me] = 1
                self._condition.notify_all()
        try:
            yield
        finally:
            with self._condition:
                self._running[me] -= 1
                if not self._running[me]:
                    del self._running[me]
                self._condition.notify_all()

    def ahead(self, thread: int) -> int | None:
        """Jobs ahead of ``thread``'s (running ones included); None when it is not waiting."""
        with self._condition:
            for place, ticket in enumerate(self._waiting):
                if ticket.thread == thread:
                    return place + len(self._running)
        return None

    def cancel(self, thread: int) -> None:
        """Give up ``thread``'s place in the queue (a job that already started runs on)."""
        with self._condition:
            for ticket in self._waiting:
                if ticket.thread == thread:
                    ticket.cancelled = True
            self._condition.notify_all()

    @property
    def busy(self) -> tuple[int, int]:
        """``(running, waiting)`` jobs now."""
        with self._condition:
            return len(self._running), len(self._waiting)


GATE = Gate(SLOTS)


_durations: dict[str, float] = {}


def estimate(what: str) -> float:
    """Seconds ``what`` took last on this server, or a first guess."""
    return _durations.get(what, ESTIMATES.get(what, 5.0))


def _start(action: Callable[[], T], name: str) -> tuple[Future, threading.Thread]:
    """Run ``action`` in a daemon thread that carries this script run's context (``st.cache_data`` needs it)."""
    context = get_script_run_ctx()
    future: Future = Future()

    def work() -> None:
        if context is not None:
            add_script_run_ctx(threading.current_thread(), context)
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(action())
        except BaseException as error:
            future.set_exception(error)

    thread = threading.Thread(target=work, name=f"cardlens-{name}", daemon=True)
    thread.start()
    return future, thread


def _progress(doing: str, guess: float, elapsed: float) -> tuple[float, str]:
    """The bar's fill and words: a countdown against the estimate, then the truth once it is overrun.

    >>> _progress("Fitting", 10.0, 4.0)
    (0.4, 'Fitting: about 6 s left')
    >>> _progress("Fitting", 10.0, 25.0)[1]
    'Fitting: 25 s so far, longer than the usual 10 s (the server is busy with other visitors, or this table is larger)'
    """
    if elapsed <= guess:
        return min(elapsed / guess, 0.95), f"{doing}: about {max(guess - elapsed, 1.0):.0f} s left"
    return 0.95, (
        f"{doing}: {elapsed:.0f} s so far, longer than the usual {guess:.0f} s (the server is busy with other "
        "visitors, or this table is larger)"
    )


def _waiting_words(ahead: int) -> str:
    jobs = "job" if ahead == 1 else "jobs"
    return (
        f"Waiting for a free worker: {ahead} {jobs} ahead of yours (this server runs {SLOTS} at a time "
        "for all visitors). Leaving the page gives up the place."
    )


def run(action: Callable[[], T], *, what: str, doing: str) -> T:
    """Run ``action`` (a heavy cached call) and show the visitor where it stands until it is done.

    A cached answer comes back at once and shows nothing. Otherwise the page shows the place in the queue
    while the job waits for a slot, then a progress bar counting against :func:`estimate`. Errors are raised
    here, in the script thread, like a direct call would (pages wrap this in ``ui.run_safely``).
    """
    future, thread = _start(action, what)
    try:
        future.exception(timeout=QUIET_SECONDS)
    except TimeoutError:
        pass
    if future.done():
        return future.result()
    slot = st.empty()
    began: float | None = None
    shown: tuple | None = None
    try:
        while not future.done():
            ahead = GATE.ahead(thread.ident or 0)
            if ahead is not None:
                seen: tuple = ("queue", ahead)
            else:
                began = began or time.monotonic()
                fill, words = _progress(doing, estimate(what), time.monotonic() - began)
                seen = ("bar", words)  # the words change once a second; the bar's fill moves with them
            # Only what the visitor would see change goes to the browser: each message re-renders the page there,
            # which costs a weak client (or eight browsers sharing a machine) more than the wait itself.
            if seen != shown:
                if seen[0] == "queue":
                    slot.info(_waiting_words(ahead), icon=":material/hourglass_top:")
                else:
                    slot.progress(fill, text=words)
                shown = seen
            time.sleep(POLL_SECONDS)
    finally:
        if not future.done():  # the visitor left (a rerun or a page switch stopped this script)
            GATE.cancel(thread.ident or 0)
        slot.empty()
    if began is not None and future.exception() is None:
        _durations[what] = time.monotonic() - began
    return future.result()


_prefetching: set[str] = set()
_prefetch_lock = threading.Lock()


def prefetch(name: str, action: Callable[[], Any]) -> None:
    """Start ``action`` (a cached call) in the background unless a prefetch called ``name`` is running.

    The page that later asks for the same result waits on Streamlit's compute lock for it (or reads the cache).
    Failures are left for that page to meet and report.
    """
    with _prefetch_lock:
        if name in _prefetching:
            return
        _prefetching.add(name)

    def quietly() -> None:
        try:
            action()
        except Exception:
            pass
        finally:
            with _prefetch_lock:
                _prefetching.discard(name)

    _start(quietly, f"prefetch-{name}")


def settle_heap() -> None:
    """Load the chart code every page uses, then exempt everything alive now from the garbage collector.

    Streamlit runs a full collection after every script run (``runner.postScriptGC``) so that a session's
    leftovers go early. A full collection walks every tracked object, and most of them are the libraries
    themselves (pandas, scikit-learn, statsmodels, Plotly's validators): about 0.2-0.5 s per rerun on this
    machine, a third of the server's CPU when a crowd walks the app. ``gc.freeze`` moves what is alive once the
    server is warm into a generation the collector never walks; the per-rerun collection then only sees what
    visitors created since, and still frees it.
    """
    import plotly.graph_objects as go

    figure = go.Figure()
    for trace in (go.Scatter, go.Scattergl, go.Bar, go.Heatmap, go.Histogram, go.Box, go.Splom, go.Sankey):
        figure.add_trace(trace())
    figure.to_plotly_json()
    gc.collect()
    gc.freeze()


def _warm_then_settle() -> None:
    from pages import _cached

    try:
        _cached.warm_sample()
    finally:
        settle_heap()


@st.cache_resource(show_spinner=False)
def warm_sample() -> threading.Thread:
    """Once per server process: compute the bundled sample's default segmentation in the background, then
    :func:`settle_heap`."""
    _, thread = _start(_warm_then_settle, "warm-sample")
    return thread
