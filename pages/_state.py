"""The session-state contract: every key that pages share, what it holds, and who writes it.

Shared data lives under these plain keys, never under widget keys (Streamlit deletes a widget's key when
its page is left). Widget keys are page-prefixed (``cluster__k``) and hold only the widget's value.
When an upstream key changes, :func:`invalidate_after` clears everything that was derived from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

# ---- Prepare -------------------------------------------------------------------------------------------
DATASET = "dataset"  # Dataset: the customer table as loaded (card numbers masked). Written by Upload.
ROLES = "roles"  # dict[str, str]: column -> role for DATASET, as inferred then corrected. Upload.
TRANSACTIONS = "transactions"  # Dataset: the transaction table as loaded (masked). Upload.
TX_COLUMNS = "tx_columns"  # core.transactions.TransactionColumns, inferred then corrected. Upload.
RECIPE = "recipe"  # core.clean.Recipe: the user's ordered cleaning steps. Clean.
CLEAN = "clean"  # core.clean.CleanResult: clean table (original units) + scaled feature matrix. Clean.
CUSTOMER_SOURCE = "customer_source"  # str: "customers", "transactions" or "joined". Clean.
TX_CANONICAL = "tx_canonical"  # pandas.DataFrame: canonical transactions (core.transactions). Clean.
UPLOAD_CHOICES = "upload_choices"  # dict: the Upload page's own choices (sample picked, column charted). Upload.
UPLOAD_SEEN = "upload_seen"  # dict[str, str]: uploader -> id of the file already loaded (no reload on rerun). Upload.
# ---- Segment -------------------------------------------------------------------------------------------
SWEEP = "sweep"  # core.cluster.SweepResult for the current feature matrix. Cluster.
SEGMENTATION = "segmentation"  # core.cluster.Segmentation: labels, centres, algorithm, params. Cluster.
STABILITY = "stability"  # pandas.DataFrame: bootstrap Jaccard per segment. Cluster.
CLUSTER_PARAMS = "cluster_params"  # dict: the algorithm and parameters last chosen. Cluster.
PROFILES = "profiles"  # core.profiles.SegmentProfiles for the current segmentation. Profiles.
NAMES = "names"  # dict[int, str]: segment id -> display name (automatic, then user edits). Profiles.
DESCRIPTIONS = "descriptions"  # dict[int, str]: segment id -> two-sentence description. Profiles.
# ---- Act -----------------------------------------------------------------------------------------------
CATALOGUE = "catalogue"  # pandas.DataFrame: the offer catalogue, possibly edited. Recommendations.
FEEDBACK = "feedback"  # pandas.DataFrame: campaign outcomes (customer, offer, outcome, date). Recommendations.
RANKING_HISTORY = "ranking_history"  # list: offer rankings before each feedback update. Recommendations.
FRAUD_CUSTOMERS = "fraud_customers"  # pandas.DataFrame: customer anomaly scores and reasons. Fraud.
FRAUD_TRANSACTIONS = "fraud_transactions"  # pandas.DataFrame: transaction scores and reasons. Fraud.
FRAUD_REVIEWS = "fraud_reviews"  # dict[str, str]: alert key -> "confirmed fraud" / "false alarm". Fraud.
TRENDS = "trends"  # pandas.DataFrame: the Trends sheet of the current view (core.trends.sheet). Trends.
# ---- Export --------------------------------------------------------------------------------------------
WORKBOOK_MEMO = "_workbook_memo"  # dict: the last workbook built for this session, by state identity. _workbook.

# Order of derivation: clearing a key clears every key after it in its chain.
_DERIVED_FROM: dict[str, tuple[str, ...]] = {
    DATASET: (ROLES, RECIPE, CLEAN, CUSTOMER_SOURCE),
    TRANSACTIONS: (TX_COLUMNS, TX_CANONICAL, CLEAN, FRAUD_TRANSACTIONS, TRENDS),
    ROLES: (CLEAN,),
    TX_COLUMNS: (TX_CANONICAL, CLEAN, FRAUD_TRANSACTIONS, TRENDS),
    CLEAN: (SWEEP, SEGMENTATION, STABILITY, PROFILES, NAMES, DESCRIPTIONS, FRAUD_CUSTOMERS, TRENDS),
    SEGMENTATION: (STABILITY, PROFILES, NAMES, DESCRIPTIONS, FRAUD_CUSTOMERS, TRENDS, RANKING_HISTORY),
}
# Kept across a new segmentation on purpose: the recipe, the catalogue, feedback and fraud reviews.


@dataclass(frozen=True)
class Dataset:
    """A loaded table with where it came from.

    Attributes
    ----------
    name : str
        File name or sample name, shown in the sidebar.
    frame : pandas.DataFrame
        The table as loaded, card numbers already masked.
    report : Any
        The loader's report (``core.io.LoadReport``).
    sha256 : str
        SHA-256 of the uploaded bytes, for the workbook's Run sheet.
    """

    name: str
    frame: pd.DataFrame
    report: Any
    sha256: str


def init_defaults() -> None:
    """Create the keys that must always exist (called by the frame on every run)."""
    st.session_state.setdefault(FEEDBACK, None)
    st.session_state.setdefault(FRAUD_REVIEWS, {})
    st.session_state.setdefault(RANKING_HISTORY, [])


def get(key: str, default: Any = None) -> Any:
    """Return a shared value, or ``default`` when it is not set."""
    value = st.session_state.get(key, default)
    return default if value is None else value


def invalidate_after(key: str) -> None:
    """Forget everything derived from ``key`` (not ``key`` itself), transitively."""
    pending = list(_DERIVED_FROM.get(key, ()))
    seen: set[str] = set()
    while pending:
        derived = pending.pop()
        if derived in seen:
            continue
        seen.add(derived)
        st.session_state.pop(derived, None)
        pending.extend(_DERIVED_FROM.get(derived, ()))


def put(key: str, value: Any) -> None:
    """Store a shared value and forget what was derived from the old one."""
    invalidate_after(key)
    st.session_state[key] = value
