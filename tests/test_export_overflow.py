"""Sheets longer than Excel's rows leave the workbook for a CSV in a zip, whichever sheet it is."""

import io
import zipfile

import openpyxl
import pandas as pd

from core.workbook import MAX_EXCEL_ROWS, Sheet, exports_as_zip
from core.workbook._writer import build_overflow_export


def test_a_long_offers_sheet_travels_as_csv_beside_the_workbook(monkeypatch):
    import core.workbook._writer as writer

    monkeypatch.setattr(writer, "MAX_EXCEL_ROWS", 101)  # Excel's limit, scaled down: 100 rows and a header
    summary = Sheet("Summary", pd.DataFrame({"segment": [0, 1], "customers": [60, 40]}), "Segments.")
    customers = Sheet("Customers", pd.DataFrame({"id": [f"C{i}" for i in range(100)], "segment": 0}), "One row each.")
    offers = Sheet(
        "Offers", pd.DataFrame({"id": [f"C{i // 3}" for i in range(300)], "offer": "=HYPERLINK(1)"}), "Top 3 each."
    )
    data = build_overflow_export([summary, customers], [offers], readme_rows=[("About", "dataset", "test")])
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert sorted(archive.namelist()) == ["cardlens_segments.xlsx", "offers.csv"]
    book = openpyxl.load_workbook(io.BytesIO(archive.read("cardlens_segments.xlsx")), read_only=True)
    assert "Offers" not in book.sheetnames and {"Summary", "Customers"} <= set(book.sheetnames)
    notes = [row for row in book["README"].iter_rows(values_only=True) if row and row[0] == "Note"]
    assert any("offers.csv" in str(cell) for row in notes for cell in row)
    rows = pd.read_csv(io.BytesIO(archive.read("offers.csv")), encoding="utf-8-sig")
    assert len(rows) == 300 and rows["offer"].str.startswith("'=").all()  # formula-safe, every row there


def test_the_download_name_is_predicted_from_the_number_of_customers():
    limit = MAX_EXCEL_ROWS - 1
    assert not exports_as_zip(limit // 3)  # three offers each still fit
    assert exports_as_zip(limit // 3 + 1)
    assert exports_as_zip(1_000_000) and exports_as_zip(limit + 1)
