"""Bank exports written the way most banks outside the English-speaking card datasets write them.

A German card export opened in Excel (``tests/layouts.py``: ``german_card_export``) was read silently wrong
three ways: its ``Kundennummer`` was not taken for the customer (one account instead of 120 customers), its card
payments, written negative as on every German statement, were read as refunds, and its dates without a time of
day put every transaction at 00:00, so everyone shopped "at night" and every fraud reason began "at 00:00".
"""

from __future__ import annotations

import re
from functools import cache

import numpy as np
import pandas as pd
import pytest
from layouts import LAYOUTS, Layout, german_card_rows

from core.features import customer_features
from core.fraud import score_transactions, transaction_features
from core.io import load_table
from core.schema import understand
from core.transactions import (
    DATE_ONLY_NOTE,
    SPENDING_NEGATIVE_NOTE,
    customer_key,
    infer_transaction_columns,
    standardize_transactions,
)

GERMAN = "german-card-export-xlsx-with-kundennummer-negative-spending-and-date-only"


@cache
def _layout(name: str) -> Layout:
    return LAYOUTS[name](0)


@cache
def _frame(name: str) -> pd.DataFrame:
    layout = _layout(name)
    return load_table(layout.data, layout.filename).frame


@cache
def _standardized(name: str):
    frame = _frame(name)
    return standardize_transactions(frame, infer_transaction_columns(frame))


def _canonical(name: str) -> pd.DataFrame:
    return _standardized(name)[0]


@cache
def _scored(name: str) -> pd.DataFrame:
    return score_transactions(_canonical(name))


def _with(attribute: str) -> list[str]:
    names = []
    for name in LAYOUTS:
        try:
            expect = _layout(name).expect
        except FileNotFoundError:  # CC GENERAL lives outside the project
            continue
        if expect.kind == "transactions" and getattr(expect, attribute):
            names.append(name)
    return names


TRANSACTIONS = _with("kind")
MONEY_IN = [name for name in TRANSACTIONS if _layout(name).expect.money_in is not None]
DATE_ONLY = _with("date_only")
CLOCK = [name for name in TRANSACTIONS if not _layout(name).expect.date_only]


# ------------------------------------------------------------------------------------------ customer key


def test_the_german_export_is_keyed_by_its_kundennummer_with_every_customer():
    frame, expect = _frame(GERMAN), _layout(GERMAN).expect
    assert understand(frame).key == "Kundennummer"
    assert infer_transaction_columns(frame).customer == "Kundennummer"
    assert infer_transaction_columns(frame).category == "Kategorie"
    assert _canonical(GERMAN)["customer_id"].nunique() == expect.n_customers == 120
    assert not any("one account" in note for note in _standardized(GERMAN)[1].notes)


@pytest.mark.parametrize(
    "name",
    [
        "Kundennummer",
        "Kunden-Nr.",
        "Kundennr",
        "Kd-Nr",
        "Kontonummer",
        "Konto",
        "Kartennummer",
        "Karten-Nr",
        "Numéro client",
        "N° de compte",
        "Numéro de carte",
        "Número de cliente",
        "numero de cuenta",
        "Klantnummer",
        "Rekeningnummer",
        "Codice cliente",
        "Numero conto",
    ],
)
def test_customer_and_account_numbers_are_keys_in_the_words_of_european_banks(name):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "Buchungsdatum": [f"{day:02d}.03.2024" for day in rng.integers(1, 29, 200)],
            name: [f"{v:08d}" for v in rng.integers(10**6, 10**6 + 30, 200)],
            "Verwendungszweck": [f"KARTENZAHLUNG {v}" for v in rng.integers(1000, 9999, 200)],
            "Betrag": (-rng.lognormal(3, 1, 200)).round(2),
        }
    )
    assert customer_key(frame) == name
    assert infer_transaction_columns(frame).customer == name


@pytest.mark.parametrize("other", ["Kontonummer/IBAN", "Tegenrekening", "Gegenkonto"])
def test_the_other_partys_account_is_never_the_customer(other):
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            other: [f"DE{v:020d}" for v in rng.integers(0, 40, 300)],
            "Kundennummer": [f"{v:08d}" for v in rng.integers(0, 60, 300)],
            "Buchungstag": [f"{day:02d}.03.24" for day in rng.integers(1, 29, 300)],
            "Betrag": (-rng.lognormal(3, 1, 300)).round(2),
        }
    )
    assert infer_transaction_columns(frame).customer == "Kundennummer"


# ---------------------------------------------------------------------------------------- amount signs


def _truth() -> pd.DataFrame:
    return german_card_rows(0)


def test_card_payments_written_negative_are_spending_and_credits_are_money_in():
    canonical, report = _standardized(GERMAN)
    truth = _truth()
    assert SPENDING_NEGATIVE_NOTE in report.notes
    assert report.refunds == int(canonical["is_refund"].sum()) == int((truth["amount"] > 0).sum())
    assert (canonical.loc[~canonical["is_refund"], "amount"] > 0).all()
    assert canonical["amount"].abs().sum() == pytest.approx(truth["amount"].abs().sum())


def test_customer_features_count_purchases_and_refunds_by_what_the_money_did():
    features = customer_features(_canonical(GERMAN)).set_index("customer_id")
    truth = _truth()
    spent = truth.loc[truth["amount"] < 0].groupby("customer")["amount"]
    credited = truth.loc[truth["amount"] > 0].groupby("customer")["amount"]
    frequency = spent.size().reindex(features.index, fill_value=0)
    refunds = credited.size().reindex(features.index, fill_value=0)
    spend = -spent.sum().reindex(features.index, fill_value=0.0)
    assert features["frequency"].tolist() == frequency.tolist()
    assert features["refund_count"].tolist() == refunds.tolist()
    assert (features["frequency"] > features["refund_count"]).all()
    assert (features["avg_ticket"] > 0).all()
    assert np.allclose(features["avg_ticket"], spend / frequency)
    # net spend: purchases minus money in, so a customer whose card was paid off more than was spent is negative
    net = spend - credited.sum().reindex(features.index, fill_value=0.0)
    assert np.allclose(features["monetary"], net)
    cat = features.filter(like="cat_")
    assert ((cat >= 0) & (cat <= 1)).all().all() and np.allclose(cat.sum(axis=1), 1.0)


@pytest.mark.parametrize("name", MONEY_IN)
def test_money_in_is_counted_as_refunds_whatever_sign_the_file_gives_it(name):
    canonical = _canonical(name)
    assert int(canonical["is_refund"].sum()) == _layout(name).expect.money_in


@pytest.mark.parametrize("name", TRANSACTIONS)
def test_most_transactions_are_spending(name):
    canonical = _canonical(name)
    assert (canonical["amount"] > 0).mean() > 0.5


def test_purchases_written_positive_with_a_few_negative_refunds_keep_their_signs():
    amounts = [25.0, 12.5, -12.5, 80.0, 3.2, -7.0, 19.99]
    frame = pd.DataFrame(
        {
            "customer_id": ["a", "b"] * 3 + ["a"],
            "date": pd.date_range("2024-01-01", periods=7, freq="D"),
            "amount": amounts,
        }
    )
    canonical, report = standardize_transactions(frame, infer_transaction_columns(frame))
    assert sorted(canonical["amount"]) == sorted(amounts)
    assert int(canonical["is_refund"].sum()) == 2
    assert SPENDING_NEGATIVE_NOTE not in report.notes


def test_money_out_and_money_in_columns_are_not_flipped():
    frame = pd.DataFrame(
        {
            "Account": ["1", "2"] * 4,
            "Date": [f"0{d}/02/2024" for d in range(1, 9)],
            "Money Out": ["", "", "", "", "", "12.00", "", "3.00"],
            "Money In": ["10.00", "20.00", "5.00", "1.00", "2.00", "", "7.00", ""],
        }
    )
    canonical, report = standardize_transactions(frame, infer_transaction_columns(frame))
    assert int(canonical["is_refund"].sum()) == 6
    assert SPENDING_NEGATIVE_NOTE not in report.notes


# -------------------------------------------------------------------------------- dates without a clock

_CLOCK_WORDS = re.compile(r"\bat \d{1,2}:\d{2}\b|within an hour", re.IGNORECASE)


@pytest.mark.parametrize("name", DATE_ONLY)
def test_no_time_of_day_feature_or_reason_on_a_date_only_file(name):
    canonical, report = _standardized(name)
    assert DATE_ONLY_NOTE in report.notes
    features = customer_features(canonical)
    assert (features["night_share"] == 0.0).all()
    assert any("time of day" in note for note in features.attrs["notes"])
    fraud = transaction_features(canonical)
    assert not fraud["is_night"].any()
    assert fraud["count_1h"].isna().all() and fraud["sum_1h"].isna().all()
    scored = _scored(name)
    reasons = scored.loc[scored["flagged"], "reasons"].astype(str)
    assert [reason for reason in reasons if _CLOCK_WORDS.search(reason)] == []
    assert any("time of day" in note for note in scored.attrs["notes"])


def test_the_other_features_of_a_date_only_file_are_those_of_the_same_days_with_a_clock():
    canonical = _canonical(GERMAN)
    noon = canonical.assign(timestamp=canonical["timestamp"] + pd.Timedelta(hours=12))
    dated, clocked = customer_features(canonical), customer_features(noon)
    pd.testing.assert_frame_equal(dated.drop(columns="night_share"), clocked.drop(columns="night_share"))
    time_of_day = ["is_night", "count_1h", "sum_1h"]
    pd.testing.assert_frame_equal(
        transaction_features(canonical).drop(columns=time_of_day),
        transaction_features(noon).drop(columns=time_of_day),
    )


@pytest.mark.parametrize("name", CLOCK)
def test_files_with_a_time_of_day_keep_their_hour_features(name):
    canonical, report = _standardized(name)
    assert DATE_ONLY_NOTE not in report.notes
    assert transaction_features(canonical)["count_1h"].notna().all()


def test_the_load_report_says_before_cleaning_how_signs_and_clock_times_will_be_read():
    """What the Upload page and the command line print ("What CardLens understood") names both readings."""
    lines = "\n".join(understand(_frame(GERMAN)).lines("export.xlsx"))
    assert "most are negative, so negative amounts are read as spending" in lines
    assert "no time of day (every transaction at 00:00)" in lines


@pytest.mark.parametrize("name", CLOCK)
def test_files_with_clock_times_get_no_date_only_note(name):
    lines = "\n".join(understand(_frame(name)).lines(name))
    assert "no time of day" not in lines
