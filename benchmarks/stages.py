"""One benchmark measurement, run in a fresh process: ``python benchmarks/stages.py STAGE DATASET REPEATS``.

Prints one JSON line: the wall time of each repeat of the stage (its inputs are prepared first and not
timed) and the peak resident memory of the whole process (imports and inputs included). `run.py` calls this
once per (stage, dataset) so that no measurement inherits another's caches or memory.
"""

from __future__ import annotations

import io
import json
import resource
import sys
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))
WORK = PROJECT / "benchmarks" / "_work"
SHARED = PROJECT.parent / "shared" / "datasets"

CUSTOMER_DATASETS = ("cc_general", "gen_8950", "gen_100k", "gen_1m")
TRANSACTION_DATASETS = ("sparkov_15k", "gen_tx_1m")
_SIZES = {"gen_8950": 8_950, "gen_100k": 100_000, "gen_1m": 1_000_000}


def customer_csv(dataset: str) -> Path:
    """The CSV file of a customer dataset, generated once into benchmarks/_work by our seeded generator."""
    if dataset == "cc_general":
        return SHARED / "cc_general.csv"
    path = WORK / f"{dataset}.csv"
    if not path.exists():
        from core.samples import generate_customers

        WORK.mkdir(parents=True, exist_ok=True)
        generate_customers(_SIZES[dataset], random_state=0).to_csv(path, index=False)
    return path


def transaction_csv(dataset: str) -> Path:
    """The CSV file of a transaction dataset (the real 15k sample, or about 1,000,000 generated rows)."""
    if dataset == "sparkov_15k":
        return SHARED / "cc_transactions_sparkov_sample_15k.csv"
    path = WORK / f"{dataset}.csv"
    if not path.exists():
        from core.samples import generate_customers, generate_transactions

        WORK.mkdir(parents=True, exist_ok=True)
        customers = generate_customers(40_000, random_state=0)
        generate_transactions(customers, n_customers=30_000, months=24, random_state=0).to_csv(path, index=False)
    return path


@cache
def loaded(dataset: str):
    from core.io import read_path

    return read_path(customer_csv(dataset))


@cache
def cleaned(dataset: str):
    from core.clean import apply_recipe, default_recipe
    from core.schema import infer_roles

    frame = loaded(dataset).frame
    roles = infer_roles(frame)
    return apply_recipe(frame, default_recipe(frame, roles), roles)


@cache
def segmented(dataset: str, k: int = 4):
    from core.cluster import fit

    return fit(cleaned(dataset).matrix, "kmeans", {"k": k})


@cache
def canonical(dataset: str) -> pd.DataFrame:
    from core.io import read_path
    from core.transactions import infer_transaction_columns, standardize_transactions

    frame = read_path(transaction_csv(dataset)).frame
    return standardize_transactions(frame, infer_transaction_columns(frame))[0]


def _profiles(dataset: str):
    from core.profiles import profile_segments

    clean = cleaned(dataset)
    return profile_segments(clean.table, segmented(dataset).labels, list(clean.features))


def _workbook(dataset: str) -> bytes:
    from core.report import WorkbookInputs, assemble_workbook

    clean, segmentation = cleaned(dataset), segmented(dataset)
    inputs = WorkbookInputs(
        dataset_name=dataset,
        table=clean.table,
        id_column=clean.id_column,
        labels=segmentation.labels,
        profiles=_profiles(dataset),
        segmentation=segmentation,
    )
    return assemble_workbook(inputs)


def full_pipeline(path: Path) -> bytes:
    """Load -> infer roles -> default recipe -> K-Means (k=4) -> profiles -> workbook: what a user runs."""
    from core.clean import apply_recipe, default_recipe
    from core.cluster import fit
    from core.io import load_table
    from core.profiles import profile_segments
    from core.report import WorkbookInputs, assemble_workbook
    from core.schema import infer_roles

    frame = load_table(path.read_bytes(), path.name).frame
    roles = infer_roles(frame)
    clean = apply_recipe(frame, default_recipe(frame, roles), roles)
    segmentation = fit(clean.matrix, "kmeans", {"k": 4})
    profiles = profile_segments(clean.table, segmentation.labels, list(clean.features))
    inputs = WorkbookInputs(
        dataset_name=path.name,
        table=clean.table,
        id_column=clean.id_column,
        labels=segmentation.labels,
        profiles=profiles,
        segmentation=segmentation,
    )
    return assemble_workbook(inputs)


def baseline(path: Path) -> np.ndarray:
    """What the seed notebooks do: read the CSV, fill gaps, z-score the numeric columns, fit K-Means."""
    from sklearn.cluster import KMeans
    from sklearn.preprocessing import StandardScaler

    frame = pd.read_csv(path)
    numeric = frame.select_dtypes("number")
    numeric = numeric.fillna(numeric.median())
    scaled = StandardScaler().fit_transform(numeric)
    return KMeans(n_clusters=4, n_init=10, random_state=0).fit_predict(scaled)


def _fit(algorithm: str, params: dict | None = None) -> Callable[[str], object]:
    def run(dataset: str):
        from core.cluster import fit

        return fit(cleaned(dataset).matrix, algorithm, params or {})

    return run


def _prepare_fit(dataset: str) -> None:
    cleaned(dataset)


def _sweep(dataset: str):
    from core.evaluate import sweep_k

    return sweep_k(cleaned(dataset).matrix)


def _stability(dataset: str):
    from core.evaluate import stability

    return stability(cleaned(dataset).matrix, segmented(dataset))


def _pca(dataset: str):
    from core.embed import pca

    return pca(cleaned(dataset).matrix, n_components=2)


def _tsne(dataset: str):
    from core.embed import tsne

    return tsne(cleaned(dataset).matrix)


def _recommend(dataset: str):
    from core.recommend import top_offers_table

    clean, segmentation = cleaned(dataset), segmented(dataset)
    names = {i: f"Segment {i}" for i in range(segmentation.n_segments)}
    return top_offers_table(clean.table, segmentation.labels, id_column=clean.id_column, names=names)


def _fraud_customers(dataset: str):
    from core.fraud import score_customers

    clean, segmentation = cleaned(dataset), segmented(dataset)
    return score_customers(clean.table, clean.matrix, segmentation.labels, segmentation.centres)


def _fraud_transactions(dataset: str):
    from core.fraud import score_transactions

    return score_transactions(canonical(dataset))


def _customer_features(dataset: str):
    from core.features import customer_features

    return customer_features(canonical(dataset))


def _trends(dataset: str):
    from core.trends import trends_sheet

    tx = canonical(dataset)
    customers = pd.Series(tx["customer_id"].unique())
    segment_by_customer = pd.Series(
        [f"Segment {i % 5}" for i in range(len(customers))], index=customers.to_numpy(), name="segment"
    )
    return trends_sheet(tx, segment_by_customer)


def _load(dataset: str):
    from core.io import load_table

    path = customer_csv(dataset)
    return load_table(path.read_bytes(), path.name)


def _load_tx(dataset: str):
    from core.io import load_table

    path = transaction_csv(dataset)
    return load_table(path.read_bytes(), path.name)


def _infer(dataset: str):
    from core.schema import infer_roles

    return infer_roles(loaded(dataset).frame)


def _clean(dataset: str):
    from core.clean import apply_recipe, default_recipe
    from core.schema import infer_roles

    frame = loaded(dataset).frame
    roles = infer_roles(frame)
    return apply_recipe(frame, default_recipe(frame, roles), roles)


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
    "k_sweep": (_prepare_fit, _sweep),
    "stability": (segmented, _stability),
    "pca": (_prepare_fit, _pca),
    "tsne": (_prepare_fit, _tsne),
    "profiles": (segmented, _profiles),
    "workbook": (_profiles, _workbook),
    "recommendations": (segmented, _recommend),
    "fraud_customers": (segmented, _fraud_customers),
    "pipeline": (customer_csv, lambda dataset: full_pipeline(customer_csv(dataset))),
    "baseline": (customer_csv, lambda dataset: baseline(customer_csv(dataset))),
    "load_transactions": (transaction_csv, _load_tx),
    "customer_features": (canonical, _customer_features),
    "fraud_transactions": (canonical, _fraud_transactions),
    "trends": (canonical, _trends),
}


def measure(stage: str, dataset: str, repeats: int) -> dict:
    """Prepare the stage's inputs, then time ``repeats`` calls; return times and peak memory."""
    prepare, run = STAGES[stage]
    prepare(dataset)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run(dataset)
        times.append(time.perf_counter() - start)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"stage": stage, "dataset": dataset, "times": times, "peak_mb": peak_mb}


def main(argv: list[str]) -> int:
    stage, dataset, repeats = argv[0], argv[1], int(argv[2])
    out = io.StringIO()
    json.dump(measure(stage, dataset, repeats), out)
    print(out.getvalue())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
