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
    assert len(catalogue) == 12
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


def two_offers(value_common: str = "", value_rare: str = "") -> pd.DataFrame:
    """A popular offer few qualify for (x > 99) and a modest one everybody may receive."""
    rare = one_offer(offer_id="rare", name="Rare", eligible_if="x > 99", base_rate="0.5").iloc[0]
    common = one_offer(offer_id="common", name="Common", base_rate="0.05").iloc[0]
    frame = pd.DataFrame([rare, common])
    if value_common or value_rare:
        frame["value_per_acceptance"] = [value_rare, value_common]
    return frame


def test_an_offer_few_qualify_for_is_not_ranked_first_however_popular():
    from core.recommend import rank_segments

    table = customers(x=np.r_[np.full(1, 100.0), np.zeros(299)])  # 1 of 300 (0.33%) qualifies for "rare"
    scored = score_customers(table, np.zeros(300, dtype=int), id_column="CUST_ID", catalogue=two_offers())
    ranked = rank_segments(scored, names={0: "All"}).set_index("offer_id")
    assert ranked.loc["rare", "expected_acceptance"] > 5 * ranked.loc["common", "expected_acceptance"]
    assert ranked.loc["common", "rank"] == 1 and ranked.loc["rare", "rank"] == 2
    assert ranked.loc["rare", "note"] == "few qualify" and ranked.loc["common", "note"] == ""
    assert ranked.loc["rare", "eligible_customers"] == 1 and ranked.loc["common", "eligible_customers"] == 300
    assert ranked.loc["common", "expected_acceptances"] == pytest.approx(300 * 0.05)
    assert np.isnan(ranked.loc["common", "expected_value"]), "no value per acceptance given"
    reach = scored.reach.set_index("offer_id")
    assert reach.loc["rare", "eligible"] == 1 and reach.loc["rare", "note"] == "few qualify"


def test_value_per_acceptance_orders_offers_that_enough_customers_qualify_for():
    from core.recommend import rank_segments

    table = customers(x=np.r_[np.full(40, 100.0), np.zeros(260)])  # 13% qualify for "rare"
    labels = np.zeros(300, dtype=int)
    by_count = rank_segments(score_customers(table, labels, catalogue=two_offers()), names={}).set_index("offer_id")
    # rare: 0.5 x 40 = 20 acceptances; common: 0.05 x 300 = 15
    assert by_count.loc["rare", "rank"] == 1
    valued = score_customers(table, labels, catalogue=two_offers(value_common="40", value_rare="10"))
    by_value = rank_segments(valued, names={}).set_index("offer_id")
    assert by_value.loc["common", "rank"] == 1
    assert by_value.loc["common", "expected_value"] == pytest.approx(300 * 0.05 * 40)
    assert by_value.loc["rare", "expected_value"] == pytest.approx(40 * 0.5 * 10)


def test_value_per_acceptance_must_be_a_number():
    with pytest.raises(DataError, match="value_per_acceptance"):
        offers.validate_catalogue(two_offers(value_common="lots", value_rare="1"))


def test_a_rule_matching_nobody_is_reported():
    table = customers(x=np.zeros(50))
    scored = score_customers(table, np.zeros(50, dtype=int), catalogue=two_offers())
    reach = scored.reach.set_index("offer_id")
    assert reach.loc["rare", "rule_met"] == 0
    assert reach.loc["rare", "note"] == "its eligibility rule matches nobody in this data"
    assert "rare" not in set(scored.segments["offer_id"])


def test_cc_general_top_offer_of_every_segment_reaches_enough_customers(cc_general_path):
    from core.clean import apply_recipe, default_recipe
    from core.cluster import fit
    from core.io import load_table
    from core.recommend import rank_segments
    from core.recommend._scores import MIN_ELIGIBLE_SHARE
    from core.schema import infer_roles

    frame = load_table(cc_general_path.read_bytes(), "cc_general.csv").frame
    roles = infer_roles(frame)
    clean = apply_recipe(frame, default_recipe(frame, roles), roles)
    labels = fit(clean.matrix, "kmeans", {"k": 4}).labels
    scored = score_customers(clean.table, labels, id_column=clean.id_column)
    ranked = rank_segments(scored, names={})
    top = ranked.loc[ranked["rank"] == 1]
    assert len(top) == 4
    assert (top["eligible_share"] >= MIN_ELIGIBLE_SHARE).all(), top
    assert (top["note"] == "").all()
    # ranked by expected acceptances, so the first offer delivers at least as many as any other in its segment
    best = ranked.groupby("segment")["expected_acceptances"].max()
    assert np.allclose(top.set_index("segment")["expected_acceptances"], best)
    reach = scored.reach.set_index("offer_id")
    assert reach.loc["credit_limit_increase", "note"] == "its eligibility rule matches nobody in this data"
    assert (ranked.loc[ranked["eligible_share"] < MIN_ELIGIBLE_SHARE, "rank"] > 1).all()
