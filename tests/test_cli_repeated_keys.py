"""``--repeated-keys keep|last|merge`` on ``segment``, ``assign`` and ``fraud --customers`` (AllLife layout)."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from core.__main__ import build_parser, main
from core.repeated_keys import default_choice
from tests.layouts import alllife_customers
from tests.test_repeated_keys_choice import DIFFER


@pytest.fixture(scope="module")
def alllife_file(tmp_path_factory):
    layout = alllife_customers()
    path = tmp_path_factory.mktemp("alllife") / layout.filename
    path.write_bytes(layout.data)
    return path


def run_info(book: openpyxl.Workbook) -> str:
    return "\n".join(str(cell) for row in book["Run"].iter_rows(values_only=True) for cell in row if cell)


def test_both_commands_take_the_choice_and_default_to_keep_as_the_app_does():
    parser = build_parser()
    assert parser.parse_args(["segment", "x.csv"]).repeated_keys is None  # keep, or a monthly panel's latest row
    assert default_choice({"Customer Key": "id", "Avg_Credit_Limit": "amount"}) == "keep"
    assert parser.parse_args(
        ["assign", "m.json", "x.csv", "--out", "o.csv", "--repeated-keys", "merge"]
    ).repeated_keys == ("merge")
    with pytest.raises(SystemExit):
        parser.parse_args(["segment", "x.csv", "--repeated-keys", "sum"])


@pytest.mark.slow
def test_segment_merges_repeated_keys_says_so_and_records_it_then_assign_keeps_the_last(alllife_file, tmp_path, capsys):
    out, model = tmp_path / "segments.xlsx", tmp_path / "model.json"
    args = ["segment", str(alllife_file), "--k", "3", "--stability", "0", "--out", str(out), "--model-out", str(model)]
    assert main([*args, "--repeated-keys", "merge"]) == 0
    printed = capsys.readouterr().out
    assert (
        f"- 5 customer keys appeared twice{DIFFER}; merged into one row each (numbers averaged): 660 rows -> 655 "
        "customers." in printed
    )
    book = openpyxl.load_workbook(out, read_only=True)
    assert book["Customers"].max_row == 655 + 1
    assert "660 rows; repeated keys: merged (5 keys); your file" in run_info(book)

    assigned = tmp_path / "assigned.csv"
    assert main(["assign", str(model), str(alllife_file), "--out", str(assigned), "--repeated-keys", "last"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith(
        f"5 customer keys appeared twice{DIFFER}; kept the last row of each: 660 rows -> 655 customers."
    )
    assert len(pd.read_csv(assigned)) == 655
    assert main(["assign", str(model), str(alllife_file), "--out", str(assigned)]) == 0
    assert "kept, each row as its own customer: 660 rows -> 660 customers." in capsys.readouterr().out
    assert len(pd.read_csv(assigned)) == 660


@pytest.mark.slow
def test_fraud_scores_each_merged_customer_once(alllife_file, sparkov_path, tmp_path, capsys):
    out = tmp_path / "tx.csv"
    args = ["fraud", str(sparkov_path), "--customers", str(alllife_file), "--budget", "5", "--out", str(out)]
    assert main([*args, "--repeated-keys", "merge"]) == 0
    assert "merged" in capsys.readouterr().out
    merged = pd.read_csv(tmp_path / "tx_customers.csv")
    assert main(args) == 0  # keep, the default: every row is a customer
    kept = pd.read_csv(tmp_path / "tx_customers.csv")
    assert len(kept) - len(merged) == 5  # the AllLife file's five repeated keys
    assert merged.iloc[:, 0].is_unique
