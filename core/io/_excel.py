"""Excel workbooks (.xlsx) to a raw table: the first sheet with data, the header row found below titles.

Cells are read as values, never formulas (``data_only=True``): a formula shows the result Excel last saved.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from core.errors import DataError

_HEADER_SEARCH_ROWS = 30


@dataclass(frozen=True)
class ExcelTable:
    """A sheet as read: ``frame`` (object columns, header applied), ``sheet`` name, 1-based ``header_row``."""

    frame: pd.DataFrame
    sheet: str
    header_row: int
    notes: tuple[str, ...]


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _sheet_rows(worksheet: Any) -> list[tuple[int, list[Any]]]:
    """Return (1-based row number, cleaned values) for the non-empty rows of a sheet."""
    rows = []
    for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
        cleaned = [_clean(value) for value in values]
        if any(value is not None for value in cleaned):
            rows.append((number, cleaned))
    return rows


def _header_index(rows: list[tuple[int, list[Any]]]) -> int:
    """Position (in ``rows``) of the header: the first row at least half as wide as the widest early row."""
    widths = [sum(value is not None for value in values) for _, values in rows[:_HEADER_SEARCH_ROWS]]
    widest = max(widths)
    needed = 1 if widest == 1 else max(2, (widest + 1) // 2)
    return next(i for i, width in enumerate(widths) if width >= needed)


def _names(header: list[Any], width: int) -> list[str]:
    names: list[str] = []
    seen: dict[str, int] = {}
    for position in range(width):
        value = header[position] if position < len(header) else None
        name = f"column_{position + 1}" if value is None else str(value).strip()
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
        names.append(name)
    return names


def read_excel(data: bytes, filename: str) -> ExcelTable:
    """Read the first sheet that holds data from an .xlsx workbook.

    Parameters
    ----------
    data : bytes
        The workbook's bytes.
    filename : str
        Shown in messages.

    Returns
    -------
    ExcelTable
        Columns named from the detected header row; rows below it, fully empty rows dropped; cells as Python
        values in ``object`` columns (the caller settles the types).

    Raises
    ------
    DataError
        When the workbook cannot be opened or no sheet holds any data.
    """
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for damaged files; all mean the same to a user
        raise DataError(
            f"{filename} could not be opened as an Excel workbook ({type(error).__name__}). "
            "Save it again from Excel as .xlsx, or export the sheet as CSV."
        ) from error
    try:
        chosen: tuple[str, list[tuple[int, list[Any]]]] | None = None
        skipped: list[str] = []
        for worksheet in workbook.worksheets:
            if not hasattr(worksheet, "iter_rows"):
                continue
            rows = _sheet_rows(worksheet)
            if len(rows) >= 2:
                chosen = (worksheet.title, rows)
                break
            if rows and chosen is None:
                chosen = (worksheet.title, rows)
            skipped.append(worksheet.title)
    except DataError:
        raise
    except Exception as error:
        raise DataError(
            f"{filename} could not be read as an Excel workbook ({type(error).__name__}). "
            "Save it again from Excel as .xlsx, or export the sheet as CSV."
        ) from error
    finally:
        workbook.close()
    if chosen is None:
        raise DataError(f"{filename} has no data in any sheet. Check that you exported the right workbook.")
    sheet, rows = chosen
    header_at = _header_index(rows)
    header_number, header = rows[header_at]
    body = [values for _, values in rows[header_at + 1 :]]
    width = max((len(values) for values in [header, *body]), default=0)
    while width and all((values[width - 1] if width - 1 < len(values) else None) is None for values in [header, *body]):
        width -= 1
    padded = [values[:width] + [None] * (width - len(values)) for values in body]
    frame = pd.DataFrame(padded, columns=_names(header, width), dtype="object")
    notes = []
    if header_at > 0:
        notes.append(f"Rows above row {header_number} of sheet {sheet!r} look like titles and were skipped.")
    if skipped and sheet not in skipped:
        notes.append(f"Read sheet {sheet!r}; the sheets before it hold no table ({', '.join(map(repr, skipped))}).")
    return ExcelTable(frame=frame, sheet=sheet, header_row=header_number, notes=tuple(notes))
