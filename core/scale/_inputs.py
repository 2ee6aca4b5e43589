"""What a saved model needs from the input files, and one way to read and type them for every engine.

Both engines read CSV cells as text (only an empty cell is missing) and Parquet columns as stored, keep only the
columns the model's recipe needs, and then type them with :func:`conform`, one group of rows at a time. Typing
never looks across rows, so a Spark group and the whole file give each row the same values.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from core.errors import DataError, excerpt
from core.model import SegmentModel

FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


@dataclass(frozen=True)
class ModelColumns:
    """The input columns a model's recipe reads.

    Attributes
    ----------
    id : str or None
        The customer id column, read as text.
    numeric : tuple of str
        Columns read as numbers (float64); a cell that is not a number becomes missing, which the recipe fills.
    categorical : tuple of str
        Columns read as text.
    """

    id: str | None
    numeric: tuple[str, ...]
    categorical: tuple[str, ...]

    @property
    def all(self) -> tuple[str, ...]:
        """Every column, id first."""
        return (*([self.id] if self.id else []), *self.numeric, *self.categorical)


def model_columns(model: SegmentModel) -> ModelColumns:
    """Return the input columns the model's recipe reads: its features and step inputs, less those it engineers."""
    from core.clean import FittedRecipe

    fitted = FittedRecipe.from_dict(model.fitted_recipe)
    engineered = {
        str(name)
        for step in fitted.steps
        if step.kind == "add_features"
        for name in (step.state.get("presets") or step.state.get("produces") or [])
    }
    required = {str(c) for step in fitted.steps for c in step.state.get("requires", [])}
    named = [str(c) for c in fitted.features if str(c) not in engineered] + sorted(required - engineered)
    categorical = set(fitted.categorical)
    seen: dict[str, None] = dict.fromkeys(c for c in named if c != fitted.id_column)
    return ModelColumns(
        id=fitted.id_column,
        numeric=tuple(c for c in seen if c not in categorical),
        categorical=tuple(c for c in seen if c in categorical),
    )


def input_files(path: str | Path) -> tuple[tuple[Path, ...], str]:
    """Return the files to read at ``path`` (a CSV or Parquet file, or a folder of them) in name order, and the format.

    Raises
    ------
    DataError
        When the path does not exist, the folder holds no CSV or Parquet file, or mixes the two.
    """
    path = Path(path)
    if path.is_dir():
        files = tuple(
            sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in FORMATS and p.stat().st_size)
        )
        if not files:
            raise DataError(f"{path} holds no CSV or Parquet file (.csv, .parquet) that is not empty.")
    elif path.is_file():
        if path.suffix.lower() not in FORMATS:
            raise DataError(f"{path.name} is neither CSV nor Parquet (.csv, .parquet).")
        files = (path,)
    else:
        raise DataError(f"{path} does not exist.")
    kinds = {FORMATS[p.suffix.lower()] for p in files}
    if len(kinds) > 1:
        raise DataError(f"{path} mixes CSV and Parquet files; keep one format per folder.")
    return files, kinds.pop()


def check_columns(files: tuple[Path, ...], fmt: str, columns: ModelColumns) -> None:
    """Refuse files that lack a column the model needs, or whose Parquet type cannot hold what the model reads.

    Raises
    ------
    DataError
        Naming the file and the first missing or mistyped column.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    for file in files:
        if fmt == "csv":
            try:
                header = pd.read_csv(file, nrows=0, dtype=str).columns
            except (ValueError, OSError, UnicodeDecodeError) as error:
                raise DataError(f"{file.name} cannot be read as CSV: {excerpt(str(error))}") from None
            types = dict.fromkeys(map(str, header), pa.string())
        else:
            try:
                schema = pq.read_schema(file)
            except (pa.ArrowException, OSError) as error:
                raise DataError(f"{file.name} cannot be read as Parquet: {excerpt(str(error))}") from None
            types = {name: schema.field(name).type for name in schema.names}
        missing = [c for c in columns.all if c not in types]
        if missing:
            raise DataError(
                f"{file.name} lacks the column(s) {excerpt(', '.join(missing))} that the model's recipe reads."
            )
        for column in columns.numeric:
            kind = types[column]
            if not readable_as_numbers(kind):
                raise DataError(f"{file.name}: column {column} holds {kind}, but the model reads it as numbers.")


def readable_as_numbers(kind: Any) -> bool:
    """Whether a Parquet (Arrow) column type can be read as numbers: numbers themselves, or text to parse."""
    import pyarrow as pa

    return (
        pa.types.is_integer(kind)
        or pa.types.is_floating(kind)
        or pa.types.is_decimal(kind)
        or pa.types.is_string(kind)
        or pa.types.is_large_string(kind)
        or pa.types.is_null(kind)
    )


def read_columns(files: tuple[Path, ...], fmt: str, wanted: list[str]) -> pd.DataFrame:
    """Read ``wanted`` from every file, in order, untyped: CSV cells as text, only an empty cell missing."""
    if fmt == "csv":
        parts = [pd.read_csv(f, usecols=wanted, dtype=str, keep_default_na=False, na_values=[""]) for f in files]
    else:
        parts = [pd.read_parquet(f, columns=wanted) for f in files]
    frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    return frame[wanted]


def read_pandas(files: tuple[Path, ...], fmt: str, columns: ModelColumns) -> pd.DataFrame:
    """Read the model's columns from every file, in name order, untyped (CSV cells as text; see :func:`conform`)."""
    return read_columns(files, fmt, list(columns.all))


def conform(frame: pd.DataFrame, columns: ModelColumns) -> pd.DataFrame:
    """Type the model's columns row by row: numbers as float64 (text that is no number becomes missing), others as text.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows as read, with every column of ``columns``. Not modified.

    Returns
    -------
    pandas.DataFrame
        Only the model's columns, id first, on ``frame``'s index.

    Examples
    --------
    >>> cols = ModelColumns(id="id", numeric=("spend",), categorical=())
    >>> conform(pd.DataFrame({"id": [7, 8], "spend": ["1.5", "n/a"]}), cols).to_dict("list")
    {'id': ['7', '8'], 'spend': [1.5, nan]}
    """
    out = pd.DataFrame(index=frame.index)
    for column in columns.all:
        values = frame[column]
        if column in columns.numeric:
            if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
                values = pd.to_numeric(values.astype("str").str.strip(), errors="coerce")
            out[column] = values.astype("float64")
        else:
            out[column] = values.astype("str")
    return out
