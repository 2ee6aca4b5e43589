"""A saved segmentation model: apply this month's recipe and segments to next month's file.

The model file is JSON: the fitted cleaning recipe (``FittedRecipe.to_dict``: every learned imputation value,
cap, transform and scaler), the feature names, the segment centres in matrix space, the algorithm and its
parameters, and the segment names and descriptions. Nothing is pickled, so a model file is safe to open.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import pairwise_distances_argmin_min

from core.errors import DataError

MODEL_FORMAT = "cardlens-model"
MODEL_VERSION = 1


@dataclass(frozen=True)
class SegmentModel:
    """What is needed to place new customers into existing segments.

    Attributes
    ----------
    fitted_recipe : dict
        ``core.clean.FittedRecipe.to_dict()``.
    features : tuple of str
        Matrix columns, in the centres' order.
    centres : numpy.ndarray
        ``k x p`` segment centres in matrix space; row ``i`` is segment ``i``.
    algorithm : str
        The algorithm that found the segments.
    params : dict
        Its parameters.
    names, descriptions : dict[int, str]
        Segment id -> display name / description.
    """

    fitted_recipe: dict[str, Any]
    features: tuple[str, ...]
    centres: np.ndarray
    algorithm: str
    params: dict[str, Any] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)
    descriptions: dict[int, str] = field(default_factory=dict)


def model_from_run(
    clean: Any, segmentation: Any, names: Mapping[int, str] | None = None, descriptions: Mapping[int, str] | None = None
) -> SegmentModel:
    """Build a model from a ``CleanResult`` and a ``Segmentation`` (and the names shown to users)."""
    return SegmentModel(
        fitted_recipe=clean.fitted.to_dict(),
        features=tuple(segmentation.feature_names),
        centres=np.asarray(segmentation.centres, dtype="float64"),
        algorithm=segmentation.algorithm,
        params=dict(segmentation.params),
        names={int(k): str(v) for k, v in (names or {}).items()},
        descriptions={int(k): str(v) for k, v in (descriptions or {}).items()},
    )


def model_to_json(model: SegmentModel) -> str:
    """Return the model as a JSON document (format name and version included)."""
    document = {
        "format": MODEL_FORMAT,
        "version": MODEL_VERSION,
        "fitted_recipe": model.fitted_recipe,
        "features": list(model.features),
        "centres": model.centres.tolist(),
        "algorithm": model.algorithm,
        "params": model.params,
        "names": {str(k): v for k, v in model.names.items()},
        "descriptions": {str(k): v for k, v in model.descriptions.items()},
    }
    return json.dumps(document, indent=1, default=str)


def model_from_json(text: str | bytes) -> SegmentModel:
    """Read a model written by :func:`model_to_json`.

    Raises
    ------
    DataError
        When the text is not a CardLens model or comes from a newer version.
    """
    try:
        document = json.loads(text)
    except (ValueError, UnicodeDecodeError):
        raise DataError("This file is not a CardLens model: it is not valid JSON. Save the model again.") from None
    if not isinstance(document, dict) or document.get("format") != MODEL_FORMAT:
        raise DataError("This JSON file is not a CardLens model (python -m core segment ... --model-out writes one).")
    if int(document.get("version", 0)) > MODEL_VERSION:
        raise DataError("This model was saved by a newer version of CardLens; update CardLens to use it.")
    centres = np.asarray(document["centres"], dtype="float64")
    features = tuple(document["features"])
    if centres.ndim != 2 or centres.shape[1] != len(features):
        raise DataError("The model file is damaged: its centres do not match its features. Save the model again.")
    return SegmentModel(
        fitted_recipe=document["fitted_recipe"],
        features=features,
        centres=centres,
        algorithm=str(document.get("algorithm", "")),
        params=dict(document.get("params") or {}),
        names={int(k): v for k, v in (document.get("names") or {}).items()},
        descriptions={int(k): v for k, v in (document.get("descriptions") or {}).items()},
    )


def assign_file(model: SegmentModel, frame: pd.DataFrame) -> pd.DataFrame:
    """Clean a new customer file with the model's recipe and place each customer in the nearest segment.

    Parameters
    ----------
    frame : pandas.DataFrame
        The new month's customers, with the columns the recipe needs. Not modified.

    Returns
    -------
    pandas.DataFrame
        The cleaned table (original units) plus ``segment``, ``segment_name`` and ``distance`` (to the
        segment centre in the scaled feature space). For mixtures and density-based algorithms the nearest
        centre approximates the app's own assignment.

    Raises
    ------
    DataError
        When the file lacks a column the recipe needs.
    """
    from core.clean import FittedRecipe

    fitted = FittedRecipe.from_dict(model.fitted_recipe)
    table, matrix = fitted.transform(frame)
    missing = [f for f in model.features if f not in matrix.columns]
    if missing:
        raise DataError(f"The new file lacks the feature(s) {', '.join(missing)} the segments were built on.")
    values = matrix[list(model.features)].to_numpy(dtype="float64")
    if len(values) == 0:
        raise DataError("The new file has no customers left after cleaning.")
    labels, distance = pairwise_distances_argmin_min(values, model.centres)
    out = table.copy()
    out["segment"] = labels.astype("int64")
    out["segment_name"] = [model.names.get(int(s), f"Segment {s}") for s in labels]
    out["distance"] = distance
    return out
