"""One pipeline: the app's sidebar workbook and `python -m core segment` agree for the same input and defaults."""

from __future__ import annotations

import io
import posixpath
import zipfile
from xml.etree import ElementTree

import numpy as np
import pandas as pd
import pytest

from core import pipeline
from core.__main__ import main
from core.samples import generate_alllife, sample_path
from core.workbook import assemble_workbook, customers_frame
from pages import _state as state
from pages import _ui as ui
from pages import _workbook

DIFFERS_BY_RUN = {"Run", "README"}  # when, which file hash and which options: the same columns, other rows


def sheets_of(data: bytes, names: list[str] | None = None) -> dict[str, pd.DataFrame]:
    return pd.read_excel(io.BytesIO(data), sheet_name=names)


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELATION = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def sheet_parts(data: bytes) -> tuple[dict[str, bytes], bytes]:
    """Each sheet's worksheet XML by sheet name, in workbook order, and the styles part (the cell formats cited)."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        workbook = ElementTree.fromstring(package.read("xl/workbook.xml"))
        relations = ElementTree.fromstring(package.read("xl/_rels/workbook.xml.rels"))
        targets = {rel.get("Id"): rel.get("Target") for rel in relations}
        parts = {}
        for sheet in workbook.iter(f"{_MAIN}sheet"):
            target = targets[sheet.get(_RELATION)]
            path = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
            parts[sheet.get("name")] = package.read(posixpath.normpath(path))
        return parts, package.read("xl/styles.xml")


def session_values(app) -> dict:
    values = {}
    for key in _workbook.WORKBOOK_KEYS:
        try:
            values[key] = app.session_state[key]
        except KeyError:
            values[key] = None
    return values


@pytest.mark.slow
def test_sidebar_workbook_right_after_segmenting_equals_the_command_line(app, monkeypatch, tmp_path):
    # The app: a new session on the sample, straight to Cluster (the default recipe is applied there), download.
    monkeypatch.setenv("CARDLENS_START_WITH_SAMPLE", "1")
    app.run()
    app.switch_page(ui.CLUSTER).run()
    assert not app.exception, [e.value for e in app.exception]
    assert any("cleaned with the default recipe" in c.value for c in app.caption)
    assert state.PROFILES not in app.session_state or app.session_state[state.PROFILES] is None
    app_data = _workbook.workbook_bytes(session_values(app), {}).data

    # The command line on the same two files.
    out = tmp_path / "cli.xlsx"
    customers, transactions = sample_path("card_portfolio"), sample_path("card_transactions")
    assert main(["segment", str(customers), "--transactions", str(transactions), "--out", str(out)]) == 0
    cli_data = out.read_bytes()

    # A sheet whose XML is the same bytes in both (with the same cell formats) reads the same: only the others
    # are read into frames (reading all 500,000 cells of each workbook took most of this test's time).
    (app_parts, app_styles), (cli_parts, cli_styles) = sheet_parts(app_data), sheet_parts(cli_data)
    assert list(app_parts) == list(cli_parts)
    assert {"Offers", "Fraud", "Trends"} <= set(app_parts)
    same_styles = app_styles == cli_styles
    read = [
        name for name in cli_parts if name in DIFFERS_BY_RUN or not same_styles or app_parts[name] != cli_parts[name]
    ]
    app_book, cli_book = sheets_of(app_data, read), sheets_of(cli_data, read)
    for name, cli_sheet in cli_book.items():
        app_sheet = app_book[name]
        assert list(app_sheet.columns) == list(cli_sheet.columns), name
        if name not in DIFFERS_BY_RUN:  # every step is seeded: equal rows and values
            assert len(app_sheet) == len(cli_sheet), name
            pd.testing.assert_frame_equal(app_sheet, cli_sheet, check_exact=False, rtol=1e-9, obj=name)

    # Both READMEs say what was understood of the input; the command line's also lists its input files.
    for book in (app_book, cli_book):
        readme = book["README"].astype("string").fillna("")
        understood = readme[readme.iloc[:, 1] == "understood"].iloc[:, 2].tolist()
        assert any("A customer table: 8,950 rows" in line for line in understood), understood
        assert any("A transaction table" in line for line in understood), understood
    cli_readme = cli_book["README"].astype("string").fillna("")
    inputs = cli_readme[cli_readme.iloc[:, 0] == "Input"]
    assert inputs.iloc[:, 2].str.contains("card_portfolio.csv; 8,950 rows; your file; SHA-256").any()


@pytest.fixture(scope="module")
def alllife_run():
    return pipeline.run_segment_pipeline(generate_alllife(n=300), k=3, dataset_name="branch.csv")


def test_the_fraud_sheet_lists_customer_alerts_with_their_review(alllife_run):
    fraud = alllife_run.fraud
    assert list(fraud.columns[:3]) == ["kind", "alert", "review"]
    assert set(fraud["kind"]) == {"customer"}
    assert set(fraud["review"]) == {pipeline.NOT_REVIEWED}
    reviewed = pipeline.fraud_sheet(
        pipeline.customer_alerts(alllife_run.clean, alllife_run.segmentation, alllife_run.names),
        None,
        {fraud["alert"].iloc[0]: "confirmed fraud"},
    )
    assert reviewed["review"].iloc[0] == "confirmed fraud"


@pytest.mark.parametrize("reserved", ["segment", "segment_name", "confidence", "anomaly_score", "reasons", "score"])
def test_an_input_column_with_a_name_the_product_adds_is_kept_and_renamed(reserved):
    customers = generate_alllife(n=200).assign(**{reserved: np.arange(200) % 7})
    result = pipeline.run_segment_pipeline(customers, k=3)
    inputs = result.workbook_inputs()
    frame = customers_frame(inputs)
    assert f"{reserved} (input)" in frame.columns
    assert frame[f"{reserved} (input)"].tolist() == (np.arange(200) % 7).tolist()
    if reserved in ("segment", "segment_name", "confidence", "anomaly_score", "reasons"):
        assert reserved in frame.columns  # the product's own column, next to the user's
    book = sheets_of(assemble_workbook(inputs))
    assert f"{reserved} (input)" in book["Customers"].columns
    notes = book["README"].astype(str).apply(" ".join, axis=1).str.cat(sep=" ")
    assert f"{reserved} (input)" in notes
