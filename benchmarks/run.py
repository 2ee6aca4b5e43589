"""Run every benchmark, each in a fresh process, and write benchmarks/RESULTS.md.

Usage: ``make bench`` or ``.venv/bin/python benchmarks/run.py [--quick] [--only STAGE ...]``.
``--quick`` skips the 100,000 and 1,000,000 rows datasets. Each row reports the median wall time of several
runs of the stage (inputs prepared and modules imported first, untimed) and the peak resident memory of its
process tree (``os.wait4``). The header records the load average, because the machine may be shared.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
SMALL = ("cc_general", "gen_8950")
ALL_SIZES = ("cc_general", "gen_8950", "gen_100k", "gen_1m")
BIG = ("gen_100k", "gen_1m", "gen_max", "gen_tx_1m")
HUGE = ("gen_1m", "gen_max", "gen_tx_1m")
TIMEOUT_S = 1800


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
    "baseline_1thread": ("cc_general",),
    "pipeline_1thread": ("cc_general",),
    "pipeline": (*ALL_SIZES, "gen_max"),
    "load": (*ALL_SIZES, "gen_max"),
    "infer_roles": ALL_SIZES,
    "clean": ALL_SIZES,
    "kmeans": ALL_SIZES,
    "gmm": ALL_SIZES,
    "assign": ALL_SIZES,
    "metrics": ALL_SIZES,
    "kmedoids": ("cc_general", "gen_100k"),
    "hierarchical": ("cc_general", "gen_100k"),
    "dbscan": ("cc_general", "gen_100k"),
    "hdbscan": ("cc_general", "gen_100k"),
    "k_sweep": ("cc_general", "gen_100k"),
    "stability": ("cc_general", "gen_100k"),
    "pca": ALL_SIZES,
    "tsne": ("cc_general",),
    "profiles": ALL_SIZES,
    "naming": ALL_SIZES,
    "workbook": ALL_SIZES,
    "recommendations": ALL_SIZES,
    "fraud_customers": ALL_SIZES,
    "load_transactions": ("sparkov_15k", "gen_tx_1m"),
    "standardize_transactions": ("sparkov_15k", "gen_tx_1m"),
    "customer_features": ("sparkov_15k", "gen_tx_1m"),
    "fraud_transactions": ("sparkov_15k", "gen_tx_1m"),
    "trends": ("sparkov_15k",),
}


# Stages that take several seconds even on small data: fewer repeats keep the full run near 20 minutes.
SLOW = ("k_sweep", "stability", "tsne", "gmm", "kmedoids", "hdbscan", "hierarchical")  # as stages.SLOW_STAGES


def repeats_for(stage: str, dataset: str) -> int:
    """Runs per measurement: 1 at a million rows, 3 at 100k or for slow stages, 5 otherwise."""
    if dataset in HUGE:
        return 1
    return 3 if dataset in BIG or stage in SLOW else 5


def run_one(stage: str, dataset: str, repeats: int) -> dict:
    """Measure one (stage, dataset) in a fresh interpreter; return its JSON record or the error.

    The peak memory is the larger of what the stage reports and what ``wait4`` says of the whole process
    tree (the child and its reaped descendants), so worker processes count too.
    """
    cmd = [sys.executable, str(HERE / "stages.py"), stage, dataset, str(repeats)]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        child = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, text=True)
        timer = threading.Timer(TIMEOUT_S, child.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(child.pid, 0)
        finally:
            timer.cancel()
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    tree_mb = usage.ru_maxrss / 1024
    if child.returncode != 0:
        last = (stderr.strip().splitlines() or ["failed"])[-1]
        if child.returncode < 0:
            last = f"killed by signal {-child.returncode} (timeout or out of memory) {last}"
        return {"stage": stage, "dataset": dataset, "error": last[:200], "peak_mb": tree_mb}
    record = json.loads(stdout.strip().splitlines()[-1])
    record["peak_mb"] = max(record["peak_mb"], tree_mb)
    return record


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
        f"- Code: {_code_version()}",
        f"- Load average at the start (1, 5, 15 min): {_load_text(LOAD_AT_START)}; at the end: "
        f"{_load_text(os.getloadavg())} (2 cores: above 2 means other work competed for the CPU)",
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
            "(goal 1.5x), both with default threads.",
            "",
        ]
    base, ours = by_key.get(("baseline_1thread", "cc_general")), by_key.get(("pipeline_1thread", "cc_general"))
    if base and ours and "error" not in base and "error" not in ours:
        ratio = statistics.median(ours["times"]) / statistics.median(base["times"])
        lines += [
            f"**The same ratio with BLAS/OpenMP on one thread for both = {ratio:.2f}x** (what "
            "`tests/test_speed_ratio.py` guards; the baseline's two-thread K-Means is erratic on a busy machine).",
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


KEEP_MARKER = "<!-- Written by hand or by demo_memory.py below this line: run.py keeps it. -->"


def kept_text(path: Path) -> str:
    """The part of an existing RESULTS.md below the keep marker (notes and the demo section), marker included."""
    text = path.read_text() if path.exists() else ""
    return "\n" + KEEP_MARKER + text.split(KEEP_MARKER, 1)[1] if KEEP_MARKER in text else "\n" + KEEP_MARKER + "\n"


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=HERE.parent, capture_output=True, text=True, check=False)
    return done.stdout.strip()


def _code_version() -> str:
    """The commit measured, and the core/pages files that differed from it (the tree is shared)."""
    changed = _git("diff", "--name-only", "HEAD", "--", "core", "pages").splitlines()
    commit = f"commit {_git('rev-parse', '--short', 'HEAD')}"
    return commit + (f" plus uncommitted changes in {', '.join(changed)}" if changed else "")


def _cpu_count() -> int:
    return os.cpu_count() or 0


def _load_text(load: tuple[float, ...]) -> str:
    return ", ".join(f"{value:.2f}" for value in load)


LOAD_AT_START = os.getloadavg()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="only the CC GENERAL-sized and 15k datasets")
    parser.add_argument("--only", nargs="*", default=None, help="run only these stages")
    parser.add_argument("--datasets", nargs="*", default=None, help="run only on these datasets")
    parser.add_argument("--out", default=str(HERE / "RESULTS.md"))
    args = parser.parse_args()
    records = []
    for stage, datasets in PLAN.items():
        if args.only and stage not in args.only:
            continue
        for dataset in datasets:
            if args.quick and dataset in BIG:
                continue
            if args.datasets and dataset not in args.datasets:
                continue
            record = run_one(stage, dataset, repeats_for(stage, dataset))
            records.append(record)
            shown = "error" if "error" in record else f"{statistics.median(record['times']):.3f} s"
            print(f"{stage:>20} {dataset:>12} {shown}", flush=True)
    out = Path(args.out)
    out.write_text(render(records) + kept_text(out))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
