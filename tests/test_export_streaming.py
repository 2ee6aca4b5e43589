"""The export is written a slice of rows at a time, and its bytes are the ones a one-shot ``to_csv`` gives."""

from __future__ import annotations

import csv
import io
import zipfile

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

import core.workbook._writer as writer
from core.workbook._writer import Sheet, build_overflow_export, build_workbook, customers_csv, write_csv

ROWS = 40_000  # several of pandas' own to_csv chunks (14,285 rows at seven columns)
AWKWARD = [
    '=HYPERLINK("http://example.com","click")',
    "+1+1",
    "-2",
    "@SUM(1)",
    "\t=1",
    "\r=1",
    'say "hi", then go',
    "two\nlines",
    "carriage\rreturn",
    "Zoë, São Paulo, 東京",
    "",
    None,
]


def one_shot_csv(frame: pd.DataFrame) -> bytes:
    """The CSV as the export wrote it before it was streamed: escape the whole frame, one ``to_csv``."""
    out = frame.copy()
    for column in out.columns:
        if writer._kind(out[column]) == "text":
            out[column] = writer._formula_safe_text(out[column])
    out.columns = [writer._formula_safe_text(pd.Series([str(c)])).iloc[0] for c in out.columns]
    return out.to_csv(index=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n").encode("utf-8-sig")


def awkward_table(rows: int = ROWS) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    stamps = pd.Series(pd.date_range("2024-01-01", periods=rows, freq="D"))
    stamps[rows - 5] = pd.Timestamp("2024-02-03 04:05:06.789")  # only the last pandas chunk has a time of day
    stamps[rows - 3] = pd.NaT
    return pd.DataFrame(
        {
            "=id": [AWKWARD[i % len(AWKWARD)] if i % 7 else f"C{i:07d}" for i in range(rows)],
            "balance": np.where(rng.random(rows) < 0.05, np.nan, rng.normal(0, 1e4, rows)),
            "trx": pd.array(np.where(rng.random(rows) < 0.05, None, rng.integers(-5, 500, rows)), dtype="Int64"),
            "flag": rng.random(rows) < 0.5,
            "when": stamps,
            "segment_name": pd.Categorical(rng.choice(['Big, "bold" spenders', "Dormant", "Revolvers"], rows)),
            "card": [f"**** **** **** {i % 10_000:04d}" for i in range(rows)],
        }
    )


@pytest.fixture
def small_slices(monkeypatch):
    monkeypatch.setattr(writer, "CHUNK_ROWS", 15_000)  # one pandas chunk per slice: three slices of 40,000 rows


def test_the_streamed_csv_is_byte_identical_to_the_one_shot_csv(small_slices):
    frame = awkward_table()
    assert writer._csv_slice_rows(frame.shape[1]) < len(frame) // 2
    streamed = io.BytesIO()
    write_csv(frame, streamed)
    assert streamed.getvalue() == one_shot_csv(frame)
    assert customers_csv(frame) == streamed.getvalue()


def test_the_streamed_csv_keeps_every_formula_as_text(small_slices):
    frame = awkward_table()
    rows = pd.read_csv(io.BytesIO(customers_csv(frame)), encoding="utf-8-sig", keep_default_na=False, dtype=str)
    assert rows.columns[0] == "'=id" and len(rows) == len(frame)
    assert not rows["'=id"].str.match(r"^[=+\-@\t\r]").any()
    assert rows["card"].str.startswith("**** **** **** ").all()  # masked card numbers stay as they were
    assert "Zoë, São Paulo, 東京" in set(rows["'=id"])


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"id": pd.Series([], dtype="string"), "x": pd.Series([], dtype="float64")}),
        pd.DataFrame({"only": ["=1", None, "a\nb"]}),
        pd.DataFrame(index=range(3)),
    ],
    ids=["no rows", "one text column", "no columns"],
)
def test_small_and_empty_tables_stream_as_they_did(frame):
    streamed = io.BytesIO()
    write_csv(frame, streamed)
    assert streamed.getvalue() == one_shot_csv(frame)


def test_the_zip_holds_the_same_workbook_and_csv_as_the_one_shot_builders(small_slices):
    summary = Sheet("Summary", pd.DataFrame({"segment": [0, 1], "customers": [60, 40]}), "Segments.")
    offers = Sheet("Offers", awkward_table(), "Top offers.")
    data = build_overflow_export([summary], [offers], readme_rows=[("About", "dataset", "test")])
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    workbook_entry, csv_entry = archive.getinfo("cardlens_segments.xlsx"), archive.getinfo("offers.csv")
    assert workbook_entry.compress_type == zipfile.ZIP_STORED  # compressed already: not deflated twice
    assert csv_entry.compress_type == zipfile.ZIP_DEFLATED and csv_entry.compress_size < csv_entry.file_size / 3
    assert workbook_entry.date_time[0] > 1980 and csv_entry.date_time[0] > 1980  # dated now, as writestr did
    assert archive.read("offers.csv") == one_shot_csv(offers.frame)
    book = load_workbook(io.BytesIO(archive.read("cardlens_segments.xlsx")), read_only=True)
    assert book.sheetnames == ["README", "Summary"]
    expected = load_workbook(io.BytesIO(build_workbook([summary], readme_rows=[])), read_only=True)
    assert list(book["Summary"].values) == list(expected["Summary"].values)
