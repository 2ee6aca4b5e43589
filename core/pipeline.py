"""The whole pipeline in one call, with the app's defaults: used by ``python -m core`` and the benchmarks.

customers and/or transactions -> roles -> default (or given) recipe -> feature matrix -> recommended k (or the
given k) -> segmentation -> profiles -> names -> offers, customer anomaly scores, transaction scores and
trends when their inputs exist. The Act steps come from other modules; one that fails on unusual data is
skipped with a note instead of losing the segments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from core.errors import DataError
from core.workbook import WorkbookInputs

K_ALGORITHMS = ("kmeans", "kmedoids", "gmm", "hierarchical")
ALGORITHM_CHOICES = (*K_ALGORITHMS, "dbscan", "hdbscan")


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
    offers: pd.DataFrame | None = None
    feedback: pd.DataFrame | None = None
    customer_scores: pd.DataFrame | None = None
    fraud: pd.DataFrame | None = None
    trends: pd.DataFrame | None = None
    notes: tuple[str, ...] = field(default=())
    random_state: int = 0

    def workbook_inputs(self, *, sha256: str | None = None, params: dict[str, Any] | None = None) -> WorkbookInputs:
        """Return the :class:`core.workbook.WorkbookInputs` for this run."""
        return WorkbookInputs(
            dataset_name=self.dataset_name,
            table=self.clean.table,
            labels=self.segmentation.labels,
            id_column=self.clean.id_column,
            sha256=sha256,
            names=self.names,
            descriptions=self.descriptions,
            profiles=self.profiles,
            segmentation=self.segmentation,
            sweep=self.sweep,
            stability=self.stability,
            recipe=self.recipe,
            clean_reports=self.clean.reports,
            params=params,
            random_state=self.random_state,
            layout=self.layout,
            offers=self.offers,
            feedback=self.feedback,
            fraud=self.fraud,
            customer_scores=self.customer_scores,
            trends=self.trends,
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
        for segment, name in self.names.items():
            share = float(sizes.loc[segment, "share"])
            lines.append(f"  {segment:>2}  {name}: {int(sizes.loc[segment, 'size']):,} customers ({share:.0%})")
        return lines + [f"Note: {note}" for note in self.notes]


SOURCES = ("customers", "transactions", "joined")  # what to segment: as on the Clean page


def _customer_table(
    customers: pd.DataFrame | None, tx_canonical: pd.DataFrame | None, source: str
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Return the table to segment and its roles: the customers, the customers derived from transactions, or both.

    ``source`` is one of :data:`SOURCES`; ``"joined"`` keeps only customers present in both tables.
    """
    from core import features
    from core.schema import id_column, infer_roles

    if customers is None and tx_canonical is None:
        raise DataError("Give a customer file, a transaction file, or both.")
    if source not in SOURCES:
        raise DataError(f"Unknown source {source!r}: choose one of {', '.join(SOURCES)}.")
    if customers is None and source != "transactions":
        raise DataError(f"Segmenting by {source!r} needs a customer file; give one, or use the transactions.")
    if tx_canonical is None and source != "customers":
        raise DataError(f"Segmenting by {source!r} needs a transaction file (--transactions FILE).")
    if source == "customers":
        return customers, infer_roles(customers)
    derived = features.customer_features(tx_canonical)
    if source == "transactions":
        return derived, features.derived_roles(derived)
    roles = infer_roles(customers)
    joined, _ = features.join_customers(customers, id_column(roles) or "", derived)
    extra = {c: r for c, r in features.derived_roles(derived).items() if c != "customer_id"}
    roles = {**roles, **{(f"tx_{c}" if c in customers.columns else c): r for c, r in extra.items()}}
    return joined, roles


def _optional(notes: list[str], what: str, action: Any) -> Any:
    """Run an Act step; on failure keep going and say what was skipped (the segments stay valid)."""
    try:
        return action()
    except ImportError:
        notes.append(f"{what} skipped: that part of CardLens is not installed.")
    except (DataError, ValueError) as error:
        notes.append(f"{what} skipped: {error}")
    return None


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
        Also compute offers, anomaly scores and trends.
    source : {"customers", "transactions", "joined"} or None
        What to segment, as on the Clean page: the customer table (the default when there is one; every
        customer is kept), customer features derived from the transactions (the default without a customer
        table), or both joined on the customer id (only customers in both).

    Returns
    -------
    PipelineResult

    Raises
    ------
    DataError
        For input the pipeline cannot use (the loader's, the recipe's or the algorithm's message).
    """
    from core.clean import apply_recipe, default_recipe
    from core.cluster import fit
    from core.naming import name_segments
    from core.profiles import profile_segments
    from core.schema import detect_layout

    if algorithm not in ALGORITHM_CHOICES:
        raise DataError(f"Unknown algorithm {algorithm!r}: choose one of {', '.join(ALGORITHM_CHOICES)}.")
    notes: list[str] = []
    tx_canonical = None
    if transactions is not None:
        from core.transactions import infer_transaction_columns, standardize_transactions

        tx_canonical = standardize_transactions(transactions, infer_transaction_columns(transactions))[0]
    source = source or ("customers" if customers is not None else "transactions")
    frame, roles = _customer_table(customers, tx_canonical, source)
    layout = detect_layout(customers) if customers is not None else "transactions"
    recipe = recipe if recipe is not None else default_recipe(frame, roles)
    clean = apply_recipe(frame, recipe, roles, random_state=random_state)

    sweep = None
    params: dict[str, Any] = {}
    if algorithm in K_ALGORITHMS:
        if k == "auto":
            from core.cluster import sweep_k

            sweep = sweep_k(clean.matrix, algorithm, random_state=random_state)
            params["k"] = sweep.recommended_k
        else:
            params["k"] = int(k)
    segmentation = fit(clean.matrix, algorithm, params, random_state=random_state)
    stability = None
    if stability_runs > 0:
        from core.cluster import stability as bootstrap

        stability = bootstrap(clean.matrix, segmentation, n_boot=stability_runs, random_state=random_state)
    profiles = profile_segments(clean.table, segmentation.labels, list(clean.features))
    named = name_segments(profiles, layout)
    names = {s: n.name for s, n in named.items()}
    descriptions = {s: n.description for s, n in named.items()}

    offers = customer_scores = fraud = trends = None
    if act:
        offers, customer_scores, fraud, trends = _act(clean, segmentation, names, feedback, tx_canonical, notes)
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
        offers=offers,
        feedback=feedback,
        customer_scores=customer_scores,
        fraud=fraud,
        trends=trends,
        notes=tuple(notes),
        random_state=random_state,
    )


def _act(
    clean: Any,
    segmentation: Any,
    names: dict[int, str],
    feedback: pd.DataFrame | None,
    tx_canonical: pd.DataFrame | None,
    notes: list[str],
) -> tuple[Any, Any, Any, Any]:
    """Offers, customer anomaly scores, transaction alerts and trends (each skipped with a note on failure)."""

    def offers() -> pd.DataFrame:
        from core.recommend import top_offers_table

        return top_offers_table(
            clean.table, segmentation.labels, id_column=clean.id_column, names=names, feedback=feedback
        )

    def customer_scores() -> pd.DataFrame:
        from core.fraud import score_customers

        scores = score_customers(clean.table, clean.matrix, segmentation.labels, segmentation.centres)
        keep = [c for c in ("anomaly_score", "anomaly_rank", "flagged", "reasons") if c in scores.columns]
        return scores[keep]

    def transaction_alerts() -> pd.DataFrame:
        from core.fraud import score_transactions

        scored = score_transactions(tx_canonical)
        return scored[scored["flagged"]].sort_values("score", ascending=False)

    def trends() -> pd.DataFrame:
        from core.trends import trends_sheet

        ids = clean.table[clean.id_column] if clean.id_column else clean.table.index.to_series()
        by_customer = pd.Series(
            [names.get(int(s), f"Segment {s}") for s in segmentation.labels], index=ids.astype("string").to_numpy()
        )
        return trends_sheet(tx_canonical, by_customer)

    offer_table = _optional(notes, "Offers", offers)
    scores = _optional(notes, "Customer anomaly scores", customer_scores)
    fraud = None
    trend_table = None
    if tx_canonical is not None:
        fraud = _optional(notes, "Transaction fraud scores", transaction_alerts)
        trend_table = _optional(notes, "Trends", trends)
    elif scores is not None and "flagged" in scores.columns:
        fraud = clean.table.loc[scores.index[np.asarray(scores["flagged"], dtype=bool)]].join(scores)
    return offer_table, scores, fraud, trend_table
