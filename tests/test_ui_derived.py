"""``ui.derived``: a value derived from session objects is computed once per object, again for a new one."""

import pandas as pd

from pages import _ui as ui


def test_derived_values_follow_the_identity_of_their_sources(monkeypatch):
    monkeypatch.setattr(ui.st, "session_state", {})
    calls = []

    def layout_of(frame):
        calls.append(frame)
        return list(frame.columns)

    frame = pd.DataFrame({"BALANCE": [1.0, 2.0]})
    assert ui.derived("layout", (frame,), lambda: layout_of(frame)) == ["BALANCE"]
    assert ui.derived("layout", (frame,), lambda: layout_of(frame)) == ["BALANCE"]
    assert len(calls) == 1  # the same object: the kept answer

    equal_copy = frame.copy()  # a new object (a reload, a merge) is derived again even when it looks the same
    ui.derived("layout", (equal_copy,), lambda: layout_of(equal_copy))
    renamed = frame.rename(columns={"BALANCE": "balance"})
    assert ui.derived("layout", (renamed,), lambda: layout_of(renamed)) == ["balance"]
    assert ui.derived("layout", (renamed, frame), lambda: layout_of(renamed)) == ["balance"]
    assert len(calls) == 4
    assert ui.derived("other", (frame,), lambda: "separate") == "separate"  # names do not share answers
