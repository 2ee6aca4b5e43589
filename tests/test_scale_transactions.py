"""Scoring a portfolio's transactions for fraud in ``python -m core score``: the app's score, on pandas and Spark.

The Spark tests share the test run's one local SparkSession (the ``spark`` fixture in conftest.py) and are marked slow.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.__main__ import main
from core.cards import MASK_KEY
from core.fraud import score_transactions
from core.model import model_from_json
from core.samples import generate_customers, generate_transactions, sample_path
from core.scale import score
from core.scale._transactions import canonical_group, plan_transactions, read_transactions

SCORES = ["score", "rank", "flagged", "reasons", "model_score", "rule_score"]


@pytest.fixture(scope="module")
def model_path(tmp_path_factory) -> Path:
    """The model ``segment --model-out`` saves for the sample portfolio.

    ``--stability 0`` skips the bootstrap refits, which only report how stable the segments are: the model file
    is the same bytes.
    """
    folder = tmp_path_factory.mktemp("model")
    path = folder / "model.json"
    assert main(["segment", str(sample_path("card_portfolio")), "--out", str(folder / "run.xlsx"), "--model-out",
                 str(path), "--stability", "0"]) == 0  # fmt: skip
    return path


@pytest.fixture(scope="module")
def model(model_path):
    return model_from_json(model_path.read_text())


@pytest.fixture(scope="module")
def transactions(tmp_path_factory) -> Path:
    """The bundled sample transactions, split over two CSV files (positions run on across files)."""
    folder = tmp_path_factory.mktemp("transactions")
    frame = pd.read_csv(sample_path("card_transactions"), dtype=str, keep_default_na=False)
    half = len(frame) // 2
    frame.iloc[:half].to_csv(folder / "part-1.csv", index=False)
    frame.iloc[half:].to_csv(folder / "part-2.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def their_customers(transactions, tmp_path_factory) -> Path:
    """The sample portfolio's rows of the 1,265 customers the sample transactions belong to, cells as they are."""
    portfolio = pd.read_csv(sample_path("card_portfolio"), dtype=str, keep_default_na=False)
    ids = pd.concat(pd.read_csv(part, dtype=str, usecols=["customer_id"]) for part in sorted(transactions.iterdir()))
    path = tmp_path_factory.mktemp("customers") / "customers.csv"
    portfolio[portfolio["CUST_ID"].isin(ids["customer_id"])].to_csv(path, index=False)
    return path


def test_the_pandas_engine_scores_transactions_with_the_apps_function(model, transactions, tmp_path):
    summary = score(model, sample_path("card_portfolio"), tmp_path / "out", transactions=transactions, budget=50)
    written = pd.read_parquet(tmp_path / "out" / "transactions")
    files = tuple(sorted(transactions.iterdir()))
    plan = plan_transactions(files, "csv", MASK_KEY)
    canonical, _ = canonical_group(read_transactions(files, "csv", plan), plan)
    expected = score_transactions(canonical, budget=50).sort_values("row").reset_index(drop=True)
    assert written["row"].tolist() == expected["row"].tolist() == list(range(len(written)))
    pd.testing.assert_frame_equal(written[SCORES], expected[SCORES].astype(written[SCORES].dtypes.to_dict()))
    assert (summary.transactions_in, summary.transactions_scored, summary.alerts) == (len(written), len(written), 50)
    assert written.loc[written["flagged"], "reasons"].str.len().gt(0).all()
    assert written.loc[~written["flagged"], "reasons"].eq("").all()
    on_disk = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert on_disk["alerts"] == 50 and on_disk["transactions_scored"] == len(written)


def test_score_keys_a_month_of_a_big_portfolio_by_customer_id_not_its_colliding_card_numbers(
    model_path, tmp_path, capsys
):
    # One month of a 25,000-customer portfolio as core.samples generates it (the score_scale benchmark's data):
    # its masked card numbers keep 4 digits and collide, and in the first rows most customers appear once or twice.
    people = generate_customers(25_000, random_state=3)
    history = generate_transactions(people, n_customers=25_000, months=1, random_state=3)
    folder = tmp_path / "tx"
    folder.mkdir()
    half = len(history) // 2
    history.iloc[:half].to_parquet(folder / "part-0.parquet", index=False)
    history.iloc[half:].to_parquet(folder / "part-1.parquet", index=False)
    true_customers = history["customer_id"].nunique()
    assert history["card_number"].nunique() < true_customers
    status = main(["score", str(model_path), "--customers", str(sample_path("card_portfolio")), "--transactions",
                   str(folder), "--out", str(tmp_path / "out")])  # fmt: skip
    printed = capsys.readouterr().out
    assert status == 0
    assert pd.read_parquet(tmp_path / "out" / "transactions")["customer_id"].nunique() == true_customers
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert (summary["transaction_key"], summary["transaction_customers"]) == ("customer_id", true_customers)
    assert f"({true_customers:,} customers keyed by 'customer_id')" in printed
    note = next(note for note in summary["notes"] if "was taken as the customer" in note)
    assert (
        f"in the first {min(half, 20_000):,} rows of part-0.parquet" in note
        and "'card_number' could be the key too" in note
    )


# ---- Spark ------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_spark_scores_every_transaction_as_the_pandas_engine_does(
    model, transactions, their_customers, spark, tmp_path
):
    # Transactions are scored whatever the customers file holds: only their own customers are placed beside them.
    by_pandas = score(model, their_customers, tmp_path / "pandas", transactions=transactions)
    by_spark = score(
        model, their_customers, tmp_path / "spark", transactions=transactions, engine="spark", spark=spark,
        rows_per_group=10_000,
    )  # fmt: skip
    pandas_rows = pd.read_parquet(tmp_path / "pandas" / "transactions")
    spark_rows = pd.read_parquet(tmp_path / "spark" / "transactions").sort_values("row").reset_index(drop=True)
    assert spark_rows.columns.tolist() == pandas_rows.columns.tolist()
    for column in pandas_rows.columns:
        left, right = pandas_rows[column], spark_rows[column]
        if column == "timestamp":  # Spark keeps microseconds; the sample's times are whole seconds
            left, right = left.astype("datetime64[us]"), right.astype("datetime64[us]")
        if pd.api.types.is_float_dtype(left):
            np.testing.assert_allclose(right, left, rtol=0, atol=1e-9, err_msg=column)
        else:
            assert right.astype(str).tolist() == left.astype(str).tolist(), column
    assert (by_spark.transactions_in, by_spark.transactions_scored, by_spark.alerts, by_spark.notes) == (
        by_pandas.transactions_in, by_pandas.transactions_scored, by_pandas.alerts, by_pandas.notes,
    )  # fmt: skip


# ---- Bad input --------------------------------------------------------------------------------------------


def _sample_transactions() -> pd.DataFrame:
    return pd.read_csv(sample_path("card_transactions"), dtype=str, keep_default_na=False).head(2_000)


@pytest.mark.parametrize(
    "case",
    [
        "transactions without an amount column",
        "a second file without a column the first has",
        "a Parquet amount column holding dates",
        "an empty transaction folder",
    ],
)
def test_bad_transactions_are_one_line_and_exit_2_and_write_nothing(case, model_path, tmp_path, capsys):
    folder, out = tmp_path / "tx", tmp_path / "out"
    folder.mkdir()
    frame = _sample_transactions()
    if case == "transactions without an amount column":
        frame.drop(columns=["amount"]).to_csv(folder / "tx.csv", index=False)
    elif case == "a second file without a column the first has":
        frame.to_csv(folder / "a.csv", index=False)
        frame.drop(columns=["category"]).to_csv(folder / "b.csv", index=False)
    elif case == "a Parquet amount column holding dates":
        frame.assign(amount=pd.Timestamp("2024-01-01")).to_parquet(folder / "tx.parquet")
    before = sorted(p.name for p in tmp_path.rglob("*"))
    status = main(["score", str(model_path), "--customers", str(sample_path("card_portfolio")), "--transactions",
                   str(folder), "--out", str(out)])  # fmt: skip
    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1 and err.startswith("python -m core score: ") and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # no output, no temporary folder left


def test_an_unreachable_master_with_transactions_is_one_line_and_writes_nothing(model_path, tmp_path, capsys):
    pytest.importorskip("pyspark")
    _sample_transactions().to_csv(tmp_path / "tx.csv", index=False)
    status = main(["score", str(model_path), "--customers", str(sample_path("card_portfolio")), "--transactions",
                   str(tmp_path / "tx.csv"), "--out", str(tmp_path / "out"), "--engine", "spark", "--master",
                   "spark://127.0.0.1:9"])  # fmt: skip
    err = capsys.readouterr().err
    assert status == 2 and "cannot be reached" in err and err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tx.csv"]


@pytest.mark.slow
def test_spark_refuses_dates_that_groups_read_in_different_formats_and_writes_nothing(model, spark, tmp_path):
    """One customer of 30 writes dates day first, the others ISO: a group holding only them reads them otherwise.

    The customers file holds just those 30 customers: ``rows_per_group=10`` splits the customers into groups too,
    and the whole portfolio would be 895 groups scored before the transactions are read.
    """
    frame = pd.read_csv(sample_path("card_transactions"), dtype=str, keep_default_na=False)
    frame = frame[frame["customer_id"].isin(frame["customer_id"].unique()[:30])]
    odd = frame["customer_id"] == frame["customer_id"].iloc[-1]
    frame.loc[odd, "timestamp"] = pd.to_datetime(frame.loc[odd, "timestamp"]).dt.strftime("%d/%m/%Y %H:%M:%S")
    frame.to_csv(tmp_path / "tx.csv", index=False)
    customers = pd.read_csv(sample_path("card_portfolio"), dtype=str, keep_default_na=False)
    customers = customers[customers["CUST_ID"].isin(frame["customer_id"])]
    assert len(customers) == 30
    customers.to_csv(tmp_path / "customers.csv", index=False)
    with pytest.raises(ValueError, match="more than one way") as caught:
        score(model, tmp_path / "customers.csv", tmp_path / "out", transactions=tmp_path / "tx.csv",
              engine="spark", spark=spark, rows_per_group=10)  # fmt: skip
    assert "\n" not in str(caught.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["customers.csv", "tx.csv"]
