"""Benchmark ``python -m core score`` at 1,000,000 customers: the pandas engine against Spark ``local[2]``.

Run by hand (not part of ``make bench`` or the tests; it needs pyspark and Java, see requirements-spark.txt)::

    .venv/bin/python benchmarks/score_scale.py [CUSTOMERS] [--parts N]

It generates CUSTOMERS card holders (``core.samples.generate_customers``, default 1,000,000) as N Parquet files,
fits a model on a seeded sample of 20,000 of them with the default recipe and 4 k-means segments, and scores them
all once per engine, each in a fresh process (the Spark session's start is timed apart). Prints one Markdown
table row per engine: seconds, customers per second, peak memory of the Python driver and of its whole process
tree (with Spark: the JVM and its Python workers, sampled every 0.5 s from /proc), the load average at the end,
and whether both engines agree.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import SimpleNamespace

PROJECT = Path(__file__).resolve().parents[1]
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))

SAMPLE = 20_000


def prepare(folder: Path, customers: int, parts: int) -> tuple[Path, Path]:
    """Write the generated customers as Parquet parts and a model fitted on a sample; return both paths."""
    import numpy as np
    from sklearn.cluster import KMeans

    from core.clean import apply_recipe, default_recipe
    from core.model import model_from_run, model_to_json
    from core.samples import generate_customers
    from core.schema import infer_roles

    frame = generate_customers(customers, random_state=1)
    data = folder / "customers"
    data.mkdir()
    bounds = np.linspace(0, len(frame), parts + 1).astype(int)
    for number, (start, stop) in enumerate(itertools.pairwise(bounds)):
        frame.iloc[start:stop].to_parquet(data / f"part-{number:03d}.parquet", index=False)
    sample = frame.sample(n=min(SAMPLE, len(frame)), random_state=0)
    roles = infer_roles(sample)
    clean = apply_recipe(sample, default_recipe(sample, roles), roles)
    kmeans = KMeans(4, n_init=4, random_state=0).fit(clean.matrix.to_numpy())
    fit = SimpleNamespace(feature_names=clean.features, centres=kmeans.cluster_centers_, algorithm="kmeans", params={})
    model = folder / "model.json"
    model.write_text(model_to_json(model_from_run(clean, fit)))
    return data, model


def _tree_rss_mb(root: int) -> float:
    """Resident memory of ``root`` and all its descendants (the Spark JVM, its Python workers), from /proc."""
    parents, rss = {}, {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry)], rss[int(entry)] = int(fields[1]), int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    tree, grew = {root}, True
    while grew:
        found = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= found
        grew = bool(found)
    return sum(rss.get(pid, 0) for pid in tree) / 2**20


def run_one(engine: str, data: str, model: str, out: str) -> None:
    """Score once in this process and print one JSON line (the Spark session's start is timed apart)."""
    from core.model import model_from_json
    from core.scale import score

    peak, done = [0.0], threading.Event()

    def sample() -> None:
        while not done.wait(0.5):
            peak[0] = max(peak[0], _tree_rss_mb(os.getpid()))

    threading.Thread(target=sample, daemon=True).start()
    extra, session = {}, None
    if engine == "spark":
        from core.scale._spark import start_session

        started = time.perf_counter()
        session = start_session("local[2]")
        extra["session_seconds"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    summary = score(model_from_json(Path(model).read_text()), data, out, engine=engine, spark=session)
    seconds = time.perf_counter() - started
    done.set()
    if session is not None:
        session.stop()
    line = {"engine": engine, "seconds": round(seconds, 1), "rows": summary.input_rows, **extra}
    line |= {"driver_peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}
    line |= {"tree_peak_mb": round(peak[0]), "load": os.getloadavg()}
    print(json.dumps(line))


def main() -> None:
    """Prepare the data, run both engines in fresh processes, print the table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("customers", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--parts", type=int, default=8)
    parser.add_argument("--run", nargs=4, metavar=("ENGINE", "DATA", "MODEL", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        run_one(*args.run)
        return
    with tempfile.TemporaryDirectory(prefix="cardlens-score-bench-") as work:
        folder = Path(work)
        started = time.perf_counter()
        data, model = prepare(folder, args.customers, args.parts)
        print(f"prepared {args.customers:,} customers in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        rows = {}
        for engine in ("pandas", "spark"):
            out = folder / f"out_{engine}"
            done = subprocess.run(
                [sys.executable, __file__, "--run", engine, str(data), str(model), str(out)],
                check=True,
                capture_output=True,
                text=True,
            )
            rows[engine] = json.loads(done.stdout.strip().splitlines()[-1])
        import pandas as pd

        scored = {e: pd.read_parquet(folder / f"out_{e}" / "customers").set_index("CUST_ID") for e in rows}
        spark = scored["spark"].loc[scored["pandas"].index]
        same = bool((spark["segment"] == scored["pandas"]["segment"]).all())
        gap = float((spark["distance"] - scored["pandas"]["distance"]).abs().max())
        print("| engine | customers | seconds | customers / s | Python driver peak MB | process tree peak MB | note |")
        print("|---|---:|---:|---:|---:|---:|---|")
        for engine, row in rows.items():
            note = f"session start {row['session_seconds']} s, not included; " if "session_seconds" in row else ""
            note += "load average " + ", ".join(f"{value:.1f}" for value in row["load"])
            print(
                f"| {engine} | {row['rows']:,} | {row['seconds']} | {row['rows'] / row['seconds']:,.0f} | "
                f"{row['driver_peak_mb']:,} | {row['tree_peak_mb']:,} | {note} |"
            )
        print(f"\nSame segments: {same}; largest distance gap {gap:.1e}")


if __name__ == "__main__":
    main()
