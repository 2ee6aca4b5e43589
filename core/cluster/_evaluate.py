"""How good is a segmentation, and how many segments to ask for: metrics, the k sweep with its votes, comparison.

O(n^2) metrics (silhouette) run on a seeded sample under ``sklearn.config_context(working_memory=64)``
(at 9,000 rows that peaked at 260 MB instead of 817 MB). Stability lives in :mod:`core.cluster._stability`, the
k-distance curve in :mod:`core.cluster._neighbours`; both are re-exported here.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn import config_context
from sklearn.metrics import (
    adjusted_rand_score,
    calinski_harabasz_score,
    davies_bouldin_score,
    silhouette_samples,
    silhouette_score,
)

from core.cluster._algorithms import as_matrix, member_means, nearest, one_thread, seeded_sample
from core.cluster._fit import Segmentation, fit
from core.cluster._mixed import (
    clara_draws,
    gower_kmedoids,
    gower_silhouette,
    mixed_space,
    sample_distances,
    total_cost,
)
from core.cluster._neighbours import k_distance
from core.cluster._registry import get_algorithm
from core.cluster._stability import HENNIG_BANDS, stability, stability_band
from core.errors import DataError

__all__ = [
    "CRITERIA",
    "HENNIG_BANDS",
    "SweepResult",
    "compare",
    "k_distance",
    "segmentation_metrics",
    "silhouette_per_customer",
    "stability",
    "stability_band",
    "sweep_k",
]

BIC_SAMPLE = 2_000
# Above SWEEP_SAMPLE_ABOVE customers every k is fitted and judged on a seeded sample of SWEEP_SAMPLE of them (the
# sweep fitted on all 1,000,000 rows took 121 s here; on 50,000 of them 8.7-9.5 s of CPU, on 25,000 6.0-6.5 s with the
# same votes for seeds 0-2 but BIC's, which varies between seeds at 50,000 too); tests/test_large_tables.py checks
# the sample picks the same k.
SWEEP_SAMPLE_ABOVE = 100_000
SWEEP_SAMPLE = 25_000
# criterion -> (display name, column in the sweep table, best is "max" or "min" or "knee")
CRITERIA: dict[str, tuple[str, str, str]] = {
    "silhouette": ("silhouette", "silhouette", "max"),
    "calinski_harabasz": ("Calinski-Harabasz", "calinski_harabasz", "max"),
    "davies_bouldin": ("Davies-Bouldin", "davies_bouldin", "min"),
    "elbow": ("the inertia elbow", "inertia", "knee"),
    "bic": ("BIC", "bic", "min"),
}


@dataclass(frozen=True)
class SweepResult:
    """The k sweep: every criterion for every k, each criterion's vote, and the recommendation.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per k: ``k, silhouette, calinski_harabasz, davies_bouldin, inertia, bic``.
    recommended_k : int
        The k with the most votes (ties: the one silhouette prefers, then the smallest).
    votes : dict[str, int]
        Criterion key (:data:`CRITERIA`) -> the k it picks.
    sentence : str
        One plain sentence saying which k is recommended and why, honest about disagreement.
    agree : bool
        Whether every criterion picks the same k.
    algorithm : str
        The algorithm swept.
    notes : tuple of str
        How the sweep was computed (samples).
    silhouette_distance : {"euclidean", "Gower"}
        The distance the silhouette column was computed on (Gower for the mixed-data algorithms).
    sampled_rows : int or None
        Customers every k was fitted and judged on when the table was sampled; ``None`` when all were used.
    total_rows : int
        Customers in the table swept.
    sample_sentence : str
        One sentence for the page saying the sweep ran on a sample (empty when it did not).
    """

    table: pd.DataFrame
    recommended_k: int
    votes: dict[str, int]
    sentence: str
    agree: bool
    algorithm: str = "kmeans"
    notes: tuple[str, ...] = ()
    silhouette_distance: str = "euclidean"
    sampled_rows: int | None = None
    total_rows: int = 0
    sample_sentence: str = ""


def _silhouette(values: np.ndarray, labels: np.ndarray, rows: np.ndarray, random_state: int) -> float:
    kept = rows[labels[rows] >= 0]
    if len(np.unique(labels[kept])) < 2 or len(kept) < 3:
        return float("nan")
    with config_context(working_memory=64), one_thread():
        return float(silhouette_score(values[kept], labels[kept], random_state=random_state))


def _partition_scores(values: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    kept = labels >= 0
    if kept.all():  # one row-ordered copy (as indexing made) instead of one per score: 1,000,000 x 23 is 184 MB
        values = np.ascontiguousarray(values)
    else:  # noise left out
        values, labels = values[kept], labels[kept]
    if len(np.unique(labels)) < 2:
        return float("nan"), float("nan")
    with one_thread():
        return float(calinski_harabasz_score(values, labels)), float(davies_bouldin_score(values, labels))


def _bic_by_k(values: np.ndarray, ks: list[int], random_state: int) -> list[float]:
    """BIC of full-covariance mixtures on a seeded sample, each component at least 0.1 wide in every direction.

    The floor (``reg_covar=0.1`` on z-scored features) stops components collapsing onto the repeated values
    of count features (visits, cards), which otherwise lets BIC reward ever more segments. The sample keeps
    the sweep within budget (a naive full-covariance sweep on 8,950 x 17 took 13 s).
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.mixture import GaussianMixture

    sample = values[seeded_sample(len(values), BIC_SAMPLE, random_state)]
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for k in ks:
            model = GaussianMixture(
                k, covariance_type="full", reg_covar=0.1, tol=1e-3, init_params="k-means++", random_state=random_state
            ).fit(sample)
            out.append(float(model.bic(sample)))
    return out


def elbow_k(ks: list[int], inertia: list[float]) -> int:
    """Return the k where the fall in inertia slows down most (largest second difference).

    Examples
    --------
    >>> elbow_k([2, 3, 4, 5, 6], [100.0, 40.0, 30.0, 25.0, 22.0])
    3
    """
    y = np.asarray(inertia, dtype=np.float64)
    if len(y) < 3:
        return int(ks[-1] if len(y) == 2 and y[1] < y[0] else ks[0])
    drops = y[:-1] - y[1:]
    return int(ks[1 + int(np.argmax(drops[:-1] - drops[1:]))])


def _hierarchical_labels(values: np.ndarray, ks: list[int], random_state: int) -> dict[int, np.ndarray]:
    """Cut one tree at every k (building it once), placing unsampled customers at the nearest centre."""
    from scipy.cluster.hierarchy import fcluster

    base = fit(values, "hierarchical", {"k": ks[0]}, random_state=random_state)
    tree, rows, metric = base.model["linkage"], base.model["sample_rows"], base.params["metric"]
    out = {}
    for k in ks:
        raw = fcluster(tree, t=k, criterion="maxclust").astype(np.int64) - 1
        if rows is None:
            out[k] = raw
            continue
        labels = nearest(values, member_means(values[rows], raw, int(raw.max()) + 1), metric)[0]
        labels[rows] = raw
        out[k] = labels
    return out


def _votes(table: pd.DataFrame) -> dict[str, int]:
    votes = {}
    for key, (_, column, best) in CRITERIA.items():
        series = table.set_index("k")[column].dropna()
        if series.empty:
            continue
        if best == "max":
            votes[key] = int(series.idxmax())
        elif best == "min":
            votes[key] = int(series.idxmin())
        else:
            votes[key] = elbow_k(list(series.index), list(series.to_numpy()))
    return votes


def _names(keys: Iterable[str]) -> str:
    names = [CRITERIA[k][0] for k in keys]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def recommend(votes: Mapping[str, int]) -> tuple[int, str, bool]:
    """Return the recommended k, the sentence that explains it, and whether every criterion agrees.

    Examples
    --------
    >>> recommend({"silhouette": 3, "calinski_harabasz": 3, "davies_bouldin": 3, "bic": 10})[1]
    '3 of 4 criteria pick k = 3: silhouette, Calinski-Harabasz and Davies-Bouldin; BIC prefers k = 10.'
    """
    counts = Counter(votes.values())
    top = max(counts.values())
    tied = sorted(k for k, c in counts.items() if c == top)
    best = votes.get("silhouette") if votes.get("silhouette") in tied else tied[0]
    backers = [key for key, k in votes.items() if k == best]
    others = [key for key, k in votes.items() if k != best]
    agree = not others
    if agree:
        return best, f"All {len(votes)} criteria pick k = {best}: {_names(backers)}.", True
    rest = "; ".join(
        f"{_names([key for key in others if votes[key] == k])} "
        f"{'prefers' if sum(votes[key] == k for key in others) == 1 else 'prefer'} k = {k}"
        for k in sorted({votes[key] for key in others})
    )
    sentence = f"{len(backers)} of {len(votes)} criteria pick k = {best}: {_names(backers)}; {rest}."
    if len(backers) * 2 <= len(votes):
        sentence += (
            f" The criteria disagree, so k = {best} is only a starting point: compare a few values of k "
            "and check their stability."
        )
    return best, sentence, False


def sweep_k(
    matrix: pd.DataFrame | np.ndarray,
    algorithm: str = "kmeans",
    k_range: Iterable[int] = range(2, 11),
    *,
    random_state: int = 0,
    sample_size: int = 3_000,
    fit_sample: int = SWEEP_SAMPLE,
    fit_sample_above: int = SWEEP_SAMPLE_ABOVE,
) -> SweepResult:
    """Fit the algorithm for every k and let several criteria vote for the best number of segments.

    Parameters
    ----------
    matrix : pandas.DataFrame or numpy.ndarray
        Scaled features, one row per customer (``CleanResult.matrix``).
    algorithm : str
        An algorithm that takes k: ``"kmeans"``, ``"kmedoids"``, ``"gmm"``, ``"hierarchical"``, or for mixed
        data ``"gower-kmedoids"`` or ``"kprototypes"`` (silhouette on Gower distances, elbow on their cost).
    k_range : iterable of int
        The k values to try (each at least 2).
    random_state : int
        Seed of every fit and sample.
    sample_size : int
        Customers used for the silhouette (the same seeded sample for every k).
    fit_sample, fit_sample_above : int
        Above ``fit_sample_above`` customers, every k is fitted and every criterion computed on a seeded
        sample of ``fit_sample`` of them (``SweepResult.sampled_rows`` and ``sample_sentence`` say so);
        smaller tables are swept whole, exactly as before.

    Returns
    -------
    SweepResult

    Raises
    ------
    DataError
        For an algorithm without k, k values below 2, or fewer customers than the largest k.
    """
    spec = get_algorithm(algorithm)
    if not spec.uses_k:
        raise DataError(f"{spec.label} finds the number of segments itself; sweep k with K-Means instead.")
    ks = sorted({int(k) for k in k_range})
    if not ks or ks[0] < 2:
        raise DataError("Sweep k from 2 upwards (one segment is not a segmentation).")
    values, names = as_matrix(matrix)
    if len(values) <= ks[-1]:
        raise DataError(f"There are only {len(values):,} customers: sweep k up to at most {len(values) - 1}.")
    total = len(values)
    sampled = total > fit_sample_above and fit_sample < total
    if sampled:
        values = values[seeded_sample(total, fit_sample, random_state)]
    rows = seeded_sample(len(values), sample_size, random_state)
    with one_thread():
        if spec.mixed:
            table = _mixed_sweep_table(values, names, algorithm, ks, rows, random_state)
        else:
            table = _sweep_table(values, algorithm, ks, rows, random_state)
    votes = _votes(table)
    best, sentence, agree = recommend(votes)
    notes = []
    sample_sentence = (
        f"k was chosen on a seeded sample of {len(values):,} of the {total:,} customers (every k fitted and "
        "judged on that sample, which keeps the sweep fast); the segmentation itself covers everyone."
        if sampled
        else ""
    )
    if sampled:
        notes.append(sample_sentence)
    if len(rows) < len(values):
        notes.append(f"The silhouette was computed on a seeded sample of {len(rows):,} customers.")
    if spec.mixed:
        notes.append(
            "For mixed data the silhouette uses Gower distances and the elbow the algorithm's own total cost; "
            "Calinski-Harabasz, Davies-Bouldin and BIC assume numeric averages, so they do not vote."
        )
    else:
        notes.append(
            f"BIC comes from Gaussian mixtures fitted for each k on a seeded sample of "
            f"{min(len(values), BIC_SAMPLE):,} customers; the elbow is where the fall in inertia slows most."
        )
    distance = "Gower" if spec.mixed else "euclidean"
    return SweepResult(
        table,
        best,
        votes,
        sentence,
        agree,
        algorithm,
        tuple(notes),
        distance,
        sampled_rows=len(values) if sampled else None,
        total_rows=total,
        sample_sentence=sample_sentence,
    )


def _sweep_table(
    values: np.ndarray, algorithm: str, ks: list[int], rows: np.ndarray, random_state: int
) -> pd.DataFrame:
    if algorithm == "hierarchical":
        labelled = _hierarchical_labels(values, ks, random_state)
    else:
        labelled = {k: fit(values, algorithm, {"k": k}, random_state=random_state).labels for k in ks}
    records = []
    for k, labels in labelled.items():
        centres = member_means(values, labels, int(labels.max()) + 1)
        inertia = float(((values - centres[labels]) ** 2).sum())
        ch, db = _partition_scores(values, labels)
        records.append(
            {
                "k": k,
                "silhouette": _silhouette(values, labels, rows, random_state),
                "calinski_harabasz": ch,
                "davies_bouldin": db,
                "inertia": inertia,
            }
        )
    table = pd.DataFrame(records)
    table["bic"] = _bic_by_k(values, ks, random_state)
    return table


def _mixed_sweep_table(
    values: np.ndarray, names: tuple[str, ...], algorithm: str, ks: list[int], rows: np.ndarray, random_state: int
) -> pd.DataFrame:
    """Silhouette on Gower distances (sampled) and each fit's total cost as inertia.

    Gower K-Medoids computes its (CLARA) distance matrices once for every k, the silhouette its sample's too.
    """
    frame = pd.DataFrame(values, columns=list(names))
    gower = mixed_space(values, names)
    draws = clara_draws(gower, values, random_state) if algorithm == "gower-kmedoids" else None
    sampled = sample_distances(gower, values, rows)  # once for every k
    records = []
    for k in ks:
        if draws is not None:
            raw = gower_kmedoids(gower, values, k, random_state, draws)
            labels, centres, space = raw.labels, raw.centres, gower
        else:
            seg = fit(frame, algorithm, {"k": k}, random_state=random_state)
            labels, centres, space = seg.labels, seg.centres, seg.model
        records.append(
            {
                "k": k,
                "silhouette": gower_silhouette(gower, values, labels, rows, sampled),
                "calinski_harabasz": np.nan,
                "davies_bouldin": np.nan,
                "inertia": total_cost(space, values, labels, centres),
                "bic": np.nan,
            }
        )
    return pd.DataFrame(records)


def segmentation_metrics(
    matrix: pd.DataFrame | np.ndarray,
    labels: np.ndarray,
    *,
    sample_size: int = 5_000,
    random_state: int = 0,
    algorithm: str | None = None,
) -> dict[str, float | str]:
    """Return quality metrics of one partition (noise customers left out of the scores).

    Parameters
    ----------
    matrix : pandas.DataFrame or numpy.ndarray
        Scaled features, one row per customer.
    labels : numpy.ndarray
        Segment id per customer (``-1`` noise), aligned with the matrix rows.
    sample_size : int
        Customers used for the silhouette.
    random_state : int
        Seed of that sample.
    algorithm : str, optional
        The algorithm that found the labels: for ``"gower-kmedoids"`` and ``"kprototypes"`` the silhouette is
        computed on Gower distances (categories by match or mismatch), as those algorithms compare customers.

    Returns
    -------
    dict
        ``segments, noise_share, silhouette, calinski_harabasz, davies_bouldin, smallest_share,
        largest_share`` (scores are NaN when fewer than two segments remain) and ``silhouette_distance``
        (``"Gower"`` or ``"euclidean"``), so the silhouette can be labelled.
    """
    values, names = as_matrix(matrix)
    labels = np.asarray(labels, dtype=np.int64)
    if len(labels) != len(values):
        raise DataError("The labels do not match the customers: segment the current data again.")
    rows = seeded_sample(len(values), sample_size, random_state)
    ch, db = _partition_scores(values, labels)
    sizes = np.bincount(labels[labels >= 0]) if (labels >= 0).any() else np.array([0])
    gower = algorithm is not None and get_algorithm(algorithm).mixed
    if gower:
        silhouette = gower_silhouette(mixed_space(values, names), values, labels, rows)
    else:
        silhouette = _silhouette(values, labels, rows, random_state)
    return {
        "segments": int((sizes > 0).sum()),
        "noise_share": float(np.mean(labels < 0)),
        "silhouette": silhouette,
        "calinski_harabasz": ch,
        "davies_bouldin": db,
        "smallest_share": float(sizes[sizes > 0].min() / len(labels)) if sizes.any() else 0.0,
        "largest_share": float(sizes.max() / len(labels)),
        "silhouette_distance": "Gower" if gower else "euclidean",
    }


def silhouette_per_customer(
    matrix: pd.DataFrame | np.ndarray,
    labels: np.ndarray,
    *,
    sample_size: int = 3_000,
    random_state: int = 0,
    algorithm: str | None = None,
) -> pd.DataFrame:
    """Return the silhouette of each customer in a seeded sample (noise left out).

    For ``"gower-kmedoids"`` and ``"kprototypes"`` (``algorithm``) it is computed on Gower distances, as
    :func:`segmentation_metrics` does, so the chart and the headline figure measure what the algorithm did.

    Returns
    -------
    pandas.DataFrame
        Columns ``row`` (position in the matrix), ``segment``, ``silhouette`` (-1..1), sorted by segment
        then silhouette descending; empty when fewer than two segments remain.
    """
    values, names = as_matrix(matrix)
    labels = np.asarray(labels, dtype=np.int64)
    rows = seeded_sample(len(values), sample_size, random_state)
    rows = rows[labels[rows] >= 0]
    frame = pd.DataFrame({"row": rows, "segment": labels[rows], "silhouette": np.nan})
    if frame["segment"].nunique() < 2:
        return frame.iloc[0:0]
    if algorithm is not None and get_algorithm(algorithm).mixed:
        distances = sample_distances(mixed_space(values, names), values, rows)
        frame["silhouette"] = silhouette_samples(distances, labels[rows], metric="precomputed")
    else:
        with config_context(working_memory=64), one_thread():
            frame["silhouette"] = silhouette_samples(values[rows], labels[rows])
    return frame.sort_values(["segment", "silhouette"], ascending=[True, False], ignore_index=True)


def compare(
    matrix: pd.DataFrame | np.ndarray, segmentations: Mapping[str, Segmentation], *, random_state: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Compare segmentations of the same customers side by side.

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        Metrics (one row per name, columns of :func:`segmentation_metrics`) and the adjusted Rand index
        between every pair of partitions (1 = identical grouping, about 0 = unrelated).
    """
    names = list(segmentations)
    metrics = pd.DataFrame(
        [
            segmentation_metrics(
                matrix, segmentations[n].labels, random_state=random_state, algorithm=segmentations[n].algorithm
            )
            for n in names
        ],
        index=pd.Index(names, name="segmentation"),
    )
    ari = pd.DataFrame(
        [[adjusted_rand_score(segmentations[a].labels, segmentations[b].labels) for b in names] for a in names],
        index=pd.Index(names, name="segmentation"),
        columns=pd.Index(names, name="segmentation"),
    )
    return metrics, ari
