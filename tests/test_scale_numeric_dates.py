"""Dates written as numbers are read once per file, and as the app reads them, on both engines of ``score``.

``python -m core score`` reads CSV cells as text, so a date column of numbers (an hour counter, ``yymmdd``, seconds
since the first transaction, Unix time) reached the date parser as text: an hour counter or Unix seconds left no
readable date and the file was refused, on both engines, though the app reads it. And on Spark each group of
customers read its numbers alone: a customer with one transaction has no hour counter (one number), a group
holding a mistyped ``yymmdd`` date can fall below the share that reads dates, a group's seconds do not start near
zero; such groups read the column otherwise and Spark refused the file. The reading is now decided once over the
whole column (:func:`core.scale._spark_transactions.numeric_date_reading`) and applied to every group.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import pytest
from layouts import LAYOUTS
from scale_checks import assert_engines_wrote_the_same, derived_model_text

from core.io import load_table
from core.model import model_from_json
from core.scale import score
from core.transactions import ELAPSED_READING, HOURS_READING, parse_timestamps

ROWS_PER_GROUP = 10  # Spark: a group for every few customers, so that single customers and odd ones sit apart
YYMMDD = "whole numbers written yymmdd"


@pytest.fixture(scope="module")
def model_text() -> str:
    return derived_model_text()


class File(NamedTuple):
    path: Path
    truth: pd.Series  # each row's true moment (NaT: no readable date), named as the date column
    reading: str  # how the whole column reads
    customer: str


def hour_steps(folder: Path) -> File:
    """A mobile-money log keyed by account, dated by PaySim's hour ``step``; half the accounts appear once."""
    rng = np.random.default_rng(11)
    regular = np.repeat([f"M{i:04d}" for i in range(20)], rng.integers(4, 9, 20))
    once = np.array([f"M{i:04d}" for i in range(20, 70)])
    account = np.concatenate([regular, once])
    step = np.sort(rng.integers(1, 744, len(account)))
    frame = pd.DataFrame(
        {
            "step": step,
            "type": rng.choice(["PAYMENT", "CASH_OUT", "TRANSFER"], len(account)),
            "amount": np.round(rng.lognormal(5, 1, len(account)), 2),
            "account_id": rng.permutation(account),
        }
    )
    path = folder / "hour_steps.csv"
    frame.to_csv(path, index=False)
    return File(
        path, pd.Timestamp("1970-01-01") + pd.to_timedelta(frame["step"], unit="h"), HOURS_READING, "account_id"
    )


def berka_mistyped(folder: Path) -> File:
    """Berka's ``trans`` (``yymmdd`` integer dates) as comma CSV, a few dates mistyped by a dropped digit.

    Two of the smallest account's dates: its rows alone are under 95% dates; one more elsewhere.
    """
    layout = LAYOUTS["czech-berka-bank-transactions-with-yymmdd-integer-dates"](0, n=300)
    frame = load_table(layout.data, layout.filename).frame
    truth = pd.to_datetime(frame["date"].astype("str").str.zfill(6), format="%y%m%d").rename("date")
    smallest = frame["account_id"].value_counts().index[-1]
    rows = [*frame.index[frame["account_id"] == smallest][:2], frame.index[frame["account_id"] != smallest][7]]
    frame.loc[rows, "date"] //= 10  # 930115 -> 93011: no date
    truth[rows] = pd.NaT
    path = folder / "trans.csv"
    frame.to_csv(path, index=False)
    return File(path, truth, YYMMDD, "account_id")


def seconds_since_start(folder: Path) -> File:
    """A four-day card extract keyed by card, dated by seconds since its first transaction (as ULB's ``Time``).

    Most cards are used from the third day on only: their rows alone do not start near zero.
    """
    rng = np.random.default_rng(12)
    early = [f"C{i:03d}" for i in range(8)]
    late = [f"C{i:03d}" for i in range(8, 30)]
    day = 86_400
    card = np.concatenate([rng.choice(early, 60), rng.choice(late, 140)])
    seconds = np.concatenate([rng.integers(0, 4 * day, 60), rng.integers(2 * day, 4 * day, 140)]).astype("float64")
    frame = pd.DataFrame({"card_id": card, "Time": seconds, "Amount": np.round(rng.lognormal(3, 1.2, len(card)), 2)})
    frame = frame.sort_values("Time", kind="stable").reset_index(drop=True)
    path = folder / "extract.csv"
    frame.loc[:, ["Time", "card_id", "Amount"]].to_csv(path, index=False)
    moments = pd.Timestamp("1970-01-01") + pd.to_timedelta(frame["Time"], unit="s")
    return File(path, moments, ELAPSED_READING, "card_id")


FILES = {
    "hour counter": hour_steps,
    "yymmdd with typos": berka_mistyped,
    "seconds since the start": seconds_since_start,
}


def _written(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "transactions").sort_values("row").reset_index(drop=True)


@pytest.mark.parametrize("layout", FILES)
def test_the_pandas_engine_reads_numbers_written_as_text_as_the_app_does(layout, model_text, tmp_path):
    file = FILES[layout](tmp_path)
    as_the_app_loads_it = load_table(file.path.read_bytes(), file.path.name).frame[file.truth.name]
    assert parse_timestamps(as_the_app_loads_it)[1] == file.reading
    summary = score(model_from_json(model_text), None, tmp_path / "out", transactions=file.path, budget=10)
    assert summary.date_format == file.reading
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["date_format"] == file.reading
    kept = file.truth.dropna()
    assert summary.transactions_scored == len(kept)
    assert _written(tmp_path / "out")["timestamp"].astype("datetime64[ns]").tolist() == kept.tolist()


@pytest.mark.slow
@pytest.mark.parametrize("layout", FILES)
def test_spark_reads_the_whole_column_once_as_the_pandas_engine_does(layout, model_text, spark, tmp_path):
    from pyspark.sql import functions as F

    from core.scale._spark import _known_pandas_warning_silenced

    file = FILES[layout](tmp_path)
    model = model_from_json(model_text)
    by_pandas = score(model, None, tmp_path / "pandas", transactions=file.path, budget=10)
    text = pd.read_csv(file.path, dtype=str)
    parts = max(spark.sparkContext.defaultParallelism, -(-len(text) // ROWS_PER_GROUP))
    with _known_pandas_warning_silenced():  # the premise: some group of Spark's alone reads the numbers otherwise
        ids = spark.createDataFrame(pd.DataFrame({file.customer: text[file.customer].unique()}))
        groups = ids.select(file.customer, F.pmod(F.hash(file.customer), F.lit(parts)).alias("g")).toPandas()
    date = file.truth.name
    numbers = text.assign(**{date: pd.to_numeric(text[date], errors="coerce")}).merge(groups, on=file.customer)
    alone = {parse_timestamps(rows[date].reset_index(drop=True))[1] for _, rows in numbers.groupby("g")}
    assert alone - {file.reading}, alone

    by_spark = score(model, None, tmp_path / "spark", transactions=file.path, budget=10, engine="spark", spark=spark,
                     rows_per_group=ROWS_PER_GROUP)  # fmt: skip
    assert by_spark.date_format == by_pandas.date_format == file.reading
    fields = ("segments", "alerts", "transactions_scored", "transaction_customers", "date_only", "notes")
    assert [getattr(by_spark, f) for f in fields] == [getattr(by_pandas, f) for f in fields]
    assert_engines_wrote_the_same(tmp_path / "pandas", tmp_path / "spark", moments=file.truth.dropna().tolist())
