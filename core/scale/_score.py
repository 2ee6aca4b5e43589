"""Score customer files with a saved model into a Parquet folder and a summary, on pandas or Spark."""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from core.errors import DataError
from core.fraud import TRANSACTION_BUDGET
from core.model import DerivedFeatures, SegmentModel
from core.scale._assign import assign_group, segment_top_offers
from core.scale._derived import customer_file_columns, derive_pandas, offer_rows
from core.scale._inputs import ModelColumns, check_columns, input_files, model_columns, read_pandas
from core.scale._transactions import (
    TransactionCounts,
    TransactionPlan,
    canonical_whole,
    check_transaction_types,
    plan_transactions,
    read_transactions,
    score_canonical_pandas,
)

ENGINES = ("pandas", "spark")
SUMMARY_NAME = "summary.json"
CUSTOMERS_FOLDER = "customers"
TRANSACTIONS_FOLDER = "transactions"


@dataclass(frozen=True)
class ScoreSummary:
    """What a scoring run did (written as ``summary.json`` beside the Parquet output).

    Attributes
    ----------
    engine : str
        ``"pandas"`` or ``"spark"``.
    input_rows, output_rows : int
        Customers read, and customers given a segment (the recipe drops exact duplicate rows).
    segments : dict[str, int]
        Customers per segment name, largest first.
    seconds : float
        Wall time, reading to writing.
    inputs : list of str
        The files read.
    master : str or None
        The Spark master, when Spark ran.
    transactions_in, transactions_scored, alerts : int or None
        Transactions read, scored (exact duplicates and rows without a readable date or amount are dropped),
        and flagged within the alert budget; None without ``--transactions``.
    transaction_inputs : list of str
        The transaction files read.
    transaction_key : str or None
        The transaction column taken as the customer (inferred from the first rows of the first file); None
        without ``--transactions`` or when no column names the customer (one account).
    transaction_customers : int or None
        Distinct customers among the scored transactions, by that key.
    spending_negative, date_only : bool or None
        How the whole transaction input was read, decided once per run on either engine (never per group of
        customers): most amounts were negative, so every sign was flipped (spending reads positive); every
        timestamp is at 00:00, so night and within-an-hour features were left out. None without
        ``--transactions``.
    date_format : str or None
        How the transaction dates were read, once for the whole input (``month first (MM/DD/YYYY)``, ``ISO
        8601``, ...); None without ``--transactions``.
    money_in : int or None
        Transactions read as money in (bill payments to the card, salary, transfers in): counted in
        ``transactions_scored`` but not scored (their ``reasons`` say so) and left out of derived spend.
    notes : list of str
        Sentences for the user (short customer histories, a clipped budget, which column was taken as the
        customer when another could key the transactions too, flipped signs).
    """

    engine: str
    input_rows: int
    output_rows: int
    segments: dict[str, int]
    seconds: float
    inputs: list[str] = field(default_factory=list)
    master: str | None = None
    transactions_in: int | None = None
    transactions_scored: int | None = None
    alerts: int | None = None
    transaction_inputs: list[str] = field(default_factory=list)
    transaction_key: str | None = None
    transaction_customers: int | None = None
    spending_negative: bool | None = None
    date_only: bool | None = None
    date_format: str | None = None
    money_in: int | None = None
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        """Return the summary as a JSON document."""
        return json.dumps(asdict(self), indent=1)


def score(
    model: SegmentModel,
    customers: str | Path | None,
    out: str | Path,
    *,
    transactions: str | Path | None = None,
    engine: str = "pandas",
    master: str | None = None,
    spark: Any = None,
    rows_per_group: int = 250_000,
    budget: int = TRANSACTION_BUDGET,
    budget_percent: float | None = None,
    random_state: int = 0,
) -> ScoreSummary:
    """Place every customer of ``customers`` in the model's segments; write Parquet and a summary to ``out``.

    Parameters
    ----------
    model : SegmentModel
        A saved model (:func:`core.model.model_from_json`).
    customers : str or Path or None
        A CSV or Parquet file, or a folder of them (one format). CSV cells are read as text and typed by the
        model (:func:`core.scale.conform`); Parquet columns the model reads as numbers must be numbers or text.
        None (and only None) for a model segmented on transaction-derived features alone: its customers are the
        transactions' customers.
    out : str or Path
        A new folder: ``customers/`` (Parquet: the id, ``segment``, ``segment_name``, ``distance`` to the
        segment centre in the scaled feature space, ``confidence`` = ``1 - d1 / d2`` from the distances to the
        nearest and second-nearest centre, 0 halfway between two segments and 1 on the centre or with one
        segment; ``top_offers``: the names of the segment's 3 best offers, best first, joined by ``"; "``, as
        :func:`core.recommend.segment_offers` ranks them on a seeded sample of up to 20,000 customers of the
        first input file), ``transactions/`` when ``transactions`` is given, and
        ``summary.json``. It is written beside ``out`` under a temporary name and renamed when complete, so a
        failed run leaves nothing.
    transactions : str or Path, optional
        A CSV or Parquet file, or a folder of them, of card transactions (roles inferred from the first rows of
        the first file, as the app does). Each is scored for fraud by :func:`core.fraud.score_transactions`:
        ``transactions/`` holds ``row`` (position in the input, files in name order), ``customer_id``,
        ``timestamp``, ``amount``, the input's ``category`` / ``merchant`` / ``channel`` / ``transaction_id``
        / ``label`` / coordinates when present, ``score`` (0..1), ``rank`` (1 = most suspicious), ``flagged``,
        ``reasons`` (words for each alert, "" elsewhere), ``model_score`` and ``rule_score``. Card numbers in
        the text columns are masked (:func:`core.cards.mask_card_text`, with this run's key). Required when the
        model was segmented on features derived from transactions (``model.derived``): they are derived again
        from these, per customer, as of their last timestamp (:mod:`core.scale._derived`), and joined onto the
        customers by id (inner join, as at fit time; the summary counts who did not match).
    engine : {"pandas", "spark"}
        pandas: one process, the whole input in memory. spark: ``groupBy(hash of id).applyInPandas`` running
        the same function, locally (``local[2]``) or on ``master``.
    master : str, optional
        Spark master URL (``local[4]``, ``spark://host:7077``, ``yarn``); default ``local[2]``.
    spark : pyspark.sql.SparkSession, optional
        A session to use (and leave running) instead of starting one.
    rows_per_group : int
        Spark only: about this many customers (or transactions) per group (each group is one pandas frame).
    budget, budget_percent : int, float or None
        The transaction alert budget: the top ``budget`` transactions, or ``budget_percent`` percent of them.
    random_state : int, default 0
        Seed of the fraud model (:func:`core.fraud.score_transactions`) and of the sample the offers are
        ranked on.

    Returns
    -------
    ScoreSummary

    Raises
    ------
    DataError
        With one sentence: no input files, a column the model reads is missing or mistyped, ``out`` exists,
        pyspark or Java missing, the Spark master unreachable; a model with derived features and no
        transactions, or transactions without a customer, date or amount column.
    """
    if engine not in ENGINES:
        raise DataError(f"Unknown engine {engine!r}; use one of {', '.join(ENGINES)}.")
    started = time.perf_counter()
    columns = model_columns(model)
    derived = _check_derived(model, customers, transactions)
    file_columns = customer_file_columns(model, columns)
    files: tuple[Path, ...] = ()
    fmt = ""
    if customers is not None:
        files, fmt = input_files(customers)
        check_columns(files, fmt, file_columns)
    tx_files: tuple[Path, ...] = ()
    tx_fmt, plan = "", None
    if transactions is not None:
        from core.cards import MASK_KEY

        tx_files, tx_fmt = input_files(transactions)
        plan = plan_transactions(tx_files, tx_fmt, MASK_KEY)
        check_transaction_types(tx_files, tx_fmt, plan)
        if derived is not None and plan.columns.customer is None:
            raise DataError(
                f"{tx_files[0].name}: no column reads as the transaction customer, and the model's features are "
                "derived per customer (name it in the file, e.g. customer_id)."
            )
    out = Path(out)
    if out.exists():
        raise DataError(f"{out} already exists; give a new folder for the scores.")
    if not out.parent.is_dir():
        raise DataError(f"{out.parent} is not a folder.")
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
    try:
        fraud = {"budget": budget, "budget_percent": budget_percent, "random_state": random_state}
        counts = None
        if engine == "pandas":
            input_rows, sizes, counts, offer_notes = _score_pandas(
                model,
                (files, fmt),
                columns,
                staging,
                (tx_files, tx_fmt, plan) if plan is not None else None,
                fraud,
                random_state,
            )
        else:
            from core.scale._spark import score_spark

            input_rows, sizes, counts, offer_notes = score_spark(
                model,
                files,
                fmt,
                columns,
                staging,
                master,
                spark,
                rows_per_group,
                transactions=(tx_files, tx_fmt, plan) if plan is not None else None,
                fraud=fraud,
                random_state=random_state,
            )
        summary = ScoreSummary(
            engine=engine,
            input_rows=input_rows,
            output_rows=int(sum(sizes.values())),
            segments=dict(sorted(sizes.items(), key=lambda item: (-item[1], item[0]))),
            seconds=round(time.perf_counter() - started, 3),
            inputs=[str(f) for f in files],
            master=(master or "local[2]") if engine == "spark" else None,
            **_transaction_fields(counts, tx_files, offer_notes, plan),
        )
        (staging / SUMMARY_NAME).write_text(summary.to_json())
        staging.chmod(0o755)  # mkdtemp made it private; the scores are an ordinary folder
        staging.rename(out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return summary


def _check_derived(
    model: SegmentModel, customers: str | Path | None, transactions: str | Path | None
) -> DerivedFeatures | None:
    """Refuse inputs that cannot give the model's features: derived ones need transactions, joined ones customers."""
    derived = model.derived
    if derived is None:
        if customers is None:
            raise DataError("Give the customers to score (--customers PATH).")
        return None
    if transactions is None:
        raise DataError(
            "This model was segmented on customer features derived from transactions: give them with "
            "--transactions PATH."
        )
    if derived.source == "joined" and customers is None:
        raise DataError(
            "This model joins transaction features onto a customer table: give the customers with --customers PATH."
        )
    if derived.source == "transactions" and customers is not None:
        raise DataError(
            "This model reads only features derived from transactions, so its customers are the transactions' "
            "customers: leave out --customers."
        )
    return derived


def _transaction_fields(
    counts: TransactionCounts | None, files: tuple[Path, ...], notes: list[str], plan: TransactionPlan | None
) -> dict[str, Any]:
    if counts is None or plan is None:
        return {"notes": list(notes)}
    readings = counts.readings
    return {
        "transactions_in": counts.rows_in,
        "transactions_scored": counts.rows_scored,
        "alerts": counts.alerts,
        "transaction_inputs": [str(f) for f in files],
        "transaction_key": plan.columns.customer,
        "transaction_customers": counts.customers,
        "spending_negative": readings.spending_negative if readings else None,
        "date_only": readings.date_only if readings else None,
        "date_format": readings.date_format if readings else None,
        "money_in": counts.money_in,
        "notes": [
            *notes,
            *((plan.key_note,) if plan.key_note else ()),
            *(readings.notes if readings else ()),
            *counts.notes,
        ],
    }


def _score_pandas(
    model: SegmentModel,
    customers: tuple[tuple[Path, ...], str],
    columns: ModelColumns,
    staging: Path,
    transactions: tuple[tuple[Path, ...], str, TransactionPlan] | None,
    fraud: dict[str, Any],
    random_state: int,
) -> tuple[int, dict[str, int], TransactionCounts | None, list[str]]:
    """Score the whole input in one process; return rows read, segment sizes, the transaction part, notes."""
    files, fmt = customers
    canonical = rows_in = readings = None
    if transactions is not None:
        tx_files, tx_fmt, plan = transactions
        read = read_transactions(tx_files, tx_fmt, plan)
        rows_in = len(read)
        canonical, readings = canonical_whole(read, plan)
        del read
    notes: list[str] = []
    if model.derived is not None:
        assert canonical is not None and transactions is not None and readings is not None
        frame, input_rows, notes = derive_pandas(model, files, fmt, columns, canonical, transactions[2], readings)
        sample = offer_rows(frame, model.derived)
    else:
        frame = read_pandas(files, fmt, columns)
        input_rows = len(frame)
        sample = read_pandas(files[:1], fmt, columns)
    offers, offer_notes = segment_top_offers(model, sample, columns, random_state=random_state)
    scored = assign_group(frame, model, columns, offers)
    folder = staging / CUSTOMERS_FOLDER
    folder.mkdir()
    scored.to_parquet(folder / "part-00000.parquet", index=False)
    sizes = scored["segment_name"].value_counts()
    counts = None
    if transactions is not None:
        assert canonical is not None and rows_in is not None and readings is not None
        counts = score_canonical_pandas(
            canonical, rows_in, transactions[2], staging / TRANSACTIONS_FOLDER, readings=readings, **fraud
        )
    return input_rows, {str(k): int(v) for k, v in sizes.items()}, counts, [*notes, *offer_notes]
