"""Scoring with a model segmented on features derived from transactions (``score --transactions``).

The model records how its features were derived; ``score`` derives them again from the month's transactions with
the app's :func:`core.features.customer_features`: whole on pandas, per customer group on Spark, as of the last
timestamp of all the transactions. The months scored are the bundled sample and the IBM TabFormer layout of
``tests/layouts.py`` (user ids are numbers, the date is split over four columns, the category is an MCC code),
each with a customer who only has refunds, a level absent this month, a new level and repeated exact duplicates.
The Spark tests share one local SparkSession (``local[2]``) and are marked slow.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.__main__ import main
from core.features import customer_features
from core.io import load_table
from core.model import DerivedFeatures, assign_file_confidence, model_from_json, model_from_run, model_to_json
from core.pipeline import canonical_transactions, run_segment_pipeline
from core.samples import sample_path
from core.scale import model_columns, score
from core.scale._derived import derive_customers, derived_columns
from tests.layouts import ibm_tabformer

RESULTS = ["segment", "segment_name", "distance", "confidence", "top_offers"]


def _fit(customers: pd.DataFrame | None, transactions: pd.DataFrame, source: str) -> str:
    """The model file the app (or ``segment --model-out``) saves for this run."""
    result = run_segment_pipeline(customers, transactions, k=3, act=False, source=source)
    return model_to_json(model_from_run(result.clean, result.segmentation, {0: "Low", 1: "Mid", 2: "High"}))


def _text(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype("str")


# ---- The bundled sample: fitted on 2024-11 .. 2026-08, scored on 2026-09 .. 2026-10 --------------------------


@pytest.fixture(scope="module")
def sample_tx() -> pd.DataFrame:
    return pd.read_csv(sample_path("card_transactions"), dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def sample_model(sample_tx) -> str:
    fit = sample_tx[sample_tx["timestamp"] < "2026-09"]
    return _fit(None, load_table(fit.to_csv(index=False).encode(), "fit.csv").frame, "transactions")


def _month(frame: pd.DataFrame, key: str, category: str, amount: str, refund: str, *, absent: str, new: str):
    """Edit a month as real months differ: a level gone, a new level, a refund-only customer, exact duplicates."""
    month = frame[frame[category] != absent].copy()
    month.loc[month.index[::97], category] = new
    refunds = month.iloc[:3].copy()
    refunds[key] = "9999999"
    refunds[amount] = refund
    repeated = month.iloc[10:15]
    return pd.concat([month, refunds, repeated, repeated], ignore_index=True)


@pytest.fixture(scope="module")
def sample_month(sample_tx, tmp_path_factory) -> Path:
    month = sample_tx[sample_tx["timestamp"] >= "2026-09"]
    month = _month(month, "customer_id", "category", "amount", "-25.50", absent="travel", new="Crypto Exchange")
    path = tmp_path_factory.mktemp("month") / "transactions.csv"
    month.to_csv(path, index=False)
    return path


def _expected(model, path: Path) -> pd.DataFrame:
    """The oracle: customer_features on the whole month, the model's columns (a level it lacks is 0), assigned."""
    canonical = canonical_transactions(load_table(path.read_bytes(), path.name).frame)
    features = customer_features(canonical)
    columns = model_columns(model)
    for column in derived_columns(model, columns):
        if column not in features.columns:
            features[column] = 0.0
    return assign_file_confidence(model, features).reset_index(drop=True)


def test_a_model_made_from_transactions_records_how_its_features_were_derived(sample_model, sample_tx):
    derived = model_from_json(sample_model).derived
    assert derived is not None and (derived.source, derived.as_of) == ("transactions", "last_transaction")
    categories = sorted(
        sample_tx["category"].str.lower().str.replace(r"[^a-z0-9]+", "_", regex=True).str.strip("_").unique()
    )
    assert list(derived.levels["category"]) == categories
    assert derived.levels["channel"] == ("atm", "in_store", "online")
    assert derived.columns["recency_days"] == "recency_days" and derived.columns["cat_travel"] == "cat_travel"
    document = json.loads(sample_model)["derived"]
    assert document["from"] == "transactions" and document["levels"]["channel"] == ["atm", "in_store", "online"]
    assert model_from_json(model_to_json(model_from_json(sample_model))).derived == derived


def test_a_joined_model_records_the_tx_prefix_of_a_clashing_column(sample_tx):
    fit = load_table(sample_tx.head(6_000).to_csv(index=False).encode(), "tx.csv").frame
    ids = fit["customer_id"].drop_duplicates()
    customers = pd.DataFrame({"customer_id": ids, "frequency": np.arange(len(ids)) % 7, "limit": 1000.0})
    derived = model_from_json(_fit(customers, fit, "joined")).derived
    assert derived is not None and derived.source == "joined"
    assert derived.columns["frequency"] == "tx_frequency" and derived.columns["monetary"] == "monetary"


def test_a_model_file_without_the_derived_section_still_loads(sample_model, tmp_path):
    old = json.loads(sample_model)
    del old["derived"]
    assert model_from_json(json.dumps(old)).derived is None
    customers = json.loads(model_to_json(model_from_json(json.dumps(old))))
    assert "derived" not in customers


@pytest.mark.parametrize(
    "damage",
    ["a source that is no source", "a level without its column", "levels that are not a list", "an unknown as_of"],
)
def test_a_damaged_derived_section_is_refused_in_one_sentence(sample_model, damage):
    document = json.loads(sample_model)
    section = document["derived"]
    if damage == "a source that is no source":
        section["source"] = "crystal ball"
    elif damage == "a level without its column":
        section["levels"]["category"].append("llamas")
    elif damage == "levels that are not a list":
        section["levels"] = {"category": "fuel"}
    else:
        section["as_of"] = "tomorrow"
    with pytest.raises(ValueError, match="The model file is damaged") as caught:
        model_from_json(json.dumps(document))
    assert "\n" not in str(caught.value)


def test_pandas_scoring_derives_the_months_features_as_the_app_does(sample_model, sample_month, tmp_path, capsys):
    model = model_from_json(sample_model)
    (tmp_path / "model.json").write_text(sample_model)
    status = main(["score", str(tmp_path / "model.json"), "--transactions", str(sample_month), "--out",
                   str(tmp_path / "out")])  # fmt: skip
    printed = capsys.readouterr().out
    assert status == 0
    written = pd.read_parquet(tmp_path / "out" / "customers").sort_values("customer_id").reset_index(drop=True)
    expected = _expected(model, sample_month)
    assert written["customer_id"].tolist() == expected["customer_id"].astype(str).tolist()
    assert written["segment"].tolist() == expected["segment"].tolist()
    np.testing.assert_allclose(written["distance"], expected["distance"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(written["confidence"], expected["confidence"], rtol=0, atol=1e-9)
    assert "9999999" in set(written["customer_id"])  # only refunds: no purchase, still a customer
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["input_rows"] == summary["output_rows"] == len(expected) and summary["inputs"] == []
    notes = " ".join(summary["notes"])
    assert (
        "1 category level(s) not seen when the model was fitted were left out of the shares: crypto_exchange" in notes
    )
    assert "absent from these transactions, so their share is 0: travel" in notes
    assert "crypto_exchange" in printed


@pytest.fixture(scope="module")
def joined_model(sample_tx) -> str:
    fit = load_table(sample_tx[sample_tx["timestamp"] < "2026-09"].to_csv(index=False).encode(), "tx.csv").frame
    return _fit(pd.read_csv(sample_path("card_portfolio"), dtype={"CUST_ID": str}), fit, "joined")


def test_a_joined_model_scores_the_customers_with_transactions_and_counts_the_rest(joined_model, sample_month,
                                                                                   tmp_path):  # fmt: skip
    portfolio = pd.read_csv(sample_path("card_portfolio"), dtype={"CUST_ID": str})
    model = model_from_json(joined_model)
    summary = score(model, sample_path("card_portfolio"), tmp_path / "out", transactions=sample_month)
    written = pd.read_parquet(tmp_path / "out" / "customers")
    canonical = canonical_transactions(load_table(sample_month.read_bytes(), "m.csv").frame)
    derived = customer_features(canonical).set_index("customer_id")
    derived = derived.drop(columns=[c for c in derived.columns if c not in model.derived.columns])
    joined = portfolio.join(derived, on="CUST_ID", how="inner")
    for column in derived_columns(model, model_columns(model)):
        joined[column] = joined[column] if column in joined.columns else 0.0
    expected = assign_file_confidence(model, joined).reset_index(drop=True)
    assert written["CUST_ID"].tolist() == expected["CUST_ID"].tolist()  # the customer file's order
    assert written["segment"].tolist() == expected["segment"].tolist()
    np.testing.assert_allclose(written["distance"], expected["distance"], rtol=0, atol=1e-9)
    unmatched = len(portfolio) - len(joined)
    assert summary.input_rows == len(portfolio) and summary.output_rows == len(joined)
    only_tx = len(derived) - len(joined)
    assert f"{unmatched:,} customer row(s) have no transactions" in " ".join(summary.notes)
    assert f"{only_tx:,} customer(s) in the transactions are not in the customer file" in " ".join(summary.notes)


# ---- IBM TabFormer layout: numeric user ids, a date over four columns, MCC codes as the category ---------------


def _tabformer(seed: int, n: int) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(ibm_tabformer(seed=seed, n=n).data), dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def tabformer_model() -> str:
    fit = _tabformer(1, 3_000)
    return _fit(None, load_table(fit.to_csv(index=False).encode(), "card_transaction.v1.csv").frame, "transactions")


@pytest.fixture(scope="module")
def tabformer_month(tmp_path_factory) -> Path:
    month = _month(_tabformer(2, 2_500), "User", "MCC", "Amount", "$-40.00", absent="5411", new="6051")
    path = tmp_path_factory.mktemp("tabformer") / "card_transaction.v1.csv"
    month.to_csv(path, index=False)
    return path


def test_features_derived_per_customer_group_equal_the_whole_month(tabformer_model, tabformer_month, sample_model,
                                                                  sample_month):  # fmt: skip
    for text, path in ((tabformer_model, tabformer_month), (sample_model, sample_month)):
        model = model_from_json(text)
        wanted = derived_columns(model, model_columns(model))
        canonical = canonical_transactions(load_table(path.read_bytes(), path.name).frame)
        as_of = canonical["timestamp"].max()
        whole = derive_customers(canonical, model.derived, as_of, wanted)
        group = pd.util.hash_array(canonical["customer_id"].to_numpy(dtype=object)) % 7
        parts = [derive_customers(canonical[group == g], model.derived, as_of, wanted) for g in range(7)]
        grouped = pd.concat(parts).sort_values("customer_id").reset_index(drop=True)
        pd.testing.assert_frame_equal(grouped, whole, check_exact=False, rtol=0, atol=1e-9)
        assert set(model.features) <= set(wanted) and np.isfinite(whole[list(wanted)].to_numpy()).all()


def test_more_levels_than_one_call_pools_still_give_every_share(sample_month):
    """A model with 40 category levels: the function is called in chunks and no share is pooled into 'other'."""
    canonical = canonical_transactions(load_table(sample_month.read_bytes(), "m.csv").frame)
    canonical["category"] = "level " + (canonical["row"] % 40).astype(str)
    levels = tuple(sorted(f"level_{i}" for i in range(40)))
    columns = {"recency_days": "recency_days", **{f"cat_{s}": f"cat_{s}" for s in levels}}
    columns |= {c: c for c in ("frequency", "monetary", "active_months", "avg_ticket", "refund_count")}
    columns |= {"night_share": "night_share", "cash_share": "cash_share"}
    derived = DerivedFeatures("transactions", columns, {"category": levels})
    wanted = (*[f"cat_{s}" for s in levels], "cash_share")
    out = derive_customers(canonical, derived, canonical["timestamp"].max(), wanted)
    spend = canonical.assign(spend=canonical["amount"].clip(lower=0))
    table = spend.pivot_table(index="customer_id", columns="category", values="spend", aggfunc="sum", fill_value=0)
    shares = table.div(table.sum(axis=1).replace(0, np.nan), axis=0).fillna(0)
    shares.columns = [f"cat_{c.replace(' ', '_')}" for c in shares.columns]
    got = out.set_index("customer_id")[list(shares.columns)]
    np.testing.assert_allclose(got.to_numpy(), shares.loc[got.index].to_numpy(), rtol=0, atol=1e-9)


def test_the_tabformer_month_scores_with_numeric_ids_and_split_dates(tabformer_model, tabformer_month, tmp_path):
    model = model_from_json(tabformer_model)
    assert model.derived.levels["category"] and "channel" not in model.derived.levels
    summary = score(model, None, tmp_path / "out", transactions=tabformer_month)
    written = pd.read_parquet(tmp_path / "out" / "customers").sort_values("customer_id").reset_index(drop=True)
    expected = _expected(model, tabformer_month)
    assert written["customer_id"].tolist() == expected["customer_id"].astype(str).tolist()
    assert written["segment"].tolist() == expected["segment"].tolist()
    assert "9999999" in set(written["customer_id"])
    notes = " ".join(summary.notes)
    assert "6051" in notes and "so their share is 0: 5411" in notes


# ---- Bad input ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "case",
    [
        "no --transactions",
        "transactions without the customer column",
        "transactions without the date",
        "transactions without the amount",
        "--customers with a transaction-only model",
    ],
)
def test_bad_input_is_one_line_and_exit_2_and_writes_nothing(case, sample_model, sample_month, tmp_path, capsys):
    (tmp_path / "model.json").write_text(sample_model)
    month = pd.read_csv(sample_month, dtype=str, keep_default_na=False).head(500)
    dropped = {"customer": "customer_id", "date": "timestamp", "amount": "amount"}
    column = next((c for word, c in dropped.items() if f"without the {word}" in case), None)
    if column is not None:
        month = month.drop(columns=[column, *(["card_number"] if column == "customer_id" else [])])
    month.to_csv(tmp_path / "tx.csv", index=False)
    argv = ["score", str(tmp_path / "model.json"), "--out", str(tmp_path / "out")]
    if case != "no --transactions":
        argv += ["--transactions", str(tmp_path / "tx.csv")]
    if case.startswith("--customers"):
        argv += ["--customers", str(sample_path("card_portfolio"))]
    before = sorted(p.name for p in tmp_path.rglob("*"))
    status = main(argv)
    err = capsys.readouterr().err
    assert status == 2, err
    assert err.count("\n") == 1 and err.startswith("python -m core score: ") and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # no output, no temporary folder left
    said = {
        "no --transactions": "give them with --transactions",
        "customer column": "transaction customer",
        "date": "transaction timestamp",
        "amount": "transaction amount",
        "--customers": "leave out --customers",
    }
    assert next(words for part, words in said.items() if part in case) in err


def test_a_customer_model_still_needs_its_customers(tmp_path, capsys):
    portfolio = pd.read_csv(sample_path("card_portfolio"), dtype={"CUST_ID": str}).head(300)
    (tmp_path / "model.json").write_text(_fit(portfolio, None, "customers"))
    status = main(["score", str(tmp_path / "model.json"), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert status == 2 and "--customers" in err and err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json"]


# ---- Spark --------------------------------------------------------------------------------------------------


def _same_customers(left: pd.DataFrame, right: pd.DataFrame, key: str) -> None:
    left = left.sort_values(key).reset_index(drop=True)
    right = right.sort_values(key).reset_index(drop=True)
    assert right.columns.tolist() == left.columns.tolist()
    for column in left.columns:
        if pd.api.types.is_float_dtype(left[column]):
            np.testing.assert_allclose(right[column], left[column], rtol=0, atol=1e-9, err_msg=column)
        else:
            assert right[column].astype(str).tolist() == left[column].astype(str).tolist(), column


@pytest.mark.slow
def test_spark_scores_a_transaction_only_model_as_pandas_does(tabformer_model, tabformer_month, spark, tmp_path):
    model = model_from_json(tabformer_model)
    by_pandas = score(model, None, tmp_path / "pandas", transactions=tabformer_month)
    by_spark = score(model, None, tmp_path / "spark", transactions=tabformer_month, engine="spark", spark=spark,
                     rows_per_group=1_000)  # fmt: skip
    _same_customers(pd.read_parquet(tmp_path / "pandas" / "customers"),
                    pd.read_parquet(tmp_path / "spark" / "customers"), "customer_id")  # fmt: skip
    assert (by_spark.input_rows, by_spark.output_rows, by_spark.segments, by_spark.notes) == (
        by_pandas.input_rows, by_pandas.output_rows, by_pandas.segments, by_pandas.notes,
    )  # fmt: skip
    assert by_pandas.output_rows > 20 and len(by_pandas.segments) > 1


@pytest.mark.slow
def test_spark_derives_and_joins_the_same_features_as_pandas(sample_tx, sample_model, joined_model, spark, tmp_path):
    """The features themselves, per customer group on Spark and whole on pandas, alone and joined onto customers."""
    from core.cards import MASK_KEY
    from core.scale._derived import derive_pandas, offer_rows
    from core.scale._spark import _known_pandas_warning_silenced
    from core.scale._spark_derived import derived_rows
    from core.scale._spark_transactions import canonical_rows
    from core.scale._transactions import canonical_group, plan_transactions, read_transactions

    month = sample_tx[sample_tx["timestamp"] >= "2026-10"]
    ids = month["customer_id"].drop_duplicates().iloc[:150]
    month = month[month["customer_id"].isin(ids)]
    month = _month(month, "customer_id", "category", "amount", "-9.99", absent="fuel", new="Pet Shop")
    month.to_csv(tmp_path / "tx.csv", index=False)
    portfolio = pd.read_csv(sample_path("card_portfolio"), dtype=str, keep_default_na=False)
    customers = portfolio[portfolio["CUST_ID"].isin(set(ids.iloc[:100]) | set(portfolio["CUST_ID"].iloc[:50]))]
    customers = pd.concat([customers, customers.iloc[:3]])  # repeated customer rows
    folder = tmp_path / "customers"
    folder.mkdir()
    customers.iloc[:80].to_csv(folder / "a.csv", index=False)
    customers.iloc[80:].to_csv(folder / "b.csv", index=False)
    files, tx_files = tuple(sorted(folder.iterdir())), (tmp_path / "tx.csv",)
    plan = plan_transactions(tx_files, "csv", MASK_KEY)
    canonical, _ = canonical_group(read_transactions(tx_files, "csv", plan), plan)
    held: list = []
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    with _known_pandas_warning_silenced():  # as score runs it
        try:
            prepared = canonical_rows(spark, tx_files, "csv", plan, 500, held)
            for text, key in ((sample_model, "customer_id"), (joined_model, "CUST_ID")):
                model = model_from_json(text)
                columns = model_columns(model)
                given = files if model.derived.source == "joined" else ()
                frame, rows, sample, notes = derived_rows(spark, model, given, "csv", columns, plan, prepared, held)
                on_spark = frame.toPandas().drop(columns=["_file", "_pos"], errors="ignore")
                whole, whole_rows, whole_notes = derive_pandas(model, given, "csv", columns, canonical, plan)
                assert (rows, notes) == (whole_rows, whole_notes)
                order = [key, *derived_columns(model, columns)]
                _same_customers(whole.sort_values(order), on_spark[whole.columns.tolist()].sort_values(order), key)
                expected_sample = offer_rows(whole, model.derived).reset_index(drop=True)
                pd.testing.assert_frame_equal(sample[expected_sample.columns.tolist()], expected_sample,
                                              check_dtype=False)  # fmt: skip
                assert len(whole) > 50 and "pet_shop" in " ".join(notes) and "fuel" in " ".join(notes)
        finally:
            for cached in held:
                cached.unpersist()
