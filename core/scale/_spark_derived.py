"""Transaction-derived customer features on Spark: ``groupBy(customer).applyInPandas`` over the pandas function.

See :mod:`core.scale._derived`: the day recency is measured from (the last timestamp of all the transactions) is
computed once, here, before grouping; whether the dates have a time of day is the whole input's reading
(:attr:`core.scale._spark_transactions.CanonicalRows.readings`); and every group calls
:func:`core.scale._derived.derive_customers` (hence :func:`core.features.customer_features`) on its whole
customers with both, so each customer's features equal the pandas engine's. The join onto the customer rows, the
unmatched counts and the rows the offers are ranked on follow the pandas engine's definitions
(:func:`core.scale._derived.join_pandas`, :func:`core.scale._derived.offer_rows`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from core.model import SegmentModel
from core.scale._assign import OFFER_SAMPLE
from core.scale._derived import (
    CUSTOMER,
    KEY,
    customer_file_columns,
    derive_customers,
    derived_columns,
    join_key,
    join_notes,
    level_notes,
    present_levels,
)
from core.scale._inputs import ModelColumns
from core.scale._spark_transactions import MONEY_IN, CanonicalRows, _from_spark
from core.scale._transactions import TransactionPlan


def derived_rows(
    spark: Any,
    model: SegmentModel,
    files: tuple[Path, ...],
    fmt: str,
    columns: ModelColumns,
    plan: TransactionPlan,
    prepared: CanonicalRows,
    held: list[Any],
) -> tuple[Any, int, pd.DataFrame, list[str]]:
    """Return the customers to place (Spark), the customer rows read, the offers' rows (pandas) and notes.

    Parameters
    ----------
    files, fmt : tuple of Path, str
        The customer files of a joined model (empty for a transaction-only model).
    prepared : CanonicalRows
        The run's standardized transactions (:func:`core.scale._spark_transactions.canonical_rows`).
    held : list
        Frames persisted here are appended, for the caller to release.
    """
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType, StructField, StructType

    derived = model.derived
    assert derived is not None
    wanted = derived_columns(model, columns)
    kinds = present_levels(plan)
    canonical = prepared.frame
    as_of = pd.Timestamp(int(canonical.agg(F.max("timestamp")).first()[0]), unit="ns")  # once, for every group
    dates_only = prepared.readings.date_only  # likewise
    schema = f"{CUSTOMER} string, {KEY} string" + "".join(f", `{c}` double" for c in wanted)

    def derive(frame):  # untyped on purpose: applyInPandas reads type hints as a UDF kind
        return derive_customers(_from_spark(frame.drop(columns=["_group"])), derived, as_of, wanted,
                                dates_only=dates_only)  # fmt: skip

    by_customer = canonical.select("row", CUSTOMER, "timestamp", "amount", MONEY_IN, *kinds).withColumn(
        "_group", F.pmod(F.hash(CUSTOMER), F.lit(prepared.parts))
    )
    features = by_customer.groupBy("_group").applyInPandas(derive, schema=schema).persist()
    held.append(features)
    values = {kind: [row[0] for row in canonical.select(kind).distinct().collect()] for kind in kinds}
    notes = level_notes(values, derived)
    if derived.source == "transactions":
        frame = features.drop(KEY)
        sample = frame.orderBy(CUSTOMER).limit(OFFER_SAMPLE).toPandas()
        return frame, frame.count(), sample, notes

    from core.scale._spark import _customer_rows

    assert columns.id is not None
    id_column = columns.id
    rows = _customer_rows(spark, files, fmt, customer_file_columns(model, columns))

    def add_key(batches):
        for batch in batches:
            keys = join_key(batch[id_column])
            yield batch.assign(**{KEY: keys.astype("object").where(keys.notna(), None)})

    keyed = StructType([*rows.schema.fields, StructField(KEY, StringType())])  # schema.add would change rows'
    rows = rows.mapInPandas(add_key, schema=keyed).persist()
    held.append(rows)
    right = features.select(KEY, *[f"`{c}`" for c in wanted])
    only_customers = rows.join(right.select(KEY), on=KEY, how="left_anti").count()
    known = rows.select(KEY).where(F.col(KEY).isNotNull()).distinct()
    only_transactions = right.select(KEY).join(known, on=KEY, how="left_anti").count()
    frame = rows.join(right, on=KEY, how="inner").drop(KEY)
    ordered = frame.orderBy("_file", "_pos").limit(OFFER_SAMPLE).toPandas()
    sample = ordered.drop(columns=["_file", "_pos"])
    return frame, rows.count(), sample, [*notes, *join_notes(only_customers, only_transactions)]
