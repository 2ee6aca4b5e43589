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

from core.errors import DataError, excerpt
from core.io import read_json_document
from core.naming import display_name

MODEL_FORMAT = "cardlens-model"
MODEL_VERSION = 1
MAX_MODEL_BYTES = 50 * 1024 * 1024  # a model is a fitted recipe and k centres: a few hundred KB at most
MAX_SEGMENTS = 1_000
MAX_FEATURES = 10_000
MAX_CENTRE = 1e12  # beyond any amount or scaled score; squared distances from 1e154 on overflow to infinity
_SAVE_AGAIN = "Save the model again (python -m core segment ... --model-out, or the Profiles page)."


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
        With one sentence when the text is not a CardLens model (not JSON, empty, truncated, another format,
        a newer version) or is damaged: a missing or malformed part, centres that are not a k x p table of
        finite numbers within :data:`MAX_CENTRE` (1e308 centres would put every customer in one segment),
        centres that do not match the features, a cleaning recipe that cannot be read.
    """
    document = read_json_document(
        text,
        what="CardLens model",
        remedy=_SAVE_AGAIN,
        max_bytes=MAX_MODEL_BYTES,
        format_name=MODEL_FORMAT,
        version=MODEL_VERSION,
    )
    features = _features(document.get("features"))
    centres = _centres(document.get("centres"), len(features))
    fitted_recipe = document.get("fitted_recipe")
    if not isinstance(fitted_recipe, dict):
        raise _damaged("it has no cleaning recipe")
    _check_fitted_recipe(fitted_recipe)
    params = document.get("params")
    if params is not None and not isinstance(params, dict):
        raise _damaged("its algorithm parameters are not a mapping")
    algorithm = document.get("algorithm", "")
    if not isinstance(algorithm, str):
        raise _damaged("its algorithm is not a name")
    return SegmentModel(
        fitted_recipe=fitted_recipe,
        features=features,
        centres=centres,
        algorithm=algorithm,
        params=dict(params or {}),
        names=_segment_texts(document.get("names"), "names", len(centres)),
        descriptions=_segment_texts(document.get("descriptions"), "descriptions", len(centres)),
    )


def _damaged(what: str) -> DataError:
    return DataError(f"The model file is damaged: {what}. {_SAVE_AGAIN}")


def _features(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or len(value) > MAX_FEATURES:
        raise _damaged(f"its features must be a list of 1 to {MAX_FEATURES:,} column names")
    if not all(isinstance(name, str) and len(name) <= 1_000 for name in value) or len(set(value)) < len(value):
        raise _damaged("its features must be distinct column names (text)")
    return tuple(value)


def _centres(value: Any, width: int) -> np.ndarray:
    """Return the segment centres as a k x p float array, or refuse them."""
    if not isinstance(value, list) or not value or len(value) > MAX_SEGMENTS:
        raise _damaged(f"its segment centres must be a table of 1 to {MAX_SEGMENTS:,} rows")
    for row in value:
        if not isinstance(row, list) or len(row) != width:
            raise _damaged(f"each segment centre must hold one number per feature ({width})")
        if not all(isinstance(number, (int, float)) and not isinstance(number, bool) for number in row):
            raise _damaged("its segment centres hold something other than numbers")
    try:
        centres = np.asarray(value, dtype="float64")
    except OverflowError:  # integers beyond float range
        raise _damaged("its segment centres hold numbers too large to use") from None
    if not np.isfinite(centres).all():
        raise _damaged("its segment centres hold values that are not finite numbers")
    largest = float(np.abs(centres).max())
    if largest > MAX_CENTRE:
        raise _damaged(
            f"its segment centres reach {largest:.3g}, far beyond any customer (at most {MAX_CENTRE:g}), which "
            "would put everyone in one segment"
        )
    return centres


def _check_fitted_recipe(fitted_recipe: dict[str, Any]) -> None:
    from core.clean import FittedRecipe

    try:
        FittedRecipe.from_dict(fitted_recipe)
    except DataError as error:
        raise _damaged(f"its cleaning recipe cannot be read ({str(error).rstrip('.')})") from None
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, OverflowError):
        raise _damaged("its cleaning recipe cannot be read") from None


def _segment_texts(value: Any, what: str, k: int) -> dict[int, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or len(value) > k + 1:  # + 1: the noise group of density-based algorithms
        raise _damaged(f"its segment {what} must map each segment number to a text")
    out = {}
    for key, text in value.items():
        if not (isinstance(key, str) and key.strip().lstrip("-").isdigit()) or not isinstance(text, str):
            raise _damaged(f"its segment {what} must map segment numbers to texts, not {excerpt(key)!r}")
        out[int(key)] = text
    return out


def assign_file(model: SegmentModel, frame: pd.DataFrame) -> pd.DataFrame:
    """Clean a new customer file with the model's recipe and place each customer in the nearest segment.

    Parameters
    ----------
    frame : pandas.DataFrame
        The new month's customers, with the columns the recipe needs. Not modified.

    Returns
    -------
    pandas.DataFrame
        The cleaned table (original units) plus ``segment``, ``segment_name``, ``distance`` (to the
        segment centre in the scaled feature space) and ``imputed``: the columns whose blank cell in this
        row the recipe filled in (``"PURCHASES; MINIMUM_PAYMENTS"``, ``""`` when every value was observed), so
        filled-in values are never mistaken for observed ones. Features computed from a filled-in column
        (utilisation, ...) are not listed separately. For mixtures and density-based algorithms the nearest
        centre approximates the app's own assignment.

    Raises
    ------
    DataError
        When the file lacks a column the recipe needs.
    """
    from core.clean import FittedRecipe

    fitted = FittedRecipe.from_dict(model.fitted_recipe)
    try:
        table, matrix = fitted.transform(frame)
    except DataError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as error:  # a hand-edited model
        raise DataError(
            f"The model's cleaning recipe could not be applied to this file ({type(error).__name__}): the model "
            f"file is damaged. {_SAVE_AGAIN}"
        ) from error
    missing = [f for f in model.features if f not in matrix.columns]
    if missing:
        raise DataError(f"The new file lacks the feature(s) {excerpt(', '.join(missing))} the segments were built on.")
    values = matrix[list(model.features)].to_numpy(dtype="float64")
    if len(values) == 0:
        raise DataError("The new file has no customers left after cleaning.")
    labels, distance = pairwise_distances_argmin_min(values, model.centres)
    if not np.isfinite(distance).all():
        raise DataError(
            "Some customers are infinitely far from every segment centre, so segments cannot be assigned: the "
            f"model does not fit this file. {_SAVE_AGAIN}"
        )
    out = table.copy()
    out["segment"] = labels.astype("int64")
    out["segment_name"] = [display_name(int(s), model.names) for s in labels]
    out["distance"] = distance
    out["imputed"] = imputed_cells(frame, table)
    return out


def imputed_cells(frame: pd.DataFrame, table: pd.DataFrame) -> pd.Series:
    """Name, per row of a cleaned ``table``, the columns that were blank in ``frame`` and hold a value now.

    Parameters
    ----------
    frame : pandas.DataFrame
        The file as loaded. Not modified.
    table : pandas.DataFrame
        What cleaning made of it, on the same index (rows may have been left out).

    Returns
    -------
    pandas.Series
        Text per row of ``table``: the filled-in columns joined by ``"; "`` in table order, ``""`` for none.

    Examples
    --------
    >>> raw = pd.DataFrame({"a": [1.0, None], "b": [" ", "x"]})
    >>> imputed_cells(raw, pd.DataFrame({"a": [1.0, 2.0], "b": ["y", "x"]})).tolist()
    ['b', 'a']
    """
    names = np.full(len(table), "", dtype=object)
    for column in (c for c in table.columns if c in frame.columns):
        raw = frame[column].reindex(table.index)
        blank = raw.isna().to_numpy(copy=True)
        if raw.dtype == object or pd.api.types.is_string_dtype(raw):
            blank |= raw.astype("string").str.strip().eq("").fillna(False).to_numpy(dtype=bool)
        filled = blank & table[column].notna().to_numpy()
        names[filled] = names[filled] + "; " + str(column)
    return pd.Series(names, index=table.index, dtype=object).str.removeprefix("; ")
