"""Score a whole portfolio with a saved segment model, on pandas or on Apache Spark.

The analyst fits segments on a sample (the app, or ``python -m core segment BIG --sample N --model-out``);
:func:`score` then places every customer in those segments with the same library function as
``python -m core assign`` (:func:`core.model.assign_file`). The pandas engine runs it once on the whole input;
the Spark engine runs it on groups of customers with ``groupBy(...).applyInPandas``, grouped by a hash of the
customer id so that everything the recipe looks at together (duplicate rows, repeated ids) lands in one group,
in file order. Both engines therefore give the same segments, distances and confidences; the segments' top
offers are ranked once, on the driver (:func:`core.scale._assign.segment_top_offers`), and joined on segment.

With transactions (``score(..., transactions=PATH)``), every transaction is also scored for fraud with the app's
:func:`core.fraud.score_transactions`: whole on pandas; on Spark its per-customer features run in
``groupBy(customer).applyInPandas`` and its table-wide parts (category norms, the Isolation Forest's fit, the
percentile ranks, the alert budget) are computed once (:mod:`core.scale._spark_transactions`), so both engines
write the same scores, ranks, alerts and reasons.

A model segmented on customer features derived from transactions (:attr:`core.model.SegmentModel.derived`) gets
them derived again from the run's transactions by :func:`core.features.customer_features`: whole on pandas, per
customer group on Spark, as of the last timestamp of all of them and with the model's category and channel levels
(:mod:`core.scale._derived`), so both engines give the same features and segments.

pyspark is optional (``requirements-spark.txt``) and imported only when the Spark engine runs; the app never
imports it.
"""

from __future__ import annotations

from core.scale._assign import assign_group
from core.scale._inputs import ModelColumns, conform, input_files, model_columns
from core.scale._score import ENGINES, ScoreSummary, score

__all__ = [
    "ENGINES",
    "ModelColumns",
    "ScoreSummary",
    "assign_group",
    "conform",
    "input_files",
    "model_columns",
    "score",
]
