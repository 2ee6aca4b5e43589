"""The session-state contract: every key that pages share, what it holds, and who writes it.

Shared data lives under these plain keys, never under widget keys (Streamlit deletes a widget's key when
its page is left). Widget keys are page-prefixed (``cluster__k``) and hold only the widget's value.
When an upstream key changes, :func:`put` clears everything that was derived from it, and when an input
table changes it also resets the widgets of every page after Upload, so no widget shows the old table.
:func:`provenance` says where each input of the results came from (file name, rows, SHA-256, sample or not).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import pandas as pd
import streamlit as st

from core import cards, workbook

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
CUSTOMERS_UNDERSTOOD = "customers_understood"  # core.schema.Understanding of DATASET as loaded. Upload.
TX_UNDERSTOOD = "tx_understood"  # core.schema.Understanding of TRANSACTIONS as loaded. Upload.
SOURCES = "sources"  # dict[str, InputRecord]: files read for the recipe, model or feedback (record_source). Any page.
UPLOADER_ROUND = "upload__round"  # dict[str, int]: bumped to empty an uploader (its key ends with the round). Upload.
SAMPLE_AUTOLOADED = "upload__sample_autoloaded"  # bool: `make run` loaded the sample once already. Upload.
REPEATED_KEYS = "repeated_keys"  # str: "keep", "last" or "merge" rows sharing a customer key. Upload.
BLANK_KEYS = "blank_keys"  # str: "keep" or "drop" rows without a customer key. Upload.
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
OFFER_SCORES = "offer_scores"  # core.recommend.OfferScores of CLEAN x SEGMENTATION x CATALOGUE. Recommendations.
FEEDBACK = "feedback"  # pandas.DataFrame: campaign outcomes (customer, offer, outcome, date). Recommendations.
RANKING_HISTORY = "ranking_history"  # list: offer rankings before each feedback update. Recommendations.
FRAUD_CUSTOMERS = "fraud_customers"  # pandas.DataFrame: customer anomaly scores and reasons. Fraud.
FRAUD_TRANSACTIONS = "fraud_transactions"  # pandas.DataFrame: transaction scores and reasons. Fraud.
FRAUD_REVIEWS = "fraud_reviews"  # dict[str, str]: alert key -> "confirmed fraud" / "false alarm". Fraud.
TRENDS = "trends"  # pandas.DataFrame: the Trends sheet of the current view (core.trends.sheet). Trends.
# ---- Export --------------------------------------------------------------------------------------------
MASK_KEY = "_mask_key"  # bytes: this session's card-masking key (core.cards); never shared. Frame.
WORKBOOK_MEMO = "_workbook_memo"  # dict: the last workbook built for this session, by state identity. _workbook.

# Order of derivation: clearing a key clears every key after it in its chain.
_DERIVED_FROM: dict[str, tuple[str, ...]] = {
    DATASET: (ROLES, CUSTOMERS_UNDERSTOOD, REPEATED_KEYS, BLANK_KEYS, RECIPE, CLEAN, CUSTOMER_SOURCE),
    TRANSACTIONS: (TX_COLUMNS, TX_UNDERSTOOD, TX_CANONICAL, RECIPE, CLEAN, CUSTOMER_SOURCE, FRAUD_TRANSACTIONS, TRENDS),
    ROLES: (CLEAN,),
    REPEATED_KEYS: (CLEAN,),
    BLANK_KEYS: (CLEAN,),
    TX_COLUMNS: (TX_CANONICAL, CLEAN, FRAUD_TRANSACTIONS, TRENDS),
    CLEAN: (SWEEP, SEGMENTATION, STABILITY, PROFILES, NAMES, DESCRIPTIONS, FRAUD_CUSTOMERS, TRENDS, OFFER_SCORES),
    SEGMENTATION: (STABILITY, PROFILES, NAMES, DESCRIPTIONS, FRAUD_CUSTOMERS, TRENDS, RANKING_HISTORY, OFFER_SCORES),
    CATALOGUE: (OFFER_SCORES,),
}
# Kept across a new segmentation on purpose: the recipe, the catalogue, feedback and fraud reviews.

# Pages whose widgets show something computed from the input tables. Replacing an input (or correcting its
# roles) drops their widget keys and page-prefixed plain keys, so each widget re-seeds from the new data (the
# Clean page's feature list, a chosen customer id, a segment picked on Trends). Shared choices under plain
# keys without a page prefix (CLUSTER_PARAMS, CATALOGUE) are kept.
_DOWNSTREAM_PAGES = ("clean__", "cluster__", "profiles__", "recs__", "fraud__", "trends__")
_WIDGETS_AFTER: dict[str, tuple[str, ...]] = {
    DATASET: (
        *_DOWNSTREAM_PAGES,
        "upload__roles_editor",
        "upload__customers_column",
        "upload__repeated_keys",
        "upload__blank_keys",
        "upload__customers_kind",
    ),
    TRANSACTIONS: (
        *_DOWNSTREAM_PAGES,
        "upload__tx_roles_editor",
        "upload__transactions_column",
        "upload__transactions_kind",
    ),
    ROLES: _DOWNSTREAM_PAGES,
    REPEATED_KEYS: _DOWNSTREAM_PAGES,
    BLANK_KEYS: _DOWNSTREAM_PAGES,
    TX_COLUMNS: _DOWNSTREAM_PAGES,
}
# Start over keeps only these (the sample is not loaded again, emptied uploaders stay empty).
_KEPT_ON_START_OVER = (UPLOADER_ROUND, SAMPLE_AUTOLOADED)
INPUTS = ("customer table", "transactions", "recipe", "model", "feedback")


@dataclass(frozen=True)
class Dataset:
    """A loaded table with where it came from.

    Attributes
    ----------
    name : str
        File name or sample name, shown in the sidebar.
    frame : pandas.DataFrame
        The table the pages use: as loaded (card numbers already masked), then, for a customer table, after
        the user's choice for repeated customer keys (``keys``).
    report : Any
        The loader's report (``core.io.LoadReport``).
    sha256 : str
        SHA-256 of the uploaded bytes, for the workbook's Run sheet.
    loaded : pandas.DataFrame or None
        The table as loaded, when ``frame`` differs from it (None: ``frame`` is the table as loaded).
    keys : Any
        The ``core.repeated_keys.KeyResolution`` that made ``frame`` (None until a choice was applied).
    """

    name: str
    frame: pd.DataFrame
    report: Any
    sha256: str
    loaded: pd.DataFrame | None = None
    keys: Any = None

    @property
    def as_loaded(self) -> pd.DataFrame:
        """The table as read from the file, before any choice about repeated keys."""
        return self.frame if self.loaded is None else self.loaded

    @property
    def is_sample(self) -> bool:
        """Whether these are the bytes of a bundled sample file (whoever loaded it, under whatever name)."""
        return self.sha256 in sample_hashes()


@cache
def sample_hashes() -> frozenset[str]:
    """SHA-256 of every bundled sample file present in this installation."""
    from core.samples import SAMPLES, sample_path

    paths = [sample_path(key) for key in SAMPLES]
    return frozenset(hashlib.sha256(path.read_bytes()).hexdigest() for path in paths if path.exists())


InputRecord = workbook.InputRecord  # where one input came from: input, name, rows, sha256, sample


def init_defaults() -> None:
    """Create the keys that must always exist (called by the frame on every run)."""
    st.session_state.setdefault(FEEDBACK, None)
    st.session_state.setdefault(FRAUD_REVIEWS, {})
    if MASK_KEY not in st.session_state:
        st.session_state[MASK_KEY] = cards.new_mask_key()
    st.session_state.setdefault(RANKING_HISTORY, [])


def mask_key() -> bytes:
    """Return this session's card-masking key: tokens differ between visitors, so none can be checked by another."""
    init_defaults()
    return st.session_state[MASK_KEY]


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


def forget_widgets(key: str) -> None:
    """Drop the widget keys (and page-prefixed plain keys) that show something derived from ``key``."""
    prefixes = _WIDGETS_AFTER.get(key, ())
    if prefixes:
        for name in [k for k in st.session_state if isinstance(k, str) and k.startswith(prefixes)]:
            del st.session_state[name]


def put(key: str, value: Any) -> None:
    """Store a shared value and forget what was derived from the old one, widgets included."""
    invalidate_after(key)
    forget_widgets(key)
    st.session_state[key] = value


def remove(key: str) -> None:
    """Remove an input (``DATASET``, ``TRANSACTIONS`` or ``FEEDBACK``) and everything derived from it."""
    put(key, None)
    if key == DATASET:
        st.session_state.pop(ROLES, None)
    if key == TRANSACTIONS:
        st.session_state.pop(TX_COLUMNS, None)
    if key == FEEDBACK:
        st.session_state[RANKING_HISTORY] = []
        st.session_state[SOURCES] = {k: v for k, v in (st.session_state.get(SOURCES) or {}).items() if k != "feedback"}
    st.session_state.pop(WORKBOOK_MEMO, None)


def start_over() -> None:
    """Forget everything: every input, every result, every widget (a callback; the page reruns empty)."""
    for name in [k for k in st.session_state if k not in _KEPT_ON_START_OVER]:
        del st.session_state[name]
    init_defaults()


def record_source(input_name: str, name: str, data: bytes | str, *, rows: int | None = None) -> None:
    """Remember the file a recipe, model or feedback came from (for :func:`provenance`).

    Call it where the file is read, e.g. ``state.record_source("recipe", upload.name, recipe.to_json())``: the
    SHA-256 is of ``data`` as given, and :func:`provenance` names the file only while the input still matches it.
    """
    raw = data.encode() if isinstance(data, str) else data
    sources = dict(st.session_state.get(SOURCES) or {})
    sources[input_name] = InputRecord(input_name, name, rows, hashlib.sha256(raw).hexdigest(), False)
    st.session_state[SOURCES] = sources


def _sha_of_text(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _customer_record(values: Mapping[str, Any]) -> InputRecord | None:
    dataset, transactions = values.get(DATASET), values.get(TRANSACTIONS)
    derived = transactions is not None and (dataset is None or values.get(CUSTOMER_SOURCE) == "transactions")
    if not derived:
        if dataset is None:
            return None
        note = dataset.keys.note() if dataset.keys is not None else None
        return InputRecord(
            "customer table", dataset.name, len(dataset.as_loaded), dataset.sha256, dataset.is_sample, note
        )
    clean, canonical = values.get(CLEAN), values.get(TX_CANONICAL)
    if clean is not None:
        rows: int | None = len(clean.table)
    elif canonical is not None and "customer_id" in canonical.columns:
        rows = int(canonical["customer_id"].nunique())
    else:
        rows = None
    name = f"derived from your transactions ({transactions.name})"
    return InputRecord("customer table", name, rows, None, transactions.is_sample)


def provenance(values: Mapping[str, Any] | None = None) -> list[InputRecord]:
    """Return where each input of this session's results came from, in the order of :data:`INPUTS`.

    One :class:`InputRecord` per input that exists: the customer table (the uploaded file, the sample, or
    ``derived from your transactions``), the transactions, the recipe, the segment model and campaign
    feedback. ``values`` defaults to the session; pass a mapping of the same keys to read a captured copy.
    """
    values = st.session_state if values is None else values
    records: list[InputRecord] = []
    customers = _customer_record(values)
    if customers is not None:
        records.append(customers)
    transactions = values.get(TRANSACTIONS)
    if transactions is not None:
        records.append(
            InputRecord(
                "transactions", transactions.name, len(transactions.frame), transactions.sha256, transactions.is_sample
            )
        )
    sources = values.get(SOURCES) or {}
    from_sample = bool(records) and all(record.sample for record in records)
    recipe = values.get(RECIPE)
    if recipe is not None:
        sha = _sha_of_text(recipe.to_json())
        uploaded = sources.get("recipe")
        if uploaded is not None and uploaded.sha256 == sha:
            name = uploaded.name
        elif uploaded is not None:
            name = f"{uploaded.name}, changed on the Clean page"
        else:
            name = "made on the Clean page"
        records.append(InputRecord("recipe", name, None, sha, False))
    segmentation = values.get(SEGMENTATION)
    if sources.get("model") is not None:
        records.append(sources["model"])
    elif segmentation is not None:
        from core.cluster import ALGORITHMS

        spec = ALGORITHMS.get(segmentation.algorithm)
        label = spec.label if spec is not None else str(segmentation.algorithm)
        name = f"fitted in this session: {label}, {segmentation.n_segments} segments"
        records.append(InputRecord("model", name, len(segmentation.labels), None, from_sample))
    feedback = values.get(FEEDBACK)
    if feedback is not None and len(feedback):
        uploaded = sources.get("feedback")
        name = f"{uploaded.name} and outcomes recorded here" if uploaded is not None else "outcomes recorded here"
        sha = _sha_of_text(feedback.to_csv(index=False))
        records.append(InputRecord("feedback", name, len(feedback), sha, False))
    return records
