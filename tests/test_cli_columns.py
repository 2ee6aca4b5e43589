"""The command line on files nobody here wrote: what it understood, --columns, --exclude, --kind.

Files come from the seeded public-layout generators in ``layouts.py``.
"""

from __future__ import annotations

import layouts
import pandas as pd
import pytest
from openpyxl import load_workbook

from core.__main__ import main


def _write(tmp_path, layout) -> str:
    path = tmp_path / layout.filename
    path.write_bytes(layout.data)
    return str(path)


@pytest.mark.slow
def test_a_churn_table_is_segmented_without_its_id_outcome_or_leaked_scores(tmp_path, capsys):
    path = _write(tmp_path, layouts.bank_churners(n=800))
    out = tmp_path / "churn.xlsx"
    assert main(["segment", path, "--k", "3", "--stability", "0", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    report, summary = printed.split("\n\n", 1)
    assert "A customer table: 800 rows" in report and "'CLIENTNUM'" in report
    assert "Outcome: 'Attrition_Flag'" in report
    assert (
        "Naive_Bayes_Classifier" in report
        and "leaks the outcome: named like a score, probability or prediction of another model" in report
    )
    run = dict(pd.read_excel(out, sheet_name="Run").itertuples(index=False, name=None))
    features = run["features"].split(", ")
    assert "CLIENTNUM" not in features and "Attrition_Flag" not in features
    assert not [f for f in features if f.startswith("Naive_Bayes")]
    readme = pd.read_excel(out, sheet_name="README")
    assert readme.apply(lambda row: "Attrition_Flag" in " ".join(map(str, row)), axis=1).any()
    assert "3 segments" in summary


@pytest.mark.slow
def test_a_user_keyed_transaction_file_is_segmented_by_user(tmp_path, capsys):
    path = _write(tmp_path, layouts.user_keyed_with_card_type(n=3_000))
    out = tmp_path / "tx.xlsx"
    assert main(["segment", path, "--k", "3", "--stability", "0", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "keyed by 'user_id'" in printed
    customers = pd.read_excel(out, sheet_name="Customers")
    assert len(customers) == 300  # one row per user, not per transaction
    assert set(load_workbook(out, read_only=True).sheetnames) >= {"Fraud", "Trends"}


def test_columns_name_the_roles_the_guess_cannot_find(tmp_path, capsys):
    frame = layouts.user_keyed_with_card_type(n=2_000)
    table = pd.read_csv(__import__("io").BytesIO(frame.data)).rename(
        columns={"user_id": "who", "transaction_date": "when", "amount": "how_much"}
    )
    path = tmp_path / "renamed.csv"
    table.to_csv(path, index=False)
    out = tmp_path / "scores.csv"
    args = ["fraud", str(path), "--columns", "customer=who,timestamp=when", "--columns", "amount=how_much"]
    assert main([*args, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "keyed by 'who'" in printed and "'when'" in printed
    assert len(pd.read_csv(out)) == len(table)


def test_a_split_date_can_be_given_as_parts(tmp_path, capsys):
    path = _write(tmp_path, layouts.ibm_tabformer(n=1_500))
    out = tmp_path / "scores.csv"
    assert main(["fraud", path, "--columns", "timestamp=Year+Month+Day+Time", "--out", str(out)]) == 0
    assert "'Year' + 'Month' + 'Day' + 'Time'" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--columns", "customer=nope"], "no column 'nope'"),
        (["--columns", "customer"], "ROLE=COLUMN"),
        (["--columns", "colour=amount"], "Unknown role 'colour'"),
        (["--exclude", "nope"], "--exclude nope"),
    ],
    ids=["an unknown column", "a pair without a column", "an unknown role", "excluding a missing column"],
)
def test_wrong_flags_get_one_line_that_says_what_to_do(tmp_path, capsys, flags, message):
    path = _write(tmp_path, layouts.user_keyed_with_card_type(n=500))
    assert main(["segment", path, *flags, "--out", str(tmp_path / "x.xlsx")]) == 2
    error = capsys.readouterr().err
    assert message in error and "Traceback" not in error and error.count("\n") == 1


def test_a_statement_without_a_customer_column_says_which_flag_fixes_it(tmp_path, capsys):
    path = _write(tmp_path, layouts.dkb_giro())
    assert main(["segment", path, "--out", str(tmp_path / "x.xlsx")]) == 2
    assert "--columns customer=COLUMN" in capsys.readouterr().err


def test_exclude_and_kind_change_what_is_segmented(tmp_path, capsys):
    path = _write(tmp_path, layouts.mall_customers())
    out = tmp_path / "mall.xlsx"
    args = ["segment", path, "--k", "3", "--stability", "0", "--exclude", "Age", "--kind", "customers"]
    assert main([*args, "--out", str(out)]) == 0
    run = dict(pd.read_excel(out, sheet_name="Run").itertuples(index=False, name=None))
    assert "Age" not in run["features"].split(", ")
    assert "Annual Income (k$)" in run["features"]


def test_segment_offers_every_registered_algorithm_including_the_mixed_data_ones():
    # The command line lists its algorithms without importing scikit-learn (so --help answers at once): the
    # list must still be the registry's, or the mixed-data algorithms the app offers are refused here.
    from core import __main__ as cli
    from core import pipeline

    assert set(cli.ALGORITHM_CHOICES) == set(pipeline.ALGORITHM_CHOICES)
    assert {"gower-kmedoids", "kprototypes"} <= set(cli.ALGORITHM_CHOICES)
