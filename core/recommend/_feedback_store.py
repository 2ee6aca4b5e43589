"""Opt-in persistence of campaign feedback across sessions, for a private deployment.

By default nothing is written anywhere: feedback lives in the user's session and in the workbook. A team
running its own deployment may set the environment variable ``CARDLENS_FEEDBACK_DIR`` to a folder; the
Recommendations page then starts from the outcomes stored there and appends every new outcome to
``feedback.csv`` in it. Everyone using that deployment shares the file, so never set it on a public demo.

Writes are atomic (a temporary file replaces the store) and take turns on a lock file (``fcntl.flock``), so
concurrent sessions neither lose outcomes nor write two headers; the file is formula-safe CSV.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from core.errors import DataError
from core.recommend._campaign import empty_feedback
from core.recommend._catalogue import without_formula_guard
from core.transactions import nanosecond_dates

try:
    import fcntl
except ImportError:  # Windows: a private deployment there runs one server process
    fcntl = None

ENV_VAR = "CARDLENS_FEEDBACK_DIR"
FILE_NAME = "feedback.csv"
LOCK_NAME = ".feedback.csv.lock"
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


def _unreadable(why: str) -> DataError:
    # the folder is the server's business: name the file and the setting, never the path
    return DataError(
        f"The stored feedback ({FILE_NAME} in the folder set by {ENV_VAR}) {why}; ask whoever runs this "
        "deployment to move it away, and new outcomes will start a fresh file."
    )


def _read_store(path: Path) -> pd.DataFrame:
    """Read the store, keeping every readable row: a truncated last line or a repeated header is dropped."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return empty_feedback()
    except OSError as error:
        raise _unreadable(f"cannot be opened ({error.strerror or type(error).__name__})") from None
    if not data.strip():
        return empty_feedback()  # an empty file (a write cut short before this version): nothing to recover
    try:
        stored = pd.read_csv(
            io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8-sig", on_bad_lines="skip"
        )
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError):
        raise _unreadable("is not a CSV file") from None
    missing = [column for column in COLUMNS if column not in stored.columns]
    if missing:
        raise _unreadable(f"lacks the columns {', '.join(missing)}")
    stored = without_formula_guard(stored.loc[:, list(COLUMNS)])
    outcome = pd.to_numeric(stored["outcome"], errors="coerce")
    dates = pd.to_datetime(stored["date"].where(stored["date"].str.strip() != ""), errors="coerce", format="mixed")
    usable = (
        outcome.isin([0, 1])
        & stored["customer_id"].str.strip().ne("")
        & stored["offer_id"].str.strip().ne("")
        & (dates.notna() | stored["date"].str.strip().eq(""))
    )
    kept = stored.loc[usable].reset_index(drop=True)
    return pd.DataFrame(
        {
            "customer_id": kept["customer_id"].astype(object),
            "offer_id": kept["offer_id"].astype(object),
            "outcome": outcome[usable].astype("int64").to_numpy(),
            "date": nanosecond_dates(dates[usable].reset_index(drop=True)),
        }
    )


def load_stored_feedback(directory: Path) -> pd.DataFrame:
    """Read the stored outcomes (columns ``customer_id, offer_id, outcome, date``); empty when none yet.

    A file damaged before writes were atomic is recovered: an empty file reads as no outcomes, a header
    repeated by two first writes and a line cut short are skipped. The next :func:`append_feedback`
    rewrites the file clean.

    Raises
    ------
    DataError
        When the file cannot be read at all (not a CSV, other columns); the message names the setting,
        never the server's path.
    """
    return _read_store(Path(directory) / FILE_NAME)


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """Hold an exclusive lock on the store's lock file, so writers in any process take turns."""
    with open(directory / LOCK_NAME, "a+b") as handle:
        if fcntl is not None:
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            if fcntl is not None:
                fcntl.flock(handle, fcntl.LOCK_UN)


def append_feedback(directory: Path, outcomes: pd.DataFrame) -> Path:
    """Add outcomes to the store, atomically and one writer at a time.

    Under a lock, the stored outcomes and the new ones are written to a temporary file beside the store,
    which then replaces it: readers see the old file or the new one, never half of one, and two sessions
    saving their first outcome at once write one header. Text a spreadsheet could run as a formula is
    written with a leading apostrophe (:func:`core.workbook.customers_csv`).

    Raises
    ------
    DataError
        When the folder cannot be written; the message names the setting, never the server's path.
    """
    from core.workbook import customers_csv

    directory = Path(directory)
    path = directory / FILE_NAME
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with _locked(directory):
            combined = pd.concat([_read_store(path), outcomes.loc[:, list(COLUMNS)]], ignore_index=True)
            handle, temporary = tempfile.mkstemp(prefix=".feedback-", suffix=".tmp", dir=directory)
            try:
                with os.fdopen(handle, "wb") as stream:
                    stream.write(customers_csv(combined))
                    stream.flush()
                    os.fsync(stream.fileno())
                os.replace(temporary, path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
    except OSError as error:
        raise DataError(
            f"Feedback could not be saved to the folder set by {ENV_VAR} ({error.strerror or type(error).__name__})."
        ) from None
    return path
