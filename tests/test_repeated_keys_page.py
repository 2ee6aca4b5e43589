"""The Upload page's choice for repeated customer keys, driven like a user through Clean, Cluster and Profiles.

Issue 17: the AllLife export repeats five customer keys. The user sees the report, chooses to merge them, and
every page after Upload works on 655 customers; the choice survives page switches, is named in the workbook's
provenance, and choosing to keep every row again brings back 660.
"""

from __future__ import annotations

from pages import _state as state
from tests.layouts import alllife_customers
from tests.test_repeated_keys_choice import DIFFER

UPLOAD, CLEAN, CLUSTER, PROFILES = "pages/1_Upload.py", "pages/2_Clean.py", "pages/3_Cluster.py", "pages/4_Profiles.py"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def visit(app, page: str):
    app.switch_page(page).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def customers_on_every_page(app) -> dict[str, int]:
    """Visit Clean, Cluster and Profiles; return how many customers each one worked on."""
    visit(app, CLEAN)
    clean = len(app.session_state[state.CLEAN].table)
    visit(app, CLUSTER)
    segmented = len(app.session_state[state.SEGMENTATION].labels)
    visit(app, PROFILES)
    profiled = int(app.session_state[state.PROFILES].sizes["size"].sum())
    return {"Clean": clean, "Cluster": segmented, "Profiles": profiled}


def test_merging_repeated_keys_reaches_every_page_and_survives_page_switches(app):
    layout = alllife_customers()
    app.run()
    visit(app, UPLOAD)
    app.get("file_uploader")[0].set_value((layout.filename, layout.data, XLSX)).run()
    assert not app.exception, [e.value for e in app.exception]
    report = [i.value for i in app.info if "customer keys appeared twice" in i.value]
    expected = f"5 customer keys appeared twice{DIFFER}; kept, each row as its own customer: 660 rows -> 660 customers."
    assert report == [expected]
    radio = app.radio(key="upload__repeated_keys")
    assert radio.value == "keep"

    radio.set_value("merge").run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.session_state[state.REPEATED_KEYS] == "merge"
    assert len(app.session_state[state.DATASET].frame) == 655
    assert any("merged into one row each (numbers averaged): 660 rows -> 655 customers." in i.value for i in app.info)
    assert customers_on_every_page(app) == {"Clean": 655, "Cluster": 655, "Profiles": 655}
    record = state.provenance(app.session_state)[0]
    assert (record.input, record.rows, record.note) == ("customer table", 660, "repeated keys: merged (5 keys)")
    assert "660 rows; repeated keys: merged (5 keys); your file" in record.describe()

    visit(app, UPLOAD)
    radio = app.radio(key="upload__repeated_keys")
    assert radio.value == "merge", "the choice is kept when the user comes back"
    radio.set_value("keep").run()
    assert not app.exception, [e.value for e in app.exception]
    assert state.CLEAN not in app.session_state, "the segments of the merged table are forgotten"
    assert customers_on_every_page(app) == {"Clean": 660, "Cluster": 660, "Profiles": 660}
    assert state.provenance(app.session_state)[0].note == "repeated keys: kept (5 keys)"


def test_rows_without_a_key_can_be_dropped_and_the_workbook_says_so(app):
    from tests.test_repeated_keys import alllife_with_blank_keys, csv

    customers = alllife_with_blank_keys()  # 240 rows: 12 without a key, 5 keys repeated
    app.run()
    visit(app, UPLOAD)
    app.get("file_uploader")[0].set_value(("blank.csv", csv(customers), "text/csv")).run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.radio(key="upload__blank_keys").value == "keep"
    app.radio(key="upload__blank_keys").set_value("drop").run()
    app.radio(key="upload__repeated_keys").set_value("last").run()
    assert not app.exception, [e.value for e in app.exception]
    dataset = app.session_state[state.DATASET]
    assert len(dataset.as_loaded) == 240
    assert dataset.frame["Customer Key"].notna().all() and dataset.frame["Customer Key"].is_unique
    assert dataset.keys.sentence().endswith("12 rows had no customer key; dropped: 240 rows -> 223 customers.")
    assert (
        state.provenance(app.session_state)[0].note
        == "repeated keys: last row kept (5 keys); blank keys: dropped (12 rows)"
    )
    visit(app, CLEAN)
    assert len(app.session_state[state.CLEAN].table) == 223
