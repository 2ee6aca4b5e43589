"""Shared fixtures: paths to the real datasets, a fresh AppTest of the whole app, cache hygiene."""

from __future__ import annotations

import functools
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pytest

from benchmarks.demo_memory import CHROMIUM_ARGS  # one list for the browser tests and the demo measurement

PROJECT = Path(__file__).resolve().parents[1]
SHARED_DATASETS = PROJECT.parent / "shared" / "datasets"
CC_GENERAL = SHARED_DATASETS / "cc_general.csv"
SPARKOV_15K = SHARED_DATASETS / "cc_transactions_sparkov_sample_15k.csv"
APP_TIMEOUT = 60  # seconds per AppTest run; a 2-core CI machine is slow on first imports
# AppTest runs the app in this process: no background warm-up of the sample competing with the tests (the
# browser tests' servers are started with it on, as a deployment runs; tests/test_work.py warms on purpose).
os.environ.setdefault("CARDLENS_WARM_SAMPLE", "0")


# `make test-fast` (pytest -m "not slow and not browser") leaves these out; `make test` runs everything.
# Slow by what they do: drive the whole app (AppTest), read the real datasets, or start the command line or
# a benchmark in another process. Individual slow tests elsewhere carry @pytest.mark.slow themselves.
SLOW_FIXTURES = frozenset({"app", "cc_general_path", "sparkov_path", "spark", "streamlit_server"})
SLOW_MODULES = frozenset({"test_cli.py", "test_cli_evaluation.py", "test_masking_sessions.py", "test_speed_ratio.py"})
# Measured over 3 s each in a full run on the busy 2-core machine (Dec 2026): hypothesis searches, forecast
# calibration, t-SNE, sample regeneration, a subprocess that imports all of core.
SLOW_TESTS = frozenset(
    {
        "test_all_origin_paths_equal_one_prediction_per_origin",
        "test_calibrated_intervals_cover_nominal_out_of_sample_where_the_models_own_do_not",
        "test_cleaning_never_adds_rows_and_the_matrix_is_always_finite",
        "test_core_imports_without_streamlit",
        "test_csv_like_text_never_raises_anything_but_data_error",
        "test_customer_table_text_dates_anywhere_load_or_refuse_cleanly",
        "test_excel_date_cells_anywhere_load_or_refuse_cleanly",
        "test_filled_in_cells_are_named_per_row",
        "test_idempotent_steps_applied_twice_equal_once",
        "test_intervals_cover_about_their_nominal_share",
        "test_latent_groups_are_recoverable_by_kmeans",
        "test_the_verdict_is_wrong_about_one_time_in_twenty_on_labels_without_signal",
        "test_transaction_timestamps_anywhere_standardise_or_refuse_cleanly",
        "test_tsne_embeds_a_seeded_sample_and_keeps_blobs_apart",
        "test_two_thousand_columns_load_as_a_table",
        "test_write_samples_is_byte_for_byte_repeatable_and_matches_the_committed_files",
    }
)


def pytest_collection_modifyitems(config, items):
    """Mark the slow tests (SLOW_FIXTURES, SLOW_MODULES, SLOW_TESTS) so that the fast subset leaves them out."""
    for item in items:
        slow_test = getattr(item, "originalname", item.name) in SLOW_TESTS
        if slow_test or SLOW_FIXTURES.intersection(getattr(item, "fixturenames", ())) or item.path.name in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)


# ---- two processes (`make test` runs `pytest -n 2 --dist loadgroup`, pytest-xdist) -----------------------------
# Single tests are handed out one at a time, except those sharing something costly, which go to one process as one
# unit, built once as in a serial run: every browser test (one Streamlit server, one chromium), every test of the
# Spark modules (one JVM, and their module fixtures) and every test of a module with a module-scoped fixture.
# xdist's own `xdist_group` marks are lost on pytest 9.2 (pytest-xdist issue #1386: the group rides on the node
# id, which pytest 9.2 no longer lets a plugin change), so the scheduler reads the groups from the test files.
_TEST_ARGS = re.compile(r"^def (test\w*)\(([^)]*)\)", re.MULTILINE)


@functools.cache
def _file_group(path: str) -> str | None:
    """``browser``, ``spark``, the module's own path (a module-scoped fixture) or None (tests go one by one)."""
    file = PROJECT / path
    text = file.read_text(encoding="utf-8") if path.startswith("tests/") and file.is_file() else ""
    if "streamlit_server" in text:
        return "browser"
    if any("spark" in re.findall(r"\w+", args) for _, args in _TEST_ARGS.findall(text)):
        return "spark"
    if re.search(r"scope=[\"'](module|package|class)[\"']", text):
        return path
    return None


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist, absent without it
def pytest_xdist_make_scheduler(config, log):
    """With ``--dist loadgroup``, also keep each shared-cost group of tests (see above) on one process."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class SharedCostScheduling(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            if nodeid.rfind("@") > nodeid.rfind("]"):  # an xdist_group mark, once xdist passes them again
                return super()._split_scope(nodeid)
            return _file_group(nodeid.split("::", 1)[0]) or nodeid

    return SharedCostScheduling(config, log)


def _shared(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is absent (it sits beside the checkout in CI; see ../shared/datasets/README.md)")
    return path


@pytest.fixture(scope="session")
def cc_general_path() -> Path:
    """The real Kaggle CC GENERAL file (8,950 customers)."""
    return _shared(CC_GENERAL)


@pytest.fixture(scope="session")
def sparkov_path() -> Path:
    """The real 15k-row simulated transaction sample with fraud labels."""
    return _shared(SPARKOV_15K)


@pytest.fixture(scope="session")
def _spark_sessions():
    """Start the local SparkSession of the Spark tests once per test run; stop it when the run ends."""
    pytest.importorskip("pyspark")
    from core.scale._spark import start_session

    started = []

    def session():
        started.append(start_session("local[2]"))
        return started[-1]

    yield session
    if started:
        started[-1].stop()


@pytest.fixture
def spark(_spark_sessions):
    """The local SparkSession of the Spark tests (``local[2]``, UI off, 2 shuffle partitions), started once.

    Starting Spark (a JVM) takes seconds, so every test shares one session: ``start_session`` returns the running
    one, or starts it again in the same JVM if a test module stopped it.
    """
    return _spark_sessions()


@pytest.fixture
def app():
    """A fresh AppTest of the whole app (from the entrypoint), with Streamlit's caches cleared."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    st.cache_data.clear()
    st.cache_resource.clear()
    return AppTest.from_file(str(PROJECT / "streamlit_app.py"), default_timeout=APP_TIMEOUT)


# ---- real-browser journey (Playwright driving Debian's chromium; see ../shared/TESTING.md) ----------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch Debian's chromium (no browser downloads work here); CHROMIUM_PATH overrides the path."""
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture
def context(context):
    """Abort and record any request that would leave the machine (the app must work offline)."""
    blocked: list[str] = []

    def guard(route):
        if urlparse(route.request.url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    context.blocked_requests = blocked
    yield context


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def streamlit_server(tmp_path_factory):
    """A real `streamlit run` of the app on a free local port; yields its base URL and its process."""
    port = int(os.environ.get("STREAMLIT_TEST_PORT", "0")) or _free_port()
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "streamlit_app.py",
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]
    with open(log, "wb") as fh:
        env = {**os.environ, "CARDLENS_WARM_SAMPLE": "1"}
        proc = subprocess.Popen(
            cmd, cwd=PROJECT, env=env, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"streamlit exited with {proc.returncode}: {log.read_text()[-2000:]}")
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as reply:
                        if reply.read() == b"ok":
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError("streamlit was not healthy after 60 s")
                time.sleep(0.1)
            yield StreamlitServer(url=f"http://127.0.0.1:{port}", pid=proc.pid, log=log)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    print(log.read_text()[-2000:])


@dataclass(frozen=True)
class StreamlitServer:
    """Where the test server listens, its process id (for memory readings) and its log file."""

    url: str
    pid: int
    log: Path
