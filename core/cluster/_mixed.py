"""Segments on numeric and categorical features together: Gower distances, K-Medoids on them, and k-prototypes.

The feature matrix carries each categorical feature as a block of one-hot columns named ``<feature>=<level>``
(the recipe's ``categories`` step); :func:`mixed_space` reads the blocks back into level codes, so the
algorithms here compare categories by match or mismatch instead of as numbers.

- **Gower distance** (Gower 1971, as R's ``cluster::daisy``): the weighted mean over features of
  ``|x_i - x_j| / range`` for numeric features and ``[level_i != level_j]`` for categorical ones, in ``[0, 1]``.
- **Gower K-Medoids**: FasterPAM (``kmedoids``) on the precomputed Gower matrix up to
  :data:`GOWER_FULL_MAX` customers (100 MB of float32); above it, CLARA: FasterPAM on several seeded samples,
  the medoids that fit a larger seeded evaluation sample best are kept and every customer goes to the nearest
  medoid by Gower distance, so memory stays bounded at any size.
- **k-prototypes** (Huang 1998): squared euclidean distance on the numeric features plus ``gamma`` per
  category mismatch, centres are means and modes. Batch (Lloyd-style) updates, vectorised: the ``kmodes``
  package's per-customer loop took 31 s for one start on 10,000 x 20 here, against a budget of 5 s.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.spatial.distance import cdist

from core.cluster._algorithms import RawFit, check_k, seeded_sample
from core.errors import DataError

LEVEL_SEPARATOR = "="  # matches core.clean's one-hot column names: ``Gender=F``
GOWER_FULL_MAX = 5_000  # a full Gower matrix of 5,000 customers is 100 MB of float32
# customers per CLARA sample: the k sweep (k = 2..10, 4 samples) took 5.8 s of CPU in FasterPAM on samples of
# 2,000 and 2.8 s on 1,500, whose medoids cost 1% more on all 10,000 customers
GOWER_SAMPLE = 1_500
GOWER_DRAWS = 4  # CLARA samples tried
GOWER_EVAL = 20_000  # customers the CLARA medoids are judged on
CHUNK_CELLS = 4_000_000  # distances computed per chunk (about 16 MB of float32 per intermediate)
PROTOTYPE_MAX_ITER = 100
PROTOTYPE_TOLERANCE = 0.001  # settled when at most this share of customers changes segment in a round


@dataclass(frozen=True)
class MixedSpace:
    """How to compare customers whose matrix holds numeric columns and one-hot category blocks.

    Attributes
    ----------
    numeric : tuple of int
        Positions of the numeric columns in the matrix.
    blocks : tuple of (str, tuple of int)
        Each categorical feature and the positions of its one-hot columns.
    method : {"gower", "prototypes"}
        Gower distance, or the k-prototypes cost (squared euclidean + ``gamma`` per mismatch).
    ranges : tuple of float
        Range of each numeric column on the fitted customers (Gower); 1 where constant.
    numeric_weights, category_weights : tuple of float
        Gower weight of each numeric column and each categorical feature.
    gamma : float
        Cost of one category mismatch for k-prototypes.
    """

    numeric: tuple[int, ...]
    blocks: tuple[tuple[str, tuple[int, ...]], ...]
    method: str = "gower"
    ranges: tuple[float, ...] = ()
    numeric_weights: tuple[float, ...] = ()
    category_weights: tuple[float, ...] = ()
    gamma: float = 2.0

    @property
    def categorical(self) -> list[str]:
        """The categorical features, in matrix order."""
        return [name for name, _ in self.blocks]

    def codes(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Split matrix rows into numeric values and level codes (``-1`` where no level is set)."""
        numeric = values[:, list(self.numeric)]
        codes = np.full((len(values), len(self.blocks)), -1, dtype=np.int32)
        for f, (_, positions) in enumerate(self.blocks):
            block = values[:, list(positions)]
            hot = block > 0
            codes[hot.any(axis=1), f] = block.argmax(axis=1)[hot.any(axis=1)]
        return numeric, codes

    @property
    def mismatch_costs(self) -> tuple[float, ...]:
        """Cost of a mismatch in each categorical feature: its Gower weight, or ``gamma`` for k-prototypes."""
        return self.category_weights if self.method == "gower" else (self.gamma,) * len(self.blocks)

    def _numeric(self, values: np.ndarray) -> np.ndarray:
        """Return the numeric columns, times weight / range for Gower (their cityblock distance is the Gower sum)."""
        numeric = values[:, list(self.numeric)]
        if self.method == "gower" and self.numeric:
            numeric = numeric * (np.asarray(self.numeric_weights) / np.asarray(self.ranges))
        return numeric

    def _parts(self, values: np.ndarray, weighted: bool) -> tuple[np.ndarray, np.ndarray]:
        """Numeric values (divided by the ranges for Gower) and level indicators (times the weights if asked)."""
        numeric = self._numeric(values)
        weights = self.mismatch_costs
        columns = [p for _, positions in self.blocks for p in positions]
        scale = np.repeat(np.asarray(weights, dtype=np.float32), [len(p) for _, p in self.blocks])
        hot = (values[:, columns] > 0).astype(np.float32)
        return numeric, hot * scale if weighted else hot

    def distances(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Return the ``len(a) x len(b)`` distances (float32) between two sets of matrix rows.

        A category mismatch is the feature's weight minus the weighted matches, so the category part is one
        matrix product over the level indicators; a row with no level set (an unseen level) matches nothing.
        """
        out = np.empty((len(a), len(b)), dtype=np.float32)
        num_b, hot_b = self._parts(b, weighted=False)
        weights = self.mismatch_costs
        total_weight = float(sum(self.numeric_weights) + sum(self.category_weights))
        step = max(1, CHUNK_CELLS // max(len(b), 1))
        metric = "cityblock" if self.method == "gower" else "sqeuclidean"
        for start in range(0, len(a), step):
            num_a, hot_a = self._parts(a[start : start + step], weighted=True)
            chunk = out[start : start + step]
            chunk[:] = cdist(num_a, num_b, metric) if self.numeric else 0.0
            if self.blocks:
                chunk += np.float32(sum(weights))
                chunk -= hot_a @ hot_b.T
            if self.method == "gower":
                chunk /= np.float32(total_weight)
        return out

    def to_centres(self, values: np.ndarray, centres: np.ndarray) -> np.ndarray:
        """Return the ``len(values) x len(centres)`` distances (float64) from customers to a few centres.

        The rule that places customers, in the fit and in a saved model alike. Unlike :meth:`distances` (float32,
        the categories as one matrix product, for the n x n matrices), each row is computed on its own, feature
        by feature, so a customer gets the same distances and segment in any batch (the whole fit, a new file,
        one Spark group). A row with no level set in a block (an unseen level) mismatches every centre there.
        """
        num_c, codes_c = self._numeric(centres), self.codes(centres)[1]
        total_weight = float(sum(self.numeric_weights) + sum(self.category_weights))
        metric = "cityblock" if self.method == "gower" else "sqeuclidean"
        out = np.empty((len(values), len(centres)))
        step = max(1, CHUNK_CELLS // max(len(centres), 1))
        for start in range(0, len(values), step):
            rows = values[start : start + step]
            chunk = out[start : start + step]
            chunk[:] = cdist(self._numeric(rows), num_c, metric) if self.numeric else 0.0
            codes = self.codes(rows)[1]
            for f, cost in enumerate(self.mismatch_costs):
                chunk += cost * ((codes[:, f, None] != codes_c[None, :, f]) | (codes[:, f, None] < 0))
            if self.method == "gower":
                chunk /= total_weight
        return out

    def nearest(self, values: np.ndarray, centres: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return, for each row, the position of (the first on ties) and distance to the nearest centre."""
        d = self.to_centres(values, centres)
        position = d.argmin(axis=1)
        return position.astype(np.int64), d[np.arange(len(d)), position]

    def confidence(self, values: np.ndarray, labels: np.ndarray, centres: np.ndarray) -> np.ndarray:
        """Per customer ``(b - a) / max(a, b)`` with this space's distance to the own and nearest other centre."""
        if len(centres) < 2:
            return np.where(labels >= 0, 1.0, 0.0)
        d = self.to_centres(values, centres)
        rows = np.arange(len(values))
        own = d[rows, labels]
        d[rows, labels] = np.inf
        other = d.min(axis=1)
        return np.clip((other - own) / np.maximum(np.maximum(own, other), 1e-12), 0.0, 1.0)


def category_blocks(names: tuple[str, ...], values: np.ndarray) -> tuple[tuple[int, ...], tuple]:
    """Find the one-hot blocks among the matrix columns: ``<feature>=<level>`` columns, at most one set per row.

    Returns
    -------
    (tuple of int, tuple of (str, tuple of int))
        The numeric column positions and each categorical feature with its columns.
    """
    groups: dict[str, list[int]] = {}
    for i, name in enumerate(names):
        if LEVEL_SEPARATOR in name:
            groups.setdefault(name.split(LEVEL_SEPARATOR, 1)[0], []).append(i)
    blocks = []
    for feature, positions in groups.items():
        block = values[:, positions]
        if len(positions) >= 2 and (block >= 0).all() and ((block != 0).sum(axis=1) <= 1).all():
            blocks.append((feature, tuple(positions)))
    taken = {p for _, positions in blocks for p in positions}
    return tuple(i for i in range(len(names)) if i not in taken), tuple(blocks)


def mixed_space(
    values: np.ndarray,
    names: tuple[str, ...],
    method: str = "gower",
    *,
    category_weight: float = 1.0,
    weights: Mapping[str, float] | None = None,
    gamma: float = 2.0,
) -> MixedSpace:
    """Describe how to compare the customers of a matrix with one-hot category blocks.

    Parameters
    ----------
    values : numpy.ndarray
        The feature matrix (numeric columns and one-hot blocks), one row per customer.
    names : tuple of str
        Its column names.
    method : {"gower", "prototypes"}
        Which distance.
    category_weight : float
        Gower weight of every categorical feature (each numeric column weighs 1).
    weights : mapping, optional
        Gower weight per feature name (numeric column or categorical feature), overriding the above.
    gamma : float
        k-prototypes cost of one category mismatch.

    Examples
    --------
    >>> values = np.array([[0.0, 0.7, 0.0], [1.0, 0.0, 0.7], [2.0, 0.7, 0.0]])
    >>> space = mixed_space(values, ("spend", "Gender=F", "Gender=M"))
    >>> space.categorical, space.distances(values, values)[0].round(2).tolist()
    (['Gender'], [0.0, 0.75, 0.5])
    """
    numeric, blocks = category_blocks(names, values)
    weights = dict(weights or {})
    unknown = sorted(set(weights) - {names[i] for i in numeric} - {f for f, _ in blocks})
    if unknown:
        raise DataError(f"There is no feature {', '.join(unknown)} to weigh; weigh features of the matrix.")
    spread = np.ptp(values[:, list(numeric)], axis=0) if numeric else np.empty(0)
    return MixedSpace(
        numeric=numeric,
        blocks=blocks,
        method=method,
        ranges=tuple(float(r) if r > 0 else 1.0 for r in spread),
        numeric_weights=tuple(float(weights.get(names[i], 1.0)) for i in numeric),
        category_weights=tuple(float(weights.get(f, category_weight)) for f, _ in blocks),
        gamma=float(gamma),
    )


def gower_distances(
    matrix: Any, other: Any = None, *, category_weight: float = 1.0, weights: Mapping[str, float] | None = None
) -> np.ndarray:
    """Return Gower distances between the customers of a feature matrix (float32, values in ``[0, 1]``).

    Parameters
    ----------
    matrix : pandas.DataFrame
        The feature matrix with one-hot ``<feature>=<level>`` blocks (``CleanResult.matrix``).
    other : pandas.DataFrame, optional
        Customers to compare with (same columns); default ``matrix`` itself. Ranges come from ``matrix``.
    category_weight, weights
        As in :func:`mixed_space`.
    """
    from core.cluster._algorithms import as_matrix

    values, names = as_matrix(matrix)
    space = mixed_space(values, names, category_weight=category_weight, weights=weights)
    return space.distances(values, values if other is None else as_matrix(other)[0])


def _pam(distances: np.ndarray, k: int, random_state: int):
    import kmedoids

    # one thread: measured faster than the default thread pool on 2 busy cores
    return kmedoids.fasterpam(distances, k, random_state=random_state, n_cpu=1)


def clara_draws(space: MixedSpace, values: np.ndarray, random_state: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Return the CLARA samples (row positions) with their Gower matrices; all rows up to the full-matrix size."""
    n = len(values)
    if n <= GOWER_FULL_MAX:
        return [(np.arange(n), space.distances(values, values))]
    samples = [seeded_sample(n, GOWER_SAMPLE, random_state + 100 + draw) for draw in range(GOWER_DRAWS)]
    return [(rows, space.distances(values[rows], values[rows])) for rows in samples]


def gower_kmedoids(
    space: MixedSpace, values: np.ndarray, k: int, random_state: int, draws: list | None = None
) -> RawFit:
    """FasterPAM on each draw of :func:`clara_draws` (given, or computed); the medoids that fit best win.

    ``KMedoidsResult.labels`` are used directly: ``kmedoids``' ``KMedoids.predict()`` returns medoid row numbers,
    not labels, so it is never called.
    """
    check_k(len(values), k)
    draws = clara_draws(space, values, random_state) if draws is None else draws
    n = len(values)
    if len(draws) == 1 and len(draws[0][0]) == n:
        result = _pam(draws[0][1], k, random_state)
        rows = np.asarray(result.medoids, dtype=np.int64)
        return RawFit(np.asarray(result.labels, dtype=np.int64), values[rows], model=space)
    evaluation = values[seeded_sample(n, GOWER_EVAL, random_state + 1)]
    best_rows, best_cost = None, np.inf
    for draw, (sample, distances) in enumerate(draws):
        result = _pam(distances, k, random_state + draw)
        rows = sample[np.asarray(result.medoids, dtype=np.int64)]
        cost = space.distances(evaluation, values[rows]).min(axis=1).sum(dtype=np.float64)  # to judge draws
        if cost < best_cost:
            best_rows, best_cost = rows, cost
    labels, _ = space.nearest(values, values[best_rows])
    note = (
        f"Gower K-Medoids was fitted on {len(draws)} seeded samples of {GOWER_SAMPLE:,} customers (the full "
        f"distance matrix grows with the square of the rows); the medoids that fit {len(evaluation):,} customers "
        "best were kept and everyone was assigned to the nearest medoid by Gower distance."
    )
    return RawFit(labels, values[best_rows], model=space, notes=[note])


def fit_gower_kmedoids(values: np.ndarray, names: tuple[str, ...], params: dict[str, Any], random_state: int) -> RawFit:
    """K-Medoids by FasterPAM on Gower distances; CLARA (seeded samples) above :data:`GOWER_FULL_MAX` rows."""
    space = mixed_space(values, names, "gower", category_weight=params["category_weight"])
    return gower_kmedoids(space, values, params["k"], random_state)


def _prototype_centres(num: np.ndarray, cat: np.ndarray, labels: np.ndarray, k: int, levels: list[int]):
    counts = np.bincount(labels, minlength=k)
    sums = [np.bincount(labels, weights=column, minlength=k) for column in num.T]
    means = (np.column_stack(sums) if sums else np.zeros((k, 0))) / np.maximum(counts, 1)[:, None]
    modes = np.zeros((k, cat.shape[1]), dtype=np.int32)
    for f, n_levels in enumerate(levels):
        width = n_levels + 1  # slot 0 counts customers with no level
        table = np.bincount(labels * width + cat[:, f] + 1, minlength=k * width).reshape(k, width)
        modes[:, f] = table[:, 1:].argmax(axis=1)
    return means, modes


def _prototype_cost(num: np.ndarray, cat: np.ndarray, means: np.ndarray, modes: np.ndarray, gamma: float):
    cost = cdist(num, means, "sqeuclidean") if num.shape[1] else np.zeros((len(num), len(means)))
    for f in range(cat.shape[1]):
        cost += gamma * ((cat[:, f, None] != modes[None, :, f]) | (cat[:, f, None] < 0))
    return cost


def _one_start(num, cat, k, gamma, levels, rng) -> tuple[float, np.ndarray, np.ndarray, np.ndarray, bool]:
    """One k-prototypes run from a k-means++-style seeding on the prototype cost."""
    n = len(num)
    chosen = [int(rng.integers(n))]
    closest = _prototype_cost(num, cat, num[chosen], cat[chosen], gamma)[:, 0]
    for _ in range(1, k):
        total = closest.sum()
        pick = int(rng.choice(n, p=closest / total)) if total > 0 else int(rng.integers(n))
        chosen.append(pick)
        closest = np.minimum(closest, _prototype_cost(num, cat, num[[pick]], cat[[pick]], gamma)[:, 0])
    means, modes = num[chosen].copy(), cat[chosen].copy()
    labels = np.full(n, -1)
    settled = False
    for _ in range(PROTOTYPE_MAX_ITER):
        cost = _prototype_cost(num, cat, means, modes, gamma)
        new = cost.argmin(axis=1)
        empty = np.setdiff1d(np.arange(k), new)
        if len(empty):  # an emptied segment restarts at the customers their prototypes fit worst
            new[np.argsort(-cost.min(axis=1))[: len(empty)]] = empty
        moved = np.count_nonzero(new != labels)
        labels = new
        means, modes = _prototype_centres(num, cat, labels, k, levels)
        if moved <= PROTOTYPE_TOLERANCE * n:
            settled = True
            break
    total = float(_prototype_cost(num, cat, means, modes, gamma)[np.arange(n), labels].sum())
    return total, labels, means, modes, settled


def fit_kprototypes(values: np.ndarray, names: tuple[str, ...], params: dict[str, Any], random_state: int) -> RawFit:
    """k-prototypes: numeric means and category modes; the start with the lowest total cost is kept."""
    k = params["k"]
    check_k(len(values), k)
    space = mixed_space(values, names, "prototypes", gamma=params["gamma"])
    num, cat = space.codes(values)
    levels = [len(positions) for _, positions in space.blocks]
    rng = np.random.default_rng(random_state)
    best = None
    for _ in range(params["n_init"]):
        run = _one_start(num, cat, k, space.gamma, levels, rng)
        if best is None or run[0] < best[0]:
            best = run
    _, labels, means, modes, settled = best
    centres = np.zeros((k, values.shape[1]))
    centres[:, list(space.numeric)] = means
    for f, (_, positions) in enumerate(space.blocks):
        hot = float(values[:, list(positions)].max())
        centres[np.arange(k), np.asarray(positions)[modes[:, f]]] = hot
    notes = [] if settled else [f"k-prototypes stopped after {PROTOTYPE_MAX_ITER} rounds before settling."]
    if not space.blocks:
        notes.append("There are no categorical features, so k-prototypes worked like K-Means.")
    return RawFit(labels, centres, model=space, notes=notes)


def total_cost(space: MixedSpace, values: np.ndarray, labels: np.ndarray, centres: np.ndarray) -> float:
    """Sum over customers of the distance (Gower) or cost (k-prototypes) to their own centre."""
    own = np.zeros(len(values))
    kept = np.flatnonzero(labels >= 0)
    step = max(1, CHUNK_CELLS // max(len(centres), 1))
    for start in range(0, len(kept), step):
        rows = kept[start : start + step]
        own[rows] = space.to_centres(values[rows], centres)[np.arange(len(rows)), labels[rows]]
    return float(own.sum())


def sample_distances(space: MixedSpace, values: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Return the distances (float32) among the sampled ``rows``, zero on the diagonal: one matrix for every k."""
    distances = space.distances(values[rows], values[rows])
    np.fill_diagonal(distances, 0.0)
    return distances


def gower_silhouette(
    space: MixedSpace, values: np.ndarray, labels: np.ndarray, rows: np.ndarray, distances: np.ndarray | None = None
) -> float:
    """Silhouette of the partition on Gower distances among the sampled ``rows`` (NaN below two segments).

    ``distances`` may be :func:`sample_distances` of the same ``rows``, computed once for a whole k sweep.
    """
    sampled = labels[rows]
    kept = sampled >= 0
    if len(np.unique(sampled[kept])) < 2 or kept.sum() < 3:
        return float("nan")
    if distances is None:
        distances = sample_distances(space, values, rows)
    return silhouette_of(distances[np.ix_(kept, kept)] if not kept.all() else distances, sampled[kept])


def silhouette_of(distances: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette from a square distance matrix with a zero diagonal, as ``silhouette_score`` computes it.

    One matrix product gives every customer's summed distance to each segment (sklearn's precomputed path took
    0.1 s per k on 3,000 customers and copied the matrix to float64); customers alone in their segment score 0.

    Examples
    --------
    >>> d = np.array([[0.0, 1.0, 4.0, 5.0], [1.0, 0.0, 3.0, 4.0], [4.0, 3.0, 0.0, 1.0], [5.0, 4.0, 1.0, 0.0]])
    >>> round(silhouette_of(d, np.array([0, 0, 1, 1])), 3)  # (3.5 / 4.5 + 2.5 / 3.5) / 2
    0.746
    """
    found, codes = np.unique(labels, return_inverse=True)
    if len(found) < 2:
        return float("nan")
    members = np.zeros((len(codes), len(found)), dtype=distances.dtype)
    members[np.arange(len(codes)), codes] = 1
    sums = (distances @ members).astype(np.float64)
    counts = np.bincount(codes).astype(np.float64)
    rows = np.arange(len(codes))
    own = sums[rows, codes] / np.maximum(counts[codes] - 1, 1)
    means = sums / counts
    means[rows, codes] = np.inf
    other = means.min(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.nan_to_num((other - own) / np.maximum(own, other))
    score[counts[codes] == 1] = 0.0
    return float(score.mean())


def categorical_features(matrix: Any) -> list[str]:
    """Return the categorical features a feature matrix carries as one-hot ``<feature>=<level>`` blocks.

    Examples
    --------
    >>> import pandas as pd
    >>> categorical_features(pd.DataFrame({"spend": [1.0, 2.0], "Gender=F": [0.7, 0.0], "Gender=M": [0.0, 0.7]}))
    ['Gender']
    """
    from core.cluster._algorithms import as_matrix

    values, names = as_matrix(matrix)
    return [feature for feature, _ in category_blocks(names, values)[1]]


MIXED_FITTERS = {"gower-kmedoids": fit_gower_kmedoids, "kprototypes": fit_kprototypes}
