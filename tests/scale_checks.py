"""Shared pieces of the engines' parity tests: a derived-features model, and the whole-file segment check."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from core.features import customer_features
from core.io import load_table
from core.model import assign_file_confidence, model_from_run, model_to_json
from core.pipeline import run_segment_pipeline
from core.samples import sample_path
from core.scale import model_columns
from core.scale._derived import derived_columns


def derived_model_text() -> str:
    """A model segmented on features derived from the sample's transactions (``segment --model-out`` saves it)."""
    tx = pd.read_csv(sample_path("card_transactions"), dtype=str, keep_default_na=False)
    fit = tx[tx["customer_id"].isin(tx["customer_id"].unique()[:500])]
    result = run_segment_pipeline(None, load_table(fit.to_csv(index=False).encode(), "fit.csv").frame, k=3,
                                  act=False, source="transactions")  # fmt: skip
    return model_to_json(model_from_run(result.clean, result.segmentation, {0: "Low", 1: "Mid", 2: "High"}))


def assert_segments_of_the_whole_file(model, canonical: pd.DataFrame, out: Path) -> None:
    """The customers ``score`` wrote to ``out`` are those the app's features of the whole file place."""
    features = customer_features(canonical)
    for column in derived_columns(model, model_columns(model)):
        if column not in features.columns:
            features[column] = 0.0
    placed = assign_file_confidence(model, features).reset_index(drop=True)
    customers = pd.read_parquet(out / "customers").sort_values("customer_id").reset_index(drop=True)
    assert customers["customer_id"].tolist() == placed["customer_id"].astype(str).tolist()
    assert customers["segment"].tolist() == placed["segment"].tolist()
    np.testing.assert_allclose(customers["distance"], placed["distance"], rtol=0, atol=1e-9)


def assert_engines_wrote_the_same(pandas_out: Path, spark_out: Path, *, moments: list | None = None) -> None:
    """Both engines wrote the same customers and transactions: ids and words equal, numbers to 1e-9, and the
    timestamps equal to each other (to the microsecond Spark keeps), or to ``moments`` in input order when given."""
    for folder, key in (("customers", "customer_id"), ("transactions", "row")):
        left = pd.read_parquet(pandas_out / folder).sort_values(key).reset_index(drop=True)
        right = pd.read_parquet(spark_out / folder).sort_values(key).reset_index(drop=True)
        assert right.columns.tolist() == left.columns.tolist()
        for column in left.columns:
            if column == "timestamp" and moments is not None:
                assert right[column].astype("datetime64[ns]").tolist() == moments
                assert left[column].astype("datetime64[ns]").tolist() == moments
            elif column == "timestamp":
                assert right[column].astype("datetime64[us]").tolist() == left[column].astype("datetime64[us]").tolist()
            elif pd.api.types.is_float_dtype(left[column]):
                np.testing.assert_allclose(right[column], left[column], rtol=0, atol=1e-9, err_msg=column)
            else:
                assert right[column].astype(str).tolist() == left[column].astype(str).tolist(), column
