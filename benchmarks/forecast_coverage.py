"""Out-of-sample coverage of the forecast intervals: the model's own against the calibrated ones.

Usage: ``.venv/bin/python benchmarks/forecast_coverage.py``. Two sets of series, each forecast from a cut-off
and compared with the periods that followed it (never seen by the forecast):

- **generated**: 24 seeded monthly series of 54 periods (trend + season + noise, half with a wandering level),
  forecast 6 months ahead from month 48;
- **sample**: the bundled ``sample_data/card_transactions.csv`` aggregated as the Trends page does (everyone,
  four metrics, monthly and weekly), forecast 6 periods ahead from seven rolling cut-offs each.

Target (issue 15): coverage within 10 points of nominal for the 80% and 95% intervals.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.io import read_path
from core.transactions import infer_transaction_columns, standardize_transactions
from core.trends import ALL, METRICS, SEASON_LENGTH, aggregate, forecast, series_of

HORIZON = 6
SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "card_transactions.csv"


def generated_series(seed: int, n: int = 54) -> pd.Series:
    """Trend + yearly season + noise with a known sd; odd seeds add a random-walk level."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    noise_sd = rng.uniform(2, 8)
    values = 200 + rng.uniform(-1, 2) * t + rng.uniform(5, 30) * np.sin(2 * np.pi * (t + rng.integers(12)) / 12)
    values = values + rng.normal(0, noise_sd, n)
    if seed % 2:
        values = values + np.cumsum(rng.normal(0, noise_sd / 2, n))
    return pd.Series(values, index=pd.date_range("2020-01-01", periods=n, freq="MS"))


def cases() -> dict[str, list[tuple[pd.Series, np.ndarray, int | None]]]:
    """(history, future, season length) per case, grouped by set."""
    out: dict[str, list[tuple[pd.Series, np.ndarray, int | None]]] = {"generated": [], "sample": []}
    for seed in range(24):
        series = generated_series(seed)
        out["generated"].append((series.iloc[:-HORIZON], series.iloc[-HORIZON:].to_numpy(), None))
    frame = read_path(SAMPLE).frame
    canonical, _ = standardize_transactions(frame, infer_transaction_columns(frame))
    for freq in ("MS", "W-MON"):
        long = aggregate(canonical, None, freq=freq)
        for metric in METRICS:
            series = series_of(long, ALL, metric)
            n = len(series)
            step = 1 if freq == "MS" else 6
            for cut in range(n - HORIZON - 6 * step, n - HORIZON + 1, step):
                history, future = series.iloc[:cut], series.iloc[cut : cut + HORIZON].to_numpy()
                out["sample"].append((history, future, SEASON_LENGTH[freq]))
    return out


def coverage(items: list[tuple[pd.Series, np.ndarray, int | None]], intervals: str) -> dict[str, float]:
    hits: dict[int, list[bool]] = {80: [], 95: []}
    for history, future, season in items:
        result = forecast(history, horizon=HORIZON, season_length=season, intervals=intervals)
        if not result.available:
            continue
        for level in hits:
            lo, hi = result.table[f"lo{level}"].to_numpy(), result.table[f"hi{level}"].to_numpy()
            hits[level].extend(((future >= lo) & (future <= hi)).tolist())
    return {"points": len(hits[80]), **{f"cover{level}": float(np.mean(h)) for level, h in hits.items()}}


def main() -> None:
    for name, items in cases().items():
        for intervals in ("model", "calibrated"):
            start = time.perf_counter()
            result = coverage(items, intervals)
            seconds = (time.perf_counter() - start) / len(items)
            print(
                f"{name:9s} {intervals:10s} {len(items):3d} forecasts, {result['points']:3d} points: "
                f"80% covered {result['cover80']:.0%}, 95% covered {result['cover95']:.0%} "
                f"({seconds:.2f} s per forecast)"
            )


if __name__ == "__main__":
    main()
