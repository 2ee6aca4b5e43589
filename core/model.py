"""A saved segmentation model: apply this month's recipe and segments to next month's file.

The model file is JSON: the fitted cleaning recipe (``FittedRecipe.to_dict``: every learned imputation value,
cap, transform and scaler), the feature names, the segment centres in matrix space, the algorithm and its
parameters, and the segment names and descriptions. Nothing is pickled, so a model file is safe to open.

A mixed-data model (Gower K-Medoids, k-prototypes) also holds a ``mixed`` section: the distance (``gower`` or
``prototypes``), each numeric column's position, range and weight, each categorical feature's one-hot columns,
levels, weight and the rare levels pooled at fit time, and ``gamma``; its centres are the medoids or prototypes.
New customers are then placed by that distance, exactly as the fit placed its own; a level not seen at fit time
mismatches every centre and is counted (:func:`unseen_levels`). Files without the section (saved before it
existed) still load and assign by euclidean distance to the centres.

A model segmented on features derived from transactions (:func:`core.features.customer_features`, alone or
joined onto a customer table) also holds a ``derived`` section (:class:`DerivedFeatures`): that they come from
transactions, the rule for the day recency is measured from, the derived column names as the recipe reads them,
and the category and channel levels that became share columns, so ``python -m core score`` can derive the same
columns from next month's transactions. Files without the section load as before (``derived`` is None).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.spatial.distance import cdist

from core.cluster._mixed import LEVEL_SEPARATOR, MixedSpace
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
MIXED_METHODS = {"gower": "medoids", "prototypes": "prototypes"}  # distance -> what the centres are


@dataclass(frozen=True)
class MixedModel:
    """How a mixed-data model compares customers with its medoids or prototypes.

    Attributes
    ----------
    space : MixedSpace
        The distance as fitted: method, numeric positions, ranges and weights, category blocks and weights, gamma.
    levels : dict[str, tuple of str]
        Categorical feature -> the levels of its one-hot columns, in column order.
    pooled : dict[str, tuple of str]
        Categorical feature -> the rare levels seen at fit time and counted as ``(other)``.
    """

    space: MixedSpace
    levels: dict[str, tuple[str, ...]]
    pooled: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def seen(self, feature: str) -> set[str]:
        """Return the levels of a categorical feature known at fit time (its columns' and the pooled ones)."""
        return {*self.levels[feature], *self.pooled.get(feature, ())}


DERIVED_SOURCES = ("transactions", "joined")  # the derived table alone, or joined onto a customer table
AS_OF_RULES = ("last_transaction",)  # recency is measured from the last transaction of the input
# customer_features' fixed columns, in its order; the level shares sit between refund_count and night_share
DERIVED_HEAD = ("recency_days", "frequency", "monetary", "active_months", "avg_ticket", "refund_count")
DERIVED_TAIL = ("night_share", "cash_share")
LEVEL_PREFIXES = {"category": "cat_", "channel": "channel_"}


@dataclass(frozen=True)
class DerivedFeatures:
    """How a model's transaction-derived customer features were made (:func:`core.features.customer_features`).

    Attributes
    ----------
    source : {"transactions", "joined"}
        The derived table alone (customers are the transactions' customer keys), or joined onto a customer table
        by its id column (:func:`core.features.join_customers`, inner join).
    columns : dict[str, str]
        Derived column (``customer_features``' name) -> the column the recipe reads: the same name, or with a
        ``tx_`` prefix where it clashed with a customer column.
    levels : dict[str, tuple of str]
        ``"category"`` / ``"channel"`` -> the level slugs that became ``cat_<slug>`` / ``channel_<slug>``
        columns; a key is absent when the transactions had no such column.
    as_of : str
        The day recency is measured from: ``"last_transaction"``, the last timestamp of all the input.
    """

    source: str
    columns: dict[str, str]
    levels: dict[str, tuple[str, ...]] = field(default_factory=dict)
    as_of: str = "last_transaction"


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
    mixed : MixedModel or None
        For Gower K-Medoids and k-prototypes: the distance that places customers (None: euclidean).
    derived : DerivedFeatures or None
        How the features derived from transactions were made (None: the model reads a customer table only).
    """

    fitted_recipe: dict[str, Any]
    features: tuple[str, ...]
    centres: np.ndarray
    algorithm: str
    params: dict[str, Any] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)
    descriptions: dict[int, str] = field(default_factory=dict)
    mixed: MixedModel | None = None
    derived: DerivedFeatures | None = None


def model_from_run(
    clean: Any, segmentation: Any, names: Mapping[int, str] | None = None, descriptions: Mapping[int, str] | None = None
) -> SegmentModel:
    """Build a model from a ``CleanResult`` and a ``Segmentation`` (and the names shown to users)."""
    features = tuple(segmentation.feature_names)
    space = getattr(segmentation, "model", None)
    mixed = None
    if isinstance(space, MixedSpace):
        pooled = next((step.state["pooled"] for step in clean.fitted.steps if step.kind == "categories"), {})
        mixed = MixedModel(
            space,
            {name: _block_levels(features, positions) for name, positions in space.blocks},
            {name: tuple(str(v) for v in pooled.get(name, ())) for name, _ in space.blocks if pooled.get(name)},
        )
    return SegmentModel(
        fitted_recipe=clean.fitted.to_dict(),
        features=features,
        centres=np.asarray(segmentation.centres, dtype="float64"),
        algorithm=segmentation.algorithm,
        params=dict(segmentation.params),
        names={int(k): str(v) for k, v in (names or {}).items()},
        descriptions={int(k): str(v) for k, v in (descriptions or {}).items()},
        mixed=mixed,
        derived=derived_features(clean.fitted.roles, clean.fitted.id_column),
    )


def derived_features(roles: Mapping[str, str], id_column: str | None) -> DerivedFeatures | None:
    """Recognise the columns of :func:`core.features.customer_features` in a fitted recipe's roles.

    The recipe's roles list every column of the segmented table in order; a derived table (or the derived part
    of a joined one) is ``recency_days ... refund_count``, then the ``cat_`` and ``channel_`` shares, then
    ``night_share, cash_share``, each with a ``tx_`` prefix where a customer column had the name.

    Returns
    -------
    DerivedFeatures or None
        None when the table holds no derived block.

    Examples
    --------
    >>> names = ["customer_id", *DERIVED_HEAD, "cat_fuel", "channel_online", *DERIVED_TAIL]
    >>> derived = derived_features(dict.fromkeys(names, "feature"), "customer_id")
    >>> derived.source, derived.levels
    ('transactions', {'category': ('fuel',), 'channel': ('online',)})
    """
    names = [str(name) for name in roles]
    position = {name: i for i, name in enumerate(names)}

    def model_name(column: str) -> str | None:
        prefixed = f"tx_{column}"
        if prefixed in position and column in position:
            return prefixed
        return column if column in position else None

    fixed = {column: model_name(column) for column in (*DERIVED_HEAD, *DERIVED_TAIL)}
    if any(name is None for name in fixed.values()):
        return None
    places = [position[str(fixed[column])] for column in (*DERIVED_HEAD, *DERIVED_TAIL)]
    if places != sorted(places):
        return None
    start, stop = position[str(fixed["refund_count"])], position[str(fixed["night_share"])]
    columns: dict[str, str] = {c: str(n) for c, n in fixed.items()}
    levels: dict[str, list[str]] = {}
    for name in names[start + 1 : stop]:
        bare = name[3:] if name.startswith("tx_") and name[3:] in position else name
        kind = next((k for k, prefix in LEVEL_PREFIXES.items() if bare.startswith(prefix)), None)
        if kind is None:
            continue
        levels.setdefault(kind, []).append(bare[len(LEVEL_PREFIXES[kind]) :])
        columns[bare] = name
    own = {"customer_id", *columns.values()}
    source = "transactions" if id_column == "customer_id" and set(names) <= own else "joined"
    return DerivedFeatures(source, columns, {k: tuple(v) for k, v in levels.items()})


def _derived_document(derived: DerivedFeatures) -> dict[str, Any]:
    return {
        "from": "transactions",
        "source": derived.source,
        "as_of": derived.as_of,
        "columns": dict(derived.columns),
        "levels": {kind: list(slugs) for kind, slugs in derived.levels.items()},
    }


def _derived_section(value: Any) -> DerivedFeatures:
    """Return the derived-features section as :class:`DerivedFeatures`, or refuse it in one sentence."""
    if not isinstance(value, dict):
        raise _damaged("its derived-features section is not a mapping")
    source, as_of = value.get("source"), value.get("as_of", AS_OF_RULES[0])
    if source not in DERIVED_SOURCES:
        raise _damaged(f"its derived features must come from one of {', '.join(DERIVED_SOURCES)}")
    if as_of not in AS_OF_RULES:
        raise _damaged(f"its derived features' as_of rule must be one of {', '.join(AS_OF_RULES)}")
    columns, levels = value.get("columns"), value.get("levels", {})
    if not isinstance(columns, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in columns.items()):
        raise _damaged("its derived features must map each derived column to the column the recipe reads")
    missing = [c for c in (*DERIVED_HEAD, *DERIVED_TAIL) if c not in columns]
    if missing:
        raise _damaged(f"its derived features lack {excerpt(', '.join(missing))}")
    if not isinstance(levels, dict) or not all(
        kind in LEVEL_PREFIXES and isinstance(slugs, list) and all(isinstance(s, str) for s in slugs)
        for kind, slugs in levels.items()
    ):
        raise _damaged("its derived levels must list the category and channel levels as texts")
    for kind, slugs in levels.items():
        if any(LEVEL_PREFIXES[kind] + slug not in columns for slug in slugs):
            raise _damaged(f"its derived {kind} levels do not match its derived columns")
    return DerivedFeatures(source, dict(columns), {k: tuple(v) for k, v in levels.items()}, as_of)


def _block_levels(features: tuple[str, ...], positions: tuple[int, ...]) -> tuple[str, ...]:
    return tuple(features[p].split(LEVEL_SEPARATOR, 1)[1] for p in positions)


def _mixed_document(mixed: MixedModel) -> dict[str, Any]:
    space = mixed.space
    return {
        "method": space.method,
        "centres": MIXED_METHODS[space.method],
        "numeric": [
            {"column": int(c), "range": r, "weight": w}
            for c, r, w in zip(space.numeric, space.ranges, space.numeric_weights, strict=True)
        ],
        "categories": [
            {
                "feature": name,
                "columns": [int(c) for c in positions],
                "levels": list(mixed.levels[name]),
                "weight": weight,
                "pooled": list(mixed.pooled.get(name, ())),
            }
            for (name, positions), weight in zip(space.blocks, space.category_weights, strict=True)
        ],
        "gamma": space.gamma,
    }


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
    if model.mixed is not None:
        document["mixed"] = _mixed_document(model.mixed)
    if model.derived is not None:
        document["derived"] = _derived_document(model.derived)
    return json.dumps(document, indent=1, default=str)


def model_from_json(text: str | bytes) -> SegmentModel:
    """Read a model written by :func:`model_to_json`.

    Raises
    ------
    DataError
        With one sentence when the text is not a CardLens model (not JSON, empty, truncated, another format,
        a newer version) or is damaged: a missing or malformed part, centres that are not a k x p table of
        finite numbers within :data:`MAX_CENTRE` (1e308 centres would put every customer in one segment),
        centres that do not match the features, a cleaning recipe that cannot be read, a mixed-data section
        that does not describe every feature once (positions, positive finite ranges, levels that match the
        one-hot column names, non-negative finite weights and gamma), a derived-features section that does not
        name the derived columns, their source and the as_of rule.
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
        mixed=None if document.get("mixed") is None else _mixed_section(document["mixed"], features),
        derived=None if document.get("derived") is None else _derived_section(document["derived"]),
    )


def _mixed_section(value: Any, features: tuple[str, ...]) -> MixedModel:
    """Return the mixed-data section as a :class:`MixedModel`, or refuse it in one sentence."""
    if not isinstance(value, dict):
        raise _damaged("its mixed-data section is not a mapping")
    method = value.get("method")
    if method not in MIXED_METHODS:
        raise _damaged(f"its mixed-data distance must be one of {', '.join(MIXED_METHODS)}")
    numeric, categories = value.get("numeric"), value.get("categories")
    if not isinstance(numeric, list) or not isinstance(categories, list):
        raise _damaged("its mixed-data section must list the numeric columns and the categorical features")
    if not all(isinstance(item, dict) for item in [*numeric, *categories]):
        raise _damaged("each numeric column and categorical feature of its mixed-data section must be a mapping")
    columns = [item.get("column") for item in numeric]
    blocks = [item.get("columns") for item in categories]
    if not all(isinstance(b, list) and b for b in blocks):
        raise _damaged("each categorical feature of its mixed-data section must list its one-hot columns")
    positions = [*columns, *(c for b in blocks for c in b)]
    if not all(isinstance(c, int) and not isinstance(c, bool) for c in positions) or sorted(positions) != list(
        range(len(features))
    ):
        raise _damaged("its mixed-data section must place every feature exactly once, by its column number")
    ranges = [item.get("range") for item in numeric]
    if not all(_finite(r) and r > 0 for r in ranges):
        raise _damaged("the ranges of its numeric columns must be positive numbers")
    weights = [item.get("weight", 1.0) for item in [*numeric, *categories]]
    gamma = value.get("gamma", 2.0)
    if not all(_finite(w) and w >= 0 for w in [*weights, gamma]):
        raise _damaged("its mixed-data weights and gamma must be non-negative numbers")
    if method == "gower" and not sum(weights) > 0:
        raise _damaged("its Gower weights must not all be zero")
    levels, pooled = {}, {}
    for item, block in zip(categories, blocks, strict=True):
        name, named, rare = item.get("feature"), item.get("levels"), item.get("pooled", [])
        if not isinstance(name, str) or name in levels:
            raise _damaged("its categorical features must have distinct names (text)")
        if not isinstance(named, list) or [f"{name}{LEVEL_SEPARATOR}{level}" for level in named] != [
            features[c] for c in block
        ]:
            raise _damaged(f"the levels of {excerpt(name)} in its mixed-data section do not match the feature columns")
        if not isinstance(rare, list) or not all(isinstance(level, str) for level in rare):
            raise _damaged(f"the pooled levels of {excerpt(name)} must be a list of texts")
        levels[name] = tuple(named)
        if rare:
            pooled[name] = tuple(rare)
    space = MixedSpace(
        numeric=tuple(columns),
        blocks=tuple((name, tuple(block)) for name, block in zip(levels, blocks, strict=True)),
        method=method,
        ranges=tuple(float(r) for r in ranges),
        numeric_weights=tuple(float(w) for w in weights[: len(numeric)]),
        category_weights=tuple(float(w) for w in weights[len(numeric) :]),
        gamma=float(gamma),
    )
    return MixedModel(space, levels, pooled)


def _finite(number: Any) -> bool:
    try:
        return isinstance(number, (int, float)) and not isinstance(number, bool) and math.isfinite(number)
    except OverflowError:  # integers beyond float range
        return False


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


def assign_file(model: SegmentModel, frame: pd.DataFrame, *, with_confidence: bool = False) -> pd.DataFrame:
    """Clean a new customer file with the model's recipe and place each customer in the nearest segment.

    Parameters
    ----------
    frame : pandas.DataFrame
        The new month's customers, with the columns the recipe needs. Not modified.
    with_confidence : bool, default False
        Also add ``second_distance`` and ``confidence`` (see :func:`assign_file_confidence`).

    Returns
    -------
    pandas.DataFrame
        The cleaned table (original units) plus ``segment``, ``segment_name``, ``distance`` (to the
        segment centre in the scaled feature space) and ``imputed``: the columns whose blank cell in this
        row the recipe filled in (``"PURCHASES; MINIMUM_PAYMENTS"``, ``""`` when every value was observed), so
        filled-in values are never mistaken for observed ones. Features computed from a filled-in column
        (utilisation, ...) are not listed separately. For mixtures and density-based algorithms the nearest
        centre approximates the app's own assignment. A mixed-data model places customers by the fit's own rule:
        the nearest medoid by Gower distance (``distance`` in ``[0, 1]``) or the cheapest prototype
        (``distance`` is the k-prototypes cost); a level not seen at fit time mismatches every centre (count
        them with :func:`unseen_levels`).

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
    if model.mixed is not None:
        for feature, unseen in _unseen_rows(model.mixed, table).items():
            positions = dict(model.mixed.space.blocks)[feature]
            values[np.ix_(unseen, positions)] = 0.0  # no level set: a mismatch with every centre
    labels, distance, second = _two_nearest(model, values)
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
    if with_confidence:
        out["second_distance"] = second
        out["confidence"] = confidence_from_distances(distance, second)
    return out


def assign_file_confidence(model: SegmentModel, frame: pd.DataFrame) -> pd.DataFrame:
    """Like :func:`assign_file`, plus ``second_distance`` and ``confidence`` for each customer.

    Returns
    -------
    pandas.DataFrame
        :func:`assign_file`'s columns, then ``second_distance`` (to the second-nearest centre, by the same
        distance or k-prototypes cost that chose the segment; infinite when the model has one segment) and
        ``confidence`` = :func:`confidence_from_distances` of ``distance`` and ``second_distance``.
    """
    return assign_file(model, frame, with_confidence=True)


def confidence_from_distances(nearest: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Return ``1 - nearest / second`` per customer, clipped to ``[0, 1]``.

    0 means halfway between two segments (equally near both centres), 1 means on the segment's centre (or the
    model has one segment, ``second`` infinite). It equals the app's ``Segmentation.confidence`` for
    centre-based algorithms (``(b - a) / max(a, b)`` with ``a`` the own and ``b`` the nearest other centre's
    distance, :func:`core.cluster._fit.centre_confidence` and ``MixedSpace.confidence``), since a saved model's
    own centre is the nearest; for Gaussian mixtures the app shows the largest membership probability instead,
    which a saved model (centres only) cannot reproduce.

    Parameters
    ----------
    nearest, second : numpy.ndarray
        Distances to the nearest and second-nearest centre (``second >= nearest``).

    Returns
    -------
    numpy.ndarray
        float64 confidences in ``[0, 1]``.
    """
    nearest = np.asarray(nearest, dtype=np.float64)
    second = np.asarray(second, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(second > 0, nearest / np.where(second > 0, second, 1.0), 1.0)
    return np.clip(1.0 - ratio, 0.0, 1.0)


def _two_nearest(model: SegmentModel, values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return each row's nearest centre (the first on ties), its distance and the second-nearest distance.

    Rows are compared with the centres one by one (no matrix-product shortcut), so a customer gets the same
    segment and distances in any batch: the whole file on pandas, one group on Spark.
    """
    if model.mixed is not None:
        d = model.mixed.space.to_centres(values, model.centres)
    else:
        d = np.empty((len(values), len(model.centres)))
        step = max(1, 8_000_000 // max(len(model.centres), 1))
        for start in range(0, len(values), step):
            d[start : start + step] = cdist(values[start : start + step], model.centres, "euclidean")
    rows = np.arange(len(d))
    labels = d.argmin(axis=1).astype(np.int64)
    nearest = d[rows, labels]
    if d.shape[1] < 2:
        return labels, nearest, np.full(len(d), np.inf)
    d[rows, labels] = np.inf
    return labels, nearest, d.min(axis=1)


def _unseen_rows(mixed: MixedModel, table: pd.DataFrame) -> dict[str, np.ndarray]:
    """Categorical feature -> rows (positions) of the cleaned table whose level was not seen at fit time."""
    from core.clean import as_levels

    out = {}
    for feature in mixed.levels:
        if feature in table.columns:
            unseen = np.flatnonzero(~as_levels(table[feature]).isin(mixed.seen(feature)).to_numpy())
            if len(unseen):
                out[feature] = unseen
    return out


def unseen_levels(model: SegmentModel, table: pd.DataFrame) -> pd.DataFrame:
    """Count the customers whose category level was not seen when a mixed-data model was fitted.

    Parameters
    ----------
    model : SegmentModel
        The saved model (a model without a ``mixed`` section has nothing to count).
    table : pandas.DataFrame
        The cleaned customers, e.g. :func:`assign_file`'s output. Not modified.

    Returns
    -------
    pandas.DataFrame
        ``feature, level, customers``: one row per unseen level, most customers first within a feature.
    """
    rows = []
    if model.mixed is not None:
        from core.clean import as_levels

        for feature, unseen in _unseen_rows(model.mixed, table).items():
            counts = as_levels(table[feature]).iloc[unseen].value_counts(sort=False)
            for level, count in sorted(counts.items(), key=lambda item: (-item[1], str(item[0]))):
                rows.append({"feature": feature, "level": str(level), "customers": int(count)})
    return pd.DataFrame(rows, columns=["feature", "level", "customers"]).astype({"customers": "int64"})


def unseen_level_lines(unseen: pd.DataFrame) -> list[str]:
    """Say per feature how many customers hold a level not seen at fit time, naming the levels.

    Examples
    --------
    >>> unseen = pd.DataFrame({"feature": ["Card_Category"] * 2, "level": ["Titanium", "Black"], "customers": [9, 3]})
    >>> unseen_level_lines(unseen)
    ['Card_Category: 12 customers with a level not seen when the model was fitted (Titanium, Black)']
    """
    lines = []
    for feature, group in unseen.groupby("feature", sort=False):
        total = int(group["customers"].sum())
        levels = excerpt(", ".join(group["level"]))
        who = "customer" if total == 1 else "customers"
        lines.append(f"{feature}: {total:,} {who} with a level not seen when the model was fitted ({levels})")
    return lines


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
