"""The one orchestration: small typed steps from raw tables to the workbook, called by every front end.

The pages, ``python -m core``, ``benchmarks/stages.py`` and the README's notebook example call these steps,
so the same input and the same choices give the same results everywhere::

    customers / transactions -> canonical_transactions -> customer_table (roles) -> prepare (recipe, clean)
    -> recommend_k -> segment -> profile_and_name -> offers_table, customer_alerts, transaction_alerts,
    trends_table -> act (what is missing, with the defaults) -> workbook_inputs

:func:`run_segment_pipeline` runs them all with the defaults (the command line). A front end that already
holds some results (the app's session) passes them to :func:`act_on_segments`, which computes only what is missing, with
the same defaults, so the workbook depends on the inputs and choices, never on which pages were visited.

Examples
--------
>>> from core.samples import generate_alllife
>>> result = run_segment_pipeline(generate_alllife(n=200), k=3, act=False)
>>> result.segmentation.n_segments, len(result.clean.table)
(3, 200)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from core.cluster import ALGORITHMS
from core.errors import DataError
from core.naming import display_name
from core.transactions import unsegmentable_message
from core.workbook import WorkbookInputs

K_ALGORITHMS = tuple(key for key, spec in ALGORITHMS.items() if spec.uses_k)
ALGORITHM_CHOICES = tuple(ALGORITHMS)
SOURCES = ("customers", "transactions", "joined")  # what to segment: as on the Clean page
STABILITY_RUNS = 10  # bootstrap refits for segment stability: the app's button and the CLI's default
K_MAX = 10  # the k sweep tries k = 2..K_MAX
CUSTOMER_SCORE_COLUMNS = ("anomaly_score", "anomaly_rank", "flagged", "reasons")  # added to the Customers sheet
NOT_REVIEWED = "not reviewed"
REVIEW_STATUSES = ("confirmed fraud", "false alarm")

T = TypeVar("T")


# ---- Prepare -----------------------------------------------------------------------------------------------
def canonical_transactions(transactions: pd.DataFrame, columns: Any = None) -> pd.DataFrame:
    """Return the canonical transaction frame (``customer_id, timestamp, amount, ...``).

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per transaction, any column names. Not modified.
    columns : core.transactions.TransactionColumns, optional
        The role mapping (as corrected by the user); inferred from names and values when None.
    """
    from core.transactions import infer_transaction_columns, standardize_transactions

    columns = columns if columns is not None else infer_transaction_columns(transactions)
    return standardize_transactions(transactions, columns)[0]


def default_source(customers: pd.DataFrame | None) -> str:
    """Return what to segment when nobody chose: the customer table when there is one, else the transactions."""
    return "customers" if customers is not None else "transactions"


def customer_table(
    customers: pd.DataFrame | None,
    tx_canonical: pd.DataFrame | None = None,
    source: str | None = None,
    roles: Mapping[str, str] | None = None,
) -> tuple[pd.DataFrame, dict[str, str], str | None]:
    """Return the table to segment, its roles and a note: the customers, the derived customers, or both joined.

    Parameters
    ----------
    customers, tx_canonical : pandas.DataFrame or None
        The customer table as loaded and the canonical transactions (:func:`canonical_transactions`).
    source : {"customers", "transactions", "joined"}, optional
        :func:`default_source` when None; ``"joined"`` keeps only customers present in both tables.
    roles : mapping, optional
        Column -> role of ``customers`` as corrected by the user; inferred when None.

    Returns
    -------
    tuple
        ``(frame, roles, note)``; the note says how the table was derived or joined (None for the customers).
    """
    from core import features
    from core.schema import id_column, infer_roles

    source = source or default_source(customers)
    if customers is None and tx_canonical is None:
        raise DataError("Give a customer file, a transaction file, or both.")
    if source not in SOURCES:
        raise DataError(f"Unknown source {source!r}: choose one of {', '.join(SOURCES)}.")
    if customers is None and source != "transactions":
        raise DataError(f"Segmenting by {source!r} needs a customer file; give one, or use the transactions.")
    if tx_canonical is None and source != "customers":
        raise DataError(f"Segmenting by {source!r} needs a transaction file (--transactions FILE).")
    if source == "customers":
        return customers, dict(roles or infer_roles(customers)), None
    if _one_account(tx_canonical):  # no customer column: segments would be of one account, or of single rows
        raise DataError(unsegmentable_message(tx_canonical))
    derived = features.customer_features(tx_canonical)
    if source == "transactions":
        note = (
            f"{len(derived):,} customers derived from {len(tx_canonical):,} transactions (RFM, shares, night and cash)."
        )
        return derived, features.derived_roles(derived), note
    roles = dict(roles or infer_roles(customers))
    joined, report = features.join_customers(customers, id_column(roles) or "", derived)
    extra = {c: r for c, r in features.derived_roles(derived).items() if c != "customer_id"}
    roles = {**roles, **{(f"tx_{c}" if c in customers.columns else c): r for c, r in extra.items()}}
    return joined, roles, report.message


def prepare(
    frame: pd.DataFrame, roles: Mapping[str, str], recipe: Any = None, *, random_state: int = 0
) -> tuple[Any, Any]:
    """Apply a cleaning recipe (the default recipe for this table when None); return ``(recipe, CleanResult)``."""
    from core.clean import apply_recipe, default_recipe

    recipe = recipe if recipe is not None else default_recipe(frame, dict(roles))
    return recipe, apply_recipe(frame, recipe, dict(roles), random_state=random_state)


# ---- Segment -----------------------------------------------------------------------------------------------
def recommend_k(matrix: pd.DataFrame, algorithm: str = "kmeans", *, k_max: int = K_MAX, random_state: int = 0) -> Any:
    """Sweep k = 2..``k_max`` with ``algorithm`` and let the criteria vote (``core.cluster.SweepResult``)."""
    from core.cluster import sweep_k

    return sweep_k(matrix, algorithm, range(2, k_max + 1), random_state=random_state)


def segment(
    matrix: pd.DataFrame,
    algorithm: str = "kmeans",
    params: Mapping[str, Any] | None = None,
    *,
    sweep: Any = None,
    random_state: int = 0,
) -> Any:
    """Fit ``algorithm``; an algorithm that takes k and was given none takes the sweep's recommended k."""
    from core.cluster import fit

    if algorithm not in ALGORITHMS:
        raise DataError(f"Unknown algorithm {algorithm!r}: choose one of {', '.join(ALGORITHM_CHOICES)}.")
    params = dict(params or {})
    if ALGORITHMS[algorithm].uses_k and "k" not in params and sweep is not None:
        params["k"] = sweep.recommended_k
    return fit(matrix, algorithm, params, random_state=random_state)


SILHOUETTE_SAMPLE = 2_000  # customers whose silhouette the Cluster page computes once per segmentation


def diagnose(
    matrix: pd.DataFrame,
    labels: np.ndarray,
    *,
    sample_size: int = SILHOUETTE_SAMPLE,
    random_state: int = 0,
    algorithm: str | None = None,
) -> tuple[dict[str, float], pd.DataFrame]:
    """Return a partition's quality metrics and the silhouette of each sampled customer, in one O(n^2) pass.

    The headline silhouette is the mean of the per-customer values on that seeded sample (what
    ``silhouette_score`` computes), so the figure and the number agree and the distances are computed once.
    For the mixed-data algorithms (``algorithm``) both are on Gower distances (``metrics["silhouette_distance"]``).

    Returns
    -------
    (dict, pandas.DataFrame)
        :func:`core.cluster.segmentation_metrics` and :func:`core.cluster.silhouette_per_customer` output.
    """
    from core.cluster import segmentation_metrics, silhouette_per_customer

    silhouettes = silhouette_per_customer(
        matrix, labels, sample_size=sample_size, random_state=random_state, algorithm=algorithm
    )
    metrics = segmentation_metrics(matrix, labels, sample_size=0, random_state=random_state)  # no second pass
    metrics["silhouette_distance"] = "Gower" if algorithm is not None and ALGORITHMS[algorithm].mixed else "euclidean"
    metrics["silhouette"] = float(silhouettes["silhouette"].mean()) if len(silhouettes) else float("nan")
    return metrics, silhouettes


def check_stability(
    matrix: pd.DataFrame, segmentation: Any, *, runs: int = STABILITY_RUNS, random_state: int = 0
) -> pd.DataFrame:
    """Bootstrap Jaccard stability per segment (``runs`` refits on resamples)."""
    from core.cluster import stability

    return stability(matrix, segmentation, n_boot=runs, random_state=random_state)


def profile_and_name(clean: Any, segmentation: Any, layout: str) -> tuple[Any, dict[int, str], dict[int, str]]:
    """Profile each segment on the recipe's features and name it; return ``(profiles, names, descriptions)``."""
    from core.naming import name_segments
    from core.profiles import profile_segments

    features = [f for f in clean.features if f in clean.table.columns]
    categorical = [f for f in getattr(clean.fitted, "categorical", ()) if f in features]
    profiles = profile_segments(clean.table, segmentation.labels, features, categorical=categorical)
    named = name_segments(profiles, layout)
    return profiles, {s: n.name for s, n in named.items()}, {s: n.description for s, n in named.items()}


def segment_names(labels: np.ndarray, names: Mapping[int, str] | None) -> dict[int, str]:
    """Segment id -> display name for every id in ``labels`` (see :func:`core.naming.display_name`)."""
    return {int(s): display_name(int(s), names) for s in np.unique(np.asarray(labels, dtype="int64"))}


def segment_by_customer(clean: Any, segmentation: Any, names: Mapping[int, str] | None) -> pd.Series:
    """Return customer key -> segment display name (categorical, in segment order) for joining transactions.

    Keys are the id column's values as stripped text (the row index without an id column); a key that
    repeats keeps its first row's segment, and missing keys are left out.
    """
    labels = segment_ids_by_customer(clean, segmentation)
    shown = segment_names(segmentation.labels, names)
    return pd.Series(
        pd.Categorical([shown[int(s)] for s in labels], categories=list(dict.fromkeys(shown.values()))),
        index=labels.index,
        name="segment",
    )


def check_segments(
    clean: Any,
    segmentation: Any,
    roles: Mapping[str, str] | None = None,
    names: Mapping[int, str] | None = None,
    silhouette: float | None = None,
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return ``(warnings, outcome lines)`` for one segmentation (see :mod:`core.guards`).

    Warnings: segments that nearly reproduce a category or the outcome, a feature that almost determines the
    outcome, weak structure (the silhouette the Cluster page shows, on a seeded sample of 2,000 customers).
    Outcome lines: the rate of the known outcome per segment against the whole table, when the table has one.
    ``silhouette``: that figure when the caller already has it from :func:`diagnose` (computed here otherwise).
    """
    from core.guards import outcome_by_segment, segment_warnings
    from core.schema import outcome_column

    roles = roles if roles is not None else dict(clean.fitted.roles)
    table, labels = clean.table, np.asarray(segmentation.labels)
    if silhouette is None and getattr(segmentation, "n_segments", 2) >= 2:
        try:
            algorithm = getattr(segmentation, "algorithm", None)  # the Cluster page's figure, to the digit
            silhouette = float(diagnose(clean.matrix, labels, algorithm=algorithm)[0]["silhouette"])
        except (DataError, ValueError):
            silhouette = None
    warnings = segment_warnings(table, labels, roles, features=list(clean.features), silhouette=silhouette)
    outcome = outcome_column(roles)
    lines: list[str] = []
    if outcome is not None and outcome in table.columns and table[outcome].nunique() == 2:
        lines = outcome_by_segment(table, labels, outcome, segment_names(labels, names))[1]
    return tuple(warnings), tuple(lines)


# ---- Act ---------------------------------------------------------------------------------------------------
def score_offers(clean: Any, segmentation: Any, catalogue: pd.DataFrame | None = None) -> Any:
    """Score every customer against the offer catalogue (the slow, feedback-free part; cache it)."""
    from core.recommend import score_customers

    return score_customers(clean.table, segmentation.labels, id_column=clean.id_column, catalogue=catalogue)


def offers_table(
    clean: Any,
    segmentation: Any,
    names: Mapping[int, str] | None,
    *,
    catalogue: pd.DataFrame | None = None,
    feedback: pd.DataFrame | None = None,
    scored: Any = None,
) -> pd.DataFrame:
    """Each customer's top offers (the workbook's ``Offers`` sheet); ``scored`` reuses :func:`score_offers`.

    The columns that repeat a few texts (segment and offer names, ids and reasons) are categoricals: the same
    values and the same sheet, in about a third of the memory at a million customers (2.8M rows).
    """
    from core.recommend import top_offers_table

    scored = scored if scored is not None else score_offers(clean, segmentation, catalogue)
    table = top_offers_table(
        clean.table,
        segmentation.labels,
        id_column=clean.id_column,
        names=segment_names(segmentation.labels, names),
        feedback=feedback if feedback is not None and len(feedback) else None,
        scored=scored,
    )
    return _repeated_text_as_categories(table, ("segment_name", "offer_id", "offer", "reason"))


def _repeated_text_as_categories(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Turn text columns with few distinct values (at most a tenth of the rows) into categoricals, in place."""
    import pyarrow as pa

    for column in columns:
        if column in frame.columns and len(frame) >= 1_000:
            codes, uniques = pd.factorize(frame[column])
            if len(uniques) <= len(frame) // 10:
                frame[column] = pd.Categorical.from_codes(codes, categories=pd.Index(uniques))
    pa.default_memory_pool().release_unused()  # the text columns' buffers go back now, before the next step's peak
    return frame


def customer_alerts(
    clean: Any,
    segmentation: Any,
    names: Mapping[int, str] | None,
    *,
    budget: int | None = None,
    budget_percent: float | None = None,
    random_state: int = 0,
) -> pd.DataFrame:
    """Score customer anomalies; add ``segment_name`` and an ``alert`` key (``customer:<id>``) for reviews.

    Protected attributes are left out of the scores, with a note (:func:`core.fraud.score_customers`).
    """
    from core.fraud import score_customers

    options = {"budget": budget} if budget is not None else {}
    scored = score_customers(
        clean.table,
        clean.matrix,
        segmentation.labels,
        segmentation.centres,
        budget_percent=budget_percent,
        id_column=clean.id_column,
        random_state=random_state,
        **options,
    )
    shown = segment_names(segmentation.labels, names)
    # A blank or repeated id cannot tell its customers apart: their alerts are keyed by table row instead.
    ids = scored["customer_id"].astype("string")
    rows = pd.Series([f"row {i}" for i in range(1, len(scored) + 1)], index=scored.index, dtype="string")
    keys = ids.where(ids.notna() & ~ids.duplicated(keep=False), rows)
    return scored.assign(segment_name=scored["segment"].map(shown), alert="customer:" + keys)


def transaction_alerts(
    tx_canonical: pd.DataFrame, *, budget: int | None = None, budget_percent: float | None = None
) -> pd.DataFrame:
    """Transaction fraud scores with an ``alert`` key (``transaction:<file row>``) for reviews."""
    from core.fraud import score_transactions

    options = {"budget": budget} if budget is not None else {}
    scored = score_transactions(tx_canonical, budget_percent=budget_percent, **options)
    return scored.assign(alert="transaction:" + scored["row"].astype(str))


def fraud_sheet(
    customer_scores: pd.DataFrame | None,
    transaction_scores: pd.DataFrame | None,
    reviews: Mapping[str, str] | None = None,
) -> pd.DataFrame | None:
    """Build the ``Fraud`` sheet: flagged customers, then flagged transactions, with ``kind`` and ``review``.

    Returns
    -------
    pandas.DataFrame or None
        ``kind, alert, review`` then each kind's own columns (rank order); None when nothing was scored.
    """
    reviews = reviews or {}
    parts = []
    for kind, scored, rank in (
        ("customer", customer_scores, "anomaly_rank"),
        ("transaction", transaction_scores, "rank"),
    ):
        if scored is None or "flagged" not in scored.columns:
            continue
        alerts = scored.loc[scored["flagged"].astype(bool)]
        if rank in alerts.columns:
            alerts = alerts.sort_values(rank, kind="stable")
        keys = alerts["alert"] if "alert" in alerts.columns else pd.Series("", index=alerts.index)
        front = pd.DataFrame(
            {"kind": kind, "alert": keys.to_numpy(), "review": [reviews.get(k, NOT_REVIEWED) for k in keys]}
        )
        parts.append(pd.concat([front, alerts.drop(columns=["alert"], errors="ignore").reset_index(drop=True)], axis=1))
    return pd.concat(parts, ignore_index=True) if parts else None


@dataclass(frozen=True)
class ReviewSummary:
    """How the reviewed alerts turned out: ``precision`` is None until one alert is reviewed."""

    reviewed: int
    confirmed: int
    open: int

    @property
    def precision(self) -> float | None:
        """Share of reviewed alerts confirmed as fraud."""
        return self.confirmed / self.reviewed if self.reviewed else None


def review_summary(alert_keys: list[str], reviews: Mapping[str, str]) -> ReviewSummary:
    """Count reviewed, confirmed and open alerts among ``alert_keys``.

    Examples
    --------
    >>> review_summary(["a", "b", "c"], {"a": "confirmed fraud", "b": "false alarm"}).precision
    0.5
    """
    reviewed = [reviews[k] for k in alert_keys if k in reviews]
    confirmed = sum(status == "confirmed fraud" for status in reviewed)
    return ReviewSummary(reviewed=len(reviewed), confirmed=confirmed, open=len(alert_keys) - len(reviewed))


def trends_table(tx_canonical: pd.DataFrame, clean: Any, segmentation: Any, names: Mapping[int, str] | None) -> Any:
    """Build the ``Trends`` sheet with the default view (monthly spend, six periods ahead)."""
    from core.trends import trends_sheet

    by_customer = segment_by_customer(clean, segmentation, names)
    if not by_customer.index.isin(tx_canonical["customer_id"].astype("string").str.strip()).any():
        by_customer = None  # the transactions belong to other customers: everyone's trends only
    return trends_sheet(tx_canonical, by_customer)


def migration(
    tx_canonical: pd.DataFrame,
    clean: Any,
    segmentation: Any,
    names: Mapping[int, str] | None,
    *,
    n_periods: int = 2,
    cut_dates: list[Any] | None = None,
) -> Any:
    """Follow customers between segments over time (``core.trends.Migration``).

    Each period's transactions are turned into customer features, replayed through the fitted recipe and
    placed into the existing segments; needs segments built from transaction-derived features.
    """
    from core.cluster import assign
    from core.trends import migration as follow
    from core.trends import value_order_by_spend

    if getattr(clean, "fitted", None) is None:
        raise DataError("Migration needs segments built from transaction-derived customer features.")

    def place(features: pd.DataFrame) -> pd.Series:
        table, matrix = clean.fitted.transform(features)
        labels = assign(segmentation, matrix)
        ids = table[clean.id_column] if clean.id_column in table.columns else features["customer_id"]
        return pd.Series(labels, index=ids.astype(str).to_numpy())

    keys = segment_ids_by_customer(clean, segmentation)
    return follow(
        tx_canonical,
        place,
        value_order_by_spend(tx_canonical, keys),
        names=segment_names(segmentation.labels, names),
        n_periods=n_periods,
        cut_dates=cut_dates,
    )


def segment_ids_by_customer(clean: Any, segmentation: Any) -> pd.Series:
    """Return customer key -> segment id (int64), keyed as in :func:`segment_by_customer`."""
    table = clean.table
    ids = table[clean.id_column] if clean.id_column in table.columns else table.index.to_series()
    keys = ids.astype("string").str.strip()
    labels = pd.Series(np.asarray(segmentation.labels, dtype="int64"), index=keys.to_numpy())
    labels = labels.loc[keys.notna().to_numpy()]
    return labels.loc[~labels.index.duplicated()]


@dataclass(frozen=True)
class ActResults:
    """Offers, customer scores (for the Customers sheet), the Fraud sheet, the Trends sheet and notes."""

    offers: pd.DataFrame | None = None
    customer_scores: pd.DataFrame | None = None
    fraud: pd.DataFrame | None = None
    trends: Any = None
    notes: tuple[str, ...] = ()


def _optional(notes: list[str], what: str, action: Callable[[], T]) -> T | None:
    """Run an Act step; on unusable data keep going and say what was skipped (the segments stay valid)."""
    try:
        return action()
    except (DataError, ValueError) as error:
        notes.append(f"{what} skipped: {error}")
    return None


def act_on_segments(
    clean: Any,
    segmentation: Any,
    names: Mapping[int, str] | None,
    *,
    tx_canonical: pd.DataFrame | None = None,
    catalogue: pd.DataFrame | None = None,
    feedback: pd.DataFrame | None = None,
    offer_scores: Any = None,
    offers: pd.DataFrame | None = None,
    customer_scores: pd.DataFrame | None = None,
    transaction_scores: pd.DataFrame | None = None,
    reviews: Mapping[str, str] | None = None,
    trends: Any = None,
    random_state: int = 0,
) -> ActResults:
    """Every Act result the data allows: the ones given are kept, the missing ones computed with the defaults.

    Offers always; customer anomaly scores always; transaction alerts and trends when transactions exist.
    A step that fails on unusual data is skipped with a note.
    """
    notes: list[str] = []
    if offers is None:
        offers = _optional(
            notes,
            "Offers",
            lambda: offers_table(
                clean, segmentation, names, catalogue=catalogue, feedback=feedback, scored=offer_scores
            ),
        )
    if customer_scores is None:
        customer_scores = _optional(
            notes,
            "Customer anomaly scores",
            lambda: customer_alerts(clean, segmentation, names, random_state=random_state),
        )
    if tx_canonical is not None:
        if transaction_scores is None:
            transaction_scores = _optional(notes, "Transaction fraud scores", lambda: transaction_alerts(tx_canonical))
        if trends is None:
            trends = _optional(notes, "Trends", lambda: trends_table(tx_canonical, clean, segmentation, names))
    kept = None
    if customer_scores is not None:
        kept = customer_scores[[c for c in CUSTOMER_SCORE_COLUMNS if c in customer_scores.columns]]
    return ActResults(
        offers=offers,
        customer_scores=kept,
        fraud=fraud_sheet(customer_scores, transaction_scores, reviews),
        trends=trends if trends is not None and len(trends) else None,
        notes=tuple(notes),
    )


# ---- the whole run -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PipelineResult:
    """Everything one run produced (optional parts are None when their input was missing or they were skipped)."""

    dataset_name: str
    frame: pd.DataFrame
    roles: dict[str, str]
    layout: str
    recipe: Any
    clean: Any
    segmentation: Any
    profiles: Any
    names: dict[int, str]
    descriptions: dict[int, str]
    sweep: Any = None
    stability: pd.DataFrame | None = None
    tx_canonical: pd.DataFrame | None = None
    acted: ActResults | None = None
    feedback: pd.DataFrame | None = None
    notes: tuple[str, ...] = field(default=())
    random_state: int = 0
    understanding: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    outcome_lines: tuple[str, ...] = ()

    @property
    def offers(self) -> pd.DataFrame | None:
        """The Offers sheet (None without the Act steps)."""
        return self.acted.offers if self.acted else None

    @property
    def fraud(self) -> pd.DataFrame | None:
        """The Fraud sheet (None without the Act steps)."""
        return self.acted.fraud if self.acted else None

    @property
    def trends(self) -> Any:
        """The Trends sheet (None without transactions or the Act steps)."""
        return self.acted.trends if self.acted else None

    @property
    def customer_scores(self) -> pd.DataFrame | None:
        """Anomaly columns added to the Customers sheet (None without the Act steps)."""
        return self.acted.customer_scores if self.acted else None

    def workbook_inputs(
        self,
        *,
        sha256: str | None = None,
        params: dict[str, Any] | None = None,
        provenance: tuple[Any, ...] = (),
    ) -> WorkbookInputs:
        """Return the :class:`core.workbook.WorkbookInputs` for this run (``provenance``: its input records)."""
        return workbook_inputs(
            dataset_name=self.dataset_name,
            clean=self.clean,
            segmentation=self.segmentation,
            profiles=self.profiles,
            names=self.names,
            descriptions=self.descriptions,
            sweep=self.sweep,
            stability=self.stability,
            recipe=self.recipe,
            layout=self.layout,
            acted=self.acted,
            feedback=self.feedback,
            sha256=sha256,
            params=params,
            understanding=self.understanding,
            warnings=self.warnings,
            outcome_lines=self.outcome_lines,
            provenance=provenance,
        )

    def summary_lines(self) -> list[str]:
        """Short plain-text summary: one line per segment, then the notes."""
        sizes = self.profiles.sizes.set_index("segment")
        lines = [
            f"{self.dataset_name}: {len(self.clean.table):,} customers, {self.segmentation.algorithm}, "
            f"{self.segmentation.n_segments} segments"
        ]
        if self.sweep is not None:
            lines.append(self.sweep.sentence)
        for segment_id, name in self.names.items():
            share = float(sizes.loc[segment_id, "share"])
            lines.append(f"  {segment_id:>2}  {name}: {int(sizes.loc[segment_id, 'size']):,} customers ({share:.0%})")
        lines += [f"Outcome: {line}" for line in self.outcome_lines]
        lines += [f"Warning: {warning}" for warning in self.warnings]
        return lines + [f"Note: {note}" for note in self.notes]


def workbook_inputs(
    *,
    dataset_name: str,
    clean: Any,
    segmentation: Any,
    profiles: Any,
    names: Mapping[int, str] | None,
    descriptions: Mapping[int, str] | None,
    layout: str,
    acted: ActResults | None,
    recipe: Any = None,
    sweep: Any = None,
    stability: pd.DataFrame | None = None,
    feedback: pd.DataFrame | None = None,
    sha256: str | None = None,
    params: dict[str, Any] | None = None,
    understanding: tuple[str, ...] = (),
    warnings: tuple[str, ...] = (),
    outcome_lines: tuple[str, ...] = (),
    provenance: tuple[Any, ...] = (),
) -> WorkbookInputs:
    """Gather one run's results into :class:`core.workbook.WorkbookInputs` (the same for every front end).

    ``understanding`` is the report of what was understood of the input (:meth:`core.schema.Understanding.lines`),
    ``warnings`` and ``outcome_lines`` come from :func:`check_segments`; the README and Run sheets carry them.
    """
    acted = acted or ActResults()
    return WorkbookInputs(
        dataset_name=dataset_name,
        table=clean.table,
        labels=segmentation.labels,
        id_column=clean.id_column,
        sha256=sha256,
        names=dict(names) if names else None,
        descriptions=dict(descriptions) if descriptions else None,
        profiles=profiles,
        segmentation=segmentation,
        sweep=sweep,
        stability=stability,
        recipe=recipe,
        clean_reports=clean.reports,
        fitted_recipe=getattr(clean, "fitted", None),
        params=params,
        random_state=getattr(segmentation, "random_state", 0),
        layout=layout,
        offers=acted.offers,
        feedback=feedback if feedback is not None and len(feedback) else None,
        fraud=acted.fraud,
        customer_scores=acted.customer_scores,
        trends=acted.trends,
        understanding=tuple(understanding),
        warnings=tuple(warnings),
        outcome_lines=tuple(outcome_lines),
        provenance=tuple(provenance),
    )


def run_segment_pipeline(
    customers: pd.DataFrame | None,
    transactions: pd.DataFrame | None = None,
    *,
    recipe: Any = None,
    algorithm: str = "kmeans",
    k: str | int = "auto",
    random_state: int = 0,
    feedback: pd.DataFrame | None = None,
    dataset_name: str = "customers",
    stability_runs: int = 0,
    act: bool = True,
    source: str | None = None,
    roles: Mapping[str, str] | None = None,
    tx_columns: Any = None,
    understanding: tuple[str, ...] = (),
) -> PipelineResult:
    """Segment customers end to end with the app's defaults.

    Parameters
    ----------
    customers : pandas.DataFrame or None
        One row per customer (an id column and numeric behaviour columns), as loaded by ``core.io``.
    transactions : pandas.DataFrame or None
        One row per transaction, any column names (mapped by ``core.transactions`` role inference). Used for
        the fraud and trends sheets, and for segmentation as ``source`` says.
    recipe : core.clean.Recipe, optional
        Cleaning steps; ``core.clean.default_recipe`` when None.
    algorithm : str
        One of :data:`ALGORITHM_CHOICES`.
    k : "auto" or int
        Number of segments; ``"auto"`` takes the k sweep's recommendation (ignored by DBSCAN / HDBSCAN).
    random_state : int
        Seed of every random step.
    feedback : pandas.DataFrame, optional
        Campaign outcomes (``customer_id, offer_id, outcome, date``) for the offer ranking.
    dataset_name : str
        Shown in the workbook and the summary.
    stability_runs : int
        Bootstrap resamples for segment stability; 0 skips it (it refits the model that many times).
    act : bool
        Also compute offers, anomaly scores, fraud alerts and trends (:func:`act_on_segments`).
    source : {"customers", "transactions", "joined"} or None
        What to segment, as on the Clean page (see :func:`customer_table`).
    roles : mapping, optional
        Column -> role of ``customers`` (e.g. :attr:`core.schema.Understanding.roles` with the user's
        corrections); inferred when None.
    tx_columns : core.transactions.TransactionColumns, optional
        The transaction roles (corrected by the user); inferred when None.
    understanding : tuple of str
        The report of what was understood of the input, for the workbook's README and Run sheets.

    Returns
    -------
    PipelineResult

    Raises
    ------
    DataError
        For input the pipeline cannot use (the loader's, the recipe's or the algorithm's message).
    """
    from core.schema import detect_layout

    if algorithm not in ALGORITHM_CHOICES:
        raise DataError(f"Unknown algorithm {algorithm!r}: choose one of {', '.join(ALGORITHM_CHOICES)}.")
    tx_canonical = canonical_transactions(transactions, tx_columns) if transactions is not None else None
    source = source or default_source(customers)
    if tx_canonical is not None and source != "customers" and _one_account(tx_canonical):
        raise DataError(unsegmentable_message(tx_canonical))
    frame, roles, _ = customer_table(customers, tx_canonical, source, roles)
    layout = detect_layout(customers) if customers is not None else "transactions"
    recipe, clean = prepare(frame, roles, recipe, random_state=random_state)

    sweep = None
    params: dict[str, Any] = {}
    if ALGORITHMS[algorithm].uses_k:
        if k == "auto":
            sweep = recommend_k(clean.matrix, algorithm, random_state=random_state)
        else:
            params["k"] = int(k)
    segmentation = segment(clean.matrix, algorithm, params, sweep=sweep, random_state=random_state)
    stability = None
    if stability_runs > 0:
        stability = check_stability(clean.matrix, segmentation, runs=stability_runs, random_state=random_state)
    profiles, names, descriptions = profile_and_name(clean, segmentation, layout)
    warnings, outcome_lines = check_segments(clean, segmentation, roles, names)
    acted = None
    if act:
        acted = act_on_segments(
            clean,
            segmentation,
            names,
            tx_canonical=tx_canonical,
            feedback=feedback,
            random_state=random_state,
        )
    return PipelineResult(
        dataset_name=dataset_name,
        frame=frame,
        roles=roles,
        layout=layout,
        recipe=recipe,
        clean=clean,
        segmentation=segmentation,
        profiles=profiles,
        names=names,
        descriptions=descriptions,
        sweep=sweep,
        stability=stability,
        tx_canonical=tx_canonical,
        acted=acted,
        feedback=feedback,
        notes=acted.notes if acted else (),
        random_state=random_state,
        understanding=tuple(understanding),
        warnings=warnings,
        outcome_lines=outcome_lines,
    )


def no_customers_reason(customers: pd.DataFrame | None, tx_canonical: pd.DataFrame | None) -> str | None:
    """Say why nothing can be segmented (transactions without a customer column and no customer table), else None.

    Fraud's transaction scores and Trends for everyone still work on such a file; only the customer steps do not.

    >>> from core.transactions import ONE_ACCOUNT
    >>> no_customers_reason(None, pd.DataFrame({"customer_id": [ONE_ACCOUNT] * 2}))[:40]
    'Customers cannot be segmented: no column'
    >>> no_customers_reason(pd.DataFrame({"id": [1]}), pd.DataFrame({"customer_id": [ONE_ACCOUNT]})) is None
    True
    """
    if customers is not None or tx_canonical is None or not _one_account(tx_canonical):
        return None
    return unsegmentable_message(tx_canonical)


def _one_account(tx_canonical: pd.DataFrame) -> bool:
    from core.transactions import ONE_ACCOUNT

    return bool(len(tx_canonical)) and bool((tx_canonical["customer_id"] == ONE_ACCOUNT).all())
