"""The single loader: every messy-export case built inside the test, the refusals, and a fuzz property."""

from __future__ import annotations

import io
import math
import string
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import io as core_io
from core.errors import DataError
from core.io import LoadReport, load_table, read_path, read_table
from core.io._read import DataError as ReexportedDataError

FALLBACK = "could not be read ("  # the safety net's wording: a fuzz case that reaches it is a loader bug


def load(text: str | bytes, name: str = "export.csv", encoding: str = "utf-8"):
    data = text.encode(encoding) if isinstance(text, str) else text
    return load_table(data, name)


def test_data_error_is_reexported_and_is_a_value_error():
    assert ReexportedDataError is DataError
    assert issubclass(core_io.DataError, ValueError)


def test_plain_comma_csv():
    loaded = load("id,balance,tenure\nA1,10.5,12\nA2,3,6\n")
    pd.testing.assert_frame_equal(
        loaded.frame,
        pd.DataFrame({"id": ["A1", "A2"], "balance": [10.5, 3.0], "tenure": [12, 6]}),
        check_dtype=False,
    )
    report = loaded.report
    assert (report.rows, report.columns, report.delimiter, report.encoding) == (2, 3, ",", "utf-8")
    assert report.decimal_mark == "."
    assert report.converted_columns == {}
    assert report.id_column == "id"


def test_semicolon_export_with_decimal_comma_and_thousands_dots():
    loaded = load("Kunde;Saldo;Limit\nK1;1.234,56;2.000\nK2;-12,5;500\nK3;0,75;1.500\n")
    assert loaded.frame["Saldo"].tolist() == [1234.56, -12.5, 0.75]
    assert loaded.frame["Limit"].tolist() == [2000, 500, 1500]
    assert loaded.report.delimiter == ";"
    assert loaded.report.decimal_mark == ","
    assert loaded.report.thousands_separator == "."
    assert loaded.report.converted_columns["Saldo"] == "decimal comma, thousands separator"


def test_space_thousands_with_decimal_comma():
    loaded = load("id;amount\nA;1 234,56\nB;12 000,00\nC;7,10\n")
    assert loaded.frame["amount"].tolist() == [1234.56, 12000.0, 7.1]
    assert loaded.report.thousands_separator == " "


def test_quoted_us_thousands_in_comma_file():
    loaded = load('id,amount\nA,"1,234.56"\nB,"12,000"\nC,7.5\n')
    assert loaded.frame["amount"].tolist() == [1234.56, 12000.0, 7.5]
    assert loaded.report.decimal_mark == "."
    assert loaded.report.thousands_separator == ","


def test_cp1252_file_with_euro_amounts():
    text = "Name;Betrag\nMüller;12,50 €\nBéatrice;€ 1.000,00\nZoë;3 €\n"
    loaded = load(text, encoding="cp1252")
    assert loaded.report.encoding == "cp1252"
    assert loaded.frame["Name"].tolist() == ["Müller", "Béatrice", "Zoë"]
    assert loaded.frame["Betrag"].tolist() == [12.5, 1000.0, 3.0]
    assert "currency" in loaded.report.converted_columns["Betrag"]


def test_utf8_bom_does_not_leak_into_the_first_column_name():
    loaded = load(b"\xef\xbb\xbfCUST_ID,BALANCE\nC1,1\nC2,2\n")
    assert list(loaded.frame.columns) == ["CUST_ID", "BALANCE"]
    assert loaded.report.encoding == "utf-8-sig"


def test_utf16_excel_unicode_text_export():
    loaded = load("id\tamount\nA\t1.5\nB\t2\n".encode("utf-16"))
    assert loaded.frame["amount"].tolist() == [1.5, 2.0]
    assert loaded.report.delimiter == "\t"


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (["$1,200.00", "$ 30", "-$5.25"], [1200.0, 30.0, -5.25]),
        (["1200 USD", "30 $", "5.25$"], [1200.0, 30.0, 5.25]),
        (["EUR 10", "GBP 20", "£30.5"], [10.0, 20.0, 30.5]),
        (["10 EUR", "20GBP", "(30.00)"], [10.0, 20.0, -30.0]),
    ],
    ids=["symbol before", "code or symbol after", "codes before", "codes after and parentheses negative"],
)
def test_currency_strings(cells, expected):
    body = "".join(f'C{i},"{cell}"\n' for i, cell in enumerate(cells))
    loaded = load("id,amount\n" + body)
    assert loaded.frame["amount"].tolist() == expected
    assert "currency" in loaded.report.converted_columns["amount"]


def test_percent_strings_become_fractions_and_the_report_says_so():
    loaded = load("id,share\nA,45%\nB,100 %\nC,2.5%\n")
    assert loaded.frame["share"].tolist() == [0.45, 1.0, 0.025]
    assert loaded.report.converted_columns == {"share": "percent"}
    assert any("45% became 0.45" in line for line in loaded.report.as_lines())


def test_null_markers_any_case_become_missing_and_are_counted():
    text = "id,a,b\nX1,1,NA\nX2,N/A,2\nX3,null,-\nX4,?,NaN\nX5,none,NULL\nX6,4,\n"
    loaded = load(text)
    assert loaded.frame["a"].isna().tolist() == [False, True, True, True, True, False]
    assert loaded.frame["b"].isna().tolist() == [True, False, True, True, True, True]
    assert loaded.frame["a"].dtype == "float64"
    assert dict(loaded.report.null_markers_found) == {
        "NA": 1,
        "N/A": 1,
        "null": 1,
        "-": 1,
        "?": 1,
        "NaN": 1,
        "none": 1,
        "NULL": 1,
    }


def test_blank_lines_trailing_delimiters_and_empty_rows_are_dropped():
    loaded = load("a,b,,\n\n1,2,,\n,,,\n\n3,4,,\n\n")
    pd.testing.assert_frame_equal(loaded.frame, pd.DataFrame({"a": [1, 3], "b": [2, 4]}))
    assert any("empty row" in note for note in loaded.report.notes)


def test_trailing_delimiter_only_on_data_rows_does_not_shift_columns():
    loaded = load("a,b\n1,2,\n3,4,\n")
    pd.testing.assert_frame_equal(loaded.frame, pd.DataFrame({"a": [1, 3], "b": [2, 4]}))


def test_ragged_rows_are_skipped_and_reported_by_line_number():
    loaded = load("a,b,c\n1,2,3\n4,5,6,7\n8,9,10\n11,12,13,14,15\n16,17\n")
    assert loaded.frame["a"].tolist() == [1, 8, 16]
    assert loaded.frame["c"].isna().tolist() == [False, False, True]
    assert loaded.report.skipped_lines == (3, 5)
    assert any("lines 3, 5" in line for line in loaded.report.as_lines())


def test_a_long_first_row_is_skipped_not_cut_short():
    # pandas takes the first row's width as the norm and cuts longer rows: an unquoted $1,234.50 became 1
    loaded = load('id,amount\n1,$1,234.50\n2,"$2,000"\n3,$7\n')
    assert loaded.frame["id"].tolist() == [2, 3]
    assert loaded.frame["amount"].tolist() == [2000, 7]
    assert loaded.report.skipped_lines == (2,)


def test_a_long_first_row_keeps_blank_lines_trailing_delimiters_and_decimal_commas_straight():
    loaded = load("a;b\n1;2,5;\n3;4;\n\n5;6;7\n")
    pd.testing.assert_frame_equal(loaded.frame, pd.DataFrame({"a": [1, 3], "b": [2.5, 4.0]}))
    assert loaded.report.skipped_lines == (5,)


def test_quoted_fields_with_embedded_newlines():
    loaded = load('id,comment,amount\n1,"first line\nsecond line",5\n2,"plain",6\n')
    assert loaded.frame["comment"].tolist() == ["first line\nsecond line", "plain"]
    assert loaded.frame["amount"].tolist() == [5, 6]


def test_infinite_values_become_missing_and_are_reported():
    loaded = load("id,a,b\nA,1.5,inf\nB,-inf,2\nC,3,Infinity\n")
    assert loaded.frame["a"].isna().tolist() == [False, True, False]
    assert loaded.frame["b"].isna().tolist() == [True, False, True]
    assert loaded.report.inf_replaced == 3


def test_id_like_codes_keep_leading_zeros_and_stay_text():
    loaded = load("branch,customer,amount\n007,C10001,1\n012,C10002,2\n100,C10003,3\n")
    assert loaded.frame["branch"].tolist() == ["007", "012", "100"]
    assert loaded.frame["customer"].tolist() == ["C10001", "C10002", "C10003"]


def test_title_lines_above_the_header_are_skipped():
    loaded = load("Customer export 2024-05,,\nGenerated by CoreBank,,\nid,balance,limit\nA,1,2\nB,3,4\n")
    assert list(loaded.frame.columns) == ["id", "balance", "limit"]
    assert loaded.report.header_row == 3


def test_tab_and_pipe_delimiters():
    assert load("a\tb\n1\t2\n", "x.tsv").report.delimiter == "\t"
    assert load("a|b\n1|2\n", "x.txt").frame.to_dict("list") == {"a": [1], "b": [2]}


def test_one_column_file_without_any_delimiter_is_accepted():
    loaded = load("customer\nC1\nC2\nC3\n")
    assert loaded.frame["customer"].tolist() == ["C1", "C2", "C3"]
    assert loaded.report.delimiter is None


def test_duplicates_and_duplicate_ids_are_counted():
    loaded = load("CUST_ID,BALANCE\nC1,1\nC1,1\nC2,5\nC2,6\nC3,7\n")
    assert loaded.report.duplicate_rows == 1
    assert loaded.report.duplicate_ids == 2
    assert loaded.report.id_column == "CUST_ID"


def test_text_column_mostly_numbers_keeps_unreadable_values_as_missing_and_says_so():
    rows = "".join(f"C{i},{i}.5\n" for i in range(30)) + "C99,oops\n"
    loaded = load("id,amount\n" + rows)
    assert loaded.frame["amount"].dtype == "float64"
    assert math.isnan(loaded.frame["amount"].iloc[-1])
    assert any("1 value(s) in amount were not numbers" in note for note in loaded.report.notes)


def test_text_column_of_words_stays_text():
    loaded = load("id,city\n1,Berlin\n2,Paris\n")
    assert loaded.frame["city"].tolist() == ["Berlin", "Paris"]
    assert loaded.report.converted_columns == {}


def test_card_numbers_are_masked_on_load():
    loaded = load("customer,card\nA,4111 1111 1111 1111\nB,5500-0000-0000-0004\nC,340000000000009\n")
    assert loaded.frame["card"].str[:16].tolist() == ["************1111", "************0004", "************0009"]
    assert loaded.report.masked_columns == ("card",)


def test_long_card_numbers_stored_as_text_keep_their_true_last_four_digits():
    # as float64, 4222222222222222222 becomes 4222222222222222336: the mask showed 2336 and no number was read
    loaded = load('id;card;amt\n1;"4222222222222222222";1,5\n2;4111 1111 1111 1111;2\n')
    assert loaded.frame["card"].str[:16].tolist() == ["************2222", "************1111"]
    assert "card" not in loaded.report.converted_columns
    assert loaded.frame["amt"].tolist() == [1.5, 2.0]


def test_long_card_numbers_in_excel_text_cells_keep_their_true_last_four_digits():
    loaded = load(_workbook_bytes([["id", "card"], [1, "6304000000000000000"], [2, "4222222222222222222"]]), "c.xlsx")
    assert loaded.frame["card"].str[:16].tolist() == ["************0000", "************2222"]


def _workbook_bytes(rows: list[list[object]], *, first_sheet_empty: bool = False) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if first_sheet_empty:
        sheet.title = "Cover"
        sheet = workbook.create_sheet("Data")
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_excel_with_title_row_reads_values_below_the_detected_header():
    data = _workbook_bytes(
        [
            ["Card portfolio, May 2024"],
            [],
            ["CUST_ID", "BALANCE", "SHARE", "OPENED"],
            ["C1", 10.5, "45%", pd.Timestamp("2024-01-02").to_pydatetime()],
            ["C2", "N/A", "5%", pd.Timestamp("2024-02-03").to_pydatetime()],
        ]
    )
    loaded = load(data, "portfolio.xlsx")
    assert list(loaded.frame.columns) == ["CUST_ID", "BALANCE", "SHARE", "OPENED"]
    assert loaded.frame["CUST_ID"].tolist() == ["C1", "C2"]
    assert loaded.frame["BALANCE"].iloc[0] == 10.5 and math.isnan(loaded.frame["BALANCE"].iloc[1])
    assert loaded.frame["SHARE"].tolist() == [0.45, 0.05]
    assert pd.api.types.is_datetime64_any_dtype(loaded.frame["OPENED"])
    assert (loaded.report.sheet, loaded.report.header_row) == ("Sheet", 3)
    assert loaded.report.delimiter is None


def test_excel_skips_an_empty_first_sheet_and_reads_formula_values_not_formulas():
    workbook = openpyxl.Workbook()
    workbook.active.title = "Cover"
    data_sheet = workbook.create_sheet("Data")
    data_sheet.append(["id", "a", "b"])
    data_sheet.append(["X", 1, "=B2*2"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    loaded = load(buffer.getvalue(), "book.xlsx")
    assert loaded.report.sheet == "Data"
    # openpyxl never computed the formula, so Excel's cached value is absent: missing, never the formula text
    assert "=B2*2" not in loaded.frame.astype(str).to_numpy().ravel().tolist()


def test_excel_saved_with_a_csv_name_is_still_read_as_excel():
    data = _workbook_bytes([["id", "amount"], ["A", 1], ["B", 2]])
    assert load(data, "export.csv").frame["amount"].tolist() == [1, 2]


@pytest.mark.parametrize(
    ("data", "name", "words"),
    [
        (b"", "empty.csv", "is empty"),
        (b"   \n\n  \n", "blank.csv", "is empty"),
        (b"id,balance\n", "header.csv", "but no rows"),
        (b"\x89PNG\r\n\x1a\n" + bytes(100), "photo.csv", "PNG image"),
        (b"\xff\xd8\xff\xe0" + bytes(100), "photo.jpg", "JPEG image"),
        (b"%PDF-1.7\n%...", "statement.csv", "PDF document"),
        (b'{"customers": [{"id": 1}]}', "data.csv", "JSON"),
        (b'[{"id": 1, "balance": 2}]', "data.csv", "JSON"),
        (b"<!DOCTYPE html><html><body><table></table></body></html>", "report.csv", "web page"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "old.xls", "save it as .xlsx or CSV"),
        (b"id,name\n1,\x00\x00\x00\x01\x02", "nul.csv", "binary"),
        (b"a,b;c\nhello|world\tfoo,bar,baz\nx\n", "mess.csv", "no consistent column separator"),
        (b"not an excel file at all", "book.xlsx", "not a valid Excel workbook"),
    ],
    ids=[
        "empty file",
        "only blank lines",
        "header without rows",
        "png image",
        "jpeg image",
        "pdf",
        "json object",
        "json array",
        "html page",
        "old xls",
        "nul bytes",
        "no consistent delimiter",
        "fake xlsx",
    ],
)
def test_refusals_say_what_is_wrong(data, name, words):
    with pytest.raises(DataError) as caught:
        load_table(data, name)
    assert words.lower() in str(caught.value).lower()
    assert name in str(caught.value)


def test_zip_archive_is_refused_with_advice_to_unzip():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("customers.csv", "id,a\n1,2\n")
    with pytest.raises(DataError, match="Unzip it"):
        load_table(buffer.getvalue(), "customers.zip")


def test_over_the_size_limit_is_refused():
    with pytest.raises(DataError, match="over the 0 MB limit"):
        load_table(b"a,b\n1,2\n" * 100, "big.csv", max_bytes=100)


def test_the_loader_limit_matches_the_servers_upload_limit():
    import tomllib

    config = tomllib.loads((Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml").read_text())
    assert core_io.MAX_UPLOAD_BYTES == config["server"]["maxUploadSize"] * 1024 * 1024


def test_read_table_and_read_path(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b"a;b\n1,5;2\n")
    assert read_table(path.read_bytes(), "t.csv").to_dict("list") == {"a": [1.5], "b": [2]}
    assert read_path(path).report.delimiter == ";"
    with pytest.raises(DataError, match="could not be opened"):
        read_path(tmp_path / "missing.csv")


def test_report_lines_are_plain_sentences():
    report = load("CUST_ID,amount\nC1,$5\nC2,N/A\n").report
    assert isinstance(report, LoadReport)
    lines = report.as_lines()
    assert lines[0] == "2 rows and 2 columns (comma separated, UTF-8 text, header on line 1)."
    assert "Converted from text to numbers: amount (currency)." in lines
    assert "Read as missing values: 'N/A' x 1." in lines


# ---- real data ------------------------------------------------------------------------------------------


def test_cc_general_loads_with_its_known_shape(cc_general_path):
    loaded = read_path(cc_general_path)
    assert loaded.frame.shape == (8950, 18)
    assert loaded.report.id_column == "CUST_ID"
    assert int(loaded.frame["MINIMUM_PAYMENTS"].isna().sum()) == 313
    assert int(loaded.frame["CREDIT_LIMIT"].isna().sum()) == 1
    assert loaded.report.duplicate_rows == 0 and loaded.report.duplicate_ids == 0
    assert loaded.frame["PURCHASES"].max() == pytest.approx(49039.57)


# ---- the property: nothing but DataError, whatever the bytes ----------------------------------------------

_names = st.sampled_from(["x.csv", "x.tsv", "x.txt", "x.xlsx", "x.xls", "", "weird name.CSV", "noext"]) | st.text(
    max_size=20
)
_cell = st.one_of(
    st.sampled_from(["", "NA", "-", "?", "inf", "1,5", "1.234,56", "$3", "45%", "007", "(2)", '"q,uoted"', "x"]),
    st.text(alphabet=string.printable, max_size=8),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.integers().map(str),
)


@st.composite
def _csvish(draw) -> bytes:
    sep = draw(st.sampled_from([",", ";", "\t", "|", " "]))
    width = draw(st.integers(1, 5))
    rows = draw(st.lists(st.lists(_cell, min_size=0, max_size=width + 1), min_size=0, max_size=8))
    header = draw(st.lists(st.text(alphabet=string.ascii_letters + " _", max_size=6), min_size=width, max_size=width))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = newline.join(sep.join(row) for row in [header, *rows])
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
    return text.encode(encoding, errors="replace")


def _loads_or_refuses_cleanly(data: bytes, name: str) -> None:
    try:
        loaded = load_table(data, name)
    except DataError as error:
        assert str(error), "a refusal always says something"
        assert FALLBACK not in str(error), f"fell through to the safety net: {error.__cause__!r}"
        return
    assert isinstance(loaded.frame, pd.DataFrame)
    assert loaded.report.rows == len(loaded.frame) > 0
    numeric = loaded.frame.select_dtypes("number")
    assert not np.isinf(numeric.to_numpy(dtype="float64", na_value=np.nan)).any()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=400), name=_names)
def test_arbitrary_bytes_never_raise_anything_but_data_error(data, name):
    _loads_or_refuses_cleanly(data, name)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=_csvish(), name=_names)
def test_csv_like_text_never_raises_anything_but_data_error(data, name):
    _loads_or_refuses_cleanly(data, name)


@settings(max_examples=100, deadline=None)
@given(
    prefix=st.sampled_from([b"\x89PNG", b"PK\x03\x04", b"%PDF", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"{", b"<html>"])
)
def test_magic_prefixes_with_junk_are_refused(prefix):
    with pytest.raises(DataError):
        load_table(prefix + b"\x00junk,1,2\n3,4", "x.csv")


def test_a_survey_whose_header_numbers_its_questions_keeps_that_header():
    """Q1 .. Q4 above answers that repeat (yes, no, yes, no) is a header of codes over data, not a code row."""
    import io

    from openpyxl import Workbook

    from core.io import load_table

    book = Workbook()
    sheet = book.active
    sheet.append(["Q1", "Q2", "Q3", "Q4"])
    for row in (["yes", "no", "yes", "no"], ["no", "no", "yes", "yes"], ["yes", "yes", "no", "no"]):
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    frame = load_table(buffer.getvalue(), "survey.xlsx").frame
    assert frame.columns.tolist() == ["Q1", "Q2", "Q3", "Q4"] and len(frame) == 3
