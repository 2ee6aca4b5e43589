"""Fraud and anomaly detection: the public API (customer scores, transaction scores, honest evaluation).

- :func:`score_customers`: four unsupervised detectors, rank-averaged, reasons in the table's units.
- :func:`transaction_features` / :func:`score_transactions` / :func:`score_transaction_file`: each
  transaction against its customer's history and its category, an Isolation Forest blended with the rules
  of ``core/data/fraud_rules.csv``.
- :func:`evaluate`: PR-AUC first, ROC-AUC second, precision and recall at the alert budget, base rate, and a
  permutation test's p-value behind the "no better than chance" verdict; :func:`evaluate_alerts` does the same
  for a scored frame at the alerts it raised.

Labels are never used to fit a score; they are only read by :func:`evaluate`.
"""

from __future__ import annotations

from core.fraud._config import CUSTOMER_BUDGET, TRANSACTION_BUDGET, resolve_budget
from core.fraud._customers import score_customers
from core.fraud._evaluate import Evaluation, evaluate, evaluate_alerts
from core.fraud._features import FEATURE_COLUMNS, transaction_features
from core.fraud._transactions import score_transaction_file, score_transactions

__all__ = [
    "CUSTOMER_BUDGET",
    "FEATURE_COLUMNS",
    "TRANSACTION_BUDGET",
    "Evaluation",
    "evaluate",
    "evaluate_alerts",
    "resolve_budget",
    "score_customers",
    "score_transaction_file",
    "score_transactions",
    "transaction_features",
]
