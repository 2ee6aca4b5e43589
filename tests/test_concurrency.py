"""Several real browser sessions at once on one server, each with its own file: no exception, no leak."""

from __future__ import annotations

import asyncio
import re
import threading
import time

import numpy as np
import openpyxl
import pandas as pd
import pytest

from benchmarks.load import crowd

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SESSIONS = 3
ROWS = 120
# Trends last: without transactions it stops at its guard, and the workbook still comes from the sidebar there.
PAGES = ("Clean", "Cluster", "Profiles", "Trends")
BUDGET_S = 240  # about 60-90 s on a quiet 2-core machine; the bound catches a session starved or stuck
ID = re.compile(r"\b([A-Z])\d{4}\b")


def customer_file(letter: str, random_state: int) -> pd.DataFrame:
    """A small customer table whose ids all start with ``letter`` and whose columns differ per session."""
    rng = np.random.default_rng(random_state)
    groups = rng.integers(0, 3, ROWS)
    return pd.DataFrame(
        {
            "customer_id": [f"{letter}{i:04d}" for i in range(ROWS)],
            f"balance_{letter.lower()}": rng.gamma(2.0, 400.0, ROWS) * (1 + groups),
            "purchases": rng.gamma(2.0, 100.0, ROWS) * (3 - groups),
            "cash_advance": rng.gamma(1.0, 50.0, ROWS) * (1 + 2 * (groups == 1)),
            "credit_limit": rng.choice([1000.0, 2500.0, 5000.0, 10000.0], ROWS),
        }
    )


def run_crowd(url: str, uploads, download_dir):
    """Run the async crowd in its own thread: pytest-playwright's sync fixtures own this thread's event loop."""
    result: dict = {}

    def target():
        try:
            result["visits"] = asyncio.run(
                crowd(url, len(uploads), uploads=uploads, pages=PAGES, download_dir=download_dir, timeout_ms=120_000)
            )
        except BaseException as error:  # re-raised in the test's thread
            result["error"] = error

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result["visits"]


def test_sessions_at_once_each_get_their_own_workbook(streamlit_server, tmp_path):
    letters = [chr(ord("A") + i) for i in range(SESSIONS)]
    uploads = []
    for i, letter in enumerate(letters):
        path = tmp_path / f"customers_{letter.lower()}.csv"
        customer_file(letter, i).to_csv(path, index=False)
        uploads.append(path)

    started = time.perf_counter()
    visits = run_crowd(streamlit_server.url, uploads, tmp_path)
    elapsed = time.perf_counter() - started

    assert [text for visit in visits for text in visit.exceptions] == []
    assert [text for visit in visits for text in visit.errors] == []
    for letter, visit in zip(letters, visits, strict=True):
        assert set(visit.seconds) == {"Upload", *PAGES}, visit.seconds
        workbook = openpyxl.load_workbook(visit.workbook, read_only=True)
        letters_seen = {
            match.group(1)
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if isinstance(value, str)
            for match in ID.finditer(value)
        }
        assert letters_seen == {letter}, f"{visit.name}'s workbook holds ids of {letters_seen - {letter}}"
        customers = list(workbook["Customers"].iter_rows(values_only=True))
        assert len(customers) == ROWS + 1
    print(f"{SESSIONS} sessions at once: {elapsed:.0f} s in all; seconds per page: {[v.seconds for v in visits]}")
    assert elapsed < BUDGET_S, f"{SESSIONS} sessions took {elapsed:.0f} s: {[v.seconds for v in visits]}"
