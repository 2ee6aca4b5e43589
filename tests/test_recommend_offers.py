"""The offer catalogue: rule language, eligibility, guardrails, protected attributes, reasons."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.errors import DataError
from core.recommend import _catalogue as offers
from core.recommend._scores import reasons_for, score_customers


def customers(**columns) -> pd.DataFrame:
    return pd.DataFrame({"CUST_ID": [f"C{i}" for i in range(len(next(iter(columns.values()))))], **columns})


def one_offer(**fields) -> pd.DataFrame:
    base = {
        "offer_id": "o",
        "name": "Offer",
        "description": "An offer",
        "eligible_if": "",
        "excluded_if": "",
        "fit_features": "",
        "base_rate": "0.1",
        "reason": "",
    }
    return pd.DataFrame([{**base, **fields}])


def test_rule_language_parses_and_or_percent():
    rule = offers.parse_rule("Utilisation > 70% and full_payment_rate >= 0.5 or TENURE <= 6")
    assert [[str(c) for c in group] for group in rule] == [
        ["utilisation > 0.7", "full_payment_rate >= 0.5"],
        ["tenure <= 6"],
    ]
    assert offers.parse_rule("") == ()


@pytest.mark.parametrize(
    "text",
    ["__import__('os').system('x')", "utilisation > abc", "utilisation >", "a > 1 and", "open('f') == 1"],
    ids=["code", "word not number", "no number", "dangling and", "call"],
)
def test_rule_language_refuses_anything_but_comparisons(text):
    with pytest.raises(DataError, match="not understood"):
        offers.parse_rule(text)


def test_evaluate_rule_missing_feature_blocks_eligibility_and_trips_guardrail():
    features = pd.DataFrame({"x": [1.0, 5.0, np.nan]})
    rule = offers.parse_rule("x > 2 or absent > 0")
    assert offers.evaluate_rule(rule, features, missing_means=False, empty_means=True).tolist() == [
        False,
        True,
        False,
    ]
    guard = offers.parse_rule("x > 2")
    assert offers.evaluate_rule(guard, features, missing_means=True, empty_means=False).tolist() == [
        False,
        True,
        True,
    ]


def test_credit_limit_increase_only_when_utilisation_above_70_and_pays_in_full_half_the_months():
    table = customers(
        BALANCE=[800.0, 800.0, 500.0, 900.0],
        CREDIT_LIMIT=[1000.0, 1000.0, 1000.0, 1000.0],
        PRC_FULL_PAYMENT=[0.5, 0.4, 0.9, 0.8],
        PAYMENTS=[500.0, 500.0, 500.0, 500.0],
        MINIMUM_PAYMENTS=[100.0, 100.0, 100.0, 100.0],
        PURCHASES=[100.0, 100.0, 100.0, 100.0],
        CASH_ADVANCE=[0.0, 0.0, 0.0, 0.0],
    )
    scored = score_customers(table, np.zeros(4, dtype=int), id_column="CUST_ID")
    eligible = scored.scores["credit_limit_increase"].notna().tolist()
    # 80% & 0.5: yes; 80% & 0.4: pays in full too rarely; 50%: not utilised enough; 90% & 0.8: yes
    assert eligible == [True, False, False, True]


def test_no_cash_advance_promotion_to_cash_advance_reliant_or_high_risk_customers():
    table = customers(
        BALANCE=[100.0, 100.0, 100.0, 950.0, 100.0],
        CREDIT_LIMIT=[1000.0] * 5,
        PURCHASES=[900.0, 100.0, 0.0, 900.0, 900.0],
        CASH_ADVANCE=[100.0, 900.0, 500.0, 100.0, 100.0],
        PAYMENTS=[500.0, 500.0, 500.0, 500.0, 50.0],
        MINIMUM_PAYMENTS=[100.0] * 5,
        PRC_FULL_PAYMENT=[0.0] * 5,
    )
    scored = score_customers(table, np.zeros(5, dtype=int), id_column="CUST_ID")
    # occasional user: yes; 90% / 100% cash advances: reliant; utilisation 95%: high risk; pays half the minimum
    assert scored.scores["cash_advance_promo"].notna().tolist() == [True, False, False, False, False]
    assert scored.scores["credit_limit_increase"].isna().all()


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("eligible_if", "gender == 1"),
        ("eligible_if", "PURCHASES > 10 and customer_age >= 30"),
        ("excluded_if", "Marital_Status == 1"),
        ("fit_features", "+zip"),
        ("reason", "born {dob:.0f}"),
    ],
    ids=["gender rule", "age in a conjunction", "marital guardrail", "zip fit", "dob reason"],
)
def test_protected_attributes_are_refused(field, text):
    with pytest.raises(DataError, match="protected attribute"):
        offers.validate_catalogue(one_offer(**{field: text}))


def test_words_that_merely_contain_a_protected_word_are_allowed():
    checked = offers.validate_catalogue(one_offer(eligible_if="average_usage > 1 and percentage_paid < 2"))
    assert checked.loc[0, "eligible_if"] == "average_usage > 1 and percentage_paid < 2"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"base_rate": "1.5"}, "between 0 and 1"),
        ({"offer_id": "bad id!"}, "letters, digits"),
        ({"reason": "{x.__class__}"}, "not allowed"),
        ({"reason": "{x!r}"}, "not allowed"),
        ({"fit_features": "*x"}, "not understood"),
    ],
    ids=["rate above one", "offer id with spaces", "attribute access in reason", "conversion", "bad fit"],
)
def test_validate_catalogue_refuses_bad_rows(change, message):
    with pytest.raises(DataError, match=message):
        offers.validate_catalogue(one_offer(**change))


def test_validate_catalogue_refuses_repeated_ids_and_missing_columns():
    with pytest.raises(DataError, match="unique"):
        offers.validate_catalogue(pd.concat([one_offer(), one_offer()]))
    with pytest.raises(DataError, match="lacks the column"):
        offers.validate_catalogue(one_offer().drop(columns="reason"))


def test_default_catalogue_round_trips_through_csv_upload():
    catalogue = offers.load_catalogue()
    assert len(catalogue) == 11
    assert {"credit_limit_increase", "cash_advance_promo", "fraud_alerts"} <= set(catalogue["offer_id"])
    again = offers.read_catalogue(offers.catalogue_to_csv(catalogue), "offers.csv")
    pd.testing.assert_frame_equal(again, catalogue)


def test_unknown_features_are_reported_per_offer():
    catalogue = offers.load_catalogue()
    unknown = offers.unknown_features(catalogue, ["CUST_ID", "BALANCE", "CREDIT_LIMIT"])
    assert unknown["credit_limit_increase"] == ["full_payment_rate", "cash_advance_share", "payment_ratio"]
    assert "fraud_alerts" not in unknown


def test_reason_text_uses_the_first_alternative_with_values():
    values = pd.DataFrame({"utilisation": [0.82, np.nan], "full_payment_rate": [0.4, 0.4], "tenure": [7.0, 12.0]})
    template = "utilisation {utilisation:.0%}, pays in full {full_payment_rate:.0%} of months | {TENURE:.0f} months"
    assert reasons_for(template, "fallback", values).tolist() == [
        "utilisation 82%, pays in full 40% of months",
        "12 months",
    ]
    assert reasons_for("{missing:.0%}", "fallback", values).tolist() == ["fallback", "fallback"]


def test_engineered_ratios_are_computed_when_absent_and_robust_to_zero_denominators():
    table = customers(
        BALANCE=[50.0, 10.0], CREDIT_LIMIT=[100.0, 0.0], PURCHASES=[0.0, 10.0], ONEOFF_PURCHASES=[0.0, 5.0]
    )
    features = offers.feature_frame(table)
    assert features["utilisation"].tolist() == [0.5, 0.0]
    assert features["oneoff_share"].tolist() == [0.0, 0.5]
    assert np.isfinite(features.to_numpy()).all()
