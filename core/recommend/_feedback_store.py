"""Opt-in persistence of campaign feedback across sessions, for a private deployment.

By default nothing is written anywhere: feedback lives in the user's session and in the workbook. A team
running its own deployment may set the environment variable ``CARDLENS_FEEDBACK_DIR`` to a folder; the
Recommendations page then starts from the outcomes stored there and appends every new outcome to
``feedback.csv`` in it. Everyone using that deployment shares the file, so never set it on a public demo.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from core.errors import DataError
from core.recommend._campaign import empty_feedback

ENV_VAR = "CARDLENS_FEEDBACK_DIR"
FILE_NAME = "feedback.csv"
COLUMNS = ("customer_id", "offer_id", "outcome", "date")


def store_directory(environ: Mapping[str, str] | None = None) -> Path | None:
    """Return the folder feedback persists in, or ``None`` when the deployment has not opted in.

    Examples
    --------
    >>> store_directory({}) is None
    True
    >>> store_directory({"CARDLENS_FEEDBACK_DIR": "/srv/cardlens"})
    PosixPath('/srv/cardlens')
    """
    value = (os.environ if environ is None else environ).get(ENV_VAR, "").strip()
    return Path(value) if value else None


def load_stored_feedback(directory: Path) -> pd.DataFrame:
    """Read the stored outcomes (columns ``customer_id, offer_id, outcome, date``); empty when none yet."""
    path = Path(directory) / FILE_NAME
    if not path.exists():
        return empty_feedback()
    try:
        stored = pd.read_csv(path, dtype={"customer_id": str, "offer_id": str}, parse_dates=["date"])
    except (OSError, ValueError) as error:
        raise DataError(
            f"The stored feedback in {path} cannot be read ({error}); move it away to start afresh."
        ) from None
    missing = [c for c in COLUMNS if c not in stored.columns]
    if missing:
        raise DataError(f"The stored feedback in {path} lacks columns {', '.join(missing)}; move it away.")
    stored["outcome"] = stored["outcome"].astype("int64")
    stored["date"] = stored["date"].astype("datetime64[ns]")
    return stored.loc[:, list(COLUMNS)]


def append_feedback(directory: Path, outcomes: pd.DataFrame) -> Path:
    """Append outcomes to the store (creating the folder and the file with its header when needed)."""
    path = Path(directory) / FILE_NAME
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        outcomes.loc[:, list(COLUMNS)].to_csv(path, mode="a", header=not path.exists(), index=False)
    except OSError as error:
        raise DataError(f"Feedback could not be saved to {path} ({error.strerror or error}).") from None
    return path
