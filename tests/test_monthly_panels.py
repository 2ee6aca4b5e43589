"""Monthly panels (a row per customer per month) read as customers as they are now, not as one customer a month.

Home Credit's ``credit_card_balance.csv`` and the 'Credit Card Approval' ``credit_record.csv`` hold a row per client
per month, ``MONTHS_BALANCE`` saying which (0 or -1 the latest). Tried as a new user would, they were segmented
silently wrong: ``SK_ID_CURR`` and ``SK_ID_PREV`` were not seen as ids (the id sits in the middle of the name) and
were features with ``MONTHS_BALANCE``; every card-month was a customer; "keep the last row" kept each client's
*oldest* month of a file written newest first. Now the client is the key, the card id and the month are never
features, and each client's latest month is kept by default, by ``MONTHS_BALANCE``, whatever the file's order.
"""

from __future__ import annotations

import pandas as pd
import pytest
from layouts import LAYOUTS

from core import schema
from core.__main__ import main
from core.io import load_table
from core.repeated_keys import LAST, MERGE, default_choice, resolve_repeated_keys
from pages import _state as state

HOME_CREDIT = "home-credit-card-balance-monthly-panel-with-two-ids"
APPROVAL = "credit-approval-record-monthly-status-newest-first"
UPLOAD = "pages/1_Upload.py"


def _loaded(name: str) -> tuple[pd.DataFrame, schema.Understanding]:
    layout = LAYOUTS[name](0)
    frame = load_table(layout.data, layout.filename).frame
    return frame, schema.understand(frame)


@pytest.mark.parametrize(("name", "key"), [(HOME_CREDIT, "SK_ID_CURR"), (APPROVAL, "ID")])
def test_the_client_is_the_key_and_the_month_says_when(name, key):
    _, understood = _loaded(name)
    assert (understood.kind, understood.key) == ("customers", key)
    assert understood.roles["MONTHS_BALANCE"] == "datetime"
    assert schema.period_column(understood.roles) == "MONTHS_BALANCE"
    assert not {"SK_ID_PREV", "SK_ID_CURR", "ID", "MONTHS_BALANCE"} & set(understood.features)
    note = next(line for line in understood.lines() if "each row is a month of a customer" in line)
    assert f"the key {key!r} repeats about" in note and "'MONTHS_BALANCE' says which month" in note
    assert "--repeated-keys merge" in note


@pytest.mark.parametrize("name", [HOME_CREDIT, APPROVAL])
def test_each_clients_latest_month_is_kept_whatever_the_files_order(name):
    frame, understood = _loaded(name)
    key = understood.key
    assert default_choice(understood.roles) == LAST
    got = resolve_repeated_keys(frame, key, default_choice(understood.roles), roles=understood.roles)
    assert got.customers == frame[key].nunique() == LAYOUTS[name](0).expect.n_customers
    latest = frame.groupby(key)["MONTHS_BALANCE"].max()
    kept = got.frame.set_index(key)["MONTHS_BALANCE"]
    assert kept.sort_index().tolist() == latest.sort_index().tolist()
    assert "kept the latest row of each by 'MONTHS_BALANCE'" in got.sentence()
    by_file_order = frame.groupby(key)["MONTHS_BALANCE"].last()
    if name == APPROVAL:  # written newest first: the file's last row of a client is its oldest month
        assert (by_file_order < latest).mean() > 0.9


def test_a_table_without_a_month_keeps_its_default():
    assert default_choice({"Customer Key": "id", "Avg_Credit_Limit": "amount", "since": "datetime"}) == "keep"


def test_the_upload_page_keeps_the_latest_month_by_default_and_merges_on_request(app):
    layout = LAYOUTS[HOME_CREDIT](0)
    app.run()
    app.switch_page(UPLOAD).run()
    app.get("file_uploader")[0].set_value((layout.filename, layout.data, "text/csv")).run()
    assert not app.exception, [e.value for e in app.exception]
    dataset = app.session_state[state.DATASET]
    assert len(dataset.frame) == layout.expect.n_customers
    assert app.radio(key="upload__repeated_keys").value == LAST
    assert any("kept the latest row of each by 'MONTHS_BALANCE'" in i.value for i in app.info)
    app.radio(key="upload__repeated_keys").set_value(MERGE).run()
    assert not app.exception, [e.value for e in app.exception]
    assert len(app.session_state[state.DATASET].frame) == layout.expect.n_customers
    assert any("merged into one row each" in i.value for i in app.info)


def test_the_command_line_segments_clients_not_card_months(tmp_path):
    layout = LAYOUTS[HOME_CREDIT](0)
    source = tmp_path / layout.filename
    source.write_bytes(layout.data)
    out = tmp_path / "segments.xlsx"
    assert main(["segment", str(source), "--k", "3", "--out", str(out)]) == 0
    customers = pd.read_excel(out, sheet_name="Customers")
    assert len(customers) == layout.expect.n_customers
    assert customers["SK_ID_CURR"].is_unique
