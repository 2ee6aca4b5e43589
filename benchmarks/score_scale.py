"""Benchmark ``python -m core score`` at 1,000,000 customers: the pandas engine against Spark ``local[2]``.

Run by hand (not part of ``make bench`` or the tests; it needs pyspark and Java, see requirements-spark.txt)::

    .venv/bin/python benchmarks/score_scale.py [CUSTOMERS] [--parts N] [--engines pandas,spark]
    .venv/bin/python benchmarks/score_scale.py --transactions N [--parts N] [--derived]

It generates CUSTOMERS card holders (``core.samples.generate_customers``, default 1,000,000) as N Parquet files,
fits a model on a seeded sample of 20,000 of them with the default recipe and 4 k-means segments, and scores them
all once per engine, each in a fresh process (the Spark session's start is timed apart). Prints one Markdown
table row per engine: seconds, customers per second, peak memory of the Python driver and of its whole process
tree (with Spark: the JVM and its Python workers, sampled every 0.5 s from /proc), the load average at the end,
and whether both engines agree.

With ``--transactions N`` it scores card transactions instead: ``core.samples.generate_transactions`` draws 24
months of per-customer histories (about 34 rows a customer) for ``N / 34`` generated customers, written as N
Parquet parts beside those customers; the customer model is fitted as above and ``score(..., transactions=...)``
segments the customers and scores every transaction for fraud, once per engine. ``--derived`` adds one pandas run
of a model segmented on customer features derived from the transactions (``run_segment_pipeline`` on the
transactions of a seeded sample of 2,000 customers, 4 segments), scored from the transactions alone.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
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
ROWS_PER_CUSTOMER = 34  # generate_transactions' rows per customer over 24 months, measured
DERIVED_SAMPLE = 2_000  # customers whose transactions fit the derived model


def _write_parts(frame, folder: Path, parts: int) -> Path:
    """Write ``frame`` as ``parts`` Parquet files in row order into a new ``folder``; return it."""
    import numpy as np

    folder.mkdir()
    bounds = np.linspace(0, len(frame), parts + 1).astype(int)
    for number, (start, stop) in enumerate(itertools.pairwise(bounds)):
        frame.iloc[start:stop].to_parquet(folder / f"part-{number:03d}.parquet", index=False)
    return folder


def prepare(folder: Path, customers: int, parts: int, frame=None) -> tuple[Path, Path]:
    """Write the generated customers as Parquet parts and a model fitted on a sample; return both paths."""
    from sklearn.cluster import KMeans

    from core.clean import apply_recipe, default_recipe
    from core.model import model_from_run, model_to_json
    from core.samples import generate_customers
    from core.schema import infer_roles

    if frame is None:
        frame = generate_customers(customers, random_state=1)
    data = _write_parts(frame, folder / "customers", parts)
    sample = frame.sample(n=min(SAMPLE, len(frame)), random_state=0)
    roles = infer_roles(sample)
    clean = apply_recipe(sample, default_recipe(sample, roles), roles)
    kmeans = KMeans(4, n_init=4, random_state=0).fit(clean.matrix.to_numpy())
    fit = SimpleNamespace(feature_names=clean.features, centres=kmeans.cluster_centers_, algorithm="kmeans", params={})
    model = folder / "model.json"
    model.write_text(model_to_json(model_from_run(clean, fit)))
    return data, model


def prepare_transactions(folder: Path, rows: int, parts: int, derived: bool) -> dict[str, Path]:
    """Write generated customers and about ``rows`` of their transactions, the customer model and, if asked,
    a model segmented on features derived from the transactions; return their paths."""
    from core.model import model_from_run, model_to_json
    from core.pipeline import run_segment_pipeline
    from core.samples import generate_customers, generate_transactions

    holders = max(1, round(rows / ROWS_PER_CUSTOMER))
    everyone = generate_customers(max(8950, holders), random_state=1)
    # The generator's masked card numbers keep only 4 digits, so beyond ~10,000 customers they collide; in the
    # first rows they then repeat more than the customer ids and score's role inference takes them as the key.
    history = generate_transactions(everyone, n_customers=holders, random_state=1).drop(columns=["card_number"])
    frame = everyone[everyone["CUST_ID"].isin(set(history["customer_id"]))].reset_index(drop=True)
    data, model = prepare(folder, len(frame), parts, frame)
    paths = {"customers": data, "model": model, "transactions": _write_parts(history, folder / "tx", parts)}
    if derived:
        chosen = frame["CUST_ID"].sample(n=min(DERIVED_SAMPLE, len(frame)), random_state=0)
        fit = history[history["customer_id"].isin(set(chosen))].reset_index(drop=True)
        result = run_segment_pipeline(None, fit, k=4, act=False, source="transactions")
        paths["derived_model"] = folder / "derived_model.json"
        paths["derived_model"].write_text(model_to_json(model_from_run(result.clean, result.segmentation)))
    return paths


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


def _own_peak_mb() -> float:
    """This process's peak resident memory since it started (``VmHWM``).

    Not ``ru_maxrss``: Linux keeps that across ``execve``, so a process started from a parent holding the
    generated customers (5.6 GB at 10M) reports the parent's size.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run_one(engine: str, data: str, model: str, out: str, transactions: str | None = None) -> None:
    """Score once in this process and print one JSON line (the Spark session's start is timed apart).

    ``data`` "-" means no customer file (a model made from transactions alone)."""
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
    customers = None if data == "-" else data
    summary = score(
        model_from_json(Path(model).read_text()),
        customers,
        out,
        transactions=transactions,
        engine=engine,
        spark=session,
    )
    seconds = time.perf_counter() - started
    done.set()
    if session is not None:
        session.stop()
    line = {"engine": engine, "seconds": round(seconds, 1), "rows": summary.input_rows, **extra}
    line |= {"transactions": summary.transactions_in, "alerts": summary.alerts}
    line |= {"driver_peak_mb": round(_own_peak_mb())}
    line |= {"tree_peak_mb": round(peak[0]), "load": os.getloadavg()}
    print(json.dumps(line))


def main() -> None:
    """Prepare the data, run both engines in fresh processes, print the table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("customers", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--parts", type=int, default=8)
    parser.add_argument("--transactions", type=int, help="score about this many generated transactions instead")
    parser.add_argument("--derived", action="store_true", help="with --transactions: also a derived model (pandas)")
    parser.add_argument(
        "--engines", default="pandas,spark", help="comma-separated, e.g. 'spark' alone at 10M (pandas needs ~13 GB)"
    )
    parser.add_argument("--run", nargs="+", help=argparse.SUPPRESS)  # ENGINE DATA MODEL OUT [TRANSACTIONS]
    args = parser.parse_args()
    if args.run:
        run_one(*args.run)
        return
    if args.transactions:
        main_transactions(args.transactions, args.parts, args.derived, tuple(args.engines.split(",")))
        return
    with tempfile.TemporaryDirectory(prefix="cardlens-score-bench-") as work:
        folder = Path(work)
        started = time.perf_counter()
        data, model = prepare(folder, args.customers, args.parts)
        print(f"prepared {args.customers:,} customers in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        rows = {}
        for engine in args.engines.split(","):
            out = folder / f"out_{engine}"
            done = subprocess.run(
                [sys.executable, __file__, "--run", engine, str(data), str(model), str(out)],
                check=True,
                capture_output=True,
                text=True,
            )
            rows[engine] = json.loads(done.stdout.strip().splitlines()[-1])
        import pandas as pd

        same = gap = None
        if len(rows) == 2:
            scored = {e: pd.read_parquet(folder / f"out_{e}" / "customers").set_index("CUST_ID") for e in rows}
            spark = scored["spark"].loc[scored["pandas"].index]
            same = bool((spark["segment"] == scored["pandas"]["segment"]).all())
            gap = float((spark["distance"] - scored["pandas"]["distance"]).abs().max())
        print("| engine | customers | seconds | customers / s | Python driver peak MB | process tree peak MB | note |")
        print("|---|---:|---:|---:|---:|---:|---|")
        for engine, row in rows.items():
            note = _run_note(row)
            print(
                f"| {engine} | {row['rows']:,} | {row['seconds']} | {row['rows'] / row['seconds']:,.0f} | "
                f"{row['driver_peak_mb']:,} | {row['tree_peak_mb']:,} | {note} |"
            )
        if same is not None:
            print(f"\nSame segments: {same}; largest distance gap {gap:.1e}")


def _run_note(row: dict) -> str:
    """The table's note column: the Spark session start (not included in the time) and the load average."""
    note = f"session start {row['session_seconds']} s, not included; " if "session_seconds" in row else ""
    return note + "load average " + ", ".join(f"{value:.1f}" for value in row["load"])


def _spawn(*arguments: object) -> dict:
    """Run one engine in a fresh process and return its JSON line (also echoed to stderr as it arrives)."""
    done = subprocess.run(
        [sys.executable, __file__, "--run", *map(str, arguments)], check=True, capture_output=True, text=True
    )
    print(done.stdout.strip().splitlines()[-1], file=sys.stderr, flush=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main_transactions(rows: int, parts: int, derived: bool, engines: tuple[str, ...] = ("pandas", "spark")) -> None:
    """Prepare customers and transactions, score them on each engine (and a derived model), print the table; with
    both engines, say whether they agree."""
    import pandas as pd

    with tempfile.TemporaryDirectory(prefix="cardlens-score-bench-") as work:
        folder = Path(work)
        started = time.perf_counter()
        paths = prepare_transactions(folder, rows, parts, derived)
        print(f"prepared transactions in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
        runs = {}
        for engine in engines:
            out = folder / f"out_{engine}"
            runs[engine] = _spawn(engine, paths["customers"], paths["model"], out, paths["transactions"])
        if derived:
            out = folder / "out_derived"
            runs["pandas, derived model"] = _spawn("pandas", "-", paths["derived_model"], out, paths["transactions"])
        print(
            "| engine | transactions | customers | seconds | transactions / s | Python driver peak MB "
            "| process tree peak MB | note |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---|")
        for name, row in runs.items():
            note = _run_note(row)
            print(
                f"| {name} | {row['transactions']:,} | {row['rows']:,} | {row['seconds']} | "
                f"{row['transactions'] / row['seconds']:,.0f} | {row['driver_peak_mb']:,} | {row['tree_peak_mb']:,} "
                f"| {note} |"
            )
        if set(engines) != {"pandas", "spark"}:
            return
        columns = ["row", "score", "rank", "flagged"]
        tx = {e: pd.read_parquet(folder / f"out_{e}" / "transactions", columns=columns) for e in ("pandas", "spark")}
        tx = {e: frame.sort_values("row").reset_index(drop=True) for e, frame in tx.items()}
        segments = {e: pd.read_parquet(folder / f"out_{e}" / "customers").set_index("CUST_ID") for e in tx}
        same_tx = len(tx["pandas"]) == len(tx["spark"]) and bool(
            (tx["pandas"][["row", "rank", "flagged"]] == tx["spark"][["row", "rank", "flagged"]]).all().all()
        )
        gap = float((tx["pandas"]["score"] - tx["spark"]["score"]).abs().max())
        spark = segments["spark"].loc[segments["pandas"].index]
        same = bool((spark["segment"] == segments["pandas"]["segment"]).all())
        print(f"\nSame segments: {same}; same transaction ranks and alerts: {same_tx}; largest score gap {gap:.1e}")


if __name__ == "__main__":
    main()
