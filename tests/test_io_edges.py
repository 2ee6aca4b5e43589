"""The loader at the edges: dates outside pandas' range, workbooks that expand, UTF-16/32 without a BOM,
quotes that swallow rows, and messages that must not echo a hostile file."""

from __future__ import annotations

import datetime as dt
import io
import re
import string
import time
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import DataError, excerpt
from core.io import _excel, load_table
from core.transactions import (
    assemble_timestamps,
    infer_transaction_columns,
    parse_timestamps,
    standardize_transactions,
)

FALLBACK = "could not be read ("  # the loader's safety net: reaching it means an unhandled exception


def _xlsx(rows: list[list[object]], number_formats: dict[str, str] | None = None) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for cell, number_format in (number_formats or {}).items():
        sheet[cell].number_format = number_format
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ---- dates outside 1677-2262 -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentinel", "shown"),
    [
        ("9999-12-31", "9999-12-31"),
        ("0001-01-01", "0001-01-01"),
        ("3202-01-01", "3202-01-01"),
        ("0000-00-00", "0000-00-00"),
        ("9999-12-31 23:59:59", "9999-12-31 23:59:59"),
        ("31/12/9999", "31/12/9999"),
        ("31-Dec-9999", "31-Dec-9999"),
        ("1677-09-20", "1677-09-20"),
        ("2262-04-12", "2262-04-12"),
    ],
)
def test_text_dates_outside_the_range_become_missing_and_are_reported(sentinel, shown):
    data = f"id,opened,closed\nA,2020-01-05,2021-03-01\nB,2019-07-01,{sentinel}\nC,2018-02-03,2024-01-31\n"
    loaded = load_table(data.encode(), "accounts.csv")
    assert loaded.frame["closed"].isna().tolist() == [False, True, False]
    assert loaded.frame["opened"].notna().all()
    found = loaded.report.out_of_range_dates["closed"]
    assert (found.count, found.example) == (1, shown)
    assert f"1 value was a date in closed outside 1677-2262, e.g. {shown}; treated as missing." in (
        loaded.report.as_lines()
    )
    parsed, _ = parse_timestamps(loaded.frame["closed"])
    assert parsed.dtype == "datetime64[ns]" and parsed.notna().sum() == 2


def test_dates_just_inside_the_range_are_kept():
    data = "id,d\nA,1677-09-22\nB,2262-04-10\nC,2024-01-01\n"
    loaded = load_table(data.encode(), "edge.csv")
    assert loaded.frame["d"].notna().all()
    assert loaded.report.out_of_range_dates == {}


def test_text_that_is_not_a_date_column_is_left_alone():
    loaded = load_table(b"id,code\nA,9999\nB,X-3202\nC,0001\n", "codes.csv")
    assert loaded.report.out_of_range_dates == {}
    assert loaded.frame["code"].notna().all()


def test_many_sentinels_are_counted_with_the_first_as_example():
    rows = [f"C{i},{'9999-12-31' if i % 3 else '2023-05-0' + str(1 + i % 9)}" for i in range(300)]
    loaded = load_table(("id,end_date\n" + "\n".join(rows)).encode(), "many.csv")
    found = loaded.report.out_of_range_dates["end_date"]
    assert found.count == 200 and found.example == "9999-12-31"
    assert loaded.frame["end_date"].isna().sum() == 200


def test_excel_date_cells_outside_the_range_become_missing_and_are_reported():
    data = _xlsx(
        [
            ["id", "opened", "balance"],
            ["A", dt.datetime(2020, 1, 1), 1.0],
            ["B", dt.datetime(9999, 12, 31), 2.0],
            ["C", dt.date(1, 1, 1), 3.0],
            ["D", dt.datetime(2021, 6, 30, 12, 0), 4.0],
        ]
    )
    loaded = load_table(data, "accounts.xlsx")
    opened = loaded.frame["opened"]
    assert opened.dtype == "datetime64[ns]"
    assert opened.isna().tolist() == [False, True, True, False]
    assert loaded.report.out_of_range_dates["opened"].count == 2
    assert loaded.report.out_of_range_dates["opened"].example == "9999-12-31"


def test_excel_date_serials_beyond_excels_calendar_are_missing_not_a_crash():
    data = _xlsx(
        [["id", "opened"], ["A", dt.datetime(2020, 1, 1)], ["B", 10_000_000], ["C", 1e300]],
        number_formats={"B3": "yyyy-mm-dd", "B4": "yyyy-mm-dd"},
    )
    loaded = load_table(data, "serials.xlsx")
    assert loaded.frame["opened"].isna().tolist() == [False, True, True]


@pytest.mark.parametrize(
    "values",
    [
        pd.Series(["2020-01-01", "9999-12-31", "0001-01-01"]),
        pd.Series(["31/12/9999", "01/02/2020", "13/01/0001"]),
        pd.Series([1e12, 1.6e9, 2e9]),  # Unix seconds, one of them in the year 33658
        pd.Series([253402214400000.0, 1.6e12]),  # Unix milliseconds of 9999-12-31
        pd.Series(pd.to_datetime(["2020-01-01", "9999-12-31"])),  # already dates, at pandas' coarser resolution
        pd.Series(pd.to_datetime(["2020-01-01", "9999-12-31"], utc=True)),
        pd.Series(["2020-01-01T10:00:00+01:00", "9999-12-31T00:00:00Z"]),
    ],
    ids=["iso", "day first", "unix seconds", "unix milliseconds", "datetime", "utc", "offsets"],
)
def test_parse_timestamps_makes_out_of_range_dates_missing(values):
    parsed, _ = parse_timestamps(values)
    assert parsed.dtype == "datetime64[ns]"
    assert parsed.isna().sum() >= 1
    assert parsed.notna().sum() >= 1


def test_assembled_timestamps_from_a_sentinel_year_are_missing():
    parts = pd.DataFrame({"Year": [9999, 2020], "Month": [12, 2], "Day": [31, 29], "Time": ["00:00", "12:30"]})
    stamps = assemble_timestamps(parts, ("Year", "Month", "Day", "Time"))
    assert stamps.isna().tolist() == [True, False]


def test_a_transaction_file_with_sentinel_timestamps_keeps_its_other_rows():
    stamps = [f"2024-01-{1 + i:02d} 10:00:00" for i in range(12)]
    stamps[3] = "9999-12-31 00:00:00"
    text = "card,when,amount\n" + "\n".join(f"C{i % 4},{stamp},{10 + i}.50" for i, stamp in enumerate(stamps))
    loaded = load_table(text.encode(), "tx.csv")
    assert loaded.report.out_of_range_dates["when"].count == 1
    canonical, _ = standardize_transactions(loaded.frame, infer_transaction_columns(loaded.frame))
    assert len(canonical) == 11
    assert canonical["timestamp"].dtype == "datetime64[ns]"


_good_dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 12, 31))
_bad_dates = st.one_of(
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(1677, 9, 20)),
    st.dates(min_value=dt.date(2262, 4, 12), max_value=dt.date(9999, 12, 31)),
)
_layouts = st.sampled_from(["%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%Y-%m-%d %H:%M:%S", "%d.%m.%Y", "%d-%b-%Y"])


def _written(day: dt.date, layout: str) -> str:
    # strftime pads years below 1000 differently by platform; write the year with four digits ourselves
    return day.strftime(layout.replace("%Y", "{year}")).format(year=f"{day.year:04d}")


def _loads_cleanly(data: bytes, name: str):
    try:
        loaded = load_table(data, name)
    except DataError as error:
        assert FALLBACK not in str(error), f"fell through to the safety net: {error.__cause__!r}"
        return None
    assert loaded.report.rows == len(loaded.frame) > 0
    for column in loaded.frame.columns:
        values = loaded.frame[column]
        if pd.api.types.is_datetime64_any_dtype(values):
            assert values.dtype == "datetime64[ns]"
        parsed, _ = parse_timestamps(values)  # every column, as role inference may try any of them
        assert parsed.dtype == "datetime64[ns]"
    return loaded


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    dates=st.lists(st.one_of(_good_dates, _bad_dates), min_size=1, max_size=30),
    layout=_layouts,
    position=st.sampled_from(["first", "middle", "last"]),
)
def test_customer_table_text_dates_anywhere_load_or_refuse_cleanly(dates, layout, position):
    texts = [_written(day, layout) for day in dates]
    rows = []
    for i, text in enumerate(texts):
        cells = {"first": [text, f"C{i}", str(i)], "middle": [f"C{i}", text, str(i)], "last": [f"C{i}", str(i), text]}
        rows.append(",".join(cells[position]))
    header = {"first": "opened,id,n", "middle": "id,opened,n", "last": "id,n,opened"}[position]
    loaded = _loads_cleanly((header + "\n" + "\n".join(rows) + "\n").encode(), "customers.csv")
    if loaded is not None and len(dates) >= 5 and layout in ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S"):
        outside = sum(not dt.date(1677, 9, 22) <= day <= dt.date(2262, 4, 10) for day in dates)
        assert loaded.report.out_of_range_dates.get("opened", None) is None or outside > 0
        assert loaded.frame["opened"].isna().sum() == outside


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dates=st.lists(st.one_of(_good_dates, _bad_dates), min_size=1, max_size=15))
def test_excel_date_cells_anywhere_load_or_refuse_cleanly(dates):
    rows = [["id", "opened", "amount"]] + [[f"C{i}", day, float(i)] for i, day in enumerate(dates)]
    loaded = _loads_cleanly(_xlsx(rows), "customers.xlsx")
    if loaded is not None:
        outside = sum(not dt.date(1677, 9, 22) <= day <= dt.date(2262, 4, 10) for day in dates)
        assert loaded.frame["opened"].isna().sum() == outside


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    dates=st.lists(st.one_of(_good_dates, _bad_dates), min_size=2, max_size=25),
    layout=_layouts,
    clock=st.booleans(),
)
def test_transaction_timestamps_anywhere_standardise_or_refuse_cleanly(dates, layout, clock):
    stamps = [_written(day, layout) + (" 10:30:00" if clock and "%H" not in layout else "") for day in dates]
    text = "customer_id,timestamp,amount\n" + "\n".join(
        f"C{i % 3},{stamp},{i + 1}.25" for i, stamp in enumerate(stamps)
    )
    loaded = _loads_cleanly(text.encode(), "transactions.csv")
    if loaded is None:
        return
    try:
        canonical, _ = standardize_transactions(loaded.frame, infer_transaction_columns(loaded.frame))
    except DataError:
        return
    assert canonical["timestamp"].dtype == "datetime64[ns]"
    assert canonical["timestamp"].notna().all()


# ---- what a workbook becomes ---------------------------------------------------------------------------------

_CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    b'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
    b'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
    b'officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
    b'2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
    b'2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    b'<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
    b'2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)


def _zipped_workbook(sheet_xml: bytes) -> bytes:
    """A minimal .xlsx around one sheet's XML, zipped by hand (as an attacker would)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return out.getvalue()


def _sheet_xml(rows: int, *, dimension: bytes | None, prefix: str = "") -> bytes:
    """A sheet of ``rows`` rows x 3 columns (header ``id, 1, 2``), every tag under ``prefix:`` when given."""
    declared = f'<dimension ref="{dimension.decode()}"/>' if dimension is not None else ""
    namespace = f"xmlns:{prefix}" if prefix else "xmlns"
    header = '<row r="1"><c t="inlineStr"><is><t>id</t></is></c><c><v>1</v></c><c><v>2</v></c></row>'
    body = "<row><c><v>7</v></c><c><v>1.5</v></c><c><v>2</v></c></row>" * (rows - 1)  # positions are optional
    text = (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet {namespace}="http://schemas.openxmlformats.org/'
        f'spreadsheetml/2006/main">{declared}<sheetData>{header}{body}</sheetData></worksheet>'
    )
    if prefix:
        text = re.sub(r"<(/?)(?!\?)", rf"<\1{prefix}:", text)
    return text.encode()


@pytest.fixture(scope="module")
def million_row_sheet() -> bytes:
    """The sheet XML of 1,000,000 rows x 3 columns, without its dimension."""
    return _sheet_xml(1_000_000, dimension=None)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("dimension", "words"),
    [
        (b"A1:C1000000", "declares a sheet of 1,000,000 rows x 3 columns (3,000,000 cells)"),
        (None, "holds a sheet of more than 1,000,000 cells"),
        (b"A1:C2", "holds a sheet of more than 1,000,000 cells"),  # a dimension that lies
    ],
    ids=["declared", "no dimension", "lying dimension"],
)
def test_a_small_workbook_that_expands_to_a_million_rows_is_refused_quickly(million_row_sheet, dimension, words):
    sheet = million_row_sheet
    if dimension is not None:
        sheet = sheet.replace(b'main">', b'main"><dimension ref="' + dimension + b'"/>', 1)
    data = _zipped_workbook(sheet)
    assert len(data) < 500_000  # a few hundred KB on the wire
    started = time.perf_counter()
    with pytest.raises(DataError) as caught:
        load_table(data, "bomb.xlsx")
    elapsed = time.perf_counter() - started
    message = str(caught.value)
    assert words in message and "limit for Excel files" in message
    assert "bomb.xlsx" in message and "CSV" in message
    assert elapsed < 5, f"took {elapsed:.1f} s (under 1 s on an idle machine; see benchmarks/xlsx_limits.py)"


def test_the_cell_count_sees_through_a_namespace_prefix():
    sheet = _sheet_xml(400, dimension=None, prefix="x")
    data = _zipped_workbook(sheet)
    assert load_table(data, "prefixed.xlsx").frame.shape == (399, 3)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_excel, "MAX_CELLS", 1_000)
        with pytest.raises(DataError, match="more than 1,000 cells"):
            load_table(data, "prefixed.xlsx")


def test_rows_numbered_beyond_excels_last_row_are_refused():
    sheet = _sheet_xml(2, dimension=None).replace(b"<row><c>", b'<row r="2000000000"><c>')
    with pytest.raises(DataError, match="beyond Excel's last row"):
        load_table(_zipped_workbook(sheet), "gap.xlsx")


def test_uncompressed_size_over_the_ceiling_is_refused(monkeypatch):
    monkeypatch.setattr(_excel, "MAX_XLSX_BYTES", 10_000)
    data = _zipped_workbook(_sheet_xml(500, dimension=b"A1:C500"))
    with pytest.raises(DataError, match=r"expands to 0 MB of spreadsheet data, over the 0 MB limit"):
        load_table(data, "big.xlsx")


def test_a_workbook_under_the_ceilings_still_loads():
    data = _zipped_workbook(_sheet_xml(1_000, dimension=b"A1:C1000"))
    loaded = load_table(data, "fine.xlsx")
    assert loaded.frame.shape == (999, 3)
    assert loaded.frame["id"].eq(7).all()


def test_the_ceiling_is_documented_and_sized_for_a_mid_sized_portfolio():
    assert _excel.MAX_CELLS == 1_000_000
    assert "MAX_CELLS" in _excel.__doc__
    assert 50_000 * 18 <= _excel.MAX_CELLS  # 50,000 customers with CC GENERAL's 18 columns still load from Excel


# ---- UTF-16 / UTF-32 without a byte-order mark ---------------------------------------------------------------

_UNICODE_TABLE = "id;name;balance\nK1;Müller;1.234,50\nK2;Zoë;-12,00\nK3;Øre;0,75\n"


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", "utf-16", "utf-32"])
def test_wide_unicode_text_is_detected_and_read(encoding):
    loaded = load_table(_UNICODE_TABLE.encode(encoding), "export.csv")
    assert loaded.frame["name"].tolist() == ["Müller", "Zoë", "Øre"]
    assert loaded.frame["balance"].tolist() == [1234.5, -12.0, 0.75]
    assert loaded.report.encoding == encoding
    assert any("UTF-" in note for note in loaded.report.notes)


def test_utf16_without_bom_in_a_tab_separated_excel_export():
    text = "CUST_ID\tBALANCE\tTENURE\n" + "".join(f"C{i}\t{i * 10.5}\t12\n" for i in range(200))
    loaded = load_table(text.encode("utf-16-le"), "unicode.txt")
    assert loaded.frame.shape == (200, 3)
    assert loaded.report.delimiter == "\t"


def test_binary_with_nul_bytes_is_still_refused_as_binary():
    with pytest.raises(DataError, match="binary"):
        load_table(bytes(range(256)) * 50, "blob.csv")


# ---- quotes that swallow rows ----------------------------------------------------------------------------------


def _three_hundred_rows() -> list[str]:
    return ["id,name,amount"] + [f"C{i},name{i},{i}" for i in range(300)]


def test_an_unclosed_quote_that_swallows_ten_rows_is_reported():
    lines = _three_hundred_rows()
    lines[101] = 'C100,"broken name,100'
    lines[111] = 'C110,name110 "x,110'  # the stray quote that closes it ten lines later
    loaded = load_table("\n".join(lines).encode(), "quote.csv")
    assert len(loaded.frame) == 290
    note = loaded.report.notes[0]
    assert note.startswith("10 line(s) of the file were read into quoted cells, not rows")
    assert "it has 300 lines after the header but gave 290 rows" in note
    assert "near line 102" in note and "a quote was left open there" in note


def test_an_unclosed_quote_whose_row_is_skipped_reports_every_lost_line():
    lines = _three_hundred_rows()
    lines[101] = 'C100,"broken name,100'
    lines[111] = 'C110,name110",x,110'  # the merged row ends up too long and is skipped
    loaded = load_table("\n".join(lines).encode(), "quote.csv")
    assert len(loaded.frame) == 289
    assert loaded.report.skipped_lines == (102,)
    assert "10 line(s) of the file were read into quoted cells" in loaded.report.notes[0]
    assert "starting on line 102" in loaded.report.notes[0]


def test_a_quote_never_closed_is_refused_with_its_line():
    lines = _three_hundred_rows()
    lines[101] = 'C100,"broken name,100'
    with pytest.raises(DataError) as caught:
        load_table("\n".join(lines).encode(), "quote.csv")
    assert str(caught.value) == (
        "quote.csv has a quote that is never closed (it opens on line 102), so everything after it would be one "
        "cell. Close the quote, or export the file again with its text quoted."
    )


def test_rows_equal_lines_means_no_note_even_with_quotes_and_blank_lines():
    loaded = load_table(b'id,name,n\r\n"A","x, y",1\r\n\r\n   \r\n"B","z",2\r\n', "quoted.csv")
    assert len(loaded.frame) == 2
    assert not any("quoted cells" in note for note in loaded.report.notes)


def test_intended_line_breaks_inside_cells_are_also_said():
    loaded = load_table(b'id,address,n\n1,"1 High St\nLeeds",2\n3,"x",4\n', "addresses.csv")
    assert loaded.frame["address"].tolist() == ["1 High St\nLeeds", "x"]
    assert "1 line(s) of the file were read into quoted cells" in loaded.report.notes[0]


# ---- messages never echo a file ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"a," + b"Q" * 200_000 + b"\n",
        b"\x01" + bytes(range(32, 127)) * 2_000 + b",b\n",
        bytes(range(128, 256)) * 1_000,
        b"id,x\n" + b"\x00\x01\x02\x03" * 50_000,
    ],
    ids=["huge header", "header with a control character", "high bytes", "nul bytes"],
)
def test_error_messages_quote_at_most_a_short_printable_excerpt(data):
    with pytest.raises(DataError) as caught:
        load_table(data, "hostile.csv")
    message = str(caught.value)
    assert len(message) < 300
    assert message.isprintable()


def test_a_long_file_name_is_cut_short_in_messages():
    with pytest.raises(DataError) as caught:
        load_table(b"", "x" * 5_000 + ".csv")
    assert len(str(caught.value)) < 200


@given(st.text(alphabet=string.printable + "\x00\x07\x1b\u200b\ufeff", max_size=300), st.integers(2, 120))
def test_excerpt_is_short_and_printable(text, limit):
    short = excerpt(text, limit)
    assert len(short) <= limit
    assert short.isprintable()
    if len(text) <= limit and text.isprintable():
        assert short == text


def test_loaded_numbers_stay_finite_after_all_this():
    loaded = load_table(b"id,a,d\nA,1e400,9999-12-31\nB,2,2020-01-01\nC,3,2021-01-01\n", "mix.csv")
    assert not np.isinf(loaded.frame.select_dtypes("number").to_numpy(dtype="float64", na_value=np.nan)).any()
