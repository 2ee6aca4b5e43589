"""Fraud and anomaly detection: the public API (customer scores, transaction scores, honest evaluation).

- :func:`score_customers`: four unsupervised detectors, rank-averaged, reasons in the table's units.
- :func:`transaction_features` / :func:`score_transactions` / :func:`score_transaction_file`: each
  transaction against its customer's history and its category, an Isolation Forest blended with the rules
  of ``core/data/fraud_rules.csv``. Its stages (:func:`amount_counts` -> :func:`category_norms`, per-customer
  :func:`transaction_features`, :func:`forest_rows` -> :func:`fit_forest`, row-wise :func:`model_matrix` and
  :func:`rule_scores`, :func:`alert_reasons`) are public so that ``core.scale`` can run them on Spark.
- :func:`evaluate`: PR-AUC first, ROC-AUC second, precision and recall at the alert budget, base rate, and a
  permutation test's p-value behind the "no better than chance" verdict; :func:`evaluate_alerts` does the same
  for a scored frame at the alerts it raised.

Labels are never used to fit a score; they are only read by :func:`evaluate`.
"""

from __future__ import annotations

from core.fraud._config import CUSTOMER_BUDGET, TRANSACTION_BUDGET, resolve_budget
from core.fraud._customers import score_customers
from core.fraud._evaluate import Evaluation, evaluate, evaluate_alerts, fraud_label_column
from core.fraud._features import FEATURE_COLUMNS, CategoryNorms, amount_counts, category_norms, transaction_features
from core.fraud._transactions import (
    FOREST_ROWS,
    alert_reasons,
    fit_forest,
    forest_positions,
    forest_rows,
    history_notes,
    model_matrix,
    rule_scores,
    score_transaction_file,
    score_transactions,
)

__all__ = [
    "CUSTOMER_BUDGET",
    "FEATURE_COLUMNS",
    "FOREST_ROWS",
    "TRANSACTION_BUDGET",
    "CategoryNorms",
    "Evaluation",
    "alert_reasons",
    "amount_counts",
    "category_norms",
    "evaluate",
    "evaluate_alerts",
    "fit_forest",
    "forest_positions",
    "forest_rows",
    "fraud_label_column",
    "history_notes",
    "model_matrix",
    "resolve_budget",
    "rule_scores",
    "score_customers",
    "score_transaction_file",
    "score_transactions",
    "transaction_features",
]
