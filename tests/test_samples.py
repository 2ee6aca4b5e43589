"""The bundled sample data: deterministic, calibrated to the public files, with structure worth finding."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score

from core.errors import DataError
from core.samples import (
    ALLLIFE_COLUMNS,
    CATEGORIES,
    CC_GENERAL_COLUMNS,
    CUSTOMER_GROUPS,
    SAMPLES,
    generate_alllife,
    generate_customers,
    generate_transactions,
    write_samples,
)
from core.samples._files import (
    DEFAULT_DIRECTORY,
    main,
)

FREQUENCIES = [
    "BALANCE_FREQUENCY",
    "PURCHASES_FREQUENCY",
    "ONEOFF_PURCHASES_FREQUENCY",
    "PURCHASES_INSTALLMENTS_FREQUENCY",
    "CASH_ADVANCE_FREQUENCY",
    "PRC_FULL_PAYMENT",
]


@pytest.fixture(scope="module")
def portfolio() -> tuple[pd.DataFrame, pd.Series]:
    return generate_customers(return_groups=True)


@pytest.fixture(scope="module")
def transactions() -> pd.DataFrame:
    return generate_transactions()


@pytest.fixture(scope="module")
def tx_with_groups(transactions, portfolio) -> pd.DataFrame:
    frame, groups = portfolio
    group_of = pd.Series(groups.to_numpy(), index=frame["CUST_ID"].to_numpy())
    return transactions.assign(
        group=group_of.reindex(transactions["customer_id"].to_numpy()).to_numpy(),
        time=pd.to_datetime(transactions["timestamp"]),
    )


# ---- registry and files ------------------------------------------------------------------------------------
def test_registry_lists_the_three_samples_with_their_files_and_kinds():
    assert {key: (info.filename, info.kind) for key, info in SAMPLES.items()} == {
        "card_portfolio": ("card_portfolio.csv", "customers"),
        "card_transactions": ("card_transactions.csv", "transactions"),
        "branch_contacts": ("branch_contacts.csv", "customers"),
    }
    for info in SAMPLES.values():
        assert info.title and info.description.endswith(".")
        assert (DEFAULT_DIRECTORY / info.filename).is_file()


def test_write_samples_is_byte_for_byte_repeatable_and_matches_the_committed_files(tmp_path, capsys):
    first = write_samples(tmp_path / "a")
    assert main([str(tmp_path / "b")]) == 0
    assert "card_transactions.csv" in capsys.readouterr().out
    assert [path.name for path in first] == [info.filename for info in SAMPLES.values()]
    for path in first:
        data = path.read_bytes()
        assert b"\r" not in data
        assert data == (tmp_path / "b" / path.name).read_bytes()
        assert data == (DEFAULT_DIRECTORY / path.name).read_bytes(), f"regenerate {path.name}: make samples"


def test_committed_sample_data_stays_under_ten_megabytes():
    total = sum(path.stat().st_size for path in DEFAULT_DIRECTORY.iterdir() if path.is_file())
    assert total < 10_000_000


def test_committed_portfolio_reads_back_as_the_generated_frame(portfolio):
    read = pd.read_csv(DEFAULT_DIRECTORY / "card_portfolio.csv")
    pd.testing.assert_frame_equal(read, portfolio[0], check_dtype=False)


# ---- determinism -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "make",
    [
        lambda seed: generate_customers(500, random_state=seed),
        lambda seed: generate_transactions(n_customers=40, random_state=seed),
        lambda seed: generate_alllife(random_state=seed),
    ],
    ids=["customers", "transactions", "alllife"],
)
def test_same_seed_gives_the_same_frame_and_another_seed_another(make):
    pd.testing.assert_frame_equal(make(3), make(3))
    assert not make(3).equals(make(4))


def test_generators_refuse_an_empty_request():
    for call in (lambda: generate_customers(0), lambda: generate_alllife(0), lambda: generate_transactions(months=0)):
        with pytest.raises(DataError):
            call()


# ---- card portfolio ----------------------------------------------------------------------------------------
def test_portfolio_has_the_cc_general_layout(portfolio):
    frame, groups = portfolio
    assert tuple(frame.columns) == CC_GENERAL_COLUMNS
    assert len(frame) == 8950
    assert list(frame["CUST_ID"].head(3)) == ["C10001", "C10002", "C10003"]
    assert frame["CUST_ID"].is_unique
    for column in ("CASH_ADVANCE_TRX", "PURCHASES_TRX", "TENURE"):
        assert pd.api.types.is_integer_dtype(frame[column])
    assert "group" not in frame.columns
    assert set(groups) == set(CUSTOMER_GROUPS) and groups.index.equals(frame.index)


def test_portfolio_is_calibrated_to_cc_general(portfolio):
    frame, _ = portfolio
    assert 0.18 <= (frame["PURCHASES"] == 0).mean() <= 0.28
    assert frame[FREQUENCIES].ge(0).all().all() and frame[FREQUENCIES].le(1).all().all()
    assert (frame["TENURE"] == 12).mean() > 0.75
    assert frame["TENURE"].between(6, 12).all()
    assert 0.025 <= frame["MINIMUM_PAYMENTS"].isna().mean() <= 0.045
    assert frame["CREDIT_LIMIT"].isna().sum() == 1
    assert frame.drop(columns=["MINIMUM_PAYMENTS", "CREDIT_LIMIT"]).notna().all().all()
    parts = frame["ONEOFF_PURCHASES"] + frame["INSTALLMENTS_PURCHASES"]
    assert np.allclose(frame["PURCHASES"], parts, atol=0.011)
    assert frame["PURCHASES"].skew() > 3
    assert (frame.select_dtypes("number").min() >= 0).all()
    spearman = frame.drop(columns="CUST_ID").corr(method="spearman")
    assert spearman.loc["BALANCE", "CREDIT_LIMIT"] > 0.2
    assert spearman.loc["PAYMENTS", "PURCHASES"] > 0.2
    assert spearman.loc["BALANCE", "MINIMUM_PAYMENTS"] > 0.7


def test_transaction_counts_agree_with_frequencies(portfolio):
    frame, _ = portfolio
    months = frame["PURCHASES_FREQUENCY"] * frame["TENURE"]
    assert (frame["PURCHASES_TRX"] >= months.round() - 1e-9).all()
    assert ((frame["PURCHASES_TRX"] == 0) == (frame["PURCHASES"] == 0)).all()
    assert ((frame["CASH_ADVANCE_TRX"] == 0) == (frame["CASH_ADVANCE"] == 0)).all()
    assert ((frame["CASH_ADVANCE_TRX"] == 0) == (frame["CASH_ADVANCE_FREQUENCY"] == 0)).all()
    kinds = frame[["ONEOFF_PURCHASES_FREQUENCY", "PURCHASES_INSTALLMENTS_FREQUENCY"]]
    assert (frame["PURCHASES_FREQUENCY"] >= kinds.max(axis=1) - 2e-6).all()  # each rounded to 6 decimals
    assert (frame["PURCHASES_FREQUENCY"] <= kinds.sum(axis=1) + 2e-6).all()
    assert (frame.loc[frame["MINIMUM_PAYMENTS"].isna(), "PAYMENTS"] == 0).mean() > 0.5


def test_portfolio_resembles_the_real_file(portfolio, cc_general_path):
    frame, _ = portfolio
    real = pd.read_csv(cc_general_path)
    assert abs((frame["PURCHASES"] == 0).mean() - (real["PURCHASES"] == 0).mean()) < 0.03
    assert abs((frame["TENURE"] == 12).mean() - (real["TENURE"] == 12).mean()) < 0.03
    for column in ("BALANCE", "PURCHASES", "CREDIT_LIMIT", "PAYMENTS", "MINIMUM_PAYMENTS"):
        ratio = frame[column].median() / real[column].median()
        assert 0.5 < ratio < 2, column


def test_latent_groups_are_recoverable_by_kmeans(portfolio):
    frame, groups = portfolio
    features = frame.drop(columns="CUST_ID")
    scaled = np.log1p(features.fillna(features.median()))
    scaled = (scaled - scaled.mean()) / scaled.std()
    labels = KMeans(len(CUSTOMER_GROUPS), n_init=4, random_state=0).fit_predict(scaled)
    assert adjusted_rand_score(groups, labels) > 0.5


def test_groups_behave_as_named(portfolio):
    frame, groups = portfolio
    means = frame.drop(columns="CUST_ID").groupby(groups.to_numpy()).mean()
    assert means["CASH_ADVANCE"].idxmax() == "cash_advance"
    assert means["PRC_FULL_PAYMENT"].idxmax() == "transactors"
    assert means["CREDIT_LIMIT"].idxmax() == "premium"
    assert means["ONEOFF_PURCHASES"].idxmax() == "premium"
    assert means["PURCHASES_INSTALLMENTS_FREQUENCY"].idxmax() == "instalment_buyers"
    assert means["PURCHASES_FREQUENCY"].idxmin() == "dormant"
    assert (means.loc["revolvers", "BALANCE"] / means.loc["revolvers", "CREDIT_LIMIT"]) > 0.5


# ---- transactions ------------------------------------------------------------------------------------------
def test_transactions_have_the_promised_columns_and_formats(transactions):
    assert list(transactions.columns) == [
        "transaction_id",
        "timestamp",
        "customer_id",
        "card_number",
        "merchant",
        "category",
        "channel",
        "amount",
        "is_fraud",
    ]
    assert transactions["transaction_id"].is_unique
    assert transactions["timestamp"].str.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}").all()
    assert transactions["card_number"].str.fullmatch(r"\*{12}\d{4}").all()
    assert set(transactions["channel"]) == {"online", "in-store", "ATM"}
    assert set(transactions["is_fraud"]) == {0, 1}
    assert np.allclose(transactions["amount"], transactions["amount"].round(2))
    assert 0 < (transactions["amount"] < 0).mean() < 0.02
    assert transactions.groupby("customer_id")["card_number"].nunique().eq(1).all()
    is_atm = transactions["channel"] == "ATM"
    assert (is_atm == (transactions["category"] == "cash withdrawal (ATM)")).all()


def test_transactions_belong_to_portfolio_customers_within_the_period(transactions, portfolio):
    assert set(transactions["customer_id"]) <= set(portfolio[0]["CUST_ID"])
    assert 1000 <= transactions["customer_id"].nunique() <= 1500
    times = pd.to_datetime(transactions["timestamp"])
    assert times.min() >= pd.Timestamp("2024-11-01") and times.max() <= pd.Timestamp("2026-10-31 23:59:59")
    assert times.is_monotonic_increasing
    assert 10 <= transactions["category"].nunique() <= 15
    assert set(transactions["category"]) <= set(CATEGORIES)


def test_fraud_is_a_small_labelled_share_with_its_telltale_signs(tx_with_groups):
    tx = tx_with_groups
    fraud, legit = tx[tx["is_fraud"] == 1], tx[tx["is_fraud"] == 0]
    assert 0.003 <= len(fraud) / len(tx) <= 0.015
    assert (fraud["channel"] == "online").all()
    night = lambda frame: (frame["time"].dt.hour < 5).mean()  # noqa: E731
    assert night(fraud) > 3 * night(legit)
    assert (fraud["amount"] < 10).mean() > 0.4 and fraud["amount"].max() > 10 * legit["amount"].median()
    seen = set(zip(legit["customer_id"], legit["category"], strict=True))
    new = [(c, k) not in seen for c, k in zip(fraud["customer_id"], fraud["category"], strict=True)]
    assert np.mean(new) > 0.8


def test_seasonality_and_group_trends(tx_with_groups):
    tx = tx_with_groups[tx_with_groups["is_fraud"] == 0]
    monthly = tx.groupby(tx["time"].dt.to_period("M"))["amount"].sum()
    assert len(monthly) == 24
    december = monthly[monthly.index.month == 12]
    assert (december > monthly.mean()).all()
    summer = tx["time"].dt.month.isin([6, 7, 8])
    travel = tx["category"] == "travel"
    assert travel[summer].mean() > 1.3 * travel[~summer].mean()
    second_year = tx["time"] >= pd.Timestamp("2025-11-01")
    counts = tx.groupby(["group", second_year]).size().unstack()
    assert counts.loc["instalment_buyers", True] > 1.1 * counts.loc["instalment_buyers", False]
    assert counts.loc["cash_advance", True] < 0.9 * counts.loc["cash_advance", False]
    online = tx["channel"] == "online"
    assert online[second_year].mean() > online[~second_year].mean() + 0.03


def test_behaviour_follows_each_customers_group(tx_with_groups):
    tx = tx_with_groups[tx_with_groups["is_fraud"] == 0]
    atm_share = (tx["channel"] == "ATM").groupby(tx["group"]).mean()
    assert atm_share.idxmax() == "cash_advance"
    per_customer = tx.groupby("group")["customer_id"].agg(["size", "nunique"])
    rate = per_customer["size"] / per_customer["nunique"]
    assert rate.idxmin() == "dormant"
    buys = tx[tx["channel"] != "ATM"]
    electronics = buys["category"].isin(["electronics", "online retail"]).groupby(buys["group"]).mean()
    assert electronics.idxmax() == "instalment_buyers"


def test_transactions_for_a_given_customer_table(portfolio):
    frame = portfolio[0].head(60)
    tx = generate_transactions(frame, n_customers=500, months=12)
    assert set(tx["customer_id"]) <= set(frame["CUST_ID"])
    assert pd.to_datetime(tx["timestamp"]).min() >= pd.Timestamp("2025-11-01")
    pd.testing.assert_frame_equal(frame, portfolio[0].head(60))  # input untouched
    with pytest.raises(DataError, match="PURCHASES_TRX"):
        generate_transactions(frame.drop(columns="PURCHASES_TRX"))


# ---- branch contacts (AllLife) -----------------------------------------------------------------------------
def test_alllife_layout_and_groups():
    frame, groups = generate_alllife(return_groups=True)
    assert tuple(frame.columns) == ALLLIFE_COLUMNS
    assert len(frame) == 660
    assert all(pd.api.types.is_integer_dtype(frame[column]) for column in frame.columns)
    assert list(frame["Sl_No"]) == list(range(1, 661))
    assert frame["Customer Key"].between(10000, 99999).all()
    assert 1 <= frame["Customer Key"].duplicated().sum() <= 10
    shares = groups.value_counts(normalize=True)
    assert shares["branch_first_mid"] == pytest.approx(0.58, abs=0.02)
    assert shares["phone_first_low"] == pytest.approx(0.34, abs=0.02)
    assert shares["online_first_premium"] == pytest.approx(0.076, abs=0.01)
    means = frame.groupby(groups.to_numpy()).mean()
    assert means["Avg_Credit_Limit"].idxmax() == "online_first_premium"
    assert means["Total_calls_made"].idxmax() == "phone_first_low"
    assert means["Total_visits_bank"].idxmax() == "branch_first_mid"
    features = frame.drop(columns=["Sl_No", "Customer Key"])
    scaled = (features - features.mean()) / features.std()
    labels = KMeans(3, n_init=4, random_state=0).fit_predict(scaled)
    assert adjusted_rand_score(groups, labels) > 0.9


def test_module_docstring_names_every_sample():
    import core.samples

    for info in SAMPLES.values():
        assert re.search(re.escape(info.filename), core.samples._files.__doc__)
