"""Money in (bill payments to a card, salary, transfers in) on ``python -m core score``, on both engines.

The app leaves money in out of spend, frequency and ticket size (:func:`core.features.customer_features`) and out
of the fraud score (:func:`core.fraud.score_transactions`: such rows are unscored, with
:data:`core.fraud.MONEY_IN_REASON`). A portfolio run must give the app's answers on either engine: the canonical
``is_money_in`` is carried through Spark's groups, and the derived customer features see it. The files are the
seeded public layouts of tests/test_money_in.py (a German account export, American Express activity), written as
a comma CSV and as Parquet; Spark runs with a small ``rows_per_group`` so that several groups exist.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scale_checks import assert_engines_wrote_the_same, assert_segments_of_the_whole_file, derived_model_text
from test_money_in import amex_card, german_account

from core.features import customer_features
from core.fraud import score_transactions
from core.fraud._transactions import MONEY_IN_REASON
from core.model import DerivedFeatures, model_from_json
from core.scale import score
from core.scale._derived import _canonical_needed, derive_customers
from core.scale._transactions import TransactionPlan
from core.transactions import infer_transaction_columns, standardize_transactions

SCORES = ["score", "rank", "flagged", "reasons", "model_score", "rule_score"]
ROWS_PER_GROUP = 40  # Spark: a dozen groups or more for these few hundred rows


@pytest.fixture(scope="module")
def model_text() -> str:
    return derived_model_text()


def _write(layout: str, folder: Path) -> Path:
    """The layout's cells as text, in a comma CSV (German account) or a Parquet file (Amex)."""
    if layout == "german-account":
        export = german_account(0)
        frame = pd.read_csv(io.BytesIO(export.data), sep=";", encoding="latin-1", dtype=str, keep_default_na=False)
        path = folder / "umsatz.csv"
        frame.to_csv(path, index=False)
    else:
        export = amex_card(0)
        frame = pd.read_csv(io.BytesIO(export.data), dtype=str, keep_default_na=False)
        path = folder / "activity.parquet"
        frame.to_parquet(path, index=False)
    return path


def _whole_file(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False) if path.suffix == ".csv" else pd.read_parquet(path)
    canonical, report = standardize_transactions(frame, infer_transaction_columns(frame))
    assert report.money_in > 0  # the premise: the file has money in
    return canonical


def _check_against_the_app(model_text: str, path: Path, out: Path) -> None:
    """The run's fraud scores and segments are the app's on the whole file: money in unscored and left out."""
    model = model_from_json(model_text)
    canonical = _whole_file(path)
    money_in = canonical.sort_values("row")["is_money_in"].to_numpy(dtype=bool)
    written = pd.read_parquet(out / "transactions").sort_values("row").reset_index(drop=True)
    expected = score_transactions(canonical, budget=30).sort_values("row").reset_index(drop=True)
    assert written["row"].tolist() == expected["row"].tolist()
    pd.testing.assert_frame_equal(written[SCORES], expected[SCORES].astype(written[SCORES].dtypes.to_dict()))
    assert (written.loc[money_in, "reasons"] == MONEY_IN_REASON).all()
    assert written.loc[money_in, "score"].isna().all() and not written.loc[money_in, "flagged"].any()
    assert written.loc[~money_in, "score"].notna().all()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["money_in"] == int(money_in.sum())
    assert any("rows of money in" in note for note in summary["notes"])

    assert_segments_of_the_whole_file(model, canonical, out)


@pytest.mark.parametrize("layout", ["german-account", "amex"])
def test_the_derived_features_leave_money_in_out_as_the_app_does(layout, tmp_path):
    """The derived customer features of a run are customer_features' on the whole file (money in counts nowhere)."""
    path = _write(layout, tmp_path)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False) if path.suffix == ".csv" else pd.read_parquet(path)
    columns = infer_transaction_columns(frame)
    canonical = _whole_file(path)
    plan = TransactionPlan(columns=columns, source=tuple(frame.columns), key=b"k")
    wanted = ("monetary", "frequency", "avg_ticket", "active_months", "recency_days", "refund_count")
    derived = DerivedFeatures(source="transactions", columns={name: name for name in wanted})
    needed = canonical.loc[:, _canonical_needed(plan)]  # what either engine hands the derivation
    ours = derive_customers(needed, derived, canonical["timestamp"].max(), wanted).sort_values("customer_id")
    app = customer_features(canonical)
    for name in wanted:
        np.testing.assert_allclose(ours[name], app[name], rtol=0, atol=1e-9, err_msg=name)


@pytest.mark.parametrize("layout", ["german-account", "amex"])
def test_the_pandas_engine_gives_the_apps_answers_on_money_in(model_text, layout, tmp_path):
    path = _write(layout, tmp_path)
    score(model_from_json(model_text), None, tmp_path / "out", transactions=path, budget=30)
    _check_against_the_app(model_text, path, tmp_path / "out")


@pytest.mark.slow
def test_spark_gives_the_pandas_engines_answers_on_money_in(model_text, spark, tmp_path):
    path = _write("german-account", tmp_path)
    model = model_from_json(model_text)
    by_pandas = score(model, None, tmp_path / "pandas", transactions=path, budget=30)
    by_spark = score(model, None, tmp_path / "spark", transactions=path, budget=30, engine="spark", spark=spark,
                     rows_per_group=ROWS_PER_GROUP)  # fmt: skip
    assert_engines_wrote_the_same(tmp_path / "pandas", tmp_path / "spark")
    fields = ("segments", "alerts", "transactions_scored", "transaction_customers", "money_in", "notes")
    assert [getattr(by_spark, f) for f in fields] == [getattr(by_pandas, f) for f in fields]
    _check_against_the_app(model_text, path, tmp_path / "spark")
