"""Engineered customer features: credit-card presets, and transactions turned into customer features.

Presets (ratios of source columns, kept as data in ``core/data/feature_presets.csv``) live in ``_presets``;
transactions -> customers (RFM, mixes, the join with a customer table) in ``_transactions``.
"""

from __future__ import annotations

from core.features._presets import Preset, add_features, available_presets, missing_sources, preset_sources, presets
from core.features._transactions import JoinReport, customer_features, derived_roles, join_customers

__all__ = [
    "JoinReport",
    "Preset",
    "add_features",
    "available_presets",
    "customer_features",
    "derived_roles",
    "join_customers",
    "missing_sources",
    "preset_sources",
    "presets",
]
