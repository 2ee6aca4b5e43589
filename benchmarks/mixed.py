"""Mixed data: Gower K-Medoids and k-prototypes on 10,000 and 100,000 customers x 20 features (issue 14).

Usage: ``.venv/bin/python benchmarks/mixed.py [--case NAME]`` (``--help`` lists the cases). Each case runs in its
own process (so its peak memory is its own) on a seeded BankChurners-shaped table of 13 numeric and 7 categorical
columns, cleaned with the default recipe; the time covers the segmentation only, and the CPU time is printed
beside it because the machine is shared (the load average is printed first). Budgets: the Gower K-Medoids k
sweep (k = 2..10) at 10,000 rows under 10 s and 600 MB; k-prototypes at one k under 5 s; Gower K-Medoids at
100,000 rows (sampled path) under 30 s and 1.5 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CASES = {
    "gower-kmedoids sweep k=2..10, 10,000 rows": ("sweep", "gower-kmedoids", 10_000, 10.0, 600),
    "gower-kmedoids k=4, 10,000 rows": ("fit", "gower-kmedoids", 10_000, 10.0, 600),
    "kprototypes k=4, 10,000 rows": ("fit", "kprototypes", 10_000, 5.0, 600),
    "gower-kmedoids k=4, 100,000 rows": ("fit", "gower-kmedoids", 100_000, 30.0, 1_500),
}
CATEGORIES = {
    "Gender": ["F", "M"],
    "Education_Level": ["High School", "Graduate", "Post-Graduate", "Doctorate", "Uneducated", "Unknown"],
    "Marital_Status": ["Single", "Married", "Divorced", "Unknown"],
    "Income_Category": ["Less than $40K", "$40K - $60K", "$60K - $80K", "$80K - $120K", "$120K +"],
    "Card_Category": ["Blue", "Silver", "Gold", "Platinum"],
    "Region": ["North", "South", "East", "West", "Centre"],
    "Channel": ["branch", "online", "phone"],
}


def mixed_table(rows: int, seed: int = 0) -> tuple[pd.DataFrame, dict[str, str]]:
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 4, rows)
    frame = pd.DataFrame({"CLIENTNUM": np.arange(rows) + 700_000_000})
    for f, (name, levels) in enumerate(CATEGORIES.items()):
        home = (group + f) % len(levels)
        frame[name] = np.asarray(levels, dtype=object)[
            np.where(rng.random(rows) < 0.7, home, rng.integers(0, len(levels), rows))
        ]
    for i in range(13):
        frame[f"behaviour_{i}"] = rng.gamma(2.0, 100.0 * (1 + (group == i % 4)), rows)
    roles = {"CLIENTNUM": "id", **dict.fromkeys(CATEGORIES, "categorical")}
    roles |= {f"behaviour_{i}": "feature" for i in range(13)}
    return frame, roles


def run_case(name: str) -> dict[str, float]:
    from core import cluster
    from core.clean import apply_recipe, default_recipe

    kind, algorithm, rows, _, _ = CASES[name]
    frame, roles = mixed_table(rows)
    matrix = apply_recipe(frame, default_recipe(frame, roles), roles).matrix
    start, cpu = time.perf_counter(), time.process_time()
    if kind == "sweep":
        result = cluster.sweep_k(matrix, algorithm, range(2, 11))
        detail = f"recommended k = {result.recommended_k}"
    else:
        segmentation = cluster.fit(matrix, algorithm, {"k": 4})
        detail = "sampled path" if segmentation.notes else "full matrix"
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "cpu": cpu_seconds, "peak_mb": peak_mb, "detail": detail}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", choices=list(CASES), help="run one case in this process and print it as JSON")
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case)))
        return
    print("load average (1, 5, 15 min): " + ", ".join(f"{v:.2f}" for v in os.getloadavg()))
    for name, (_, _, _, budget_s, budget_mb) in CASES.items():
        output = subprocess.run(
            [sys.executable, __file__, "--case", name], capture_output=True, text=True, check=True
        ).stdout
        result = json.loads(output.strip().splitlines()[-1])
        verdict = "ok" if result["seconds"] <= budget_s and result["peak_mb"] <= budget_mb else "OVER BUDGET"
        print(
            f"{name}: {result['seconds']:.1f} s (budget {budget_s:g}; CPU {result['cpu']:.1f} s), "
            f"peak {result['peak_mb']:.0f} MB (budget {budget_mb:,}), {result['detail']} [{verdict}]"
        )


if __name__ == "__main__":
    main()
