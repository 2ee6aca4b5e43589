"""Run every benchmark, each in a fresh process, and write benchmarks/RESULTS.md.

Usage: ``make bench`` or ``.venv/bin/python benchmarks/run.py [--quick] [--only STAGE ...]``.
``--quick`` skips the 100,000 and 1,000,000 rows datasets. Each row reports the median wall time of several
runs of the stage (inputs prepared first, untimed) and the peak resident memory of its process.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import statistics
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
SMALL = ("cc_general", "gen_8950")
ALL_SIZES = ("cc_general", "gen_8950", "gen_100k", "gen_1m")


@dataclass(frozen=True)
class Budget:
    """A budget named in an issue: seconds and/or peak MB, or None when the issue names none."""

    seconds: float | None = None
    peak_mb: float | None = None


# (stage, dataset) -> budget, from the issues' budget sections.
BUDGETS: dict[tuple[str, str], Budget] = {
    ("load", "cc_general"): Budget(0.3),
    ("load", "gen_1m"): Budget(10, 2048),
    ("clean", "gen_8950"): Budget(0.3),
    ("clean", "cc_general"): Budget(0.3),
    ("clean", "gen_1m"): Budget(15, 3072),
    ("kmeans", "cc_general"): Budget(0.3),
    ("kmedoids", "cc_general"): Budget(2, 400),
    ("k_sweep", "cc_general"): Budget(5),
    ("profiles", "cc_general"): Budget(0.5),
    ("workbook", "cc_general"): Budget(3),
    ("workbook", "gen_1m"): Budget(60, 3072),
    ("recommendations", "cc_general"): Budget(1),
    ("fraud_customers", "cc_general"): Budget(2),
    ("fraud_transactions", "sparkov_15k"): Budget(3),
    ("fraud_transactions", "gen_tx_1m"): Budget(90),
    ("customer_features", "gen_tx_1m"): Budget(10),
    ("trends", "sparkov_15k"): Budget(3),
    ("pipeline", "cc_general"): Budget(2),
    ("pipeline", "gen_1m"): Budget(120, 4096),
}

# stage -> datasets it runs on; the O(n^2) algorithms sample above a threshold, so they run at 100k too.
PLAN: dict[str, tuple[str, ...]] = {
    "baseline": ALL_SIZES,
    "pipeline": ALL_SIZES,
    "load": ALL_SIZES,
    "infer_roles": ALL_SIZES,
    "clean": ALL_SIZES,
    "kmeans": ALL_SIZES,
    "gmm": ALL_SIZES,
    "kmedoids": ("cc_general", "gen_100k"),
    "hierarchical": ("cc_general", "gen_100k"),
    "dbscan": ("cc_general", "gen_100k"),
    "hdbscan": ("cc_general", "gen_100k"),
    "k_sweep": ("cc_general", "gen_100k"),
    "stability": ("cc_general", "gen_100k"),
    "pca": ALL_SIZES,
    "tsne": ("cc_general",),
    "profiles": ALL_SIZES,
    "workbook": ALL_SIZES,
    "recommendations": ALL_SIZES,
    "fraud_customers": ALL_SIZES,
    "load_transactions": ("sparkov_15k", "gen_tx_1m"),
    "customer_features": ("sparkov_15k", "gen_tx_1m"),
    "fraud_transactions": ("sparkov_15k", "gen_tx_1m"),
    "trends": ("sparkov_15k",),
}


def run_one(stage: str, dataset: str, repeats: int) -> dict:
    """Measure one (stage, dataset) in a fresh interpreter; return its JSON record or the error."""
    cmd = [sys.executable, str(HERE / "stages.py"), stage, dataset, str(repeats)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, check=False)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["failed"])[-1]
        return {"stage": stage, "dataset": dataset, "error": last[:200]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def _verdict(record: dict) -> str:
    budget = BUDGETS.get((record["stage"], record["dataset"]))
    if budget is None or "error" in record:
        return ""
    median = statistics.median(record["times"])
    ok = (budget.seconds is None or median <= budget.seconds) and (
        budget.peak_mb is None or record["peak_mb"] <= budget.peak_mb
    )
    limits = " / ".join(
        part
        for part in (
            f"< {budget.seconds:g} s" if budget.seconds else "",
            f"< {budget.peak_mb:,.0f} MB" if budget.peak_mb else "",
        )
        if part
    )
    return f"{'met' if ok else '**missed**'} ({limits})"


def render(records: list[dict]) -> str:
    """The RESULTS.md text: machine, versions, date, the headline ratio and one table row per measurement."""
    versions = ", ".join(
        f"{name} {metadata.version(name)}"
        for name in ("streamlit", "pandas", "numpy", "scikit-learn", "scipy", "statsmodels", "openpyxl", "kmedoids")
    )
    lines = [
        "# Benchmark results",
        "",
        f"- Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
        f"{_cpu_count()} cores; Python {platform.python_version()}",
        f"- Versions: {versions}",
        "- Each row: median wall time of the stage's repeats (inputs prepared first, untimed) and the peak",
        "  resident memory of its fresh process (imports and inputs included).",
        "",
    ]
    by_key = {(r["stage"], r["dataset"]): r for r in records}
    base, ours = by_key.get(("baseline", "cc_general")), by_key.get(("pipeline", "cc_general"))
    if base and ours and "error" not in base and "error" not in ours:
        ratio = statistics.median(ours["times"]) / statistics.median(base["times"])
        lines += [
            f"**Headline: full pipeline / bare pandas + scikit-learn baseline on CC GENERAL = {ratio:.2f}x** "
            "(goal 1.5x).",
            "",
        ]
    lines += ["| stage | dataset | median s | runs | peak MB | budget |", "|---|---|---:|---:|---:|---|"]
    for record in records:
        if "error" in record:
            lines.append(f"| {record['stage']} | {record['dataset']} | error: {record['error']} | | | |")
            continue
        median = statistics.median(record["times"])
        lines.append(
            f"| {record['stage']} | {record['dataset']} | {median:.3f} | {len(record['times'])} | "
            f"{record['peak_mb']:,.0f} | {_verdict(record)} |"
        )
    return "\n".join(lines) + "\n"


def _cpu_count() -> int:
    import os

    return os.cpu_count() or 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="only the CC GENERAL-sized and 15k datasets")
    parser.add_argument("--only", nargs="*", default=None, help="run only these stages")
    parser.add_argument("--out", default=str(HERE / "RESULTS.md"))
    args = parser.parse_args()
    records = []
    for stage, datasets in PLAN.items():
        if args.only and stage not in args.only:
            continue
        for dataset in datasets:
            big = dataset in ("gen_100k", "gen_1m", "gen_tx_1m")
            if args.quick and big:
                continue
            repeats = 1 if dataset in ("gen_1m", "gen_tx_1m") else 3 if big else 5
            record = run_one(stage, dataset, repeats)
            records.append(record)
            shown = "error" if "error" in record else f"{statistics.median(record['times']):.3f} s"
            print(f"{stage:>20} {dataset:>12} {shown}", flush=True)
    Path(args.out).write_text(render(records))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
