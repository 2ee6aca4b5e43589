"""The bundled sample data: a registry of the sample files and the one function that writes them.

The samples are synthetic and ours, written by seeded generators, so every run writes the same bytes:

* ``card_portfolio.csv`` - 8,950 card holders in the CC GENERAL layout (:func:`generate_customers`);
* ``card_transactions.csv`` - two years of transactions for 1,500 of them (:func:`generate_transactions`);
* ``branch_contacts.csv`` - 660 bank customers in the AllLife layout (:func:`generate_alllife`).

Regenerate them with ``python -m core.samples [DIRECTORY]`` (default ``sample_data``).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd

from core.samples._customers import (
    generate_alllife,
    generate_customers,
)
from core.samples._transactions import generate_transactions

__all__ = [
    "DEFAULT_DIRECTORY",
    "SAMPLES",
    "SampleInfo",
    "main",
    "sample_path",
    "write_samples",
]

DEFAULT_DIRECTORY = Path(__file__).resolve().parents[2] / "sample_data"


@dataclass(frozen=True)
class SampleInfo:
    """One bundled sample file, as the Upload page lists it.

    Attributes
    ----------
    key : str
        Stable identifier (``card_portfolio``).
    title : str
        Short name shown to users.
    filename : str
        File name inside the sample directory.
    kind : {"customers", "transactions"}
        Which kind of table it is: a customer table or a transaction table.
    description : str
        One plain sentence saying what is in it.
    """

    key: str
    title: str
    filename: str
    kind: Literal["customers", "transactions"]
    description: str


SAMPLES: dict[str, SampleInfo] = {
    info.key: info
    for info in (
        SampleInfo(
            key="card_portfolio",
            title="Card portfolio",
            filename="card_portfolio.csv",
            kind="customers",
            description="8,950 credit-card holders with six months of balances, purchases, cash advances, "
            "limits and payments, in the CC GENERAL layout.",
        ),
        SampleInfo(
            key="card_transactions",
            title="Card transactions",
            filename="card_transactions.csv",
            kind="transactions",
            description="Two years of card transactions (to October 2026) for 1,500 customers of the card "
            "portfolio, with merchant, category, channel and a fraud label.",
        ),
        SampleInfo(
            key="branch_contacts",
            title="Branch contacts",
            filename="branch_contacts.csv",
            kind="customers",
            description="660 bank customers with their credit limit, number of cards and how often they visit "
            "the branch, log in online and call, in the AllLife layout.",
        ),
    )
}


def sample_path(key: str, directory: Path | str | None = None) -> Path:
    """Return where the sample ``key`` lives (by default in the project's ``sample_data/``)."""
    return Path(directory or DEFAULT_DIRECTORY) / SAMPLES[key].filename


def _compact(values: pd.Series, decimals: int) -> pd.Series:
    """Fixed-precision text without trailing zeros ("95.4", "0", "1000"); missing values become blank."""
    return values.map(lambda v: "" if pd.isna(v) else f"{v:.{decimals}f}".rstrip("0").rstrip("."))


def _portfolio_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Format a CC GENERAL frame the way the public file is written (6 decimals at most, no ".0")."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_float_dtype(out[column]):
            out[column] = _compact(out[column], 6)
    return out


_BUILDERS: dict[str, Callable[[], pd.DataFrame]] = {
    "card_portfolio": lambda: _portfolio_text(generate_customers()),
    "card_transactions": lambda: generate_transactions(),
    "branch_contacts": lambda: generate_alllife(),
}


def write_samples(directory: Path | str) -> list[Path]:
    """Write the three sample CSV files into ``directory`` (created if needed), identically on every run.

    Parameters
    ----------
    directory : pathlib.Path or str
        Where to write; existing sample files there are replaced.

    Returns
    -------
    list of pathlib.Path
        The files written, in the order of :data:`SAMPLES`.
    """
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for key, info in SAMPLES.items():
        path = target / info.filename
        _BUILDERS[key]().to_csv(path, index=False, lineterminator="\n", float_format="%.2f", encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    """Write the samples into the directory named on the command line (default ``sample_data``)."""
    args = sys.argv[1:] if argv is None else argv
    directory = Path(args[0]) if args else Path("sample_data")
    started = time.perf_counter()
    for path in write_samples(directory):
        print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB)")
    print(f"done in {time.perf_counter() - started:.1f} s")
    return 0
