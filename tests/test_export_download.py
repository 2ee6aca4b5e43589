"""The sidebar download: one copy of the bytes, and a failed build leaves a message for the page."""

from __future__ import annotations

import pytest

from core.errors import DataError
from core.workbook import Export
from pages import _workbook


@pytest.fixture
def values():
    return dict.fromkeys(_workbook.WORKBOOK_KEYS)


def test_the_download_hands_streamlit_the_memo_s_own_bytes_not_a_copy(monkeypatch, values):
    export = Export(b"PK" + bytes(1000), "cardlens_segments.zip", "application/zip")

    def fake_build(values, memo):
        memo.clear()
        memo[_workbook._key(values)] = (values, None, export)
        return export

    monkeypatch.setattr(_workbook, "workbook_bytes", fake_build)
    memo: dict = {_workbook.FAILURE: (_workbook._key(values), "an earlier failure")}
    data = _workbook.deferred_build(values, memo)()
    assert data is export.data
    assert _workbook.FAILURE not in memo  # a build that works clears the earlier failure


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (DataError("The Offers sheet has too many rows."), "could not be built: The Offers sheet has too many rows."),
        (MemoryError(), "ran out of memory"),
        (KeyError("segment"), "KeyError"),
    ],
    ids=["a data error says why", "memory says so", "a bug names its exception"],
)
def test_a_failed_build_is_recorded_for_the_page_and_frees_the_memo(monkeypatch, values, error, words):
    def failing_build(values, memo):
        memo["half built"] = object()
        raise error

    monkeypatch.setattr(_workbook, "workbook_bytes", failing_build)
    memo: dict = {}
    with pytest.raises(type(error)):
        _workbook.deferred_build(values, memo)()
    key, message = memo.pop(_workbook.FAILURE)
    assert key == _workbook._key(values) and words in message
    assert memo == {}


def test_a_second_click_during_a_build_waits_for_it_instead_of_building_again(monkeypatch, values):
    import threading

    started, release, builds = threading.Event(), threading.Event(), []
    export = Export(b"PK" + bytes(10), "cardlens_segments.zip", "application/zip")

    def slow_build(values, memo):
        key = _workbook._key(values)
        if key not in memo:
            builds.append(key)
            started.set()
            release.wait(5)
            memo[key] = (values, None, export)
        return memo[key][2]

    monkeypatch.setattr(_workbook, "workbook_bytes", slow_build)
    memo: dict = {}
    results: list[bytes] = []
    first = threading.Thread(target=lambda: results.append(_workbook.deferred_build(values, memo)()))
    first.start()
    assert started.wait(5)
    second = threading.Thread(target=lambda: results.append(_workbook.deferred_build(values, memo)()))
    second.start()
    release.set()
    first.join(5), second.join(5)
    assert len(builds) == 1 and results == [export.data, export.data]


class _Table:
    def __init__(self, rows: int) -> None:
        self.table = range(rows)  # only its length is read


def test_a_small_download_never_queues_behind_another_visitor_s_large_build(monkeypatch, values):
    import threading

    export = Export(b"PK" + bytes(10), "cardlens_segments.xlsx", "application/vnd.ms-excel")
    monkeypatch.setattr(_workbook, "workbook_bytes", lambda values, memo: export)
    small = {**values, _workbook.state.CLEAN: _Table(8_950)}
    large = {**values, _workbook.state.CLEAN: _Table(_workbook.LARGE_BUILD_ROWS)}
    with _workbook.BUILDING:  # someone's million-customer export is being built
        done: list[bytes] = []
        visitor = threading.Thread(target=lambda: done.append(_workbook.deferred_build(small, _workbook.BuildMemo())()))
        visitor.start()
        visitor.join(5)
        assert done == [export.data], "the sample-sized download waited for the large build"
        waiting: list[bytes] = []
        second_large = _workbook.deferred_build(large, _workbook.BuildMemo())
        other = threading.Thread(target=lambda: waiting.append(second_large()))
        other.start()
        other.join(0.5)
        assert waiting == [], "a second large build waits: two at once would double the peak memory"
    other.join(5)
    assert waiting == [export.data]
