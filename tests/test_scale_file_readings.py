"""The two readings ``python -m core score`` makes of a whole transaction file, decided once per input.

- **the sign**: when most amounts of a file are negative (bank and card exports that write spending negative),
  every amount is flipped (:func:`core.transactions.money_out_is_negative`);
- **dates only**: when (nearly) every timestamp is at 00:00 the file has no time of day, and the night and
  within-an-hour features are left out (:func:`core.transactions.date_only`).

Both are readings of the FILE. The Spark engine standardizes and featurizes groups of customers, and a group of
customers who mostly get refunds, or who only ever have midnight timestamps, must not read the file otherwise:
the readings are decided once, from the whole input, on both engines, and written to the summary. The seeded files
here hold such customers; Spark runs with ``rows_per_group=10`` so that most of them sit alone in a group.
The Spark tests share the test run's one local SparkSession (the ``spark`` fixture in conftest.py) and are marked
slow.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scale_checks import assert_engines_wrote_the_same, assert_segments_of_the_whole_file, derived_model_text

from core.fraud import score_transactions
from core.model import model_from_json
from core.scale import score
from core.scale._transactions import FileReadings, file_readings, sign_and_clock_counts
from core.transactions import (
    DATE_ONLY_NOTE,
    SPENDING_NEGATIVE_NOTE,
    date_only,
    infer_transaction_columns,
    money_out_is_negative,
    standardize_transactions,
)

CATEGORIES = ("grocery", "fuel", "dining", "online retail", "electronics", "apparel", "cash withdrawal (ATM)")
CHANNELS = ("in-store", "online", "ATM")
SCORES = ["score", "rank", "flagged", "reasons", "model_score", "rule_score"]
REFUNDERS, MIDNIGHTERS = 5, 11  # customer i reads otherwise than the file when i % 12 is one of these (5 of 60 each)
ROWS_PER_GROUP = 10  # Spark: about 100 groups for 60 customers, so most of them sit alone in a group


@pytest.fixture(scope="module")
def model_text() -> str:
    return derived_model_text()


def _transactions(seed: int, *, negative: bool, midnight: bool) -> pd.DataFrame:
    """Sixty customers' month, with customers who, alone, would read the file otherwise than it reads.

    ``negative``: spending is written negative (about 80% of the file's amounts), but five customers have 30
    transactions, mostly positive (refunds and credits). ``midnight``: the file has times of day, but five
    customers have 30 transactions, all at 00:00.
    """
    rng = np.random.default_rng(seed)
    parts = []
    for i in range(60):
        refunder, midnighter = negative and i % 12 == REFUNDERS, midnight and i % 12 == MIDNIGHTERS
        n = 30 if refunder or midnighter else int(rng.integers(10, 18))
        spend = np.round(rng.lognormal(3.3, 0.9, n), 2)
        refund = rng.random(n) < (0.8 if refunder else 0.08)
        sign = np.where(refund, 1.0, -1.0) if negative else np.where(refund, -1.0, 1.0)
        seconds = np.sort(rng.integers(0, 30 * 86_400, n))
        if midnighter:
            seconds = seconds // 86_400 * 86_400
        parts.append(
            pd.DataFrame(
                {
                    "transaction_id": [f"T{i:02d}{j:03d}" for j in range(n)],
                    "timestamp": pd.Timestamp("2026-10-01") + pd.to_timedelta(seconds, unit="s"),
                    "customer_id": f"C{i:03d}",
                    "merchant": rng.choice([f"Shop {k}" for k in range(12)], n),
                    "category": rng.choice(CATEGORIES, n),
                    "channel": rng.choice(CHANNELS, n),
                    "amount": sign * spend,
                }
            )
        )
    frame = pd.concat(parts, ignore_index=True)
    return frame.iloc[rng.permutation(len(frame))].sort_values("timestamp", kind="stable").reset_index(drop=True)


CASES = {
    # a CSV of a bank export: most amounts negative, five customers mostly refunds
    "spending negative, some customers mostly refunds": (dict(negative=True, midnight=False), "csv"),
    # a Parquet file with times of day, five customers only ever at midnight
    "times of day, some customers only at midnight": (dict(negative=False, midnight=True), "parquet"),
    # both at once (the Spark test: one run of each engine)
    "spending negative and times of day, some customers otherwise": (dict(negative=True, midnight=True), "parquet"),
}


def _write(case: str, folder: Path) -> Path:
    shape, fmt = CASES[case]
    frame = _transactions(7, **shape)
    path = folder / f"transactions.{fmt}"
    if fmt == "csv":
        frame.assign(timestamp=frame["timestamp"].dt.strftime("%Y-%m-%d %H:%M:%S")).to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False)
    return path


def _whole_file(path: Path) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """The oracle: the whole file standardized in one frame, as the app reads it; and that reading's notes."""
    frame = pd.read_csv(path, dtype=str) if path.suffix == ".csv" else pd.read_parquet(path)
    canonical, report = standardize_transactions(frame, infer_transaction_columns(frame))
    return canonical, report.notes


def _check_pandas_against_the_whole_file(model_text: str, path: Path, out: Path) -> None:
    """The pandas engine's readings, features, segments and fraud scores are those of the file read whole."""
    model = model_from_json(model_text)
    canonical, notes = _whole_file(path)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["spending_negative"] == (SPENDING_NEGATIVE_NOTE in notes)
    assert summary["date_only"] == (DATE_ONLY_NOTE in notes)

    written = pd.read_parquet(out / "transactions")
    expected = score_transactions(canonical, budget=30).sort_values("row").reset_index(drop=True)
    assert written["row"].tolist() == expected["row"].tolist()
    np.testing.assert_array_equal(written["amount"], expected["amount"])  # the file's sign, on every row
    pd.testing.assert_frame_equal(written[SCORES], expected[SCORES].astype(written[SCORES].dtypes.to_dict()))

    assert_segments_of_the_whole_file(model, canonical, out)


# ---- The decision itself ------------------------------------------------------------------------------------


def test_the_readings_from_counts_equal_the_readings_of_the_rows():
    """Spark decides from counts (amount signs, midnight stamps); they must give what the functions give on rows."""
    rng = np.random.default_rng(3)
    day = 86_400 * 10**9
    for trial in range(150):
        n = int(rng.integers(0, 60))
        amounts = rng.choice([-3.5, -1.0, -0.0, 0.0, 2.0, 7.25, np.inf, -np.inf], n, p=rng.dirichlet(np.ones(8)))
        if trial % 5 == 0 and n % 2 == 0:  # as many negative as positive: not a negative file
            amounts = np.array([-1.0, 1.0] * (n // 2))
        at_midnight = rng.random(n) < rng.choice([0.0, 0.5, 0.98, 0.99, 0.995, 1.0])
        ns = np.where(at_midnight, 0, rng.integers(1, day, n)) + rng.integers(-400, 400, n) * day
        frame = pd.DataFrame({"amount": amounts, "timestamp": pd.to_datetime(ns, unit="ns")})
        readings = file_readings(**sign_and_clock_counts(frame), amount_column=True)
        assert readings == FileReadings(
            spending_negative=money_out_is_negative(frame["amount"]), date_only=date_only(frame["timestamp"])
        ), trial
    assert file_readings(negative=9, positive=1, midnight=0, stamped=10, amount_column=False).spending_negative is False


def test_a_date_only_export_with_spending_negative_says_both_readings_in_the_summary(model_text, tmp_path):
    frame = _transactions(11, negative=True, midnight=False)
    frame["timestamp"] = frame["timestamp"].dt.strftime("%d.%m.%Y")
    frame["amount"] = frame["amount"].map(lambda x: f"{x:.2f}".replace(".", ","))  # a German bank export
    frame.to_csv(tmp_path / "export.csv", index=False)
    summary = score(model_from_json(model_text), None, tmp_path / "out", transactions=tmp_path / "export.csv",
                    budget=30)  # fmt: skip
    assert (summary.spending_negative, summary.date_only) == (True, True)
    on_disk = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert (on_disk["spending_negative"], on_disk["date_only"]) == (True, True)
    assert SPENDING_NEGATIVE_NOTE in summary.notes and any("no time of day" in n for n in summary.notes)
    _check_pandas_against_the_whole_file(model_text, tmp_path / "export.csv", tmp_path / "out")


# ---- Both engines -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", list(CASES)[:2])
def test_the_pandas_engine_reads_the_file_as_one_frame_does(case, model_text, tmp_path):
    path = _write(case, tmp_path)
    score(model_from_json(model_text), None, tmp_path / "out", transactions=path, budget=30)
    _check_pandas_against_the_whole_file(model_text, path, tmp_path / "out")


def _groups_reading_otherwise(spark, path: Path, rows_per_group: int) -> tuple[int, int]:
    """The premise: how many of Spark's customer groups, read alone, would keep the signs as written (the file
    flips them), and how many would find no time of day (the file has one).

    The groups are the Spark engine's (``pmod(hash(customer), parts)``, as in ``canonical_rows``).
    """
    from pyspark.sql import functions as F

    from core.scale._spark import _known_pandas_warning_silenced

    frame = pd.read_parquet(path)
    raw, _ = standardize_transactions(frame, infer_transaction_columns(frame), spending_negative=False)
    parts = max(spark.sparkContext.defaultParallelism, -(-len(frame) // rows_per_group))
    with _known_pandas_warning_silenced():  # as score runs Spark
        ids = spark.createDataFrame(pd.DataFrame({"customer_id": raw["customer_id"].unique().astype(str)}))
        groups = ids.select("customer_id", F.pmod(F.hash("customer_id"), F.lit(parts)).alias("group")).toPandas()
    raw = raw.merge(groups, on="customer_id")
    alone = raw.groupby("group").agg(
        negative=("amount", money_out_is_negative), dates=("timestamp", lambda s: date_only(s))
    )
    return int((~alone["negative"]).sum()), int(alone["dates"].sum())


@pytest.mark.slow
def test_spark_reads_the_file_once_not_per_group_of_customers(model_text, spark, tmp_path):
    case = "spending negative and times of day, some customers otherwise"
    path = _write(case, tmp_path)
    assert min(_groups_reading_otherwise(spark, path, ROWS_PER_GROUP)) >= 1  # some group alone reads otherwise
    model = model_from_json(model_text)
    by_pandas = score(model, None, tmp_path / "pandas", transactions=path, budget=30)
    by_spark = score(model, None, tmp_path / "spark", transactions=path, budget=30, engine="spark", spark=spark,
                     rows_per_group=ROWS_PER_GROUP)  # fmt: skip
    assert (by_pandas.spending_negative, by_pandas.date_only) == (by_spark.spending_negative, by_spark.date_only)
    assert (by_spark.spending_negative, by_spark.date_only) == (True, False)
    assert_engines_wrote_the_same(tmp_path / "pandas", tmp_path / "spark")
    assert (by_spark.segments, by_spark.alerts, by_spark.transactions_scored, by_spark.notes) == (
        by_pandas.segments, by_pandas.alerts, by_pandas.transactions_scored, by_pandas.notes,
    )  # fmt: skip
    assert SPENDING_NEGATIVE_NOTE in by_spark.notes
    _check_pandas_against_the_whole_file(model_text, path, tmp_path / "pandas")
