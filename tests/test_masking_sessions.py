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
