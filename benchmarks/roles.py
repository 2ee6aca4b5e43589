"""Role inference and table understanding at 1,000,000 rows x 25 columns (budget: under 2 s).

Usage: ``.venv/bin/python benchmarks/roles.py``. Builds a customer table and a transaction table of that size
(seeded), then times ``guess_roles`` and ``understand`` (which includes the table kind, the customer key and
the report with its date range), median of three runs each.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.schema import guess_roles, understand

ROWS = 1_000_000
BUDGET_S = 2.0


def customer_table(rng: np.random.Generator) -> pd.DataFrame:
    columns: dict[str, object] = {
        "CLIENTNUM": rng.permutation(np.arange(700_000_000, 700_000_000 + ROWS)),
        "Attrition_Flag": rng.choice(["Existing Customer", "Attrited Customer"], ROWS, p=[0.84, 0.16]),
        "Gender": rng.choice(["M", "F"], ROWS),
        "EDUCATION": rng.integers(1, 7, ROWS),
        "customer_since": (pd.Timestamp("2010-01-01") + pd.to_timedelta(rng.integers(0, 5000, ROWS), "D")).strftime(
            "%Y-%m-%d"
        ),
    }
    for i in range(20):
        columns[f"behaviour_{i}"] = rng.gamma(2.0, 100.0, ROWS)
    return pd.DataFrame(columns)


def transaction_table(rng: np.random.Generator) -> pd.DataFrame:
    columns: dict[str, object] = {
        "user_id": rng.integers(0, 50_000, ROWS),
        "card_type": rng.choice(["Visa", "Mastercard", "Amex", "Discover"], ROWS),
        "transaction_date": (pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 31_536_000, ROWS), "s"))
        .astype("str")
        .to_numpy(),
        "amount": rng.gamma(2.0, 30.0, ROWS).round(2),
        "is_fraud": (rng.random(ROWS) < 0.01).astype(int),
    }
    for i in range(20):
        columns[f"extra_{i}"] = rng.normal(size=ROWS)
    return pd.DataFrame(columns)


def timed(action) -> float:
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        action()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main() -> None:
    rng = np.random.default_rng(0)
    rows = []
    for name, frame in (("customers", customer_table(rng)), ("transactions", transaction_table(rng))):
        rows.append((name, "guess_roles", timed(lambda f=frame: guess_roles(f))))
        rows.append((name, "understand + report", timed(lambda f=frame: understand(f).lines())))
    print(f"| table ({ROWS:,} x 25) | step | median s | budget |")
    print("|---|---|---:|---|")
    for name, step, seconds in rows:
        print(f"| {name} | {step} | {seconds:.2f} | {'met' if seconds < BUDGET_S else 'MISSED'} (< {BUDGET_S} s) |")


if __name__ == "__main__":
    main()
