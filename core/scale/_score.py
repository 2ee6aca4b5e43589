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
from core.model import SegmentModel
from core.scale._assign import assign_group, segment_top_offers
from core.scale._inputs import ModelColumns, check_columns, input_files, model_columns, read_pandas
from core.scale._transactions import (
    TransactionCounts,
    check_transaction_types,
    plan_transactions,
    score_transactions_pandas,
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
    notes : list of str
        Sentences for the user (short customer histories, a clipped budget).
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
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        """Return the summary as a JSON document."""
        return json.dumps(asdict(self), indent=1)


def score(
    model: SegmentModel,
    customers: str | Path,
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
    customers : str or Path
        A CSV or Parquet file, or a folder of them (one format). CSV cells are read as text and typed by the
        model (:func:`core.scale.conform`); Parquet columns the model reads as numbers must be numbers or text.
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
        the text columns are masked (:func:`core.cards.mask_card_text`, with this run's key).
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
        pyspark or Java missing, the Spark master unreachable.
    """
    if engine not in ENGINES:
        raise DataError(f"Unknown engine {engine!r}; use one of {', '.join(ENGINES)}.")
    started = time.perf_counter()
    files, fmt = input_files(customers)
    columns = model_columns(model)
    check_columns(files, fmt, columns)
    tx_files: tuple[Path, ...] = ()
    tx_fmt, plan = "", None
    if transactions is not None:
        from core.cards import MASK_KEY

        tx_files, tx_fmt = input_files(transactions)
        plan = plan_transactions(tx_files, tx_fmt, MASK_KEY)
        check_transaction_types(tx_files, tx_fmt, plan)
    out = Path(out)
    if out.exists():
        raise DataError(f"{out} already exists; give a new folder for the scores.")
    if not out.parent.is_dir():
        raise DataError(f"{out.parent} is not a folder.")
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
    try:
        fraud = {"budget": budget, "budget_percent": budget_percent, "random_state": random_state}
        counts = None
        offers, offer_notes = segment_top_offers(
            model, read_pandas(files[:1], fmt, columns), columns, random_state=random_state
        )
        if engine == "pandas":
            input_rows, sizes = _score_pandas(model, files, fmt, columns, staging / CUSTOMERS_FOLDER, offers)
            if plan is not None:
                counts = score_transactions_pandas(tx_files, tx_fmt, plan, staging / TRANSACTIONS_FOLDER, **fraud)
        else:
            from core.scale._spark import score_spark

            input_rows, sizes, counts = score_spark(
                model,
                files,
                fmt,
                columns,
                staging,
                master,
                spark,
                rows_per_group,
                offers=offers,
                transactions=(tx_files, tx_fmt, plan) if plan is not None else None,
                fraud=fraud,
            )
        summary = ScoreSummary(
            engine=engine,
            input_rows=input_rows,
            output_rows=int(sum(sizes.values())),
            segments=dict(sorted(sizes.items(), key=lambda item: (-item[1], item[0]))),
            seconds=round(time.perf_counter() - started, 3),
            inputs=[str(f) for f in files],
            master=(master or "local[2]") if engine == "spark" else None,
            **_transaction_fields(counts, tx_files, offer_notes),
        )
        (staging / SUMMARY_NAME).write_text(summary.to_json())
        staging.chmod(0o755)  # mkdtemp made it private; the scores are an ordinary folder
        staging.rename(out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return summary


def _transaction_fields(counts: TransactionCounts | None, files: tuple[Path, ...], notes: list[str]) -> dict[str, Any]:
    if counts is None:
        return {"notes": list(notes)}
    return {
        "transactions_in": counts.rows_in,
        "transactions_scored": counts.rows_scored,
        "alerts": counts.alerts,
        "transaction_inputs": [str(f) for f in files],
        "notes": [*notes, *counts.notes],
    }


def _score_pandas(
    model: SegmentModel,
    files: tuple[Path, ...],
    fmt: str,
    columns: ModelColumns,
    folder: Path,
    offers: dict[int, str],
) -> tuple[int, dict[str, int]]:
    frame = read_pandas(files, fmt, columns)
    scored = assign_group(frame, model, columns, offers)
    folder.mkdir()
    scored.to_parquet(folder / "part-00000.parquet", index=False)
    sizes = scored["segment_name"].value_counts()
    return len(frame), {str(k): int(v) for k, v in sizes.items()}
