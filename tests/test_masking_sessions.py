"""Card masking per visitor: two sessions of one server never share card tokens; one session's tables still join."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from pages import _state as state
from pages import _ui as ui

PROJECT = Path(__file__).resolve().parents[1]
CARDS = ["4111111111111111", "5500000000000004", "4012888888881881", "378282246310005"]


def card_file() -> bytes:
    rows = [
        {"cc_num": CARDS[i % 4], "trans_date_trans_time": f"2024-01-{1 + i % 28:02d} 10:00:00", "amt": 10.0 + i}
        for i in range(80)
    ]
    return pd.DataFrame(rows).to_csv(index=False).encode()


def upload_in_a_new_session(data: bytes) -> AppTest:
    app = AppTest.from_file(str(PROJECT / "streamlit_app.py"), default_timeout=120)
    app.run()
    app.switch_page(ui.UPLOAD).run()
    app.get("file_uploader")[1].set_value(("cards.csv", data, "text/csv")).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_two_visitors_uploading_the_same_cards_get_different_tokens():
    data = card_file()
    first = upload_in_a_new_session(data).session_state[state.TRANSACTIONS].frame["cc_num"]
    second = upload_in_a_new_session(data).session_state[state.TRANSACTIONS].frame["cc_num"]
    assert first.str.fullmatch(r"\*{12}\d{4}-[0-9a-f]{6}").all()  # last four digits and a token, no more
    assert not any(card in value for card in CARDS for value in first)
    assert first.str[:16].tolist() == second.str[:16].tolist()  # the same last four digits
    assert set(first).isdisjoint(set(second))  # but tokens under different keys
    assert first.nunique() == 4  # distinct cards stay distinct within a session


def sample_in_a_new_session() -> AppTest:
    app = AppTest.from_file(str(PROJECT / "streamlit_app.py"), default_timeout=120)
    app.run()
    app.switch_page(ui.UPLOAD).run()
    next(b for b in app.button if b.label == "Use sample data").click().run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_the_public_sample_is_read_once_per_server_not_once_per_visitor(monkeypatch):
    # The sample is the same synthetic file for everyone (its cards come masked already): reading it under a
    # per-session key made every visitor's first page parse and mask it again (2.7 s of CPU each).
    import core.io

    reads = []
    real = core.io.load_table
    monkeypatch.setattr(core.io, "load_table", lambda *a, **k: reads.append(a[1]) or real(*a, **k))
    first = sample_in_a_new_session().session_state[state.DATASET].frame
    second = sample_in_a_new_session().session_state[state.DATASET].frame
    pd.testing.assert_frame_equal(first, second)
    assert reads.count("card_portfolio.csv") <= 1, reads
