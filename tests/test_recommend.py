"""Per-segment and per-customer recommendations, feedback files, ranking changes, category suggestions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core import recommend
from core.errors import DataError
from core.recommend import _catalogue as offers
from core.recommend import feedback_rows

NAMES = {0: "Revolvers", 1: "Transactors"}


@pytest.fixture
def table() -> pd.DataFrame:
    """Six customers: three revolvers (high balance, rarely pay in full), three transactors."""
    return pd.DataFrame(
        {
            "CUST_ID": ["R1", "R2", "R3", "T1", "T2", "T3"],
            "BALANCE": [900.0, 800.0, 700.0, 50.0, 80.0, 20.0],
            "CREDIT_LIMIT": [1000.0] * 6,
            "PURCHASES": [100.0, 200.0, 50.0, 3000.0, 2500.0, 4000.0],
            "ONEOFF_PURCHASES": [50.0, 100.0, 0.0, 2900.0, 2000.0, 3900.0],
            "INSTALLMENTS_PURCHASES": [50.0, 100.0, 50.0, 100.0, 500.0, 100.0],
            "CASH_ADVANCE": [0.0] * 6,
            "PURCHASES_FREQUENCY": [0.2, 0.3, 0.1, 0.9, 1.0, 0.8],
            "PURCHASES_TRX": [2.0, 4.0, 1.0, 30.0, 25.0, 15.0],
            "PAYMENTS": [300.0, 250.0, 200.0, 3000.0, 2600.0, 4100.0],
            "MINIMUM_PAYMENTS": [100.0] * 6,
            "PRC_FULL_PAYMENT": [0.0, 0.1, 0.0, 1.0, 0.9, 1.0],
            "TENURE": [12.0] * 6,
        }
    )


LABELS = np.array([0, 0, 0, 1, 1, 1])


def test_top_offers_table_contract_and_reasons(table):
    top = recommend.top_offers_table(table, LABELS, id_column="CUST_ID", names=NAMES, top_n=2)
    assert list(top.columns) == [
        "customer_id",
        "segment",
        "segment_name",
        "rank",
        "offer_id",
        "offer",
        "score",
        "reason",
    ]
    assert top["customer_id"].tolist() == ["R1", "R1", "R2", "R2", "R3", "R3", "T1", "T1", "T2", "T2", "T3", "T3"]
    assert top["rank"].tolist() == [1, 2] * 6
    r1 = top[top["customer_id"] == "R1"]
    # autopay 0.15 x (0.5 + 0.625), balance transfer 0.08 x (0.5 + 0.875), fraud alerts 0.12 x (0.5 + 1/3)
    assert r1["offer_id"].tolist() == ["autopay_nudge", "balance_transfer"]
    assert r1["score"].tolist() == pytest.approx([0.16875, 0.11])
    assert r1["reason"].tolist() == [
        "pays in full 0% of months, pays 3.0x the minimum",
        "carries a balance: utilisation 90%, pays in full 0% of months",
    ]
    assert (top.groupby("customer_id")["score"].apply(lambda s: s.is_monotonic_decreasing)).all()
    t1 = top[top["customer_id"] == "T1"]
    assert t1["offer_id"].tolist() == ["fraud_alerts", "cashback_card"]
    assert t1["score"].tolist() == pytest.approx([0.18, 0.16])
    assert t1["reason"].tolist() == ["30 purchases in six months", "buys in 90% of months, purchases worth 3,000"]
    assert set(top["segment_name"]) == {"Revolvers", "Transactors"}


def test_balance_transfer_reason_in_words(table):
    top = recommend.top_offers_table(table, LABELS, id_column="CUST_ID", names=NAMES, top_n=11)
    row = top[(top["customer_id"] == "R1") & (top["offer_id"] == "balance_transfer")].iloc[0]
    assert row["reason"] == "carries a balance: utilisation 90%, pays in full 0% of months"
    assert not ((top["segment"] == 1) & (top["offer_id"] == "balance_transfer")).any()


def test_segment_ranking_has_priors_intervals_and_reasons(table):
    ranked = recommend.segment_offers(table, LABELS, names=NAMES, id_column="CUST_ID")
    revolvers = ranked[ranked["segment"] == 0].set_index("offer_id")
    assert revolvers.loc["balance_transfer", "eligible_share"] == pytest.approx(1.0)
    assert revolvers.loc["balance_transfer", "reason"] == (
        "100% of the segment qualify; typical: carries a balance: utilisation 80%, pays in full 0% of months"
    )
    assert np.allclose(ranked["expected_acceptance"], ranked["prior"]), "without feedback the posterior is the prior"
    assert (ranked["low"] < ranked["expected_acceptance"]).all()
    assert ranked.groupby("segment")["rank"].apply(lambda r: r.tolist() == list(range(1, len(r) + 1))).all()


def test_feedback_changes_segment_ranking_and_customer_scores(table):
    scored = recommend.score_customers(table, LABELS, id_column="CUST_ID")
    before = recommend.rank_segments(scored, names=NAMES)
    feedback = pd.concat([feedback_rows(c, "reactivation", 1) for c in ["R1", "R2", "R3", "R1"]], ignore_index=True)
    after = recommend.rank_segments(scored, names=NAMES, feedback=feedback)
    changes = recommend.ranking_changes(before, after).set_index(["segment", "offer_id"])
    assert changes.loc[(0, "reactivation"), "change"] > 0
    # R1 answered twice and counts once: 3 of 3 accepted lifts the offer, though only R3 of the three qualifies
    before_rank = before.set_index(["segment", "offer_id"]).loc[(0, "reactivation"), "rank"]
    assert changes.loc[(0, "reactivation"), "rank"] < before_rank
    assert (changes.xs(1, level="segment")["change"] == 0).all(), "another segment's ranking is untouched"
    top = recommend.top_offers_table(
        table, LABELS, id_column="CUST_ID", names=NAMES, feedback=feedback, scored=scored, top_n=1, only=["R3"]
    )
    assert top["offer_id"].tolist() == ["reactivation"]
    assert top["reason"].iloc[0].endswith("campaign feedback in this segment: 3 of 3 accepted")  # R1 counts once


def test_one_outcome_per_customer_and_offer_the_last_one_wins(table):
    scored = recommend.score_customers(table, LABELS, id_column="CUST_ID")
    history = pd.concat(
        [
            feedback_rows("R1", "reactivation", 1),
            feedback_rows("R1", "reactivation", 0),  # R1 changed their mind: declined counts, accepted is history
            feedback_rows("R2", "reactivation", 1),
            feedback_rows("R2", "reactivation", 1),  # the same answer recorded twice counts once
        ],
        ignore_index=True,
    )
    latest = recommend.latest_outcomes(history)
    assert latest[["customer_id", "outcome"]].values.tolist() == [["R1", 0], ["R2", 1]]
    assert len(history) == 4, "the history is kept"
    counted = recommend.rank_segments(scored, names=NAMES, feedback=history)
    once = recommend.rank_segments(scored, names=NAMES, feedback=latest)
    pd.testing.assert_frame_equal(counted, once)


def test_ranking_changes_without_history_are_zero(table):
    ranked = recommend.segment_offers(table, LABELS, names=NAMES, id_column="CUST_ID")
    changes = recommend.ranking_changes(None, ranked)
    assert changes["rank_before"].isna().all() and (changes["change"] == 0).all()


def test_campaign_file_keeps_good_rows_and_reports_bad_ones_by_line(table):
    data = (
        b"customer_id,offer,outcome,date\n"
        b"R1,balance_transfer,accepted,2024-03-01\n"
        b"X9,balance_transfer,yes,2024-03-01\n"
        b"R2,gold_card,no,\n"
        b"R3,Cashback card,maybe,\n"
        b"T1,fraud_alerts,Declined,not a date\n"
        b"T2,FRAUD_ALERTS,0,\n"
        b"T3,travel_rewards,TRUE,2024-03-02\n"
    )
    result = recommend.read_feedback(
        data, "campaign.csv", customer_ids=table["CUST_ID"], catalogue=offers.load_catalogue()
    )
    assert result.valid["customer_id"].tolist() == ["R1", "T2", "T3"]
    assert result.valid["offer_id"].tolist() == ["balance_transfer", "fraud_alerts", "travel_rewards"]
    assert result.valid["outcome"].tolist() == [1, 0, 1]
    assert result.valid["date"].iloc[0] == pd.Timestamp("2024-03-01") and pd.isna(result.valid["date"].iloc[1])
    assert result.problems["line"].tolist() == [3, 4, 5, 6]
    assert result.problems["reason"].tolist() == [
        "unknown customer X9",
        "unknown offer 'gold_card'",
        "outcome 'maybe' is not accept/decline (or yes/no, 1/0)",
        "date 'not a date' is not a date",
    ]


def test_campaign_file_without_an_outcome_column_is_refused(table):
    with pytest.raises(DataError, match="outcome"):
        recommend.read_feedback(
            b"customer_id,offer_id\nR1,x\n", "c.csv", customer_ids=["R1"], catalogue=offers.load_catalogue()
        )


def test_numeric_customer_ids_match_whatever_the_file_type():
    catalogue = offers.load_catalogue()
    result = recommend.read_feedback(
        b"Customer Key,offer_id,result\n87073,fraud_alerts,yes\n", "c.csv", customer_ids=[87073.0], catalogue=catalogue
    )
    assert result.valid["customer_id"].tolist() == ["87073"] and result.problems.empty


def test_category_suggestions_by_lift_skip_categories_already_used():
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "b", "b", "c", "c", "d"],
            "category": ["travel", "grocery", "travel", "dining", "dining", "grocery", "grocery", "grocery"],
        }
    )
    segment_by_customer = pd.Series({"a": 0, "b": 0, "c": 1, "d": 1})
    out = recommend.category_suggestions(tx, segment_by_customer, "a")
    # segment 0: travel 2/5, dining 2/5, grocery 1/5; overall: travel 2/8, dining 2/8, grocery 4/8
    assert out["category"].tolist() == ["dining"]
    assert out["lift"].tolist() == pytest.approx([1.6])
    assert recommend.category_suggestions(tx, segment_by_customer, "zz").empty
    assert recommend.category_suggestions(tx.drop(columns="category"), segment_by_customer, "a").empty


def test_real_cc_general_every_customer_gets_offers(cc_general_path):
    table = pd.read_csv(cc_general_path)
    labels = (table["PURCHASES"] > table["PURCHASES"].median()).astype(int).to_numpy()
    top = recommend.top_offers_table(table, labels, id_column="CUST_ID", names=NAMES)
    assert top["customer_id"].nunique() == len(table)
    assert top["score"].between(0, 1).all()
    cash_reliant = table.loc[table["CASH_ADVANCE"] > table["PURCHASES"], "CUST_ID"]
    assert not top[top["customer_id"].isin(cash_reliant)]["offer_id"].eq("cash_advance_promo").any()
