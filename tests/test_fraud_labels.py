"""Fraud labels written as words (Yes/No, True/False, Y/N, fraud/legit) play the transaction ``label`` role."""

from __future__ import annotations

import layouts
import pandas as pd
import pytest

from core.__main__ import main
from core.fraud import evaluate
from core.transactions import fraud_labels, infer_transaction_columns, standardize_transactions


@pytest.mark.parametrize(
    ("fraud", "genuine"),
    [("Yes", "No"), ("True", "False"), ("Y", "N"), ("fraud", "legit"), (True, False), (1, 0)],
    ids=["yes-no", "true-false", "y-n", "fraud-legit", "booleans", "ones-and-zeros"],
)
def test_a_two_valued_fraud_column_is_the_label_and_reads_as_ones_and_zeros(fraud, genuine):
    frame = pd.DataFrame(
        {
            "card_id": ["a", "a", "b", "b"],
            "timestamp": ["2024-01-01 10:00", "2024-01-02 10:00", "2024-01-01 11:00", "2024-01-03 09:00"],
            "amount": [10.0, 250.0, 12.0, 13.0],
            "Is Fraud?": [genuine, fraud, genuine, genuine],
        }
    )
    columns = infer_transaction_columns(frame)
    assert columns.label == "Is Fraud?"
    canonical, _ = standardize_transactions(frame, columns)
    assert canonical.sort_values("row")["label"].tolist() == [0.0, 1.0, 0.0, 0.0]


def test_unreadable_labels_are_refused_and_missing_ones_left_out():
    assert fraud_labels(pd.Series(["YES ", " no", None, "maybe"])).tolist()[:2] == [1.0, 0.0]
    result = evaluate([0.9, 0.1, 0.5, 0.2], ["Yes", "No", None, "no"], budget=1, permutations=50)
    assert (result.n, result.n_positive, result.precision_at_budget) == (3, 1, 1.0)
    with pytest.raises(ValueError, match="0 \\(genuine\\) and 1 \\(fraud\\)"):
        evaluate([0.9, 0.1], ["Yes", "maybe"], budget=1)


def test_the_fraud_command_evaluates_ibm_tabformers_yes_no_column(tmp_path, capsys):
    layout = layouts.ibm_tabformer(n=1_500)
    path = tmp_path / layout.filename
    path.write_bytes(layout.data)
    assert main(["fraud", str(path), "--out", str(tmp_path / "scores.csv")]) == 0
    printed = capsys.readouterr().out
    assert "Against Is Fraud?: PR-AUC" in printed
    unused = next(line for line in printed.splitlines() if line.startswith("- Not used"))
    assert "Is Fraud?" not in unused
