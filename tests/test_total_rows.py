"""A totals footer under the rows (``Summe``, ``Total``, ``Saldo``) is left out with a note, never read as a record.

Bank and card exports, and spreadsheets users tidy by hand, end with a line holding a word and the column sums.
Read as a row, it became one more transaction (or customer) of 7,922.39, and its word turned the key column into text.
"""

from __future__ import annotations

import io

import layouts
import pandas as pd
import pytest

from core.io import load_table

GERMAN = "german-card-export-xlsx-with-kundennummer-negative-spending-and-date-only"


def test_the_german_card_export_s_summe_line_is_not_a_transaction():
    layout = layouts.LAYOUTS[GERMAN]()
    table = load_table(layout.data, layout.filename)
    assert "Summe" not in set(table.frame["Kundennummer"].astype(str))
    assert table.report.rows == len(table.frame) == 1_500
    assert "The last row ('Summe') looks like a totals line, not a record, and was left out." in table.report.notes


def _csv(rows: list[str]) -> bytes:
    return ("\n".join(["kunde;datum;betrag", *rows]) + "\n").encode("utf-8")


def test_a_semicolon_csv_with_two_footer_lines_keeps_only_its_records():
    data = _csv(["101;01.03.2024;12,50", "102;02.03.2024;1.200,00", "Gesamt;;1.212,50", "Saldo:;;-40,00"])
    table = load_table(data, "umsaetze.csv")
    assert list(table.frame["kunde"]) == [101, 102], "the key is numeric again once the footer is gone"
    assert table.frame["betrag"].tolist() == [12.5, 1200.0]
    assert any("'Gesamt', 'Saldo:'" in note and "were left out" in note for note in table.report.notes)


def test_an_excel_sheet_with_a_total_line_under_its_customers():
    frame = pd.DataFrame({"CUST_ID": ["C1", "C2", "C3", "Total"], "BALANCE": [10.0, 20.0, 30.0, 60.0]})
    frame["TENURE"] = [12, 6, 9, None]
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False)
    table = load_table(buffer.getvalue(), "customers.xlsx")
    assert list(table.frame["CUST_ID"]) == ["C1", "C2", "C3"]


@pytest.mark.parametrize(
    "rows",
    [
        pytest.param(["1;Total;5,00", "2;Food;6,00"], id="a category named Total inside the table"),
        pytest.param(["1;Food;5,00", "2;Total;6,00"], id="a full last row whose category is Total"),
        pytest.param(["1;Food;5,00", "Total;refund;"], id="a last row with words, not sums"),
    ],
)
def test_rows_that_are_records_stay(rows):
    data = ("kunde;kategorie;betrag\n" + "\n".join(rows) + "\n").encode()
    table = load_table(data, "t.csv")
    assert len(table.frame) == 2
    assert not any("totals line" in note for note in table.report.notes)
