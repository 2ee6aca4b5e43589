"""Transactions scored for fraud on Spark: per-customer groups in ``applyInPandas``, table-wide parts computed once.

See :mod:`core.scale._transactions` for which part of the score is per row, per customer and per table. The
table-wide parts here are exact: the file's readings (spending written negative, dates without a time of day)
from one count aggregation, category norms from another, the forest fitted on the driver on the same sample rows
as the pandas engine, and percentile ranks as prefix counts over range-partitioned sorted values (no
single-partition window), so the output equals the pandas engine's. Money in (``is_money_in``) rides along
every step and is left unscored, ranked after the scored rows with :data:`core.fraud.MONEY_IN_REASON`, as
:func:`core.fraud.score_transactions` does; every table-wide part is then the spending rows'.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import numpy as np
import pandas as pd

from core.errors import DataError
from core.fraud import (
    FEATURE_COLUMNS,
    alert_reasons,
    category_norms,
    fit_forest,
    forest_positions,
    history_notes,
    model_matrix,
    resolve_budget,
    rule_scores,
    transaction_features,
)
from core.fraud._config import setting
from core.fraud._transactions import MONEY_IN_REASON, NO_TIME_OF_DAY_NOTE, money_in_note
from core.scale._transactions import (
    AMBIGUOUS,
    CANONICAL_FLOAT,
    CANONICAL_TEXT,
    DAY_FIRST,
    DAY_NS,
    ROW,
    FileReadings,
    TransactionCounts,
    TransactionPlan,
    canonical_group,
    file_date_format,
    file_readings,
)
from core.transactions import (
    DATE_SHARE,
    ELAPSED_READING,
    HOURS_READING,
    INTEGER_READINGS,
    hour_counter_of,
    integer_date_format_of_counts,
)

_FORMAT = "_format"  # how a group read its dates, on its first row only
MONEY_IN = "is_money_in"  # the canonical flag of money in (core.money_in): carried, never scored
_MATRIX = tuple(f"_m{i}" for i in range(7))  # the forest's inputs; _m6 is the distance when the table has one


def _canonical_schema(plan: TransactionPlan, *, with_format: bool) -> str:
    text = [c for c in plan.optional if c in CANONICAL_TEXT]
    floats = [c for c in plan.optional if c in CANONICAL_FLOAT]
    fields = ["row bigint", "customer_id string", "timestamp bigint", "amount double", f"{MONEY_IN} boolean"]
    fields += [f"{c} string" for c in text] + [f"{c} double" for c in floats]
    return ", ".join([*fields, *([f"{_FORMAT} string"] if with_format else [])])


def _to_spark(canonical: pd.DataFrame, plan: TransactionPlan) -> pd.DataFrame:
    """Canonical rows for Arrow: timestamps as int64 nanoseconds (exact), text as object."""
    out = canonical.loc[:, ["row", "customer_id", "timestamp", "amount", MONEY_IN, *plan.optional]].copy()
    out["timestamp"] = out["timestamp"].to_numpy("datetime64[ns]").astype("int64")
    out[MONEY_IN] = out[MONEY_IN].fillna(False).astype(bool)
    for column in [c for c in plan.optional if c in CANONICAL_TEXT] + ["customer_id"]:
        out[column] = out[column].astype("object").where(out[column].notna(), None)
    return out


def _from_spark(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out["timestamp"] = pd.to_datetime(out["timestamp"].to_numpy("int64"), unit="ns")
    for column in CANONICAL_TEXT:
        if column in out.columns:
            out[column] = out[column].astype("string")
    return out


def _input_rows(
    spark: Any, files: tuple[Path, ...], fmt: str, plan: TransactionPlan, held: list[Any]
) -> tuple[Any, int]:
    """Read every file with each row's input position over all files in name order (as pandas concatenates)."""
    from pyspark.sql import functions as F

    paths = [str(f) for f in files]
    if fmt == "csv":
        frame = spark.read.option("header", True).option("inferSchema", False).option("encoding", "UTF-8").csv(paths)
    else:
        frame = spark.read.parquet(*paths)
    frame = frame.select(
        *[F.col(f"`{c}`") for c in plan.source],
        F.col("_metadata.file_path").alias("_file"),
        F.spark_partition_id().alias("_part"),
        F.monotonically_increasing_id().alias("_pos"),
    ).persist()
    held.append(frame)
    # A file's rows are contiguous and in order inside each partition, and its partitions follow its order;
    # so a row's position is: rows of earlier files + rows of this file in earlier partitions + its offset here.
    pieces = frame.groupBy("_file", "_part").agg(F.count("*").alias("n"), F.min("_pos").alias("first")).collect()
    order = {Path(p).name: i for i, p in enumerate(paths)}

    def file_rank(uri: str) -> int:
        return order.get(Path(unquote(urlparse(uri).path)).name, len(order))

    offsets, running = [], 0
    for piece in sorted(pieces, key=lambda p: (file_rank(p["_file"]), p["first"])):
        offsets.append((piece["_file"], piece["_part"], running - piece["first"]))
        running += piece["n"]
    shift = spark.createDataFrame(offsets, "_file string, _part int, _shift bigint")
    rows = frame.join(F.broadcast(shift), on=["_file", "_part"]).withColumn(ROW, F.col("_pos") + F.col("_shift"))
    return rows.drop("_file", "_part", "_pos", "_shift"), running


def numeric_date_reading(rows: Any, plan: TransactionPlan, parts: int) -> str:
    """How :func:`core.transactions.parse_timestamps` reads the whole date column of numbers, from aggregates.

    Its rules in their order, each over every row of the input as the pandas engine applies them: an hour counter
    (:func:`core.transactions.hour_counter_of`, from the count, least, largest and whether all are whole), whole
    numbers written ``yyyymmdd`` or ``yymmdd`` (:func:`core.transactions.integer_date_format_of_counts`, from the
    rows of each number that could be a date or a "no date" placeholder, the others pooled), seconds since the
    first transaction (the first number in input order below a day, and no number below the one before it), else
    Unix time in seconds or milliseconds by the median (approximated within 1e-5 of the rank: it only decides on
    which side of 1e11 the numbers lie).
    """
    from pyspark.sql import functions as F

    number = F.col(f"`{plan.columns.timestamp}`").try_cast("double")
    present = rows.select(number.alias("v"), F.col(ROW)).where(F.col("v").isNotNull() & ~F.isnan("v"))
    finite = (F.col("v") > F.lit(float("-inf"))) & (F.col("v") < F.lit(float("inf")))
    whole = finite & (F.col("v") == F.floor("v"))
    stats = present.agg(
        F.count("*").alias("n"),
        F.count(F.when(whole, 1)).alias("whole"),
        F.min("v").alias("low"),
        F.max("v").alias("high"),
        F.min_by("v", F.col(ROW)).alias("first"),
        F.percentile_approx("v", 0.5, 100_000).alias("median"),
    ).first()
    n = int(stats["n"])
    if n == 0:
        return "Unix time (s)"  # nothing to read: every date is missing, as in pandas
    low, high = float(stats["low"]), float(stats["high"])
    if hour_counter_of(plan.columns.timestamp, count=n, minimum=low, maximum=high, whole=int(stats["whole"]) == n):
        return HOURS_READING
    v = F.col("v")
    candidate = whole & (
        v.between(101, 991_231) | v.between(19_000_101, 21_001_231) | (v == 0) | (F.floor(v / 10_000) == 9_999)
    )
    counted = present.where(candidate).groupBy("v").count().toPandas()
    counts = pd.Series(counted["count"].to_numpy(dtype="int64"), index=counted["v"].to_numpy(dtype="float64"))
    pooled = n - int(counts.sum())
    if pooled:
        counts = pd.concat([counts, pd.Series([pooled], index=[-1.0])])
    layout = integer_date_format_of_counts(counts, share=DATE_SHARE)
    if layout is not None:
        return next(reading for reading, written in INTEGER_READINGS.items() if written == layout)
    if n > 1 and float(stats["first"]) < 86_400 and _never_decreasing(present, parts):
        return ELAPSED_READING
    return f"Unix time ({'ms' if float(stats['median']) > 1e11 else 's'})"


def _never_decreasing(present: Any, parts: int) -> bool:
    """Whether ``v`` never falls below the number before it in input order (``ROW``).

    As pandas' ``is_monotonic_increasing`` over the whole column: inside each range of rows, then across the
    ranges' edges.
    """

    def edges(batches):
        frames = [b for b in batches if len(b)]
        if not frames:
            return
        chunk = pd.concat(frames).sort_values(ROW, kind="stable")
        values = chunk["v"].to_numpy(dtype="float64")
        inside = bool((np.diff(values) >= 0).all())
        yield pd.DataFrame({"first_row": [int(chunk[ROW].iloc[0])], "first": [values[0]], "last": [values[-1]],
                            "inside": [inside]})  # fmt: skip

    ranges = (
        present.repartitionByRange(parts, ROW)
        .mapInPandas(edges, schema="first_row bigint, first double, last double, inside boolean")
        .toPandas()
        .sort_values("first_row")
    )
    if not ranges["inside"].all():
        return False
    return bool((ranges["last"].to_numpy()[:-1] <= ranges["first"].to_numpy()[1:]).all())


def _prefix_before(frame: Any, order: list[Any], weight: str, parts: int, held: list[Any]) -> Any:
    """Add ``_before``: the total ``weight`` of rows strictly before each row in ``order`` (keys distinct).

    Range partitions hold consecutive runs of the order, so each partition's offset is the sum of the earlier
    partitions' totals and the rest is a window inside one partition: exact and spread over the cluster.
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    ranged = frame.repartitionByRange(parts, *order).withColumn("_range", F.spark_partition_id()).persist()
    held.append(ranged)
    totals = dict(ranged.groupBy("_range").agg(F.sum(weight).alias("t")).rdd.map(tuple).collect())
    offsets, running = [], 0
    for part in sorted(totals):
        offsets.append((part, running))
        running += int(totals[part])
    shift = ranged.sparkSession.createDataFrame(offsets, "_range int, _offset bigint")
    window = Window.partitionBy("_range").orderBy(*order).rowsBetween(Window.unboundedPreceding, -1)
    before = F.coalesce(F.sum(weight).over(window), F.lit(0)) + F.col("_offset")
    return ranged.join(F.broadcast(shift), on="_range").withColumn("_before", before).drop("_range", "_offset")


def _percentile_rank(frame: Any, column: str, out: str, n: int, parts: int, held: list[Any]) -> Any:
    """Rank like pandas' ``rank(pct=True)``: (rows below + (ties + 1) / 2) / n, from counts of each distinct value."""
    from pyspark.sql import functions as F

    counts = frame.groupBy(column).agg(F.count("*").alias("_ties"))
    ranked = _prefix_before(counts, [F.col(column)], "_ties", parts, held)
    ranked = ranked.select(column, ((F.col("_before") + (F.col("_ties") + 1) / 2) / F.lit(float(n))).alias(out))
    return frame.join(ranked, on=column)


@dataclass(frozen=True)
class CanonicalRows:
    """The run's canonical transactions on Spark (timestamps as int64 nanoseconds), read as the whole input is.

    Attributes
    ----------
    frame : pyspark.sql.DataFrame
        :func:`_canonical_schema`'s columns, persisted until the run ends.
    rows_in, rows_scored : int
        Transactions read, and kept (a readable date and amount, exact duplicates dropped).
    parts : int
        Groups per customer-grouped step.
    readings : FileReadings
        How the whole input is read (decided once; ``frame``'s amounts already carry the sign reading).
    """

    frame: Any
    rows_in: int
    rows_scored: int
    parts: int
    readings: FileReadings


def canonical_rows(
    spark: Any, files: tuple[Path, ...], fmt: str, plan: TransactionPlan, rows_per_group: int, held: list[Any]
) -> CanonicalRows:
    """Standardize the transactions in ``groupBy(customer).applyInPandas`` with :func:`canonical_group`.

    The sign reading is the whole input's, never a group's: the groups are standardized with the signs as
    written, the readings decided from counts over all of them (:func:`core.scale._transactions.file_readings`),
    and, when the file writes spending negative, standardized again with the signs flipped (as the pandas engine
    does, :func:`core.scale._transactions.canonical_whole`). Likewise the date format: the groups' readings are
    combined into the file's (:func:`core.scale._transactions.file_date_format`) and, when some group alone read
    the dates otherwise, every group is standardized again with it.

    Raises
    ------
    DataError
        When the groups' date formats do not combine into one (ISO 8601 in some, other text in others), or no
        transaction has a readable date and amount.
    """
    from pyspark.sql import functions as F

    rows, rows_in = _input_rows(spark, files, fmt, plan, held)
    parts = max(spark.sparkContext.defaultParallelism, math.ceil(rows_in / max(rows_per_group, 1)))
    customer = plan.columns.customer
    key = F.col(f"`{customer}`") if customer else F.lit(0)
    keyed = rows.withColumn("_group", F.pmod(F.hash(key), F.lit(parts)))
    canonical_schema = _canonical_schema(plan, with_format=True)

    def standardized(spending_negative: bool, date_format: str | None) -> Any:
        def standardize(frame):  # untyped on purpose: applyInPandas reads type hints as a UDF kind
            try:
                canonical, how = canonical_group(frame.drop(columns=["_group"]), plan,
                                                 spending_negative=spending_negative,
                                                 date_format=date_format)  # fmt: skip
            except DataError:  # no usable row in this group: the whole table may still have some (checked below)
                names = [field.split(" ")[0] for field in canonical_schema.split(", ")]
                return pd.DataFrame({name: pd.Series(dtype="object") for name in names})
            out = _to_spark(canonical, plan)
            out[_FORMAT] = [how, *[None] * (len(out) - 1)]
            return out

        frame = keyed.groupBy("_group").applyInPandas(standardize, schema=canonical_schema).persist()
        held.append(frame)
        return frame

    amount, day = F.col("amount"), F.lit(DAY_NS)
    finite = (amount > F.lit(float("-inf"))) & (amount < F.lit(float("inf")))  # Spark's NaN is above +inf

    def counted(frame: Any) -> Any:
        return frame.agg(
            F.count("*").alias("rows"),
            F.collect_set(_FORMAT).alias("formats"),
            F.count(F.when(finite & (amount < 0), 1)).alias("negative"),
            F.count(F.when(finite & (amount > 0), 1)).alias("positive"),
            F.count(F.when(F.col("timestamp") % day == 0, 1)).alias("midnight"),
            F.count("timestamp").alias("stamped"),
        ).first()

    numeric = numeric_date_reading(rows, plan, parts) if plan.numeric_dates else None
    canonical = standardized(False, numeric)  # numbers read alike in every group; text is combined below
    seen = counted(canonical)
    formats = set(seen["formats"])
    date_format = file_date_format(formats)
    if date_format is None and formats:
        raise DataError(
            "The transaction dates are written in more than one way ("
            + "; ".join(sorted(formats))
            + "): write them in one format (ISO 8601, 2024-01-31 13:05:00, reads everywhere) and score again."
        )
    reread = len({DAY_FIRST if f == AMBIGUOUS else f for f in formats}) > 1  # ambiguous reads day first too
    if reread:  # some groups alone read the dates otherwise than the whole file: read them all as it does
        canonical.unpersist()
        canonical = standardized(False, date_format)
        seen = counted(canonical)
    rows_scored = int(seen["rows"])
    readings = file_readings(
        negative=int(seen["negative"]),
        positive=int(seen["positive"]),
        midnight=int(seen["midnight"]),
        stamped=int(seen["stamped"]),
        amount_column=plan.columns.amount is not None,
    )
    readings = replace(readings, date_format=date_format)
    if rows_scored == 0:
        raise DataError("No transaction has a readable date and amount. Check the transaction columns.")
    if readings.spending_negative:  # the same rows, standardized with the file's sign
        canonical.unpersist()
        canonical = standardized(True, date_format if reread or numeric else None)
    return CanonicalRows(canonical.drop(_FORMAT), rows_in, rows_scored, parts, readings)


def score_transactions_spark(
    spark: Any,
    files: tuple[Path, ...],
    fmt: str,
    plan: TransactionPlan,
    folder: Path,
    *,
    budget: int,
    budget_percent: float | None,
    random_state: int,
    rows_per_group: int,
    prepared: CanonicalRows | None = None,
) -> TransactionCounts:
    """Score every transaction of ``files`` for fraud on Spark into the Parquet ``folder``.

    ``prepared`` is the run's :func:`canonical_rows` when another step standardized them already.
    """
    held: list[Any] = []  # cached frames, released when the run ends
    try:
        if prepared is None:
            prepared = canonical_rows(spark, files, fmt, plan, rows_per_group, held)
        return _score(spark, plan, folder, budget, budget_percent, random_state, prepared, held)
    finally:
        for frame in held:
            frame.unpersist()


def _score(
    spark: Any,
    plan: TransactionPlan,
    folder: Path,
    budget: int,
    budget_percent: float | None,
    random_state: int,
    prepared: CanonicalRows,
    held: list[Any],
) -> TransactionCounts:
    from pyspark.sql import functions as F

    canonical, rows_in, rows_scored, parts = prepared.frame, prepared.rows_in, prepared.rows_scored, prepared.parts
    dates_only = prepared.readings.date_only  # the whole input's, for every group

    # Money in is kept but not scored, as core.fraud.score_transactions does: every per-table part (norms, time of
    # day, forest, ranks, budget) is the spending rows', and the money-in rows follow them unscored.
    money = F.col(MONEY_IN)
    whole = canonical.agg(
        F.countDistinct("customer_id").alias("customers"),
        F.count(F.when(money, 1)).alias("money_in"),
        F.count(F.when(~money & (F.col("timestamp") % F.lit(DAY_NS) == 0), 1)).alias("midnight"),
        F.count(F.when(~money, F.col("timestamp"))).alias("stamped"),
    ).first()
    money_rows = int(whole["money_in"])
    spending_rows = rows_scored - money_rows
    spending = canonical
    if money_rows:
        if spending_rows == 0:
            raise DataError(
                "Every transaction is money in (payments to the card, salary, transfers in): there is no spending "
                "to score for fraud."
            )
        spending = canonical.where(~money)
        clock = file_readings(negative=0, positive=0, midnight=int(whole["midnight"]), stamped=int(whole["stamped"]),
                              amount_column=True)  # fmt: skip
        dates_only = clock.date_only  # as score_transactions decides it: on the spending rows

    # Per table, once: the category norms from one count of (category, |amount|).
    category = F.coalesce(F.col("category"), F.lit("(none)")) if "category" in plan.optional else F.lit("(all)")
    counts = (
        spending.groupBy(category.alias("category"), F.abs("amount").alias("amount"))
        .agg(F.count("*").alias("count"))
        .toPandas()
    )
    norms = category_norms(counts)

    featured_schema = (
        _canonical_schema(plan, with_format=False)
        + ", "
        + ", ".join(f"{c} {_feature_type(c)}" for c in FEATURE_COLUMNS)
    )

    def featurize(frame):
        tx = _from_spark(frame.drop(columns=["_group"]))
        features = transaction_features(tx, norms, dates_only=dates_only)
        out = _to_spark(tx, plan)
        for column in FEATURE_COLUMNS:
            out[column] = features[column].to_numpy()
        return out

    by_customer = spending.withColumn("_group", F.pmod(F.hash("customer_id"), F.lit(parts)))
    featured = by_customer.groupBy("_group").applyInPandas(featurize, schema=featured_schema).persist()
    held.append(featured)

    # Per table, once: short histories, the distance column, the forest fitted on forest_rows' sample.
    minimum = setting("min_history")
    stats = featured.agg(
        F.countDistinct("customer_id").alias("customers"),
        F.countDistinct(F.when(F.col("history_size") < minimum, F.col("customer_id"))).alias("short"),
        F.max(F.col("distance_km").isNotNull().cast("int")).alias("distance"),
        F.max("row").alias("last_row"),
    ).first()
    with_distance = bool(stats["distance"])
    chosen = forest_positions(int(stats["last_row"]) + 1, random_state)
    sample = featured
    if chosen is not None:  # a large input: the forest's seeded sample of input positions, as pandas draws it
        wanted = spark.createDataFrame(pd.DataFrame({"row": chosen.astype("int64")}))
        sample = featured.join(F.broadcast(wanted), on="row")
    fit = sample.select("row", *FEATURE_COLUMNS).toPandas().sort_values("row", kind="stable")
    forest = fit_forest(model_matrix(fit, with_distance), random_state)

    def raw_scores(batches):
        for frame in batches:
            matrix = model_matrix(frame, with_distance)
            points, _ = rule_scores(frame)
            out = pd.DataFrame({"row": frame["row"].to_numpy(), "model_score": -forest.score_samples(matrix)})
            out["rule_score"] = points
            for index, column in enumerate(_MATRIX[: matrix.shape[1]]):
                out[column] = matrix[:, index]
            yield out

    width = 7 if with_distance else 6
    raw_schema = "row bigint, model_score double, rule_score double, " + ", ".join(
        f"{c} double" for c in _MATRIX[:width]
    )
    raw = featured.select("row", *FEATURE_COLUMNS).mapInPandas(raw_scores, schema=raw_schema).persist()
    held.append(raw)
    spread = raw.agg(*[(F.max(c) - F.min(c)).alias(c) for c in _MATRIX[:width]]).first()
    alike = max(float(spread[c]) for c in _MATRIX[:width]) == 0.0

    count, notes = resolve_budget(spending_rows, budget, budget_percent)
    notes = history_notes(int(stats["short"]), int(stats["customers"])) + notes
    if dates_only:  # as core.fraud.score_transactions says it
        notes.append(NO_TIME_OF_DAY_NOTE)
    ranked = raw.select("row", "model_score", "rule_score")
    ranked = _percentile_rank(ranked, "model_score", "_model_rank", spending_rows, parts, held)
    ranked = _percentile_rank(ranked, "rule_score", "_rule_rank", spending_rows, parts, held)
    if alike:
        count = 0
        notes.append("All transactions look alike, so none stands out: no alerts were raised.")
        ranked = ranked.withColumn("score", F.lit(0.0))
    else:
        ranked = ranked.withColumn("score", (F.col("_model_rank") + F.col("_rule_rank")) / 2.0)
    ones = ranked.select("row", "score", "model_score", "rule_score").withColumn("_one", F.lit(1))
    ordered = _prefix_before(ones, [F.col("score").desc(), F.col("row").asc()], "_one", parts, held)
    scores = ordered.select(
        "row",
        "score",
        (F.col("_before") + 1).alias("rank"),
        (F.col("_before") < count).alias("flagged"),
        "model_score",
        "rule_score",
    )

    # Words for the alerts only, on the driver (at most the budget's rows).
    alerts = featured.join(scores.where("flagged").select("row"), on="row").toPandas()
    if len(alerts):
        tx = _from_spark(alerts)
        words = alert_reasons(tx, tx.loc[:, list(FEATURE_COLUMNS)]).astype("str").to_numpy()
    else:
        words = np.array([], dtype="object")
    reasons = spark.createDataFrame(
        pd.DataFrame({"row": alerts["row"].to_numpy(dtype="int64"), "reasons": words}), "row bigint, reasons string"
    )
    keep = ["row", "customer_id", "timestamp", "amount", *plan.optional]
    written = [*keep, "score", "rank", "flagged", "reasons", "model_score", "rule_score"]
    out = (
        featured.select(*keep)
        .join(scores, on="row")
        .join(F.broadcast(reasons), on="row", how="left")
        .withColumn("reasons", F.coalesce(F.col("reasons"), F.lit("")))
        .select(*written)
    )
    if money_rows:  # ranked after every scored row, in input order, with the reason they were not scored
        ones = canonical.where(money).select(*keep).withColumn("_one", F.lit(1))
        later = _prefix_before(ones, [F.col("row").asc()], "_one", parts, held)
        nothing = F.lit(None).cast("double")
        unscored = later.select(
            *keep,
            nothing.alias("score"),
            (F.col("_before") + F.lit(spending_rows + 1)).cast("bigint").alias("rank"),
            F.lit(False).alias("flagged"),
            F.lit(MONEY_IN_REASON).alias("reasons"),
            nothing.alias("model_score"),
            nothing.alias("rule_score"),
        )
        out = out.unionByName(unscored)
        notes.append(money_in_note(money_rows))  # core.fraud.score_transactions' sentence
    out = out.withColumn("timestamp", F.timestamp_micros(F.floor(F.col("timestamp") / 1000)).cast("timestamp_ntz"))
    out.select(*written).write.parquet(str(folder))
    flagged = len(alerts)
    return TransactionCounts(
        rows_in=rows_in,
        rows_scored=int(rows_scored),
        alerts=flagged,
        notes=tuple(notes),
        customers=int(whole["customers"]),
        readings=prepared.readings,
        money_in=money_rows,
    )


def _feature_type(column: str) -> str:
    if column == "history_size":
        return "bigint"
    return "boolean" if column in ("is_night", "first_category", "first_merchant") else "double"
