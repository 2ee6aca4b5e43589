"""Scoring a portfolio's transactions for fraud in ``python -m core score``: the app's score, on pandas and Spark.

The Spark test shares one local SparkSession (``local[2]``) and is marked slow.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from core.__main__ import main
from core.cards import MASK_KEY
from core.fraud import score_transactions
from core.model import model_from_json
from core.samples import sample_path
from core.scale import score
from core.scale._transactions import canonical_group, plan_transactions, read_transactions

SCORES = ["score", "rank", "flagged", "reasons", "model_score", "rule_score"]


@pytest.fixture(scope="module")
def model_path(tmp_path_factory) -> Path:
    """The model ``segment --model-out`` saves for the sample portfolio."""
    folder = tmp_path_factory.mktemp("model")
    path = folder / "model.json"
    assert main(["segment", str(sample_path("card_portfolio")), "--out", str(folder / "run.xlsx"), "--model-out",
                 str(path)]) == 0  # fmt: skip
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
