"""The Upload page, driven like a user: sample button, uploads, a refused file, role corrections, coming back."""

from __future__ import annotations

import json

import pytest

from core import samples
from core.transactions import TransactionColumns
from pages import _state as state

UPLOAD = "pages/1_Upload.py"
CUSTOMER_CSV = (
    b"CUST_ID;BALANCE;PURCHASES;CREDIT_LIMIT\nC1;1.234,50;10,00;5.000\nC2;N/A;0,00;2.500\nC3;12,00;5,5;1.000\n"
)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)


def open_upload(app):
    app.run()
    app.switch_page(UPLOAD).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def button(app, key):
    return next(b for b in app.button if b.key == key)


def errors(app) -> list[str]:
    return [e.value for e in app.error]


def test_without_data_the_page_offers_the_sample_and_uploaders(app):
    open_upload(app)
    assert app.title[0].value == "Upload"
    assert button(app, "upload__use_sample").proto.type == "primary"
    assert [u.label for u in app.get("file_uploader")] == ["Customer table", "Transaction table (optional)"]
    assert any("No data loaded yet" in i.value for i in app.info)


@pytest.mark.skipif(
    not samples.sample_path("card_portfolio").exists(), reason="sample_data/ not written yet: run `make samples`"
)
def test_sample_button_loads_portfolio_and_transactions(app):
    open_upload(app)
    button(app, "upload__use_sample").click().run()
    assert not app.exception, [e.value for e in app.exception]
    dataset = app.session_state[state.DATASET]
    transactions = app.session_state[state.TRANSACTIONS]
    assert dataset.name == "card_portfolio.csv"
    assert dataset.frame.shape[1] == 18
    assert app.session_state[state.ROLES]["CUST_ID"] == "id"
    assert isinstance(app.session_state[state.TX_COLUMNS], TransactionColumns)
    assert app.session_state[state.TX_COLUMNS].missing_required() == []
    assert len(transactions.frame) > 1000
    successes = [s.value for s in app.success]
    assert f"Loaded {len(dataset.frame):,} rows from card_portfolio.csv" in successes
    assert f"Loaded {len(transactions.frame):,} rows from card_transactions.csv" in successes
    assert app.dataframe, "the preview and profile tables are shown"
    figure = json.loads(app.get("plotly_chart")[0].proto.spec)
    assert figure["data"][0]["type"] == "bar"


def test_upload_a_customer_csv_then_a_refused_png_keeps_the_first_dataset(app):
    open_upload(app)
    app.get("file_uploader")[0].set_value(("export.csv", CUSTOMER_CSV, "text/csv")).run()
    assert not app.exception, [e.value for e in app.exception]
    dataset = app.session_state[state.DATASET]
    assert dataset.name == "export.csv"
    assert dataset.frame["BALANCE"].tolist()[0] == 1234.5
    assert dataset.report.delimiter == ";"
    assert "Loaded 3 rows from export.csv" in [s.value for s in app.success]
    assert app.session_state[state.ROLES] == {
        "CUST_ID": "id",
        "BALANCE": "amount",
        "PURCHASES": "amount",
        "CREDIT_LIMIT": "amount",
    }
    sha = dataset.sha256

    app.get("file_uploader")[0].set_value(("photo.csv", PNG, "text/csv")).run()
    assert not app.exception, [e.value for e in app.exception]
    assert any("PNG image" in message for message in errors(app))
    assert app.session_state[state.DATASET].sha256 == sha, "the earlier dataset stays loaded"
    assert "Loaded 3 rows from export.csv" in [s.value for s in app.success]


def test_upload_a_transaction_table_infers_its_roles(app, sparkov_path):
    open_upload(app)
    app.get("file_uploader")[1].set_value(("sparkov.csv", sparkov_path.read_bytes(), "text/csv")).run()
    assert not app.exception, [e.value for e in app.exception]
    transactions = app.session_state[state.TRANSACTIONS]
    assert transactions.report.masked_columns == ("cc_num",)
    columns = app.session_state[state.TX_COLUMNS]
    assert (columns.customer, columns.timestamp, columns.amount, columns.label) == (
        "cc_num",
        "trans_date_trans_time",
        "amt",
        "is_fraud",
    )
    assert state.DATASET not in app.session_state


def test_role_correction_persists_and_survives_leaving_the_page(app):
    open_upload(app)
    app.get("file_uploader")[0].set_value(("export.csv", CUSTOMER_CSV, "text/csv")).run()
    roles = dict(app.session_state[state.ROLES])
    roles["PURCHASES"] = "text"
    # what the editor writes on a correction (the data editor has no typed AppTest accessor)
    app.session_state[state.ROLES] = roles
    app.switch_page("pages/2_Clean.py").run()
    app.switch_page(UPLOAD).run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.session_state[state.ROLES]["PURCHASES"] == "text"
    assert "Loaded 3 rows from export.csv" in [s.value for s in app.success], "returning users see their data"


def test_a_second_rerun_does_not_reload_the_same_upload(app):
    open_upload(app)
    app.get("file_uploader")[0].set_value(("export.csv", CUSTOMER_CSV, "text/csv")).run()
    first = app.session_state[state.DATASET]
    app.run()
    assert app.session_state[state.DATASET] is first


def test_make_run_opens_a_new_session_on_the_sample(app, monkeypatch):
    monkeypatch.setenv("CARDLENS_START_WITH_SAMPLE", "1")
    open_upload(app)
    assert app.session_state[state.DATASET].name == "card_portfolio.csv"
    assert app.session_state[state.TRANSACTIONS].name == "card_transactions.csv"


def test_without_the_setting_a_new_session_starts_empty(app, monkeypatch):
    monkeypatch.delenv("CARDLENS_START_WITH_SAMPLE", raising=False)
    open_upload(app)
    assert state.DATASET not in app.session_state or app.session_state[state.DATASET] is None
