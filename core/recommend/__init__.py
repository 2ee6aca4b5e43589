"""Offers: the catalogue (data), eligibility and expected value, the bandit, campaign files and the feedback store.

The catalogue lives in ``_catalogue`` (``core/data/offers.csv``), per-customer scores in ``_scores``, the ranking
per segment in ``_rank``, the Beta-Bernoulli learner in ``_bandit``, campaign result files in ``_campaign`` and
the opt-in feedback store in ``_feedback_store``.
"""

from __future__ import annotations

from core.recommend._bandit import SimulationSummary, simulate, summarise_simulation
from core.recommend._campaign import (
    FEEDBACK_COLUMNS,
    FeedbackFile,
    empty_feedback,
    feedback_csv,
    feedback_rows,
    latest_outcomes,
    read_feedback,
)
from core.recommend._catalogue import (
    catalogue_to_csv,
    evaluation_note,
    load_catalogue,
    protected_attribute,
    read_catalogue,
    unevaluable_offers,
    unknown_features,
    validate_catalogue,
)
from core.recommend._feedback_store import ENV_VAR, append_feedback, load_stored_feedback, store_directory
from core.recommend._rank import (
    category_suggestions,
    learner_for,
    rank_segments,
    ranking_changes,
    segment_offers,
    top_offers_table,
)
from core.recommend._scores import OfferScores, score_customers

__all__ = [
    "ENV_VAR",
    "FEEDBACK_COLUMNS",
    "FeedbackFile",
    "OfferScores",
    "SimulationSummary",
    "append_feedback",
    "catalogue_to_csv",
    "category_suggestions",
    "empty_feedback",
    "evaluation_note",
    "feedback_csv",
    "feedback_rows",
    "latest_outcomes",
    "learner_for",
    "load_catalogue",
    "load_stored_feedback",
    "protected_attribute",
    "rank_segments",
    "ranking_changes",
    "read_catalogue",
    "read_feedback",
    "score_customers",
    "segment_offers",
    "simulate",
    "store_directory",
    "summarise_simulation",
    "top_offers_table",
    "unevaluable_offers",
    "unknown_features",
    "validate_catalogue",
]
