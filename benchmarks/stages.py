"""One benchmark measurement, run in a fresh process: ``python benchmarks/stages.py STAGE DATASET REPEATS``.

Prints one JSON line: the wall time of each repeat of the stage (its inputs are prepared and the modules it
calls are imported first, none of it timed; on the small datasets one untimed warm-up call runs too) and the
peak resident memory of the process (imports and inputs included). `run.py` calls this once per
(stage, dataset) so that no measurement inherits another's caches or memory.

Every stage calls the steps of ``core.pipeline`` (the pages, ``python -m core`` and the README call the same ones),
or, where it times one piece the pipeline has no step for (assign, metrics, PCA, t-SNE), that piece's ``core``
function on the pipeline's own intermediate results. The functions :func:`full_pipeline` and :func:`baseline`
are also imported by ``tests/test_speed_ratio.py``.
"""

from __future__ import annotations

import importlib
import json
import os
import resource
import sys
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

PROJECT = Path(__file__).resolve().parents[1]
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))
WORK = PROJECT / "benchmarks" / "_work"
SHARED = PROJECT.parent / "shared" / "datasets"

CUSTOMER_DATASETS = ("cc_general", "gen_8950", "gen_100k", "gen_1m", "gen_max")
TRANSACTION_DATASETS = ("sparkov_15k", "gen_tx_1m")
BIG_DATASETS = ("gen_100k", "gen_1m", "gen_max", "gen_tx_1m")
# Several seconds per call even on small data: no warm-up call (first-call costs are noise next to them).
SLOW_STAGES = ("k_sweep", "cluster_page", "stability", "tsne", "gmm", "kmedoids", "hdbscan", "hierarchical")
# gen_max: the most customers whose CSV fit under the former 200 MB upload limit (it was lowered to 120 MB from this);
# 1,000,000 generated customers write 112.6 MB, so 1,750,000 write about 197 MB.
_SIZES = {"gen_8950": 8_950, "gen_100k": 100_000, "gen_1m": 1_000_000, "gen_max": 1_750_000}


def _write_atomically(frame: pd.DataFrame, path: Path) -> None:
    """Write a CSV under a temporary name and rename it, so concurrent benchmark runs never read half a file."""
    WORK.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.part")
    frame.to_csv(partial, index=False)
    partial.replace(path)


def customer_csv(dataset: str) -> Path:
    """The CSV file of a customer dataset, generated once into benchmarks/_work by our seeded generator."""
    if dataset == "cc_general":
        return SHARED / "cc_general.csv"
    path = WORK / f"{dataset}.csv"
    if not path.exists():
        from core.samples import generate_customers

        _write_atomically(generate_customers(_SIZES[dataset], random_state=0), path)
    return path


def transaction_csv(dataset: str) -> Path:
    """The CSV file of a transaction dataset (the real 15k sample, or about 1,000,000 generated rows)."""
    if dataset == "sparkov_15k":
        return SHARED / "cc_transactions_sparkov_sample_15k.csv"
    path = WORK / f"{dataset}.csv"
    if not path.exists():
        from core.samples import generate_customers, generate_transactions

        customers = generate_customers(40_000, random_state=0)
        _write_atomically(generate_transactions(customers, n_customers=30_000, months=24, random_state=0), path)
    return path


@cache
def loaded(dataset: str):
    from core.io import read_path

    return read_path(customer_csv(dataset))


def _clean(dataset: str):
    from core import pipeline

    frame, roles, _ = pipeline.customer_table(loaded(dataset).frame)
    return pipeline.prepare(frame, roles)


@cache
def cleaned(dataset: str):
    return _clean(dataset)[1]


@cache
def segmented(dataset: str, k: int = 4):
    from core import pipeline

    return pipeline.segment(cleaned(dataset).matrix, "kmeans", {"k": k})


@cache
def canonical(dataset: str) -> pd.DataFrame:
    from core import pipeline

    return pipeline.canonical_transactions(_tx_frame(dataset))


def _layout(dataset: str) -> str:
    from core.schema import detect_layout

    return detect_layout(loaded(dataset).frame)


def _profiles(dataset: str):
    from core.profiles import profile_segments

    # pipeline.profile_and_name profiles and names in one step; this stage times the profiles alone.
    clean = cleaned(dataset)
    return profile_segments(clean.table, segmented(dataset).labels, list(clean.features))


@cache
def _profiled(dataset: str):
    return _profiles(dataset)


def _naming(dataset: str):
    from core.naming import name_segments

    return name_segments(_profiled(dataset), _layout(dataset))


@cache
def _named(dataset: str):
    from core import pipeline

    return pipeline.profile_and_name(cleaned(dataset), segmented(dataset), _layout(dataset))


def _prepare_workbook(dataset: str) -> None:
    _named(dataset)


def _workbook(dataset: str):
    from core import pipeline
    from core.workbook import assemble_export

    profiles, names, descriptions = _named(dataset)
    inputs = pipeline.workbook_inputs(
        dataset_name=dataset,
        clean=cleaned(dataset),
        segmentation=segmented(dataset),
        profiles=profiles,
        names=names,
        descriptions=descriptions,
        layout=_layout(dataset),
        acted=None,
    )
    return assemble_export(inputs)


def full_pipeline(path: Path) -> bytes:
    """Load -> infer roles -> default recipe -> K-Means (k=4) -> profiles -> names -> workbook: what a user runs.

    The workbook is the app's download (``core.workbook.assemble_export``: an ``.xlsx``, or a zip with the
    customers as CSV beyond Excel's rows), built from the same parts the app and ``python -m core`` pass.
    """
    from core import pipeline
    from core.io import load_table
    from core.schema import detect_layout
    from core.workbook import assemble_export

    frame = load_table(path.read_bytes(), path.name).frame
    table, roles, _ = pipeline.customer_table(frame)
    recipe, clean = pipeline.prepare(table, roles)
    segmentation = pipeline.segment(clean.matrix, "kmeans", {"k": 4})
    profiles, names, descriptions = pipeline.profile_and_name(clean, segmentation, detect_layout(frame))
    inputs = pipeline.workbook_inputs(
        dataset_name=path.name,
        clean=clean,
        segmentation=segmentation,
        profiles=profiles,
        names=names,
        descriptions=descriptions,
        layout=detect_layout(frame),
        acted=None,
        recipe=recipe,
    )
    return assemble_export(inputs).data


def baseline(path: Path) -> np.ndarray:
    """What the seed notebooks do: read the CSV, fill gaps, z-score the numeric columns, fit K-Means."""
    from sklearn.cluster import KMeans
    from sklearn.preprocessing import StandardScaler

    frame = pd.read_csv(path)
    numeric = frame.select_dtypes("number")
    numeric = numeric.fillna(numeric.median())
    scaled = StandardScaler().fit_transform(numeric)
    return KMeans(n_clusters=4, n_init=10, random_state=0).fit_predict(scaled)


def one_thread(call: Callable[[Path], object]) -> Callable[[str], object]:
    """Run a pipeline-level call with BLAS/OpenMP on one thread (as tests/test_speed_ratio.py times it).

    The two-thread K-Means of the bare baseline spins at every barrier when the other core is busy: on CC
    GENERAL it took 2.5-12 s on this shared machine against 0.13-0.6 s on one thread.
    """

    def run(dataset: str) -> object:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1):
            return call(customer_csv(dataset))

    return run


def _fit(algorithm: str, params: dict | None = None) -> Callable[[str], object]:
    def run(dataset: str):
        from core import pipeline

        return pipeline.segment(cleaned(dataset).matrix, algorithm, params)

    return run


def _prepare_fit(dataset: str) -> None:
    cleaned(dataset)


def _sweep(dataset: str):
    from core import pipeline

    return pipeline.recommend_k(cleaned(dataset).matrix)


def _cluster_page(dataset: str):
    """The Cluster page's first visit, its calls in its order: k sweep, K-Means at the recommended k, diagnostics,
    2-D PCA and the figures drawn from them (the browser's drawing and Streamlit's caching left out)."""
    from core import cluster, pipeline
    from core.charts import cluster as charts

    matrix = cleaned(dataset).matrix
    sweep = pipeline.recommend_k(matrix, "kmeans", k_max=pipeline.K_MAX)
    segmentation = cluster.fit(matrix, "kmeans", cluster.resolve_params("kmeans", {"k": sweep.recommended_k}))
    names = {int(s): f"Segment {s}" for s in np.unique(segmentation.labels)}
    _, silhouettes = pipeline.diagnose(matrix, segmentation.labels, algorithm=segmentation.algorithm)
    coords, explained = cluster.pca(matrix, 2)
    return (
        charts.criteria_chart(sweep.table, sweep.recommended_k, sweep.votes),
        charts.sizes_chart(segmentation.labels, names),
        charts.silhouette_chart(silhouettes, names),
        charts.projection_chart(coords, segmentation.labels, names, explained=explained, title="PCA"),
    )


def _stability(dataset: str):
    from core import pipeline

    # pipeline.STABILITY_RUNS refits (10), as the app and the command line run it.
    return pipeline.check_stability(cleaned(dataset).matrix, segmented(dataset))


def _metrics(dataset: str):
    from core.cluster import segmentation_metrics

    return segmentation_metrics(cleaned(dataset).matrix, segmented(dataset).labels)


def _assign(dataset: str):
    from core.cluster import assign

    return assign(segmented(dataset), cleaned(dataset).matrix)


def _pca(dataset: str):
    from core.cluster import pca

    return pca(cleaned(dataset).matrix, n_components=2)


def _tsne(dataset: str):
    from core.cluster import tsne

    return tsne(cleaned(dataset).matrix)


def _recommend(dataset: str):
    from core import pipeline

    return pipeline.offers_table(cleaned(dataset), segmented(dataset), None)


def _fraud_customers(dataset: str):
    from core import pipeline

    return pipeline.customer_alerts(cleaned(dataset), segmented(dataset), None)


def _fraud_transactions(dataset: str):
    from core import pipeline

    return pipeline.transaction_alerts(canonical(dataset))


def _customer_features(dataset: str):
    from core import pipeline

    return pipeline.customer_table(None, canonical(dataset), "transactions")


@cache
def _tx_segmented(dataset: str):
    """Customers derived from the transactions, cleaned and cut into five K-Means segments (untimed)."""
    from core import pipeline

    frame, roles, _ = pipeline.customer_table(None, canonical(dataset), "transactions")
    clean = pipeline.prepare(frame, roles)[1]
    return clean, pipeline.segment(clean.matrix, "kmeans", {"k": 5})


def _prepare_trends(dataset: str) -> None:
    _tx_segmented(dataset)


def _trends(dataset: str):
    from core import pipeline

    return pipeline.trends_table(canonical(dataset), *_tx_segmented(dataset), None)


def _load(dataset: str):
    from core.io import load_table

    path = customer_csv(dataset)
    return load_table(path.read_bytes(), path.name)


def _load_tx(dataset: str):
    from core.io import load_table

    path = transaction_csv(dataset)
    return load_table(path.read_bytes(), path.name)


def _standardize(dataset: str):
    from core import pipeline

    return pipeline.canonical_transactions(_tx_frame(dataset))


@cache
def _tx_frame(dataset: str) -> pd.DataFrame:
    from core.io import read_path

    return read_path(transaction_csv(dataset)).frame


def _infer(dataset: str):
    from core import pipeline

    return pipeline.customer_table(loaded(dataset).frame)


def _prepare_pipeline(dataset: str) -> None:
    customer_csv(dataset)


# stage -> (prepare inputs, untimed; the timed call)
STAGES: dict[str, tuple[Callable[[str], object], Callable[[str], object]]] = {
    "load": (customer_csv, _load),
    "infer_roles": (loaded, _infer),
    "clean": (loaded, _clean),
    "kmeans": (_prepare_fit, _fit("kmeans", {"k": 4})),
    "kmedoids": (_prepare_fit, _fit("kmedoids", {"k": 4})),
    "gmm": (_prepare_fit, _fit("gmm", {"k": 4})),
    "hierarchical": (_prepare_fit, _fit("hierarchical", {"k": 4})),
    "dbscan": (_prepare_fit, _fit("dbscan")),
    "hdbscan": (_prepare_fit, _fit("hdbscan")),
    "assign": (segmented, _assign),
    "metrics": (segmented, _metrics),
    "k_sweep": (_prepare_fit, _sweep),
    "stability": (segmented, _stability),
    "cluster_page": (_prepare_fit, _cluster_page),
    "pca": (_prepare_fit, _pca),
    "tsne": (_prepare_fit, _tsne),
    "profiles": (segmented, _profiles),
    "naming": (_profiled, _naming),
    "workbook": (_prepare_workbook, _workbook),
    "recommendations": (segmented, _recommend),
    "fraud_customers": (segmented, _fraud_customers),
    "pipeline": (_prepare_pipeline, lambda dataset: full_pipeline(customer_csv(dataset))),
    "baseline": (_prepare_pipeline, lambda dataset: baseline(customer_csv(dataset))),
    "pipeline_1thread": (_prepare_pipeline, one_thread(full_pipeline)),
    "baseline_1thread": (_prepare_pipeline, one_thread(baseline)),
    "load_transactions": (transaction_csv, _load_tx),
    "standardize_transactions": (_tx_frame, _standardize),
    "customer_features": (canonical, _customer_features),
    "fraud_transactions": (canonical, _fraud_transactions),
    "trends": (_prepare_trends, _trends),
}

# Modules each stage calls, imported before timing so that no repeat pays for imports (the baseline's too).
_COMMON = ("core.io", "core.schema", "core.clean", "core.pipeline")
IMPORTS: dict[str, tuple[str, ...]] = {
    "kmeans": ("core.cluster",),
    "kmedoids": ("core.cluster", "kmedoids"),
    "gmm": ("core.cluster", "sklearn.mixture"),
    "hierarchical": ("core.cluster", "scipy.cluster.hierarchy"),
    "dbscan": ("core.cluster", "sklearn.cluster"),
    "hdbscan": ("core.cluster", "sklearn.cluster"),
    "assign": ("core.cluster",),
    "metrics": ("core.cluster._evaluate", "sklearn.metrics"),
    "k_sweep": ("core.cluster._evaluate", "sklearn.mixture", "kmedoids"),
    "stability": ("core.cluster._evaluate",),
    "cluster_page": ("core.cluster._evaluate", "core.charts.cluster", "sklearn.mixture", "sklearn.decomposition"),
    "pca": ("core.cluster._embed", "sklearn.decomposition"),
    "tsne": ("core.cluster._embed", "sklearn.manifold"),
    "profiles": ("core.profiles",),
    "naming": ("core.naming",),
    "workbook": ("core.workbook._sheets", "core.workbook._writer", "openpyxl"),
    "recommendations": ("core.recommend",),
    "fraud_customers": ("core.fraud",),
    "pipeline": ("core.cluster", "core.profiles", "core.workbook._sheets", "core.workbook._writer", "openpyxl"),
    "baseline": ("sklearn.cluster", "sklearn.preprocessing"),
    "pipeline_1thread": (
        "core.cluster",
        "core.profiles",
        "core.workbook._sheets",
        "core.workbook._writer",
        "openpyxl",
        "sklearn.cluster",
    ),
    "baseline_1thread": ("sklearn.cluster", "sklearn.preprocessing"),
    "load_transactions": ("core.transactions",),
    "standardize_transactions": ("core.transactions",),
    "customer_features": ("core.features", "core.transactions"),
    "fraud_transactions": ("core.fraud", "core.transactions"),
    "trends": ("core.trends", "core.transactions", "statsmodels.tsa.api"),
}


def peak_rss_mb() -> float:
    """Peak resident memory of this process and of its finished children, in MB (Linux reports KiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def measure(stage: str, dataset: str, repeats: int, *, warm_up: bool | None = None) -> dict:
    """Import the stage's modules, prepare its inputs and (small data) warm it up; then time ``repeats`` calls."""
    prepare, run = STAGES[stage]
    for module in (*(() if stage.startswith("baseline") else _COMMON), *IMPORTS.get(stage, ())):
        importlib.import_module(module)
    prepare(dataset)
    if warm_up if warm_up is not None else dataset not in BIG_DATASETS and stage not in SLOW_STAGES:
        run(dataset)
    times, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        run(dataset)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    # CPU seconds (every thread of this process) do not grow when other work shares the machine; wall times do.
    return {"stage": stage, "dataset": dataset, "times": times, "cpu_times": cpu, "peak_mb": peak_rss_mb()}


def main(argv: list[str]) -> int:
    """Measure one (stage, dataset) and print its JSON record (``--help`` lists the stages and datasets)."""
    if len(argv) != 3 or argv[0] not in STAGES:
        print(
            "usage: python benchmarks/stages.py STAGE DATASET REPEATS\n"
            f"stages: {', '.join(STAGES)}\n"
            f"datasets: {', '.join(CUSTOMER_DATASETS + TRANSACTION_DATASETS)}\n"
            "prints one JSON line: wall seconds per repeat (times), CPU seconds per repeat (cpu_times), peak MB",
            file=sys.stderr if argv[:1] not in (["-h"], ["--help"]) else sys.stdout,
        )
        return 0 if argv[:1] in (["-h"], ["--help"]) else 2
    stage, dataset, repeats = argv[0], argv[1], int(argv[2])
    print(json.dumps(measure(stage, dataset, repeats)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
