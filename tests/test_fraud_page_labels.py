"""The Fraud page's Customers tab evaluates the anomaly scores against a fraud label only, never churn or default."""

from __future__ import annotations

import pytest
from layouts import bank_churners, sparkov_card_numbers_mangled_by_excel, uci_credit_default, ulb_creditcard_fraud
from pagetest import open_page

from core.clean import apply_recipe, default_recipe
from core.cluster import fit
from core.features import customer_features, derived_roles
from core.io import read_path
from core.schema import infer_roles
from core.transactions import infer_transaction_columns, standardize_transactions
from pages import _state as state

PAGE = "pages/6_Fraud.py"


def _frame(layout, tmp_path_factory):
    path = tmp_path_factory.mktemp("layout") / layout.filename
    path.write_bytes(layout.data)
    return read_path(path).frame


def _customers(frame, roles) -> dict:
    clean = apply_recipe(frame, default_recipe(frame, roles), roles)
    return {state.ROLES: roles, state.CLEAN: clean, state.SEGMENTATION: fit(clean.matrix, "kmeans", {"k": 3})}


@pytest.mark.parametrize(
    ("layout", "outcome"),
    [(bank_churners, "Attrition_Flag"), (uci_credit_default, "default.payment.next.month")],
)
def test_a_churn_or_default_outcome_is_not_taken_for_a_fraud_label(app, tmp_path_factory, layout, outcome):
    frame = _frame(layout(n=600), tmp_path_factory)
    roles = infer_roles(frame)
    assert roles[outcome] == "label"
    open_page(app, PAGE, _customers(frame, roles))
    assert not app.error, [e.value for e in app.error]
    assert not any(m.label == "PR-AUC" or m.label.startswith("Recall") for m in app.metric)
    assert any(f"`{outcome}` is not a fraud label" in i.value for i in app.info)


def test_a_fraud_class_column_of_the_customer_table_is_evaluated(app, tmp_path_factory):
    frame = _frame(ulb_creditcard_fraud(n=600), tmp_path_factory)
    roles = infer_roles(frame)
    open_page(app, PAGE, _customers(frame, roles))
    assert not app.error, [e.value for e in app.error]
    assert any(m.label == "PR-AUC" for m in app.metric)


def test_customers_built_from_labelled_transactions_point_to_the_transactions_tab(app, tmp_path_factory):
    frame = _frame(sparkov_card_numbers_mangled_by_excel(), tmp_path_factory)
    columns = infer_transaction_columns(frame)
    tx = standardize_transactions(frame, columns)[0]
    features = customer_features(tx)
    upstream = _customers(features, derived_roles(features))
    upstream.pop(state.ROLES)  # a transaction file alone leaves no customer roles
    open_page(app, PAGE, {**upstream, state.TX_COLUMNS: columns, state.TX_CANONICAL: tx})
    assert not app.error, [e.value for e in app.error]
    infos = [i.value for i in app.info]
    assert not any("Load data with a 0/1" in i for i in infos)
    assert any("the transactions' fraud label (`is_fraud`) is evaluated on the Transactions tab" in i for i in infos)
