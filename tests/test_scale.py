"""Scoring a whole portfolio with a saved model: the pandas engine, the Spark engine, and bad input.

The Spark tests share the test run's one local SparkSession (the ``spark`` fixture in conftest.py: ``local[2]``, UI
off, 2 shuffle partitions) and are marked slow.
"""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans

from core.__main__ import main
from core.clean import apply_recipe, default_recipe
from core.model import assign_file_confidence, model_from_json, model_from_run, model_to_json
from core.samples import sample_path
from core.scale import model_columns, score
from core.schema import infer_roles


@pytest.fixture(scope="module")
def portfolio() -> pd.DataFrame:
    return pd.read_csv(sample_path("card_portfolio"))


@pytest.fixture(scope="module")
def model_path(portfolio, tmp_path_factory) -> Path:
    """A model fitted with the default recipe (duplicates, impute, presets, log1p, z-score) and 4 k-means centres."""
    clean = apply_recipe(portfolio, default_recipe(portfolio, infer_roles(portfolio)), infer_roles(portfolio))
    kmeans = KMeans(4, n_init=2, random_state=0).fit(clean.matrix.to_numpy())
    segmentation = SimpleNamespace(
        feature_names=clean.features, centres=kmeans.cluster_centers_, algorithm="kmeans", params={}
    )
    model = model_from_run(clean, segmentation, {0: "A", 1: "B", 2: "C", 3: "D"})
    path = tmp_path_factory.mktemp("model") / "model.json"
    path.write_text(model_to_json(model))
    return path


@pytest.fixture(scope="module")
def model(model_path):
    return model_from_json(model_path.read_text())


def test_the_model_reads_the_raw_columns_and_not_the_features_it_engineers(model):
    columns = model_columns(model)
    assert columns.id == "CUST_ID"
    assert "CREDIT_LIMIT" in columns.numeric and "utilisation" not in columns.numeric


def test_the_pandas_engine_gives_what_assign_gives(model, tmp_path):
    summary = score(model, sample_path("card_portfolio"), tmp_path / "out")
    scored = pd.read_parquet(tmp_path / "out" / "customers")
    expected = assign_file_confidence(model, pd.read_csv(sample_path("card_portfolio"), dtype={"CUST_ID": str}))
    assert scored["CUST_ID"].tolist() == expected["CUST_ID"].tolist()
    assert scored["segment"].tolist() == expected["segment"].tolist()
    np.testing.assert_allclose(scored["distance"], expected["distance"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(scored["confidence"], expected["confidence"], rtol=0, atol=1e-12)
    assert scored["confidence"].between(0, 1).all() and scored["confidence"].std() > 0
    offers = scored.groupby("segment")["top_offers"].agg(["nunique", "first"])
    assert (offers["nunique"] == 1).all(), "every customer of a segment gets that segment's offers"
    assert all(1 <= len(text.split("; ")) <= 3 for text in offers["first"])
    written = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert written["input_rows"] == written["output_rows"] == len(expected) == summary.output_rows
    assert written["segments"] == expected["segment_name"].value_counts().to_dict()
    assert written["spending_negative"] is written["date_only"] is None  # no transactions, nothing read of them


def test_a_folder_of_parquet_files_scores_like_the_csv(model, portfolio, tmp_path):
    folder = tmp_path / "parts"
    folder.mkdir()
    for number, part in enumerate(_split(portfolio, 3)):
        part.to_parquet(folder / f"part-{number}.parquet", index=False)
    score(model, sample_path("card_portfolio"), tmp_path / "from_csv")
    score(model, folder, tmp_path / "from_parquet")
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "from_csv" / "customers"), pd.read_parquet(tmp_path / "from_parquet" / "customers")
    )


def _split(frame: pd.DataFrame, parts: int) -> list[pd.DataFrame]:
    bounds = np.linspace(0, len(frame), parts + 1).astype(int)
    return [frame.iloc[start:stop] for start, stop in itertools.pairwise(bounds)]


def _run(capsys, *argv: str) -> tuple[int, str]:
    status = main(list(argv))
    return status, capsys.readouterr().err


@pytest.mark.parametrize(
    "case",
    ["a file without the model's columns", "an empty folder", "an output folder that exists", "a text balance column"],
)
def test_bad_input_is_one_line_and_exit_2_and_writes_nothing(case, model_path, portfolio, tmp_path, capsys):
    customers, out = tmp_path / "in.csv", tmp_path / "out"
    if case == "a file without the model's columns":
        portfolio.drop(columns=["CREDIT_LIMIT"]).to_csv(customers, index=False)
    elif case == "an empty folder":
        customers.mkdir()
    elif case == "an output folder that exists":
        portfolio.to_csv(customers, index=False)
        out.mkdir()
    else:
        customers = tmp_path / "in.parquet"
        portfolio.assign(BALANCE=pd.to_datetime("2024-01-01")).to_parquet(customers)
    status, err = _run(capsys, "score", str(model_path), "--customers", str(customers), "--out", str(out))
    assert status == 2
    assert err.count("\n") == 1 and err.startswith("python -m core score: ")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted({customers.name, *(["out"] if out.exists() else [])})
    assert not any(out.iterdir()) if out.exists() else True


def test_without_pyspark_the_spark_engine_says_how_to_install_it(model_path, tmp_path, capsys, monkeypatch):
    for name in ("pyspark", "pyspark.sql", "pyspark.sql.functions"):
        monkeypatch.setitem(sys.modules, name, None)  # what `import pyspark` meets where it is not installed
    status, err = _run(
        capsys, "score", str(model_path), "--customers", str(sample_path("card_portfolio")), "--out",
        str(tmp_path / "out"), "--engine", "spark",
    )  # fmt: skip
    assert status == 2, err
    assert "pip install -r requirements-spark.txt" in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_an_unreachable_spark_master_is_one_line(model_path, tmp_path, capsys):
    pytest.importorskip("pyspark")
    status, err = _run(
        capsys, "score", str(model_path), "--customers", str(sample_path("card_portfolio")), "--out",
        str(tmp_path / "out"), "--engine", "spark", "--master", "spark://127.0.0.1:9",
    )  # fmt: skip
    assert status == 2 and "cannot be reached" in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


# ---- Spark ------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_spark_gives_the_pandas_engines_segments_distances_confidences_and_offers(model, spark, tmp_path):
    score(model, sample_path("card_portfolio"), tmp_path / "pandas")
    summary = score(model, sample_path("card_portfolio"), tmp_path / "spark", engine="spark", spark=spark)
    by_pandas = pd.read_parquet(tmp_path / "pandas" / "customers").set_index("CUST_ID")
    by_spark = pd.read_parquet(tmp_path / "spark" / "customers").set_index("CUST_ID").loc[by_pandas.index]
    assert by_spark["segment"].tolist() == by_pandas["segment"].tolist()
    assert by_spark["segment_name"].tolist() == by_pandas["segment_name"].tolist()
    np.testing.assert_allclose(by_spark["distance"], by_pandas["distance"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(by_spark["confidence"], by_pandas["confidence"], rtol=0, atol=1e-9)
    assert by_spark["top_offers"].tolist() == by_pandas["top_offers"].tolist()
    assert summary.input_rows == summary.output_rows == len(by_pandas)
    assert json.loads((tmp_path / "spark" / "summary.json").read_text())["engine"] == "spark"


@pytest.mark.slow
def test_spark_drops_the_same_duplicates_in_many_groups(model, portfolio, spark, tmp_path):
    """Exact duplicate rows spread over files and groups are dropped once, as the pandas engine does."""
    folder = tmp_path / "parts"
    folder.mkdir()
    doubled = pd.concat([portfolio.head(300), portfolio.head(40)], ignore_index=True)
    for number, part in enumerate(_split(doubled, 4)):
        part.to_csv(folder / f"part-{number}.csv", index=False)
    by_pandas = score(model, folder, tmp_path / "pandas")
    by_spark = score(model, folder, tmp_path / "spark", engine="spark", spark=spark, rows_per_group=50)
    assert by_pandas.output_rows == by_spark.output_rows == 300
    assert by_spark.segments == by_pandas.segments


@pytest.mark.slow
def test_segment_fits_on_a_seeded_sample_that_the_run_sheet_reports_and_score_places_everyone(tmp_path, capsys):
    import openpyxl

    workbook, model_file = tmp_path / "fit.xlsx", tmp_path / "model.json"
    argv = ["segment", str(sample_path("card_portfolio")), "--sample", "600", "--k", "3", "--stability", "0"]
    assert main([*argv, "--out", str(workbook), "--model-out", str(model_file)]) == 0
    assert "Fitted on a sample: 600 of 8,950 customers (seed 0)" in capsys.readouterr().out
    run = openpyxl.load_workbook(workbook, read_only=True)["Run"]
    rows = [row[:2] for row in run.iter_rows(values_only=True)]
    assert ("parameter: sample", "600 of 8,950 customers (seed 0)") in rows
    summary = score(model_from_json(model_file.read_text()), sample_path("card_portfolio"), tmp_path / "scores")
    assert summary.output_rows == 8_950 and len(summary.segments) == 3
