"""Heavy work shared by a crowd: the worker gate's order and bounds, the sample warmed once, the sweep prefetched."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pages import _cached as cached
from pages import _state as state
from pages import _ui as ui
from pages import _work as work

PROJECT = Path(__file__).resolve().parents[1]


def start_holding(gate: work.Gate, release: threading.Event, started: list, name: str) -> threading.Thread:
    def hold() -> None:
        with gate.slot():
            started.append(name)
            release.wait(10)

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    return thread


def wait_for(condition, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_the_gate_runs_at_most_its_slots_and_starts_the_rest_in_arrival_order():
    gate, release, started = work.Gate(2), threading.Event(), []
    threads = []
    for name in "abcde":
        threads.append(start_holding(gate, release, started, name))
        wait_for(lambda: len(gate._waiting) + len(gate._running) == len(threads))  # arrive one after another
    assert started == ["a", "b"] and gate.busy == (2, 3)
    assert [gate.ahead(t.ident) for t in threads[2:]] == [2, 3, 4]  # the running two are ahead of everyone
    assert gate.ahead(threads[0].ident) is None  # running, not waiting
    release.set()
    for thread in threads:
        thread.join(5)
    assert started == list("abcde") and gate.busy == (0, 0)


def test_a_visitor_who_leaves_gives_up_the_place_and_the_queue_moves_on():
    gate, release, started = work.Gate(1), threading.Event(), []
    holder = start_holding(gate, release, started, "holder")
    wait_for(lambda: started == ["holder"])
    outcome: list = []

    def queued() -> None:
        try:
            with gate.slot():
                outcome.append("ran")
        except work.Cancelled:
            outcome.append("cancelled")

    leaver = threading.Thread(target=queued, daemon=True)
    leaver.start()
    wait_for(lambda: gate.ahead(leaver.ident) == 1)
    later = start_holding(gate, release, started, "later")
    wait_for(lambda: gate.ahead(later.ident) == 2)
    gate.cancel(leaver.ident)
    leaver.join(5)
    assert outcome == ["cancelled"]
    assert gate.ahead(later.ident) == 1  # moved up
    release.set()
    holder.join(5)
    later.join(5)
    assert started == ["holder", "later"]


def test_a_job_holding_a_slot_may_enter_again_without_queueing_behind_itself():
    gate = work.Gate(1)
    with gate.slot():
        with gate.slot():  # a cached call inside a cached call (stability fits first)
            assert gate.busy == (1, 0)
    assert gate.busy == (0, 0)


def test_run_hands_back_the_result_or_the_error_of_the_job():
    assert work.run(lambda: 41 + 1, what="sum", doing="Adding") == 42
    with pytest.raises(ZeroDivisionError):
        work.run(lambda: 1 / 0, what="ratio", doing="Dividing")


def test_the_warm_up_computes_what_the_cluster_page_of_a_sample_visitor_reads(monkeypatch):
    # The warm-up builds the sample's matrix without a session: it must be the very matrix the Clean page makes,
    # and fill the very cache entries the Cluster page reads, or it is CPU spent for nothing at every start.
    cached.warm_sample()
    sweeps, fits = [], []
    import core.pipeline
    from core import cluster

    real_sweep, real_fit = core.pipeline.recommend_k, cluster.fit
    monkeypatch.setattr(core.pipeline, "recommend_k", lambda *a, **k: sweeps.append(1) or real_sweep(*a, **k))
    monkeypatch.setattr(cluster, "fit", lambda *a, **k: fits.append(1) or real_fit(*a, **k))
    app = AppTest.from_file(str(PROJECT / "streamlit_app.py"), default_timeout=120)
    app.run()
    app.switch_page(ui.UPLOAD).run()
    next(b for b in app.button if b.label == "Use sample data").click().run()
    app.switch_page(ui.CLEAN).run()
    assert app.session_state[state.CLEAN].matrix.equals(cached.sample_matrix())
    app.switch_page(ui.CLUSTER).run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.session_state[state.SEGMENTATION] is not None
    assert (sweeps, fits) == ([], []), "the Cluster page recomputed what the warm-up had computed"


def test_a_cleaned_table_starts_its_k_sweep_before_the_cluster_page_is_opened(monkeypatch):
    started = threading.Event()
    import core.pipeline

    real = core.pipeline.recommend_k

    def sweep(*args, **kwargs):
        started.set()
        return real(*args, **kwargs)

    monkeypatch.setattr(core.pipeline, "recommend_k", sweep)
    app = AppTest.from_file(str(PROJECT / "streamlit_app.py"), default_timeout=120)
    app.run()
    app.switch_page(ui.UPLOAD).run()
    upload = app.get("file_uploader")[0]
    frame = cached.sample_matrix().iloc[:400]  # a table nobody has swept in this process (scaled values)
    upload.set_value(("scaled.csv", frame.to_csv(index=False).encode(), "text/csv")).run()
    app.switch_page(ui.CLEAN).run()
    assert not app.exception, [e.value for e in app.exception]
    assert started.wait(30), "no k sweep was started in the background after cleaning"


def test_the_progress_text_stops_counting_down_once_the_estimate_is_overrun():
    fill, words = work._progress("Segmenting", 5.0, 2.0)
    assert fill == pytest.approx(0.4) and words == "Segmenting: about 3 s left"
    fill, words = work._progress("Segmenting", 5.0, 47.0)
    assert fill == 0.95 and "47 s so far" in words and "left" not in words


def test_one_core_stays_free_for_the_visitors_reruns():
    assert work.SLOTS == max(1, work._cores() - 1) or "CARDLENS_WORKERS" in __import__("os").environ


def test_a_running_job_sends_the_browser_a_message_only_when_its_words_change(monkeypatch):
    # Each message re-renders the visitor's page: four a second cost a weak browser 0.2 s of CPU per second.
    shown: list[str] = []

    class Slot:
        def progress(self, fill: float, text: str) -> None:
            shown.append(text)

        def info(self, *args, **kwargs) -> None:
            shown.append("queue")

        def empty(self) -> None:
            pass

    monkeypatch.setattr(work.st, "empty", Slot)
    assert work.run(lambda: time.sleep(2.7) or 7, what="a test job", doing="Testing") == 7
    assert shown, "a job slower than the quiet threshold shows a bar"
    assert len(shown) == len(set(shown)) and len(shown) <= 4, shown
