"""The one registry of segmentation algorithms and their parameters (data the Cluster page draws widgets from).

Each :class:`AlgorithmSpec` lists its knobs as :class:`ParamSpec` rows: name, kind, default, range or
choices and a one-line help text. :func:`resolve_params` fills in defaults and refuses values a business
user could not have meant, with a sentence that says what to change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from core.errors import DataError

ParamKind = Literal["int", "float", "choice", "bool"]

# Sizes above which an O(n^2) step runs on a seeded sample (measured at 8,950 x 17 on 2 cores: scipy ward
# linkage on every row took 4.5 s and 820 MB; on 5,000 rows 1.1 s and 340 MB. A full K-Medoids distance
# matrix at 5,000 rows is 200 MB of float64).
KMEDOIDS_FULL_MAX = 5_000
KMEDOIDS_SAMPLE = 2_500
KMEDOIDS_DRAWS = 4
KMEDOIDS_EVAL = 20_000
HIERARCHICAL_FULL_MAX = 5_000
HDBSCAN_FULL_MAX = 5_000
DBSCAN_MAX_PAIRS = 30_000_000  # neighbour pairs DBSCAN may hold in memory (about 240 MB of int64)
DBSCAN_MIN_SAMPLE = 2_000  # never fit DBSCAN on fewer customers than this
REFERENCE_MAX = 2_000  # sampled customers the rest are matched against (1,000,000 x 5,000 distances took 54 s)
DBSCAN_FULL_MAX = 50_000  # above this DBSCAN fits on a sample (1,000,000 rows did not finish in 400 s)


@dataclass(frozen=True)
class ParamSpec:
    """One knob of an algorithm.

    Attributes
    ----------
    name : str
        Key in the ``params`` dict (``"k"``, ``"eps"``).
    label : str
        Short label for a widget.
    kind : {"int", "float", "choice", "bool"}
        How the value is read and checked.
    default : Any
        Value used when the caller gives none.
    help : str
        One line that says what the knob does, for the widget's help text.
    min, max : float or None
        Inclusive bounds for numbers.
    choices : tuple
        Allowed values for ``kind="choice"``.
    """

    name: str
    label: str
    kind: ParamKind
    default: Any
    help: str
    min: float | None = None
    max: float | None = None
    choices: tuple[Any, ...] = ()


@dataclass(frozen=True)
class AlgorithmSpec:
    """One segmentation algorithm: its key, what to call it, what it is good for, and its knobs.

    Attributes
    ----------
    key : str
        Registry key passed to :func:`core.cluster.fit`.
    label : str
        Display name.
    description : str
        One or two sentences for the page.
    params : tuple of ParamSpec
        Every knob, in display order.
    uses_k : bool
        Whether the user chooses the number of segments directly.
    finds_noise : bool
        Whether some customers may be left unassigned (label ``-1``).
    mixed : bool
        Whether it compares categorical features as categories (match or mismatch) rather than as numbers.
    categories : str
        One or two sentences on how it treats categorical features, for the page's help text.
    """

    key: str
    label: str
    description: str
    params: tuple[ParamSpec, ...]
    uses_k: bool = True
    finds_noise: bool = False
    mixed: bool = False
    categories: str = (
        "Categorical features take part through their one-hot columns (Clean page, step categories): quick, and "
        "every chart works, but a different level always counts as the same fixed distance (the step's weight), "
        "rare levels barely move the segments and a segment's centre holds shares, not a level."
    )

    def defaults(self) -> dict[str, Any]:
        """Return every parameter at its default value."""
        return {spec.name: spec.default for spec in self.params}

    def param(self, name: str) -> ParamSpec:
        """Return the spec of one parameter by name."""
        for spec in self.params:
            if spec.name == name:
                return spec
        raise KeyError(name)


def _k(default: int = 4) -> ParamSpec:
    return ParamSpec("k", "Number of segments (k)", "int", default, "How many segments to form.", 2, 30)


ALGORITHMS: dict[str, AlgorithmSpec] = {
    spec.key: spec
    for spec in (
        AlgorithmSpec(
            "kmeans",
            "K-Means",
            "Round segments around an average customer each; fast at any size. The usual first choice.",
            (
                _k(),
                ParamSpec(
                    "init",
                    "Initial centres",
                    "choice",
                    "k-means++",
                    "k-means++ spreads the starting centres apart; random picks customers at random.",
                    choices=("k-means++", "random"),
                ),
                ParamSpec(
                    "n_init",
                    "Restarts",
                    "int",
                    4,
                    "How many different starts to try; the best is kept. More is steadier and slower.",
                    1,
                    50,
                ),
            ),
        ),
        AlgorithmSpec(
            "kmedoids",
            "K-Medoids",
            "Each segment is represented by a real customer (its medoid); less pulled by extreme customers.",
            (
                _k(),
                ParamSpec(
                    "metric",
                    "Distance",
                    "choice",
                    "euclidean",
                    "How customers are compared: straight-line, sum of differences (manhattan), or angle (cosine).",
                    choices=("euclidean", "manhattan", "cosine"),
                ),
            ),
        ),
        AlgorithmSpec(
            "gmm",
            "Gaussian mixture",
            "Soft segments of any oval shape; every customer gets a probability of belonging.",
            (
                _k(),
                ParamSpec(
                    "covariance_type",
                    "Segment shape",
                    "choice",
                    "full",
                    "full: any oval; diag: ovals along the feature axes; spherical: round; tied: all alike.",
                    choices=("full", "diag", "spherical", "tied"),
                ),
            ),
        ),
        AlgorithmSpec(
            "hierarchical",
            "Hierarchical",
            "Merges customers into ever larger groups (a tree you can cut); shown as a dendrogram.",
            (
                _k(),
                ParamSpec(
                    "linkage",
                    "Linkage",
                    "choice",
                    "ward",
                    "ward: compact groups of similar size; complete/average/single: by farthest, mean, nearest pair.",
                    choices=("ward", "complete", "average", "single"),
                ),
                ParamSpec(
                    "metric",
                    "Distance",
                    "choice",
                    "euclidean",
                    "How customers are compared (ward needs euclidean).",
                    choices=("euclidean", "manhattan", "cosine"),
                ),
                ParamSpec(
                    "cut",
                    "Cut the tree by",
                    "choice",
                    "k",
                    "k: a fixed number of segments; distance: every merge above the threshold is undone.",
                    choices=("k", "distance"),
                ),
                ParamSpec(
                    "distance_threshold",
                    "Cut distance",
                    "float",
                    50.0,
                    "Used when cutting by distance: merges higher than this stay separate segments.",
                    0.0,
                    1e6,
                ),
            ),
        ),
        AlgorithmSpec(
            "gower-kmedoids",
            "K-Medoids on Gower distances (mixed data)",
            "For tables with categories: customers are compared feature by feature (numbers by their share of the "
            "range, categories by match or mismatch) and each segment is built around a real customer.",
            (
                _k(),
                ParamSpec(
                    "category_weight",
                    "Weight of each category",
                    "float",
                    1.0,
                    "How much one categorical feature counts against one numeric feature (1 = equally, as Gower).",
                    0.0,
                    10.0,
                ),
            ),
            mixed=True,
            categories=(
                "Made for categories: a different level costs the same as numbers a whole range apart, so "
                "categories weigh like numbers without any encoding choice. Above 5,000 customers it fits on "
                "samples and assigns the rest to the nearest medoid."
            ),
        ),
        AlgorithmSpec(
            "kprototypes",
            "k-prototypes (mixed data)",
            "K-Means for tables with categories: each segment has an average for numbers and a most common "
            "level for each category (Huang's k-prototypes).",
            (
                _k(),
                ParamSpec(
                    "gamma",
                    "Category cost (gamma)",
                    "float",
                    2.0,
                    "What one different category costs, in squared standard deviations of a z-scored number: 2 "
                    "weighs each category like one number (about half the customers differ from a segment's "
                    "usual level); kmodes' rule of thumb, 0.5, let numbers drown planted category groups.",
                    0.0,
                    100.0,
                ),
                ParamSpec("n_init", "Restarts", "int", 4, "How many different starts to try; the best is kept.", 1, 50),
            ),
            mixed=True,
            categories=(
                "Made for categories: each segment's centre is a real level (its most common one); gamma sets "
                "how much a different level costs against the numbers."
            ),
        ),
        AlgorithmSpec(
            "dbscan",
            "DBSCAN",
            "Segments are dense crowds of customers; isolated customers are left out as noise.",
            (
                ParamSpec(
                    "eps",
                    "Neighbourhood radius (eps)",
                    "float",
                    1.5,
                    "How close customers must be to count as neighbours; see the k-distance chart for a value.",
                    0.01,
                    100.0,
                ),
                ParamSpec(
                    "min_samples",
                    "Minimum neighbours",
                    "int",
                    10,
                    "How many neighbours make a customer the core of a crowd; higher leaves more noise.",
                    2,
                    500,
                ),
            ),
            uses_k=False,
            finds_noise=True,
        ),
        AlgorithmSpec(
            "hdbscan",
            "HDBSCAN",
            "Like DBSCAN but finds crowds of different densities by itself; only a minimum size is needed.",
            (
                ParamSpec(
                    "min_cluster_size",
                    "Smallest segment",
                    "int",
                    50,
                    "Fewest customers a segment may have; smaller crowds become noise.",
                    2,
                    100_000,
                ),
            ),
            uses_k=False,
            finds_noise=True,
        ),
    )
}


def get_algorithm(key: str) -> AlgorithmSpec:
    """Return the spec of an algorithm, or raise :class:`DataError` naming the ones available."""
    try:
        return ALGORITHMS[key]
    except KeyError:
        raise DataError(f"Unknown algorithm {key!r}: choose one of {', '.join(ALGORITHMS)}.") from None


def _coerce(spec: ParamSpec, value: Any, label: str) -> Any:
    if spec.kind == "choice":
        if value not in spec.choices:
            raise DataError(f"{spec.label} for {label} must be one of {', '.join(map(str, spec.choices))}.")
        return value
    if spec.kind == "bool":
        return bool(value)
    try:
        number = int(value) if spec.kind == "int" else float(value)
    except (TypeError, ValueError):
        raise DataError(f"{spec.label} for {label} must be a number, not {value!r}.") from None
    if spec.kind == "int" and number != float(value):
        raise DataError(f"{spec.label} for {label} must be a whole number, not {value!r}.")
    if (spec.min is not None and number < spec.min) or (spec.max is not None and number > spec.max):
        raise DataError(f"{spec.label} for {label} must lie between {spec.min:g} and {spec.max:g}; got {number:g}.")
    return number


def resolve_params(algorithm: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Return the full parameter set for ``algorithm``: the given values checked, defaults for the rest.

    Parameters
    ----------
    algorithm : str
        A key of :data:`ALGORITHMS`.
    params : mapping, optional
        Some or all parameters by name.

    Returns
    -------
    dict
        Every parameter of the algorithm, in registry order.

    Raises
    ------
    DataError
        For an unknown algorithm or parameter, a value out of range, or ward linkage with a
        non-euclidean distance.

    Examples
    --------
    >>> resolve_params("kmeans", {"k": 3})
    {'k': 3, 'init': 'k-means++', 'n_init': 4}
    """
    spec = get_algorithm(algorithm)
    given = dict(params or {})
    unknown = sorted(set(given) - {p.name for p in spec.params})
    if unknown:
        raise DataError(
            f"{spec.label} has no setting {', '.join(unknown)}; its settings are "
            f"{', '.join(p.name for p in spec.params)}."
        )
    resolved = {p.name: _coerce(p, given.get(p.name, p.default), spec.label) for p in spec.params}
    if algorithm == "hierarchical" and resolved["linkage"] == "ward" and resolved["metric"] != "euclidean":
        raise DataError(
            "Ward linkage works only with euclidean distance: choose euclidean, or another linkage "
            f"(complete, average or single) to use {resolved['metric']} distance."
        )
    return resolved
