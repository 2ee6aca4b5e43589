"""The workbook builder: round-trip through openpyxl, formatting, formula safety, the CSV and zip exports."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from core.errors import DataError
from core.workbook._writer import BarChart, Sheet, build_customer_export, build_workbook, customers_csv

RISKY_IDS = ['=HYPERLINK("http://example.com","click")', "+1+1", "@SUM(1)", "-2", "\t=1", "\r=1"]


def customers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "CUST_ID": [*RISKY_IDS, "C1", None],
            "BALANCE": [10.5, np.nan, np.inf, -2.0, 0.0, 1e6, 3.25, 4.0],
            "TENURE": np.arange(8, dtype="int64"),
            "flag": [True, False] * 4,
            "when": pd.to_datetime(["2024-01-31 12:00"] * 7 + [None]),
            "segment_name": pd.Categorical(["A", "B"] * 4),
        }
    )


def summary() -> pd.DataFrame:
    return pd.DataFrame({"segment": [0, 1], "name": ["A", "B"], "size": [5, 3], "share": [0.625, 0.375]})


def workbook() -> bytes:
    return build_workbook(
        [
            Sheet(
                "Summary",
                summary(),
                "One row per segment.",
                number_formats={"share": "0.0%"},
                bar_chart=BarChart("Customers per segment", "name", "size"),
            ),
            Sheet("Customers", customers(), "One row per customer.", colour_scale=("BALANCE",)),
        ],
        readme_rows=[("Column", "Customers.BALANCE", "Balance owed")],
    )


def test_round_trip_keeps_sheets_headers_rows_and_values():
    book = load_workbook(io.BytesIO(workbook()))
    assert book.sheetnames == ["README", "Summary", "Customers"]
    rows = list(book["Customers"].values)
    assert rows[0] == ("CUST_ID", "BALANCE", "TENURE", "flag", "when", "segment_name")
    assert len(rows) == 1 + 8
    assert rows[1][:4] == (RISKY_IDS[0], 10.5, 0, True)
    assert rows[2][1] is None and rows[3][1] is None  # NaN and inf become empty cells
    assert rows[4][1] == -2
    assert rows[1][4].isoformat() == "2024-01-31T12:00:00"
    assert rows[8][0] is None and rows[8][4] is None
    readme = list(book["README"].values)
    assert readme[1] == ("Sheet", "Summary", "One row per segment.")
    assert readme[-1] == ("Column", "Customers.BALANCE", "Balance owed")


def test_no_cell_from_data_is_a_formula_even_for_risky_ids():
    book = load_workbook(io.BytesIO(workbook()))
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    ids = [c.value for c in book["Customers"]["A"][1:7]]
    assert ids == RISKY_IDS
    assert all(c.data_type == "s" for c in book["Customers"]["A"][1:7])


def test_formatting_header_filter_formats_chart_and_colour_scale():
    book = load_workbook(io.BytesIO(workbook()))
    sheet = book["Summary"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:D3"
    assert sheet["A1"].font.bold
    assert sheet["D2"].number_format == "0.0%"
    assert sheet["C2"].number_format == "#,##0"
    assert len(sheet._charts) == 1
    customers_sheet = book["Customers"]
    assert customers_sheet["B2"].number_format == "#,##0.00"
    ranges = [str(rule.sqref) for rule in customers_sheet.conditional_formatting]
    assert ranges == ["B2:B9"]
    assert customers_sheet.column_dimensions["A"].width >= len(RISKY_IDS[0])


@pytest.mark.parametrize(
    ("sheets", "message"),
    [
        ([Sheet("a/b", summary())], "cannot be a sheet name"),
        ([Sheet("Same", summary()), Sheet("same", summary())], "Two sheets"),
        ([Sheet("x" * 32, summary())], "cannot be a sheet name"),
    ],
    ids=["a slash in the name", "two sheets with one name", "a name over 31 characters"],
)
def test_sheet_names_excel_refuses_raise_data_error(sheets, message):
    with pytest.raises(DataError, match=message):
        build_workbook(sheets)


def test_customers_csv_prefixes_risky_text_and_keeps_numbers():
    lines = customers_csv(customers()).decode("utf-8-sig").splitlines()
    assert lines[0] == "CUST_ID,BALANCE,TENURE,flag,when,segment_name"
    assert lines[2].startswith("'+1+1,")
    assert lines[4].startswith("'-2,-2.0,")


def test_customer_export_zips_the_workbook_and_a_csv_and_says_so(monkeypatch):
    data = build_customer_export(
        [Sheet("Summary", summary(), "One row per segment.")],
        Sheet("Customers", customers(), "One row per customer."),
    )
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert sorted(archive.namelist()) == ["cardlens_segments.xlsx", "customers.csv"]
        book = load_workbook(io.BytesIO(archive.read("cardlens_segments.xlsx")))
        assert "customers.csv" in str(list(book["README"].values))
        assert len(pd.read_csv(io.BytesIO(archive.read("customers.csv")), encoding="utf-8-sig")) == 8


def test_more_rows_than_excel_holds_raise_data_error(monkeypatch):
    monkeypatch.setattr("core.workbook._writer.MAX_EXCEL_ROWS", 5)
    with pytest.raises(DataError, match="more than Excel"):
        build_workbook([Sheet("Customers", customers())])


def test_rows_are_streamed_in_chunks_without_losing_any(monkeypatch):
    monkeypatch.setattr("core.workbook._writer.CHUNK_ROWS", 3)
    frame = pd.DataFrame({"id": [f"C{i}" for i in range(10)], "x": np.arange(10) / 4})
    rows = list(load_workbook(io.BytesIO(build_workbook([Sheet("T", frame)])))["T"].values)
    assert [r[0] for r in rows[1:]] == list(frame["id"])
    assert [r[1] for r in rows[1:]] == list(frame["x"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(max_size=12), min_size=1, max_size=6), st.lists(st.floats(allow_nan=True), min_size=6))
def test_any_text_and_numbers_round_trip_as_values_never_formulas(texts, numbers):
    frame = pd.DataFrame({"text": texts, "number": numbers[: len(texts)]})
    book = load_workbook(io.BytesIO(build_workbook([Sheet("T", frame)])))
    cells = list(book["T"].iter_rows(min_row=2))
    assert len(cells) == len(texts)
    for (text_cell, number_cell), text, number in zip(cells, texts, numbers, strict=False):
        assert text_cell.data_type != "f" and number_cell.data_type != "f"
        expected = "".join(ch for ch in text if ch in "\t\n\r" or ord(ch) >= 0x20)
        expected = "".join(ch for ch in expected if ch not in "\ufffe\uffff")
        assert (text_cell.value or "") == expected
        if np.isfinite(number):
            assert number_cell.value == pytest.approx(number, rel=1e-15, abs=1e-300)
        else:
            assert number_cell.value is None


# ---- the analyst workbook (core.workbook._sheets) ---------------------------------------------------------------
def alllife_run():
    from core.clean import apply_recipe, default_recipe
    from core.cluster import fit
    from core.samples import generate_alllife
    from core.schema import detect_layout, infer_roles

    frame = generate_alllife()
    keys = frame["Customer Key"].astype("string")
    frame["Customer Key"] = keys.where(keys.index != 0, "=HYPERLINK(1)")
    roles = infer_roles(frame)
    recipe = default_recipe(frame, roles)
    clean = apply_recipe(frame, recipe, roles)
    segmentation = fit(clean.matrix, "kmeans", {"k": 3})
    return frame, recipe, clean, segmentation, detect_layout(frame)


def test_assembled_workbook_has_the_documented_sheets_and_names():
    from core.workbook._sheets import WorkbookInputs, assemble_workbook

    _, recipe, clean, segmentation, layout = alllife_run()
    scores = pd.DataFrame({"anomaly_score": np.linspace(0, 1, len(clean.table))}, index=clean.table.index)
    inputs = WorkbookInputs(
        dataset_name="alllife.csv",
        table=clean.table,
        labels=segmentation.labels,
        id_column=clean.id_column,
        segmentation=segmentation,
        recipe=recipe,
        clean_reports=clean.reports,
        layout=layout,
        customer_scores=scores,
        offers=pd.DataFrame({"customer_id": ["1"], "offer": ["=cmd"]}),
    )
    book = load_workbook(io.BytesIO(assemble_workbook(inputs)))
    assert book.sheetnames == ["README", "Summary", "Profiles", "Customers", "Metrics", "Recipe", "Run", "Offers"]
    summary = pd.DataFrame(list(book["Summary"].values)[1:], columns=next(book["Summary"].values))
    assert {n.lower() for n in summary["name"]} == {
        "low-limit phone-first",
        "mid-limit branch-first",
        "premium online-first",
    }
    assert summary["size"].sum() == len(clean.table)
    customers = list(book["Customers"].values)
    assert len(customers) == len(clean.table) + 1
    assert customers[0][-4:] == ("segment", "segment_name", "confidence", "anomaly_score")
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    run = dict(list(book["Run"].values)[1:])
    assert run["random_state"] == "0" and run["algorithm"] == "K-Means (kmeans)" and "version: pandas" in run


def test_export_switches_to_a_zip_when_excel_cannot_hold_the_customers(monkeypatch):
    from core.workbook import WorkbookInputs, assemble_export

    _, _, clean, segmentation, layout = alllife_run()
    inputs = WorkbookInputs(table=clean.table, labels=segmentation.labels, id_column=clean.id_column, layout=layout)
    assert assemble_export(inputs).filename == "cardlens_segments.xlsx"
    monkeypatch.setattr("core.workbook._sheets.MAX_EXCEL_ROWS", 100)
    export = assemble_export(inputs)
    assert export.filename == "cardlens_segments.zip"
    with zipfile.ZipFile(io.BytesIO(export.data)) as archive:
        assert len(pd.read_csv(io.BytesIO(archive.read("customers.csv")), encoding="utf-8-sig")) == len(clean.table)
