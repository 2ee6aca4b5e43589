"""The command line: segment the real file, refuse bad input in one line, save and re-apply a model."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from core.__main__ import main
from core.model import model_from_json

PROJECT = Path(__file__).resolve().parents[1]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "core", *args], cwd=PROJECT, capture_output=True, text=True, timeout=120, check=False
    )


def test_segment_on_cc_general_writes_a_valid_workbook_and_a_model(cc_general_path, tmp_path, capsys):
    out, model_path = tmp_path / "segments.xlsx", tmp_path / "model.json"
    status = main(["segment", str(cc_general_path), "--k", "4", "--out", str(out), "--model-out", str(model_path)])
    assert status == 0
    stdout = capsys.readouterr().out
    assert "8,950 customers, kmeans, 4 segments" in stdout
    book = load_workbook(out, read_only=True)
    assert book.sheetnames[:7] == ["README", "Summary", "Profiles", "Customers", "Metrics", "Recipe", "Run"]
    assert book["Customers"].max_row == 8951
    names = [row[1] for row in book["Summary"].iter_rows(min_row=2, values_only=True)]
    assert len(names) == 4 and len(set(names)) == 4
    model = model_from_json(model_path.read_text())
    assert model.centres.shape[0] == 4 and set(model.names.values()) == set(names)

    assigned_path = tmp_path / "assigned.csv"
    assert main(["assign", str(model_path), str(cc_general_path), "--out", str(assigned_path)]) == 0
    assigned = pd.read_csv(assigned_path, encoding="utf-8-sig")
    sizes = [row[3] for row in book["Summary"].iter_rows(min_row=2, values_only=True)]
    # the same month's file lands in the same segments
    assert assigned["segment"].value_counts().sort_index().tolist() == sizes


@pytest.mark.parametrize(
    ("content", "expected"),
    [("a;b\n", "no rows"), ("", "empty")],
    ids=["a header without rows", "an empty file"],
)
def test_refused_input_exits_2_with_one_line_and_no_traceback(tmp_path, content, expected):
    bad = tmp_path / "bad.csv"
    bad.write_text(content)
    result = run_cli("segment", str(bad), "--out", str(tmp_path / "x.xlsx"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert expected in result.stderr.lower()
    assert not (tmp_path / "x.xlsx").exists()


def test_missing_files_and_bad_options_are_one_line_too(tmp_path, capsys):
    assert main(["segment", str(tmp_path / "nope.csv")]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    with pytest.raises(SystemExit) as stop:
        main(["segment", "x.csv", "--algorithm", "magic"])
    assert stop.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_help_documents_every_command():
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("segment", "assign", "fraud", "samples"):
        assert command in result.stdout
    assert "--model-out" in run_cli("segment", "--help").stdout


def test_fraud_scores_every_transaction(sparkov_path, tmp_path, capsys):
    out = tmp_path / "scores.csv"
    assert main(["fraud", str(sparkov_path), "--budget", "50", "--out", str(out)]) == 0
    scores = pd.read_csv(out, encoding="utf-8-sig")
    assert len(scores) == 15_000
    assert int(scores["flagged"].sum()) == 50


@pytest.mark.parametrize(
    ("source", "customers"),
    [(None, 8950), ("joined", None)],
    ids=["customers are segmented by default", "joined keeps only customers with transactions"],
)
def test_segment_with_transactions_adds_fraud_and_trends_sheets(tmp_path, capsys, source, customers):
    out = tmp_path / "segments.xlsx"
    samples = PROJECT / "sample_data"
    args = ["segment", str(samples / "card_portfolio.csv"), "--transactions", str(samples / "card_transactions.csv")]
    args += ["--k", "4", "--out", str(out)] + (["--source", source] if source else [])
    assert main(args) == 0
    book = load_workbook(out, read_only=True)
    assert {"Fraud", "Trends", "Offers"} <= set(book.sheetnames)
    rows = book["Customers"].max_row - 1
    if customers is not None:
        assert rows == customers
    else:
        tx = pd.read_csv(PROJECT / "sample_data" / "card_transactions.csv", usecols=["customer_id"])
        assert 0 < rows <= tx["customer_id"].nunique() < 8950


def test_refused_feedback_lines_are_listed_with_their_reasons(cc_general_path, tmp_path, capsys):
    feedback = tmp_path / "campaign.csv"
    feedback.write_text("customer_id,offer_id,outcome\nC10001,cashback_card,accepted\nC99999,cashback_card,yes\n")
    out = tmp_path / "segments.xlsx"
    assert main(["segment", str(cc_general_path), "--k", "3", "--feedback", str(feedback), "--out", str(out)]) == 0
    stdout = capsys.readouterr().out
    assert "Feedback: 1 outcomes read, 1 lines refused." in stdout
    assert "line 3: unknown customer C99999" in stdout


def test_fraud_notes_reach_the_user_when_the_budget_exceeds_the_data(sparkov_path, tmp_path, capsys):
    assert main(["fraud", str(sparkov_path), "--budget", "100000", "--out", str(tmp_path / "s.csv")]) == 0
    assert "larger than the 15,000 rows" in capsys.readouterr().out


@pytest.mark.parametrize("suffix", ["", "/"], ids=["an existing folder", "a folder with a trailing slash"])
def test_segment_out_naming_a_folder_writes_the_workbook_inside_it(tmp_path, capsys, suffix):
    from layouts import LAYOUTS

    layout = LAYOUTS["kaggle-mall-customers"]()
    source = tmp_path / layout.filename
    source.write_bytes(layout.data if isinstance(layout.data, bytes) else layout.data.encode())
    folder = tmp_path / "results"
    folder.mkdir()
    assert main(["segment", str(source), "--out", f"{folder}{suffix}"]) == 0
    written = folder / "cardlens_segments.xlsx"
    assert "Customers" in load_workbook(written, read_only=True).sheetnames
    assert f"Workbook written to {written}" in capsys.readouterr().out


def test_segment_out_without_a_suffix_gets_xlsx(tmp_path, capsys):
    from layouts import LAYOUTS

    layout = LAYOUTS["kaggle-mall-customers"]()
    source = tmp_path / layout.filename
    source.write_bytes(layout.data if isinstance(layout.data, bytes) else layout.data.encode())
    assert main(["segment", str(source), "--out", str(tmp_path / "march")]) == 0
    assert (tmp_path / "march.xlsx").is_file() and not (tmp_path / "march").exists()
