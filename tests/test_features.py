"""Credit-card presets and transactions -> customer features, on literal frames and the real sample."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.errors import DataError
from core.features import add_features, available_presets, customer_features, derived_roles, join_customers
from core.transactions import infer_transaction_columns, standardize_transactions


def test_presets_are_offered_only_when_their_columns_exist():
    cc = pd.DataFrame(columns=["CUST_ID", "BALANCE", "CREDIT_LIMIT", "PURCHASES", "PURCHASES_TRX"], dtype="float64")
    assert list(available_presets(cc)) == ["utilisation", "avg_purchase_per_trx"]
    alllife = pd.DataFrame(
        {"Customer Key": [1], "Total_visits_bank": [2], "Total_visits_online": [1], "Total_calls_made": [1]}
    )
    assert list(available_presets(alllife)) == ["bank_visit_share", "online_visit_share", "call_share"]
    assert available_presets(pd.DataFrame({"BALANCE": [1.0], "LIMIT": [2.0]}), {"LIMIT": "id"}) == {}


def test_channel_mix_for_alllife_with_a_customer_without_contacts():
    frame = pd.DataFrame({"Total_visits_bank": [2, 0], "Total_visits_online": [1, 0], "Total_calls_made": [1, 0]})
    out, notes = add_features(frame, ["bank_visit_share", "online_visit_share", "call_share"])
    assert out["bank_visit_share"].tolist() == [0.5, 0.0]
    assert out["call_share"].tolist() == [0.25, 0.0]
    assert notes[0] == "bank_visit_share: 1 customer with a zero or missing denominator got 0."
    assert list(frame.columns) == ["Total_visits_bank", "Total_visits_online", "Total_calls_made"]


def test_ratios_never_give_inf_and_explain_fills():
    frame = pd.DataFrame({"PAYMENTS": [50.0, 10.0, np.nan], "MINIMUM_PAYMENTS": [25.0, 0.0, 5.0]})
    out, notes = add_features(frame, ["payment_ratio"])
    assert out["payment_ratio"].tolist() == [2.0, 1.0, 1.0]
    assert notes == [
        "payment_ratio: 1 customer with a zero or missing denominator got 1.",
        "payment_ratio: 1 customer with a missing value got 1.",
    ]


def test_unknown_or_unavailable_presets_are_refused():
    with pytest.raises(DataError, match="no feature preset called 'magic'"):
        add_features(pd.DataFrame({"a": [1]}), ["magic"])
    with pytest.raises(DataError, match="utilisation feature needs the columns BALANCE"):
        add_features(pd.DataFrame({"a": [1]}), ["utilisation"])


def canonical() -> pd.DataFrame:
    """Two customers, hand-built: A buys 3 times (one at night) and refunds once; B buys once at an ATM."""
    return pd.DataFrame(
        {
            "row": [0, 1, 2, 3, 4],
            "customer_id": ["A", "A", "A", "A", "B"],
            "timestamp": pd.to_datetime(
                ["2024-01-05 10:00", "2024-01-20 02:30", "2024-03-01 12:00", "2024-03-02 12:00", "2024-03-11 09:00"]
            ),
            "amount": [100.0, 50.0, 30.0, -20.0, 200.0],
            "category": ["Grocery", "travel", "Grocery", "Grocery", "ATM Withdrawal"],
            "is_refund": [False, False, False, True, False],
        }
    )


def test_customer_features_have_known_rfm_and_shares():
    out = customer_features(canonical())
    expected = pd.DataFrame(
        {
            "customer_id": pd.array(["A", "B"], dtype="string"),
            "recency_days": [8, 0],  # 8 days 21 hours: whole days
            "frequency": [3, 1],
            "monetary": [160.0, 200.0],
            "active_months": [2, 1],
            "avg_ticket": [60.0, 200.0],
            "refund_count": [1, 0],
            "cat_atm_withdrawal": [0.0, 1.0],
            "cat_grocery": [130 / 180, 0.0],
            "cat_travel": [50 / 180, 0.0],
            "night_share": [0.25, 0.0],
            "cash_share": [0.0, 1.0],
        }
    )
    pd.testing.assert_frame_equal(out, expected)


def test_as_of_ignores_later_transactions():
    out = customer_features(canonical(), as_of="2024-02-01")
    assert out["customer_id"].tolist() == ["A"]
    assert out.loc[0, "recency_days"] == 11 and out.loc[0, "frequency"] == 2


def test_customer_features_need_the_canonical_columns():
    with pytest.raises(DataError, match="customer_id"):
        customer_features(pd.DataFrame({"amount": [1.0]}))


def test_customer_features_from_the_sparkov_sample(sparkov_path):
    raw = pd.read_csv(sparkov_path)
    tx, _ = standardize_transactions(raw, infer_transaction_columns(raw))
    out = customer_features(tx)
    assert len(out) == 913 and out.columns[0] == "customer_id" and out["customer_id"].is_unique
    assert out["frequency"].sum() == 15000
    assert out["monetary"].sum() == pytest.approx(raw["amt"].sum())
    shares = out.filter(like="cat_")
    assert shares.shape[1] == 14 and np.allclose(shares.sum(axis=1), 1.0)
    assert out["active_months"].max() <= 18 and out["night_share"].between(0, 1).all()
    assert derived_roles(out)["customer_id"] == "id"


def test_join_counts_unmatched_ids_on_both_sides():
    customers = pd.DataFrame({"cust": [1.0, 2.0, 7.0], "limit": [10.0, 20.0, 30.0]}, index=[10, 11, 12])
    derived = customer_features(canonical().replace({"customer_id": {"A": "1", "B": "9"}}))
    joined, report = join_customers(customers, "cust", derived)
    assert joined.index.tolist() == [10] and joined.loc[10, "frequency"] == 3
    assert (report.matched, report.only_in_customers, report.only_in_transactions) == (1, 2, 1)
    with pytest.raises(DataError, match="No customer id"):
        join_customers(customers.assign(cust=[5.0, 6.0, 8.0]), "cust", derived)
