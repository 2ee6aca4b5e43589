"""Offers on other layouts than CC GENERAL: features found by meaning, offers that cannot be evaluated, the map."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from layouts import bank_churners, sparkov_card_numbers_mangled_by_excel, uci_credit_default
from pagetest import open_page

from core.charts.recommend import acceptance_heatmap
from core.clean import apply_recipe, default_recipe
from core.cluster import fit
from core.features import customer_features, derived_roles
from core.io import read_path
from core.recommend import _catalogue as offers
from core.recommend import evaluation_note, load_catalogue, rank_segments, score_customers, unevaluable_offers
from core.schema import infer_roles
from core.transactions import infer_transaction_columns, standardize_transactions
from pages import _state as state

PAGE = "pages/5_Recommendations.py"


def _frame(layout, tmp_path_factory) -> pd.DataFrame:
    path = tmp_path_factory.mktemp("layout") / layout.filename
    path.write_bytes(layout.data)
    return read_path(path).frame


def _clean(frame: pd.DataFrame, roles=None):
    roles = roles if roles is not None else infer_roles(frame)
    return apply_recipe(frame, default_recipe(frame, roles), roles)


@pytest.fixture(scope="module")
def churners(tmp_path_factory):
    return _clean(_frame(bank_churners(), tmp_path_factory))


def test_bank_churners_features_are_found_by_meaning(churners):
    table = churners.table
    features = offers.feature_frame(table)
    assert np.allclose(features["utilisation"], table["Avg_Utilization_Ratio"])  # the reported ratio, not derived
    assert np.allclose(features["credit_limit"], table["Credit_Limit"])
    assert np.allclose(features["balance"], table["Total_Revolving_Bal"])
    assert np.allclose(features["purchases"], table["Total_Trans_Amt"])
    assert np.allclose(features["purchases_trx"], table["Total_Trans_Ct"])
    assert np.allclose(features["tenure"], table["Months_on_book"])
    assert "avg_purchase_per_trx" in features  # derived from the two aliased parts


def test_bank_churners_get_several_offers_and_segments_differ(churners):
    labels = fit(churners.matrix, "kmeans", {"k": 5}).labels
    scored = score_customers(churners.table, labels, id_column=churners.id_column)
    ranked = rank_segments(scored, names={int(s): f"S{s}" for s in np.unique(labels)})
    assert ranked["offer_id"].nunique() >= 3
    assert ranked[ranked["rank"] == 1]["offer_id"].nunique() >= 2
    assert ranked["expected_acceptance"].nunique() > 1
    missing = unevaluable_offers(scored.catalogue, churners.table.select_dtypes("number").columns)
    assert missing["premium_upgrade"] == ["payment_ratio"]  # its guardrail cannot be checked without payments
    assert set(ranked["offer_id"]).isdisjoint(missing)
    fraud = ranked[ranked["offer_id"] == "fraud_alerts"]["reason"]
    assert fraud.str.contains("transactions in 12 months").all()  # BankChurners counts a year, not six months


def test_uci_derives_utilisation_only_from_both_parts(tmp_path_factory):
    table = _clean(_frame(uci_credit_default(n=300), tmp_path_factory)).table
    features = offers.feature_frame(table)
    assert np.allclose(features["utilisation"], table["BILL_AMT1"] / table["LIMIT_BAL"])
    alone = offers.feature_frame(table.drop(columns=["BILL_AMT1"]))
    assert "utilisation" not in alone  # a limit without a balance gives no utilisation
    note = evaluation_note(load_catalogue(), table.select_dtypes("number").columns, offers_per_customer=3)
    assert note is not None
    assert "Autopay / full-payment nudge (needs full_payment_rate, payment_ratio)" in note
    assert "Offers per customer is 3, but only 1 offer can be evaluated" in note


def test_customers_derived_from_transactions_use_monetary_frequency_and_recency(tmp_path_factory):
    frame = _frame(sparkov_card_numbers_mangled_by_excel(n=800), tmp_path_factory)
    derived = customer_features(standardize_transactions(frame, infer_transaction_columns(frame))[0])
    features = offers.feature_frame(derived)
    assert np.allclose(features["purchases"], derived["monetary"])
    assert np.allclose(features["purchases_trx"], derived["frequency"])
    missing = unevaluable_offers(load_catalogue(), derived.select_dtypes("number").columns)
    assert "reactivation" not in missing  # dormant = no transaction for 90 days
    assert "fraud_alerts" not in missing
    assert missing["cashback_card"] == ["purchases_frequency", "transactions_12m"]
    _ = derived_roles  # the roles the app would give this table


def test_cc_general_names_still_win_over_aliases():
    table = pd.DataFrame({"BALANCE": [10.0], "CREDIT_LIMIT": [100.0], "Credit_Limit": [50.0], "utilization": [0.9]})
    features = offers.feature_frame(table)
    assert features["credit_limit"].tolist() == [100.0]
    assert features["utilisation"].tolist() == [0.9]  # a reported ratio is used as such


def test_alias_table_is_documented_and_never_maps_a_feature_to_itself():
    table = pd.read_csv(offers.FEATURE_ALIASES, dtype=str, keep_default_na=False)
    assert list(table.columns) == ["feature", "alias", "meaning"]
    assert (table["meaning"].str.len() > 10).all()
    pairs = list(zip(table["feature"].map(offers.normalise), table["alias"].map(offers.normalise), strict=True))
    assert len(pairs) == len(set(pairs)) == len(offers.feature_aliases())


def test_heatmap_with_equal_cells_draws_no_misleading_scale():
    ranked = pd.DataFrame(
        {
            "segment": [0, 1, 2],
            "segment_name": ["A", "B", "C"],
            "offer": ["Fraud-alert enrolment"] * 3,
            "expected_acceptance": [0.12, 0.12, 0.12],
        }
    )
    trace = acceptance_heatmap(ranked).data[0]
    assert (trace.zmin, trace.zmax, trace.showscale) == (0, 0.12, False)
    varied = acceptance_heatmap(ranked.assign(expected_acceptance=[0.05, 0.12, 0.2])).data[0]
    assert (varied.zmin, varied.zmax, varied.showscale) == (0, 0.2, True)


@pytest.mark.slow
def test_page_names_offers_that_cannot_be_evaluated(app, churners):
    segmentation = fit(churners.matrix, "kmeans", {"k": 3})
    open_page(app, PAGE, {state.CLEAN: churners, state.SEGMENTATION: segmentation})
    assert not app.error, [e.value for e in app.error]
    captions = [c.value for c in app.caption if "cannot be evaluated" in c.value.lower()]
    assert len(captions) == 2  # the Segments tab and the Catalogue tab, one caption each
    assert all("payment" in c and "ratio" in c for c in captions)
