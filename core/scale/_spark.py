"""The Spark engine: the pandas scoring function run on groups of customers with ``applyInPandas``.

Imported only when ``engine="spark"`` runs; pyspark and Java are optional (``requirements-spark.txt``).
"""

from __future__ import annotations

import math
import os
import re
import socket
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from core.errors import DataError
from core.model import SegmentModel
from core.scale._assign import assign_group, output_columns
from core.scale._inputs import ModelColumns, read_pandas
from core.scale._transactions import TransactionCounts, TransactionPlan

INSTALL_HINT = "the Spark engine needs pyspark and Java 17: pip install -r requirements-spark.txt"
DEFAULT_MASTER = "local[2]"
CONNECT_SECONDS = 5.0


def start_session(master: str | None = None, *, shuffle_partitions: int = 2) -> Any:
    """Start (or reuse) a SparkSession on ``master`` (default ``local[2]``) with the Spark UI off.

    Raises
    ------
    DataError
        Without pyspark or Java, or when a ``spark://`` master does not answer.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise DataError(f"pyspark is not installed: {INSTALL_HINT}") from None
    master = master or DEFAULT_MASTER
    _check_reachable(master)
    # Workers run this interpreter and import core from this checkout (local mode inherits the environment).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    root = str(Path(__file__).resolve().parents[2])
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if root not in paths:
        os.environ["PYTHONPATH"] = os.pathsep.join([root, *paths])
    builder = (
        SparkSession.builder.master(master)
        .appName("cardlens-score")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
    )
    try:
        with _known_pandas_warning_silenced():
            session = builder.getOrCreate()
    except Exception as error:  # Java missing, the gateway dying, a master refusing us
        raise DataError(f"Spark could not start on {master} ({_first_line(error)}); {INSTALL_HINT}") from None
    session.sparkContext.setLogLevel("ERROR")
    return session


@contextmanager
def _known_pandas_warning_silenced() -> Iterator[None]:
    """Silence pyspark 4.3's warnings about pandas >= 3: "not fully supported", and its own ``astype(copy=...)``.

    The session start and the ``applyInPandas`` paths used here are checked against the pandas engine
    (tests/test_scale.py and tests/test_scale_transactions.py: identical output), so the warnings would only
    alarm the user.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas", FutureWarning)
        warnings.filterwarnings("ignore", "The copy keyword is deprecated", module="pyspark")
        yield


def _check_reachable(master: str) -> None:
    """Refuse a ``spark://host:port`` master that does not accept a connection (Spark itself would retry a minute)."""
    match = re.fullmatch(r"spark://([^:/,]+):(\d+)(?:,.*)?", master.strip())
    if master.startswith("spark://") and not match:
        raise DataError(f"--master {master}: a standalone master is spark://HOST:PORT.")
    if match:
        try:
            socket.create_connection((match.group(1), int(match.group(2))), timeout=CONNECT_SECONDS).close()
        except OSError as error:
            raise DataError(f"The Spark master {master} cannot be reached ({error.strerror or error}).") from None


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    found = re.search(r"DataError: (.+)", text)  # a DataError raised inside a worker
    return (found.group(1) if found else text.splitlines()[0] if text else type(error).__name__)[:300]


def score_spark(
    model: SegmentModel,
    files: tuple[Path, ...],
    fmt: str,
    columns: ModelColumns,
    staging: Path,
    master: str | None,
    spark: Any,
    rows_per_group: int,
    *,
    transactions: tuple[tuple[Path, ...], str, TransactionPlan] | None = None,
    fraud: dict[str, Any] | None = None,
    random_state: int = 0,
) -> tuple[int, dict[str, int], TransactionCounts | None, list[str]]:
    """Score ``files`` on Spark into ``staging/customers`` (and ``transactions`` into ``staging/transactions``).

    With a model segmented on features derived from transactions, the transactions are standardized once, the
    features derived per customer group (:func:`core.scale._derived.derive_customers`, as of the last timestamp
    of all of them) and joined onto the customer rows (or are the customers, for a transaction-only model).

    Returns
    -------
    tuple
        The customer rows read, customers per segment name, what the transaction part did (or None), and
        sentences for the summary.
    """
    owned = spark is None
    spark = start_session(master) if owned else spark  # first: it says how to install pyspark when it is missing
    zone = spark.conf.get("spark.sql.session.timeZone")
    spark.conf.set("spark.sql.session.timeZone", "UTC")  # transaction times are wall-clock times: no shifting
    held: list[Any] = []  # cached frames, released when the run ends
    try:
        with _known_pandas_warning_silenced():
            return _score(model, files, fmt, columns, staging, spark, rows_per_group, transactions, fraud,
                          random_state, held)  # fmt: skip
    except DataError:
        raise
    except Exception as error:  # a worker's DataError, unreadable files: one sentence
        raise DataError(f"Spark scoring failed: {_first_line(error)}") from None
    finally:
        for frame in held:
            frame.unpersist()
        if owned:
            spark.stop()
        else:
            spark.conf.set("spark.sql.session.timeZone", zone)


def _score(
    model: SegmentModel,
    files: tuple[Path, ...],
    fmt: str,
    columns: ModelColumns,
    staging: Path,
    spark: Any,
    rows_per_group: int,
    transactions: tuple[tuple[Path, ...], str, TransactionPlan] | None,
    fraud: dict[str, Any] | None,
    random_state: int,
    held: list[Any],
) -> tuple[int, dict[str, int], TransactionCounts | None, list[str]]:
    from pyspark.sql import functions as F

    from core.scale._assign import segment_top_offers

    prepared, notes = None, []
    if model.derived is not None:
        from core.scale._spark_derived import derived_rows
        from core.scale._spark_transactions import canonical_rows

        assert transactions is not None
        tx_files, tx_fmt, plan = transactions
        prepared = canonical_rows(spark, tx_files, tx_fmt, plan, rows_per_group, held)
        frame, input_rows, sample, notes = derived_rows(spark, model, files, fmt, columns, plan, prepared, held)
    else:
        frame = _customer_rows(spark, files, fmt, columns)
        input_rows = frame.count()
        sample = read_pandas(files[:1], fmt, columns)
    offers, offer_notes = segment_top_offers(model, sample, columns, random_state=random_state)
    groups = max(spark.sparkContext.defaultParallelism, math.ceil(input_rows / max(rows_per_group, 1)))
    # Duplicate rows and repeated ids share an id, so they share a group: the recipe sees them together.
    keys = [F.col(f"`{columns.id}`")] if columns.id else [F.col(f"`{c}`") for c in columns.all]
    keyed = frame.withColumn("_group", F.pmod(F.hash(*keys), F.lit(groups)))
    schema = ", ".join(f"`{c}` {_spark_type(c)}" for c in output_columns(columns))

    def assign(frame):  # untyped on purpose: applyInPandas reads type hints as a UDF kind
        return assign_group(frame.drop(columns=["_group"]), model, columns, offers)

    folder = staging / "customers"
    keyed.groupBy("_group").applyInPandas(assign, schema=schema).write.parquet(str(folder))
    sizes = spark.read.parquet(str(folder)).groupBy("segment_name").count().collect()
    counts = None
    if transactions is not None:
        from core.scale._spark_transactions import score_transactions_spark

        tx_files, tx_fmt, plan = transactions
        counts = score_transactions_spark(
            spark,
            tx_files,
            tx_fmt,
            plan,
            staging / "transactions",
            rows_per_group=rows_per_group,
            prepared=prepared,
            **(fraud or {}),
        )
    segments = {str(row["segment_name"]): int(row["count"]) for row in sizes}
    return input_rows, segments, counts, [*notes, *offer_notes]


def _customer_rows(spark: Any, files: tuple[Path, ...], fmt: str, columns: ModelColumns) -> Any:
    """Read the model's columns of every customer file, with ``_file`` and ``_pos`` giving file order."""
    from pyspark.sql import functions as F

    paths = [str(f) for f in files]
    reader = spark.read
    if fmt == "csv":  # every cell as text, only an empty cell missing: the pandas engine reads the same
        frame = reader.option("header", True).option("inferSchema", False).option("encoding", "UTF-8").csv(paths)
    else:
        frame = reader.parquet(*paths)
    return frame.select(
        *[F.col(f"`{c}`") for c in columns.all],
        F.col("_metadata.file_path").alias("_file"),
        F.monotonically_increasing_id().alias("_pos"),
    )


def _spark_type(column: str) -> str:
    return {"segment": "bigint", "distance": "double", "confidence": "double"}.get(column, "string")
