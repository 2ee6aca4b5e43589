"""The session is the user's: what is loaded and from where, remove and start over, no sample mixed into their
files, derived results and widgets cleared when an input changes, and the provenance the workbook reports."""

from __future__ import annotations

import hashlib

import pytest
from layouts import ibm_tabformer, uk_money_in_out_statement
from test_repeated_keys import alllife_with_repeated_keys, csv, transactions_for, transactions_matching_none

from core import samples
from pages import _state as state

UPLOAD = "pages/1_Upload.py"
CLEAN = "pages/2_Clean.py"
CLUSTER = "pages/3_Cluster.py"

needs_sample = pytest.mark.skipif(
    not samples.sample_path("card_portfolio").exists(), reason="sample_data/ not written yet: run `make samples`"
)


def ok(app):
    assert not app.exception, [e.value for e in app.exception]
    return app


def open_upload(app):
    app.run()
    return ok(app.switch_page(UPLOAD).run())


def button(app, key):
    return next(b for b in app.button if b.key == key)


def upload(app, slot: int, name: str, data: bytes):
    return ok(app.get("file_uploader")[slot].set_value((name, data, "text/csv")).run())


def use_sample(app):
    return ok(button(app, "upload__use_sample").click().run())


def get(app, key):
    return app.session_state[key] if key in app.session_state else None


def records(app) -> dict[str, state.InputRecord]:
    """provenance() as the workbook reads it, from the AppTest session."""
    values = {key: get(app, key) for key in app.session_state}
    return {record.input: record for record in state.provenance(values)}


def notices(app) -> list[str]:
    return [m.value for m in (*app.info, *app.warning)]


ALLLIFE = alllife_with_repeated_keys()
ALLLIFE_TX = transactions_for(ALLLIFE["Customer Key"])


@needs_sample
def test_the_panel_names_each_input_with_its_source_and_rows(app):
    use_sample(open_upload(app))
    shown = " ".join(m.value for m in app.markdown)
    assert "bundled sample (card_portfolio.csv)" in shown
    assert f"{len(get(app, state.DATASET).frame):,} rows" in shown
    assert {"upload__remove_customers", "upload__remove_transactions", "upload__start_over"} <= {
        b.key for b in app.button
    }
    assert records(app)["customer table"].sample and records(app)["transactions"].sample


@needs_sample
def test_your_customer_table_after_the_sample_drops_the_sample_transactions(app):
    use_sample(open_upload(app))
    upload(app, 0, "alllife.csv", csv(ALLLIFE))
    assert get(app, state.DATASET).name == "alllife.csv"
    assert get(app, state.TRANSACTIONS) is None, "the sample's transactions are never mixed with the user's file"
    assert any("Removed the sample's transactions (card_transactions.csv)" in n for n in notices(app))
    assert list(records(app)) == ["customer table"]
    assert records(app)["customer table"].sample is False


@needs_sample
def test_a_transaction_only_upload_never_segments_the_sample_customers(app):
    use_sample(open_upload(app))
    upload(app, 1, "my_transactions.csv", csv(ALLLIFE_TX))
    assert get(app, state.DATASET) is None, "the sample's customers are dropped"
    assert any("Customers are now derived from your transactions" in n for n in notices(app))
    ok(app.switch_page(CLUSTER).run())
    clean = get(app, state.CLEAN)
    assert len(clean.table) == ALLLIFE["Customer Key"].nunique(), "segments are of the transactions' customers"
    assert len(get(app, state.SEGMENTATION).labels) == len(clean.table)
    found = records(app)
    assert found["customer table"].name == "derived from your transactions (my_transactions.csv)"
    assert found["customer table"].rows == len(clean.table)
    assert found["transactions"].name == "my_transactions.csv"
    assert found["transactions"].sha256 == get(app, state.TRANSACTIONS).sha256
    assert not any(record.sample for record in found.values())
    assert "card_portfolio.csv" not in " ".join(record.name for record in found.values())


def test_a_transaction_table_given_as_the_customer_table_is_stored_as_transactions(app):
    upload(open_upload(app), 0, "export.csv", csv(ALLLIFE_TX))
    assert get(app, state.DATASET) is None
    assert get(app, state.TRANSACTIONS).name == "export.csv"
    assert any("export.csv is a transaction table" in n for n in notices(app))
    understood = get(app, state.TX_UNDERSTOOD)
    assert get(app, state.TX_COLUMNS) == understood.transaction_columns
    assert (understood.key, understood.timestamp, understood.amount) == ("customer_id", "timestamp", "amount")


def test_two_of_your_files_that_do_not_meet_are_both_kept_with_a_warning(app):
    upload(open_upload(app), 0, "alllife.csv", csv(ALLLIFE))
    upload(app, 1, "other_bank.csv", csv(transactions_matching_none()))
    assert get(app, state.DATASET).name == "alllife.csv"
    assert get(app, state.TRANSACTIONS).name == "other_bank.csv"
    assert any("None of the 80 customer ids in the transactions (other_bank.csv)" in w.value for w in app.warning)


def test_remove_transactions_clears_what_was_derived_and_empties_the_uploader(app):
    upload(open_upload(app), 0, "alllife.csv", csv(ALLLIFE))
    upload(app, 1, "tx.csv", csv(ALLLIFE_TX))
    ok(app.switch_page(CLEAN).run())
    assert get(app, state.TX_CANONICAL) is not None
    ok(app.switch_page(UPLOAD).run())
    ok(button(app, "upload__remove_transactions").click().run())
    assert get(app, state.TRANSACTIONS) is None
    assert get(app, state.TX_CANONICAL) is None and get(app, state.CLEAN) is None
    assert get(app, state.DATASET).name == "alllife.csv", "the customer table stays"
    assert app.get("file_uploader")[1].value is None
    assert "transactions" not in records(app)


@needs_sample
def test_start_over_forgets_every_table_result_and_widget(app):
    use_sample(open_upload(app))
    ok(app.switch_page(CLEAN).run())
    assert "clean__features" in app.session_state
    ok(app.switch_page(UPLOAD).run())
    ok(button(app, "upload__start_over").click().run())
    for key in (state.DATASET, state.TRANSACTIONS, state.ROLES, state.RECIPE, state.CLEAN, state.TX_CANONICAL):
        assert get(app, key) is None, key
    assert not [key for key in app.session_state if str(key).startswith("clean__")]
    assert records(app) == {}
    assert any("No data loaded yet" in i.value for i in app.info)


@needs_sample
def test_a_new_customer_table_resets_the_clean_page_widgets(app):
    use_sample(open_upload(app))
    ok(app.switch_page(CLEAN).run())
    assert "BALANCE" in app.session_state["clean__features"]
    ok(app.switch_page(UPLOAD).run())
    upload(app, 0, "alllife.csv", csv(ALLLIFE))
    assert "clean__features" not in app.session_state
    ok(app.switch_page(CLEAN).run())
    assert set(app.session_state["clean__features"]) <= set(get(app, state.CLEAN).table.columns)
    assert "BALANCE" not in app.session_state["clean__features"]


def test_upload_shows_what_was_understood_and_why_each_role(app):
    upload(open_upload(app), 0, "alllife.csv", csv(ALLLIFE))
    texts = [t.value for t in app.text]
    assert any(t.startswith("What CardLens understood in alllife.csv:") and "5 key value(s) repeat" in t for t in texts)
    understood = get(app, state.CUSTOMERS_UNDERSTOOD)
    assert get(app, state.ROLES) == understood.roles
    table = next(d for d in app.dataframe if d.key == "upload__roles_editor").value
    assert list(table.columns) == ["Column", "Role", "Confidence", "Why", "Example"]
    key = table.set_index("Column").loc["Customer Key"]
    assert key["Role"] == "Customer id (not used for segments)"
    assert key["Why"] == understood.guesses["Customer Key"].reason
    assert key["Example"] == str(ALLLIFE["Customer Key"].iloc[0]), "ids are shown as written, no separators"


def test_a_date_split_over_columns_and_money_in_out_are_offered_in_the_role_table(app):
    tabformer = ibm_tabformer(n=600)
    upload(open_upload(app), 1, tabformer.filename, tabformer.data)
    columns = get(app, state.TX_COLUMNS)
    assert columns.timestamp == ("Year", "Month", "Day", "Time")
    table = next(d for d in app.dataframe if d.key == "upload__tx_roles_editor").value.set_index("Role")
    assert table.loc["Date / time", "Column"] == "Year + Month + Day + Time"
    ok(app.switch_page(CLEAN).run())
    assert get(app, state.TX_CANONICAL) is not None and len(get(app, state.TX_CANONICAL)) > 0

    statement = uk_money_in_out_statement(n=300)
    ok(app.switch_page(UPLOAD).run())
    upload(app, 1, statement.filename, statement.data)
    columns = get(app, state.TX_COLUMNS)
    assert (columns.debit, columns.credit) == ("Money Out", "Money In")
    table = next(d for d in app.dataframe if d.key == "upload__tx_roles_editor").value.set_index("Role")
    assert table.loc["Money out (debit), when the amount is split", "Column"] == "Money Out"
    assert not [w.value for w in app.warning if w.value.startswith("Pick a column")]


def test_a_statement_s_type_and_description_columns_are_offered_in_the_role_table(app):
    from test_money_in import chase_card

    chase = chase_card()
    upload(open_upload(app), 1, chase.filename, chase.data)
    columns = get(app, state.TX_COLUMNS)
    assert (columns.type, columns.description) == ("Type", "Description")
    table = next(d for d in app.dataframe if d.key == "upload__tx_roles_editor").value.set_index("Role")
    assert table.loc["Transaction type (tells payments and salary from refunds)", "Column"] == "Type"
    assert table.loc["Description / booking text", "Column"] == "Description"


def test_provenance_of_an_uploaded_customer_table(app):
    data = csv(ALLLIFE)
    upload(open_upload(app), 0, "alllife.csv", data)
    record = records(app)["customer table"]
    repeats = int(ALLLIFE["Customer Key"].duplicated().sum())
    note = f"repeated keys: kept ({repeats} keys)" if repeats else None  # the user's choice, in the workbook
    assert record == state.InputRecord(
        "customer table", "alllife.csv", len(ALLLIFE), hashlib.sha256(data).hexdigest(), False, note
    )
    assert record.as_dict()["name"] == "alllife.csv"


def test_the_deployment_hides_error_details_and_external_help_links():
    import tomllib
    from pathlib import Path

    config = Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml"
    client = tomllib.loads(config.read_text())["client"]
    assert client["showErrorDetails"] == "none"
    assert client["showErrorLinks"] is False, "no 'Ask Google / Ask ChatGPT' links on a bank-data app"


def test_the_sidebar_names_algorithms_as_people_do():
    from pages import _ui as ui

    assert [ui.algorithm_label(k) for k in ("kmeans", "gmm", "dbscan")] == ["K-Means", "Gaussian mixture", "DBSCAN"]


def test_temporary_files_of_the_app_stay_in_memory(app):
    import tempfile
    from pathlib import Path

    app.run()
    if Path("/dev/shm").is_dir():  # Linux, as on Community Cloud and CI
        assert tempfile.gettempdir() == "/dev/shm"


def test_the_role_tables_count_of_offered_features_includes_the_categories(app):
    """Statlog German credit: 3 number and 6 category columns; the caption said '3 columns', Clean used 9."""
    from layouts import LAYOUTS

    layout = LAYOUTS["statlog-german-credit-with-an-unnamed-index-and-risk-good-or-bad"](0)
    app.run()
    app.switch_page("pages/1_Upload.py").run()
    app.get("file_uploader")[0].set_value((layout.filename, layout.data, "text/csv")).run()
    assert not app.exception, [e.value for e in app.exception]
    roles = app.session_state[state.ROLES]
    numbers = sum(role in ("feature", "amount") for role in roles.values())
    categories = sum(role == "categorical" for role in roles.values())
    assert categories > 0
    caption = next(c.value for c in app.caption if "will be offered as segment features" in c.value)
    assert f"{numbers} number and {categories} category columns will be offered" in caption
