"""The command line: fraud evaluated against a label, the same scores in any process, imputed cells marked."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from core.__main__ import main

PROJECT = Path(__file__).resolve().parents[1]


def test_two_processes_with_their_own_masking_keys_write_identical_scores(sparkov_path, tmp_path):
    outs = [tmp_path / "first.csv", tmp_path / "second.csv"]
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "core", "fraud", str(sparkov_path), "--out", str(out)],
            cwd=PROJECT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for out in outs
    ]
    stdout = [run.communicate(timeout=300)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0]
    first, second = (pd.read_csv(out, encoding="utf-8-sig") for out in outs)
    assert (first["customer_id"] != second["customer_id"]).all(), "each process masks card numbers with its own key"
    np.testing.assert_array_equal(first["score"].to_numpy(), second["score"].to_numpy())
    assert first["flagged"].tolist() == second["flagged"].tolist()
    evaluation = [[line for line in out.splitlines() if line.startswith("Against is_fraud")] for out in stdout]
    assert evaluation[0] == evaluation[1] and len(evaluation[0]) == 3
    assert evaluation[0][0].startswith("Against is_fraud: PR-AUC 0.3")
    assert "Top 100 alerts: precision" in evaluation[0][1]
    assert evaluation[0][2].endswith(": better than chance.")


def test_a_label_without_signal_is_called_no_better_than_chance(sparkov_path, tmp_path, capsys):
    frame = pd.read_csv(sparkov_path)
    frame["is_fraud"] = (np.random.default_rng(0).random(len(frame)) < frame["is_fraud"].mean()).astype(int)
    path = tmp_path / "no_signal.csv"
    frame.to_csv(path, index=False)
    assert main(["fraud", str(path), "--out", str(tmp_path / "scores.csv")]) == 0
    out = capsys.readouterr().out
    assert ": no better than chance." in out and "p = 0." in out


def test_assign_says_how_many_values_the_recipe_filled_in(cc_general_path, tmp_path, capsys):
    model_path = tmp_path / "model.json"
    frame = pd.read_csv(cc_general_path).head(400)
    frame.to_csv(tmp_path / "train.csv", index=False)
    assert main(["segment", str(tmp_path / "train.csv"), "--k", "3", "--out", str(tmp_path / "s.xlsx"),
                 "--model-out", str(model_path)]) == 0  # fmt: skip
    new = frame.head(50).copy()
    new.loc[:4, "PURCHASES"] = np.nan
    new.to_csv(tmp_path / "new.csv", index=False)
    capsys.readouterr()
    assert main(["assign", str(model_path), str(tmp_path / "new.csv"), "--out", str(tmp_path / "a.csv")]) == 0
    assigned = pd.read_csv(tmp_path / "a.csv", encoding="utf-8-sig", keep_default_na=False)
    filled = assigned["imputed"].str.contains("PURCHASES")
    assert filled.tolist()[:5] == [True] * 5
    blank_minimum = frame.head(50)["MINIMUM_PAYMENTS"].isna().sum()
    cells = 5 + blank_minimum
    assert f"{cells:,} blank values in" in capsys.readouterr().out
