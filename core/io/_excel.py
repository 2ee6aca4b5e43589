"""Excel workbooks (.xlsx) to a raw table: the first sheet with data, the header row found below titles.

Cells are read as values, never formulas (``data_only=True``): a formula shows the result Excel last saved.

Limits on what a workbook becomes, checked before openpyxl reads a cell (an .xlsx is a zip of XML, and a
few hundred KB can declare a million rows): the parts may hold at most :data:`MAX_XLSX_BYTES` of XML once
uncompressed, and a sheet at most :data:`MAX_CELLS` cells (rows x columns) by its declared ``<dimension>``
and by a count of its cell tags. openpyxl reads about 100,000 cells a second here, so the ceiling keeps an
upload under about 20 seconds; larger tables load far faster as CSV. While reading, a sheet that grows past
the ceiling anyway (a dimension that lies, rows numbered beyond Excel's last row) is refused as well.
"""

from __future__ import annotations

import io
import math
import re
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from typing import Any

import pandas as pd

from core.errors import DataError

MAX_CELLS = 1_000_000  # rows x columns of one sheet, e.g. 55,000 customers x 18 columns
MAX_XLSX_BYTES = 300 * 1024 * 1024  # all XML parts of the workbook, uncompressed
EXCEL_MAX_ROWS = 1_048_576  # Excel's own last row; a sheet numbering rows beyond it is damaged or hostile
_HEADER_SEARCH_ROWS = 30
_CHUNK = 4 * 1024 * 1024
_AS_CSV = "Save the sheet as CSV (which loads much faster) or upload fewer rows."
_ROOT = re.compile(rb"<(?:(\w+):)?worksheet[\s>]")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?\"")
_ERROR_CODES = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA"})


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _too_many(filename: str, rows: int, columns: int, how: str) -> DataError:
    return DataError(
        f"{filename} {how} {rows:,} rows x {columns:,} columns ({rows * columns:,} cells), over the "
        f"{MAX_CELLS:,}-cell limit for Excel files. {_AS_CSV}"
    )


def _count_cells(stream: Any, head: bytes, prefix: bytes) -> int:
    """Count the cell tags of a sheet's XML, stopping once past :data:`MAX_CELLS` (C-speed byte counts)."""
    tags = [b"<" + prefix + b"c" + end for end in (b" ", b">", b"/", b"\t", b"\n", b"\r")]
    count, pending = 0, head
    while True:
        chunk = stream.read(_CHUNK)
        data = pending + chunk
        cut = data.rfind(b"<") if chunk else len(data)  # no tag straddles two chunks
        cut = len(data) if cut <= 0 else cut
        count += sum(data[:cut].count(tag) for tag in tags)
        pending = data[cut:]
        if count > MAX_CELLS or not chunk:
            return count


def check_workbook_size(data: bytes, filename: str) -> None:
    """Refuse a workbook that would become more than the ceilings, before any cell is parsed.

    Raises
    ------
    DataError
        When the XML parts add up to more than :data:`MAX_XLSX_BYTES` uncompressed, or a sheet declares or
        holds more than :data:`MAX_CELLS` cells. Takes well under a second for any allowed size.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [member for member in archive.infolist() if member.filename.endswith((".xml", ".rels"))]
            total = sum(member.file_size for member in members)
            if total > MAX_XLSX_BYTES:
                raise DataError(
                    f"{filename} expands to {total / 1024**2:,.0f} MB of spreadsheet data, over the "
                    f"{MAX_XLSX_BYTES / 1024**2:,.0f} MB limit for Excel files. {_AS_CSV}"
                )
            for member in members:
                with archive.open(member) as stream:
                    _check_sheet(stream, filename)
    except DataError:
        raise
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError, NotImplementedError, ValueError):
        return  # a damaged archive: openpyxl's attempt below gives the usual message


def _check_sheet(stream: Any, filename: str) -> None:
    head = stream.read(64 * 1024)
    root = _ROOT.search(head)
    if root is None:
        return
    dimension = _DIMENSION.search(head)
    if dimension is not None:
        first_column, first_row = _column_number(dimension[1]), int(dimension[2])
        last_column = _column_number(dimension[3]) if dimension[3] else first_column
        last_row = int(dimension[4]) if dimension[4] else first_row
        rows, columns = last_row - first_row + 1, last_column - first_column + 1
        if rows * columns > MAX_CELLS:
            raise _too_many(filename, rows, columns, "declares a sheet of")
    prefix = root[1] + b":" if root[1] else b""
    cells = _count_cells(stream, head, prefix)
    if cells > MAX_CELLS:
        raise DataError(
            f"{filename} holds a sheet of more than {MAX_CELLS:,} cells, the limit for Excel files. {_AS_CSV}"
        )


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
        return None if value in _ERROR_CODES else value or None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _sheet_rows(worksheet: Any, filename: str) -> list[tuple[int, list[Any]]]:
    """Return (1-based row number, cleaned values) for the non-empty rows of a sheet.

    The declared dimension is ignored (a wrong one would cut rows off silently); rows numbered beyond Excel's
    last row, or more than :data:`MAX_CELLS` cells in all, are refused as they come.
    """
    worksheet.reset_dimensions()
    rows = []
    cells = 0
    for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
        cells += len(values)
        if number > EXCEL_MAX_ROWS or cells > MAX_CELLS:
            raise DataError(
                f"{filename} holds a sheet of more than {MAX_CELLS:,} cells (or rows beyond Excel's last row), "
                f"over the limit for Excel files. {_AS_CSV}"
            )
        cleaned = [_clean(value) for value in values]
        if any(value is not None for value in cleaned):
            rows.append((number, cleaned))
    return rows


def _header_index(rows: list[tuple[int, list[Any]]]) -> int:
    """Position (in ``rows``) of the header: the first row at least half as wide as the widest early row.

    When that row only numbers the variables (``X1 .. X23, Y`` above ``ID, LIMIT_BAL ...``, as UCI's "default of
    credit card clients.xls") and the row below it names them in words, the row below is the header.
    """
    widths = [sum(value is not None for value in values) for _, values in rows[:_HEADER_SEARCH_ROWS]]
    widest = max(widths)
    needed = 1 if widest == 1 else max(2, (widest + 1) // 2)
    found = next(i for i, width in enumerate(widths) if width >= needed)
    if found + 1 < len(rows) and _variable_codes(rows[found][1]) and _names_in_words(rows[found + 1][1]):
        return found + 1
    return found


_VARIABLE_CODE = re.compile(r"^[A-Za-z]{1,2}\d{0,3}$")  # X1, X23, Y, V12: a variable's number, not its name


def _variable_codes(values: list[Any]) -> bool:
    """Every cell of the row is empty or a variable code, and most carry a number (``X1``, not ``Age``)."""
    cells = [str(value).strip() for value in values if value is not None]
    return len(cells) >= 3 and all(_VARIABLE_CODE.match(c) for c in cells) and sum(c[-1].isdigit() for c in cells) > 1


def _names_in_words(values: list[Any]) -> bool:
    """Every non-empty cell is distinct text with a letter, and one reads as more than a code (``LIMIT_BAL``).

    Distinct: a first row of answers (``yes, no, yes``) under ``Q1 .. Q20`` is data, not names.
    """
    cells = [value for value in values if value is not None]
    if len(cells) < 3 or not all(isinstance(c, str) and re.search(r"[A-Za-z]", c) for c in cells):
        return False
    if len({c.strip().lower() for c in cells}) < len(cells):
        return False
    return any(not _VARIABLE_CODE.match(c.strip()) for c in cells)


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

    check_workbook_size(data, filename)
    try:
        with warnings.catch_warnings():  # damaged styles, dates out of Excel's range: the cells still read
            warnings.simplefilter("ignore", UserWarning)
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
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                rows = _sheet_rows(worksheet, filename)
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
