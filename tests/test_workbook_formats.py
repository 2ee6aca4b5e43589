"""Number formats of the analyst workbook, checked on workbooks the command line writes from real-shaped files.

Files come from the seeded public-layout generators in ``layouts.py``: ids are text on every sheet (no
thousands separator, lookups between sheets match), whole-number columns show no decimals, and small
probabilities never display as 0.00.
"""

from __future__ import annotations

import io
import re

import layouts
import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from core.__main__ import main
from core.workbook import WorkbookInputs, assemble_workbook
from core.workbook._writer import _default_format

WHOLE_NAMES = re.compile(r"(^|_)(segment|rank|row|count|ct|customers|size|dof)(_|$)|^n_", re.IGNORECASE)


def _cli_workbook(tmp_path_factory, layout, *options: str):
    folder = tmp_path_factory.mktemp("formats")
    path = folder / layout.filename
    path.write_bytes(layout.data)
    out = folder / "book.xlsx"
    assert main(["segment", str(path), "--stability", "0", *options, "--out", str(out)]) == 0
    return load_workbook(out)


@pytest.fixture(scope="module")
def churn_book(tmp_path_factory):
    return _cli_workbook(tmp_path_factory, layouts.bank_churners(n=800), "--k", "2")


@pytest.fixture(scope="module")
def card_book(tmp_path_factory):
    """IBM TabFormer card transactions: the Fraud sheet mixes customer and transaction alerts."""
    return _cli_workbook(tmp_path_factory, layouts.ibm_tabformer(), "--k", "3")


def _columns(sheet) -> dict[str, list]:
    """Header -> the column's data cells."""
    columns = list(sheet.iter_cols(min_row=1, max_row=sheet.max_row))
    return {str(column[0].value): list(column[1:]) for column in columns}


def _shown(value: float, number_format: str) -> str:
    """What Excel displays for a number under a plain fixed, separated or scientific format."""
    if "E+" in number_format:
        return f"{value:.{number_format.split('E')[0].count('0') - 1}E}"
    decimals = len(number_format.split(".")[1].rstrip("%")) if "." in number_format else 0
    return f"{value * (100 if number_format.endswith('%') else 1):,.{decimals}f}"


def _id_cells(book, sheet: str, column: str) -> list:
    return [cell for cell in _columns(book[sheet])[column] if cell.value is not None]


@pytest.mark.slow
def test_the_churn_client_number_is_text_on_every_sheet_and_lookups_match(churn_book):
    customers = _id_cells(churn_book, "Customers", "CLIENTNUM")
    assert {cell.data_type for cell in customers} == {"s"}
    assert not [cell.number_format for cell in customers if "," in cell.number_format]
    ids = {cell.value for cell in customers}
    assert all(re.fullmatch(r"\d{9}", value) for value in ids)
    for sheet in ("Offers", "Fraud"):
        others = _id_cells(churn_book, sheet, "customer_id")
        assert {cell.data_type for cell in others} == {"s"}, sheet
        assert {cell.value for cell in others} <= ids, f"{sheet} ids do not match the Customers sheet"


@pytest.mark.slow
def test_card_transaction_ids_are_text_on_every_sheet(card_book):
    customers = {cell.value for cell in _id_cells(card_book, "Customers", "customer_id")}
    assert all(isinstance(value, str) for value in customers)
    for sheet in ("Offers", "Fraud"):
        cells = _id_cells(card_book, sheet, "customer_id")
        assert {cell.data_type for cell in cells} == {"s"}
        assert {cell.value for cell in cells} <= customers


@pytest.mark.slow
def test_whole_number_columns_show_no_decimals(churn_book, card_book):
    checked = []
    for book in (churn_book, card_book):
        for sheet in book:
            for name, cells in _columns(sheet).items():
                if not cells or not WHOLE_NAMES.search(name) or cells[0].data_type == "s":
                    continue
                numbers = [cell.value for cell in cells if isinstance(cell.value, int | float)]
                if numbers and not all(float(v).is_integer() for v in numbers):
                    continue  # e.g. a share: not a whole-number column
                number_format = cells[0].number_format
                assert "." not in number_format, f"{sheet.title}!{name} is formatted {number_format!r}"
                checked.append((sheet.title, name, number_format))
    formats = {(sheet, name): number_format for sheet, name, number_format in checked}
    for name in ("segment", "anomaly_rank", "rank", "row"):
        assert formats[("Fraud", name)] == "0"  # positions and ids: no separator either
    assert formats[("Fraud", "count_1h")] in {"0", "#,##0"}
    assert formats[("Customers", "Total_Trans_Ct")] in {"0", "#,##0"}
    assert formats[("Customers", "anomaly_rank")] == formats[("Summary", "segment")] == "0"


@pytest.mark.slow
def test_a_tiny_naive_bayes_probability_does_not_show_as_zero(churn_book):
    columns = _columns(churn_book["Customers"])
    probabilities = [name for name in columns if name.startswith("Naive_Bayes_Classifier")]
    assert len(probabilities) == 2
    tiny = 0
    for name in probabilities:
        for cell in columns[name]:
            if isinstance(cell.value, float) and 0 < cell.value < 1e-3:
                tiny += 1
                shown = _shown(cell.value, cell.number_format)
                assert float(shown.replace(",", "")) != 0, f"{cell.value} shows as {shown} ({cell.number_format})"
    assert tiny  # the file does hold values like 6.2e-05


def test_an_id_read_as_numbers_is_the_same_text_on_customers_offers_fraud_and_trends():
    table = pd.DataFrame(
        {
            "CLIENTNUM": [736801603.0, 818770008.0, 713982108.0, 769911858.0],
            "balance": [10.0, 20.5, 30.0, 40.0],
            "probability": [6.2e-05, 0.99994, 1.4e-04, 0.5],
        }
    )
    inputs = WorkbookInputs(
        table=table,
        labels=[0, 0, 1, 1],
        id_column="CLIENTNUM",
        offers=pd.DataFrame({"customer_id": ["736801603.0"], "rank": [1], "offer": ["=cmd"]}),
        fraud=pd.DataFrame({"customer_id": [818770008], "segment": [0.0], "row": [np.nan], "count_1h": [3.0]}),
        trends=pd.DataFrame({"from_segment": [0.0, np.nan], "to_segment": [1.0, np.nan], "customers": [2.0, np.nan]}),
    )
    book = load_workbook(io.BytesIO(assemble_workbook(inputs)))
    assert [cell.value for cell in _columns(book["Customers"])["CLIENTNUM"]] == [
        "736801603",
        "818770008",
        "713982108",
        "769911858",
    ]
    assert book["Offers"]["A2"].value == "736801603" and book["Offers"]["C2"].data_type == "s"
    assert book["Fraud"]["A2"].value == "818770008" and book["Fraud"]["A2"].data_type == "s"
    formats = {c[0].value: c[1].number_format for c in book["Fraud"].iter_cols(max_row=2)}
    assert formats == {"customer_id": "General", "segment": "0", "row": "0", "count_1h": "#,##0"}
    trends = {c[0].value: c[1].number_format for c in book["Trends"].iter_cols(max_row=2)}
    assert trends == {"from_segment": "0", "to_segment": "0", "customers": "#,##0"}
    probability = _columns(book["Customers"])["probability"][0]
    assert _shown(probability.value, probability.number_format) == "6.20E-05"


@pytest.mark.parametrize(
    ("values", "name", "expected"),
    [
        ([736801603, 818770008], "CLIENTNUM", "0"),
        ([2015, 2016], "year", "0"),
        ([1, 1675], "row", "0"),
        ([12, 3400], "Total_Trans_Ct", "#,##0"),
        ([19175, 1570], "Total_Revolving_Bal", "#,##0"),
        ([19175.5, 3.25], "Credit_Limit", "#,##0.00"),
        ([0.082, 0.05, 0.3], "Avg_Utilization_Ratio", "0.0000"),
        ([6.2e-05, 0.99994, 1.1e-04], "probability", "0.00E+00"),
        ([2.0, np.nan], "anomaly_rank", "0"),
        ([np.nan, np.nan], "customers", "#,##0"),
        ([1.0, 2.0], "amount", "#,##0.00"),
    ],
)
def test_default_formats_by_dtype_name_and_magnitude(values, name, expected):
    assert _default_format(pd.Series(values), name) == expected
