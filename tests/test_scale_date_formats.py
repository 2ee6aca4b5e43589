"""How a transaction file writes its dates is decided once per file, on both engines of ``python -m core score``.

:func:`core.transactions.parse_timestamps` reads text dates day first unless a second number above 12 and no first
number above 12 say month first. On Spark each group of customers is standardized alone, so a US file
(MM/DD/YYYY) where some customers' dates all fall on days 1-12 had groups reading day first and others month first,
and Spark refused the file that pandas reads. The groups' readings are now combined into the file's (exactly: the
same rule over all rows) and every group is read with it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scale_checks import assert_engines_wrote_the_same, derived_model_text

from core.model import model_from_json
from core.scale import score
from core.scale._transactions import file_date_format
from core.transactions import parse_timestamps

MONTH_FIRST = "month first (MM/DD/YYYY)"
DAY_FIRST = "day first (DD/MM/YYYY)"
AMBIGUOUS = "day first (DD/MM/YYYY); ambiguous dates were read day first"
EARLY = 4  # customers C000..C003 only ever buy on days 1-12 of a month
ROWS_PER_GROUP = 20  # Spark: about 20 groups for 24 customers; the test checks the early ones sit apart


@pytest.fixture(scope="module")
def model_text() -> str:
    return derived_model_text()


def _us_file(seed: int, folder: Path) -> tuple[Path, pd.DataFrame]:
    """A seeded US card file (MM/DD/YYYY HH:MM), and the true timestamps; the first customers only on days 1-12."""
    rng = np.random.default_rng(seed)
    parts = []
    for i in range(24):
        n = int(rng.integers(12, 20))
        month = rng.integers(1, 13, n)
        day = rng.integers(1, 13 if i < EARLY else 29, n)
        stamps = pd.to_datetime(
            pd.DataFrame({"year": 2025, "month": month, "day": day, "hour": rng.integers(0, 24, n)})
        ) + pd.to_timedelta(rng.integers(0, 60, n), unit="min")
        parts.append(
            pd.DataFrame(
                {
                    "customer_id": f"C{i:03d}",
                    "true": stamps,
                    "category": rng.choice(["grocery", "fuel", "dining", "electronics"], n),
                    "amount": np.round(rng.lognormal(3.3, 0.9, n), 2),
                }
            )
        )
    truth = pd.concat(parts, ignore_index=True)
    truth = truth.iloc[rng.permutation(len(truth))].reset_index(drop=True)
    frame = truth.assign(timestamp=truth["true"].dt.strftime("%m/%d/%Y %H:%M")).drop(columns="true")
    path = folder / "us_transactions.csv"
    frame.loc[:, ["customer_id", "timestamp", "category", "amount"]].to_csv(path, index=False)
    return path, truth


def test_a_reading_decided_for_the_file_reads_a_part_of_it_alike():
    early = pd.Series(["03/04/2025 10:00", "12/01/2025 09:30"])
    assert parse_timestamps(early)[1] == AMBIGUOUS  # alone, these read day first
    parsed, how = parse_timestamps(early, date_format=MONTH_FIRST)
    assert how == MONTH_FIRST
    assert parsed.tolist() == [pd.Timestamp("2025-03-04 10:00"), pd.Timestamp("2025-12-01 09:30")]
    late = pd.Series(["2025-03-04", "12/01/2025"])
    assert parse_timestamps(late, date_format="ISO 8601")[0].isna().tolist() == [False, True]


def test_the_groups_readings_combine_into_the_files():
    assert file_date_format({AMBIGUOUS, MONTH_FIRST}) == MONTH_FIRST
    assert file_date_format({AMBIGUOUS}) == AMBIGUOUS
    assert file_date_format({AMBIGUOUS, MONTH_FIRST, DAY_FIRST}) == DAY_FIRST  # a first number above 12 somewhere
    assert file_date_format({DAY_FIRST, AMBIGUOUS}) == DAY_FIRST
    assert file_date_format({"ISO 8601"}) == "ISO 8601"
    assert file_date_format({"ISO 8601", MONTH_FIRST}) is None  # no exact combination: refused


def test_the_pandas_engine_reads_a_us_file_month_first(model_text, tmp_path):
    path, truth = _us_file(5, tmp_path)
    summary = score(model_from_json(model_text), None, tmp_path / "out", transactions=path, budget=20)
    assert summary.date_format == MONTH_FIRST
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["date_format"] == MONTH_FIRST
    written = pd.read_parquet(tmp_path / "out" / "transactions").sort_values("row")
    assert written["timestamp"].astype("datetime64[ns]").tolist() == truth["true"].tolist()


@pytest.mark.slow
def test_spark_reads_a_us_file_month_first_when_some_groups_alone_would_not(model_text, spark, tmp_path):
    from pyspark.sql import functions as F

    from core.scale._spark import _known_pandas_warning_silenced

    path, truth = _us_file(5, tmp_path)
    parts = max(spark.sparkContext.defaultParallelism, -(-len(truth) // ROWS_PER_GROUP))
    with _known_pandas_warning_silenced():  # the premise: some group of Spark's alone reads the dates day first
        ids = spark.createDataFrame(pd.DataFrame({"customer_id": truth["customer_id"].unique().astype(str)}))
        groups = ids.select("customer_id", F.pmod(F.hash("customer_id"), F.lit(parts)).alias("g")).toPandas()
    text = pd.read_csv(path, dtype=str).merge(groups, on="customer_id")
    alone = {parse_timestamps(rows["timestamp"])[1] for _, rows in text.groupby("g")}
    assert alone == {AMBIGUOUS, MONTH_FIRST}

    model = model_from_json(model_text)
    by_pandas = score(model, None, tmp_path / "pandas", transactions=path, budget=20)
    by_spark = score(model, None, tmp_path / "spark", transactions=path, budget=20, engine="spark", spark=spark,
                     rows_per_group=ROWS_PER_GROUP)  # fmt: skip
    assert by_spark.date_format == by_pandas.date_format == MONTH_FIRST
    fields = ("segments", "alerts", "transactions_scored", "transaction_customers", "date_only", "notes")
    assert [getattr(by_spark, f) for f in fields] == [getattr(by_pandas, f) for f in fields]
    assert_engines_wrote_the_same(tmp_path / "pandas", tmp_path / "spark", moments=truth["true"].tolist())
