r"""The single loader: bytes and a file name in, a clean DataFrame and a report the user can trust out.

The app, the command line and notebooks all call :func:`read_table` / :func:`load_table` (or
:func:`read_path`). Delimited text is sniffed on its first 64 KB (encoding, delimiter, decimal mark, title
lines), then read with one call of pandas' C parser; text columns that are mostly numbers (currency,
percent, decimal comma, thousands separators) are converted vectorised. Card numbers are masked before the
frame is returned. Anything that cannot be read raises :class:`DataError` with what to do; nothing else.

Examples
--------
>>> loaded = load_table(b"id;amount\nA1;1.234,50 \xe2\x82\xac\nA2;N/A\n", "export.csv")
>>> loaded.frame["amount"].tolist()
[1234.5, nan]
>>> loaded.report.delimiter, loaded.report.decimal_mark, loaded.report.converted_columns
(';', ',', {'amount': 'currency, decimal comma, thousands separator'})
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from core import cards, schema
from core.errors import DataError, excerpt
from core.io import _dates as dates
from core.io import _numbers as numbers
from core.io import _sniff as io_sniff
from core.io._excel import read_excel

__all__ = ["MAX_UPLOAD_BYTES", "DataError", "LoadReport", "LoadedTable", "load_table", "read_path", "read_table"]

MAX_UPLOAD_BYTES = 120 * 1024 * 1024  # matches server.maxUploadSize = 120 (MB) in .streamlit/config.toml
_FALLBACK_ENCODINGS = ("cp1252", "latin-1")
_SKIPPED_LINE = re.compile(r"Skipping line (\d+)")
_TRUNCATED = "does not match length of data"
_OPEN_QUOTE = "EOF inside string"
_BLANK_LINE = re.compile(rb"\n[ \t\r\f\v]*(?=\n|\Z)")  # a blank line after a line break
_ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 (with BOM)",
    "cp1252": "Windows-1252",
    "latin-1": "Latin-1",
    "utf-16": "UTF-16",
    "utf-16-le": "UTF-16 (little-endian, no BOM)",
    "utf-16-be": "UTF-16 (big-endian, no BOM)",
    "utf-32": "UTF-32",
    "utf-32-le": "UTF-32 (little-endian, no BOM)",
    "utf-32-be": "UTF-32 (big-endian, no BOM)",
}
_WIDE_ENCODINGS = ("utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be")


@dataclass(frozen=True)
class LoadReport:
    """What the loader found and did, in terms a business user can check.

    Attributes
    ----------
    rows, columns : int
        Shape of the loaded table.
    delimiter : str or None
        Column separator of a text file (``None`` for Excel or one-column files).
    encoding : str or None
        Text encoding (``None`` for Excel).
    decimal_mark : str
        ``"."`` or ``","``.
    thousands_separator : str or None
        The thousands separator seen in number columns, if any.
    converted_columns : Mapping[str, str]
        Column -> what was converted from text to numbers (``"currency, decimal comma"``).
    null_markers_found : Mapping[str, int]
        Null-marker spelling -> number of cells turned into missing values.
    out_of_range_dates : Mapping[str, OutOfRange]
        Column -> how many dates outside 1677-2262 (``9999-12-31``, ``0001-01-01``) became missing values,
        with the first one as an example.
    skipped_lines : tuple of int
        Line numbers of rows skipped because they had more fields than the header.
    inf_replaced : int
        Infinite values turned into missing values.
    duplicate_rows : int
        Rows that exactly repeat an earlier row (kept; the Clean page can drop them).
    duplicate_ids : int
        Repeated values in the inferred id column.
    id_column : str or None
        The inferred id column.
    masked_columns : tuple of str
        Card-number columns masked to their last four digits.
    sheet : str or None
        Excel sheet read.
    header_row : int
        1-based line (text) or row (Excel) holding the column names.
    notes : tuple of str
        Plain sentences about anything else worth knowing.
    """

    rows: int
    columns: int
    delimiter: str | None
    encoding: str | None
    decimal_mark: str
    thousands_separator: str | None
    converted_columns: Mapping[str, str] = field(default_factory=dict)
    null_markers_found: Mapping[str, int] = field(default_factory=dict)
    out_of_range_dates: Mapping[str, dates.OutOfRange] = field(default_factory=dict)
    skipped_lines: tuple[int, ...] = ()
    inf_replaced: int = 0
    duplicate_rows: int = 0
    duplicate_ids: int = 0
    id_column: str | None = None
    masked_columns: tuple[str, ...] = ()
    sheet: str | None = None
    header_row: int = 1
    notes: tuple[str, ...] = ()

    def as_lines(self) -> list[str]:
        """Return the report as short plain sentences, most important first."""
        if self.sheet is not None:
            source = f"Excel sheet {self.sheet!r}, header on row {self.header_row}"
        else:
            source = (
                f"{io_sniff.DELIMITER_NAMES.get(self.delimiter, repr(self.delimiter))} separated, "
                f"{_ENCODING_NAMES.get(self.encoding or '', self.encoding)} text, header on line {self.header_row}"
            )
        decimal = "comma" if self.decimal_mark == "," else "point"
        lines = [
            f"{self.rows:,} rows and {self.columns} columns ({source}).",
            f"Decimal mark: {decimal}"
            + (f"; thousands separator: {self.thousands_separator!r}." if self.thousands_separator else "."),
        ]
        if self.converted_columns:
            parts = [f"{column} ({what})" for column, what in self.converted_columns.items()]
            lines.append("Converted from text to numbers: " + "; ".join(parts) + ".")
        if any("percent" in what for what in self.converted_columns.values()):
            lines.append("Percentages were divided by 100 (45% became 0.45).")
        if self.null_markers_found:
            parts = [f"{marker!r} x {count:,}" for marker, count in self.null_markers_found.items()]
            lines.append("Read as missing values: " + ", ".join(parts) + ".")
        lines.extend(found.sentence(column) for column, found in self.out_of_range_dates.items())
        if self.skipped_lines:
            shown = ", ".join(str(line) for line in self.skipped_lines[:20])
            more = f" and {len(self.skipped_lines) - 20:,} more" if len(self.skipped_lines) > 20 else ""
            lines.append(
                f"Skipped {len(self.skipped_lines):,} rows with more fields than the header (lines {shown}{more})."
            )
        if self.inf_replaced:
            lines.append(f"{self.inf_replaced:,} infinite values were treated as missing.")
        lines.append(f"Exact duplicate rows: {self.duplicate_rows:,}.")
        if self.id_column is not None:
            lines.append(f"Id column: {self.id_column}; repeated ids: {self.duplicate_ids:,}.")
        if self.masked_columns:
            lines.append("Card numbers masked (last 4 digits kept): " + ", ".join(self.masked_columns) + ".")
        lines.extend(self.notes)
        return lines


@dataclass(frozen=True)
class LoadedTable:
    """A loaded table (card numbers masked) and its :class:`LoadReport`."""

    frame: pd.DataFrame
    report: LoadReport


def load_table(
    data: bytes, filename: str, *, max_bytes: int = MAX_UPLOAD_BYTES, mask_key: bytes | None = None
) -> LoadedTable:
    """Read an uploaded CSV / TSV / TXT / XLSX file into a DataFrame, with a report of what was done.

    Parameters
    ----------
    data : bytes
        The file's content.
    filename : str
        The file's name; its extension is a hint only (the content decides).
    max_bytes : int, default MAX_UPLOAD_BYTES
        Larger files are refused.
    mask_key : bytes, optional
        The card-masking key of this session or run (see :mod:`core.cards`); one per process when omitted.

    Returns
    -------
    LoadedTable
        ``frame``: one column per input column (names stripped), numbers as numbers, missing values as NaN,
        card-number columns masked; ``report``: see :class:`LoadReport`.

    Raises
    ------
    DataError
        For an empty, oversized, binary, JSON, HTML, old-Excel or unreadable file, or a header with no rows.
        No other exception escapes.
    """
    filename = excerpt(str(filename or "the file").strip() or "the file")
    try:
        return _load(bytes(data), filename, max_bytes, mask_key)
    except DataError:
        raise
    except MemoryError as error:
        raise DataError(f"{filename} is too large to load in the memory available. Upload fewer rows.") from error
    except Exception as error:  # a safety net: the UI must only ever see an actionable message
        raise DataError(
            f"{filename} could not be read ({type(error).__name__}). Export it again as a plain CSV "
            "(comma or semicolon separated, with one header row) or as .xlsx."
        ) from error


def read_table(data: bytes, filename: str) -> pd.DataFrame:
    """Return just the table of :func:`load_table` (the single loader for the app, CLI and notebooks)."""
    return load_table(data, filename).frame


def read_path(path: str | Path) -> LoadedTable:
    """Load a file from disk with :func:`load_table`.

    Raises
    ------
    DataError
        When the file does not exist or cannot be read.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise DataError(f"{path.name} could not be opened ({error.strerror or error}). Check the path.") from error
    return load_table(data, path.name)


def _load(data: bytes, filename: str, max_bytes: int, mask_key: bytes | None = None) -> LoadedTable:
    if len(data) > max_bytes:
        raise DataError(
            f"{filename} is {len(data) / 1024**2:,.0f} MB, over the {max_bytes / 1024**2:,.0f} MB limit. "
            "Upload fewer rows or only the columns you need."
        )
    if not data.strip():
        raise DataError(f"{filename} is empty. Export the table again with its header and rows.")
    if filename.lower().endswith(".xls") and data.startswith(b"\xd0\xcf\x11\xe0"):
        raise DataError(f"{filename} is an old Excel (.xls) workbook. Save it as .xlsx or CSV and upload that.")
    if io_sniff.kind_of_bytes(data, filename) == "excel":
        return _from_excel(data, filename, mask_key)
    return _from_text(data, filename, mask_key)


def _from_excel(data: bytes, filename: str, mask_key: bytes | None = None) -> LoadedTable:
    table = read_excel(data, filename)
    frame = _settle_object_columns(table.frame)
    return _finish(
        frame,
        filename,
        delimiter=None,
        encoding=None,
        decimal=".",
        skipped=(),
        sheet=table.sheet,
        header_row=table.header_row,
        notes=list(table.notes),
        mask_key=mask_key,
    )


def _settle_object_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Give Excel's object columns real types: numbers, dates, or text for anything mixed."""
    out = {}
    for column in frame.columns:
        values = frame[column]
        present = values.dropna()
        kinds = {type(value) for value in present}
        if present.empty:
            out[column] = values.astype("float64")
        elif kinds <= {int, float} or kinds == {bool}:
            out[column] = pd.to_numeric(values, errors="coerce") if kinds != {bool} else values.astype("boolean")
        elif all(isinstance(value, (pd.Timestamp, np.datetime64)) or hasattr(value, "year") for value in present):
            out[column] = pd.to_datetime(values, errors="coerce")
        else:
            out[column] = values.where(values.isna(), values.astype("str")).astype("str")
    return pd.DataFrame(out, index=frame.index)


def _to_utf8(data: bytes, encoding: str, filename: str) -> bytes:
    """Re-encode UTF-16 / UTF-32 text as UTF-8 for the parser."""
    try:
        return data.decode(encoding).encode("utf-8")
    except UnicodeDecodeError as error:
        name = _ENCODING_NAMES[encoding].split(" (")[0]
        raise DataError(f"{filename} is not valid {name} text. Export it again as UTF-8 CSV.") from error


def _from_text(data: bytes, filename: str, mask_key: bytes | None = None) -> LoadedTable:
    encoding = io_sniff.detect_encoding(data)
    notes: list[str] = []
    wide = encoding if encoding in _WIDE_ENCODINGS else None
    if wide is not None:
        data, encoding = _to_utf8(data, wide, filename), "utf-8"
        excel = " (Excel 'Unicode text')" if wide == "utf-16" else ""
        notes.append(f"The file was {_ENCODING_NAMES[wide]} text{excel}; it was read as such.")
    head = data[: io_sniff.SNIFF_BYTES].decode(encoding, errors="ignore")
    io_sniff.check_text(head, filename)
    dialect = io_sniff.sniff_dialect(head, filename)
    decimal = numbers.guess_decimal_mark(list(dialect.sample_cells))
    frame, skipped, encoding = _read_csv(data, dialect, decimal, encoding, filename)
    swallowed = _lines_inside_quotes(data, dialect, frame, skipped)
    if swallowed:
        notes.insert(0, swallowed)
    if dialect.header_line:
        notes.append(f"The first {dialect.header_line} line(s) look like titles and were skipped.")
    return _finish(
        frame,
        filename,
        delimiter=dialect.delimiter,
        encoding=wide or encoding,
        decimal=decimal,
        skipped=skipped,
        sheet=None,
        header_row=dialect.header_line + 1,
        notes=notes,
        mask_key=mask_key,
    )


def _read_csv(
    data: bytes, dialect: io_sniff.Dialect, decimal: str, encoding: str, filename: str
) -> tuple[pd.DataFrame, tuple[int, ...], str]:
    """One call of pandas' C parser with the sniffed dialect; retry with cp1252 / Latin-1 on a bad byte."""
    sep = dialect.delimiter or ","
    options = {
        "sep": sep,
        "decimal": decimal if decimal != sep else ".",
        "skiprows": dialect.header_line,
        "index_col": False,
        "keep_default_na": False,
        "na_values": [""],
        "skipinitialspace": True,
        "skip_blank_lines": True,
        "on_bad_lines": "warn",
        "dtype": dict.fromkeys(dialect.text_columns, "str"),
        "low_memory": False,
        "engine": "c",
    }
    attempts = [encoding] if encoding == "latin-1" else list(dict.fromkeys((encoding, *_FALLBACK_ENCODINGS)))
    for attempt in attempts:
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                frame = pd.read_csv(io.BytesIO(data), encoding=attempt, **options)
        except UnicodeDecodeError:
            continue
        except pd.errors.EmptyDataError as error:
            raise DataError(f"{filename} has no columns. Export the table again with its header and rows.") from error
        except (pd.errors.ParserError, ValueError, csv_error()) as error:
            if _OPEN_QUOTE in str(error):
                row = re.search(r"row (\d+)", str(error))
                where = f" (it opens on line {int(row[1]) + 1 + dialect.header_line:,})" if row else ""
                raise DataError(
                    f"{filename} has a quote that is never closed{where}, so everything after it would be one cell. "
                    "Close the quote, or export the file again with its text quoted."
                ) from error
            raise DataError(
                f"{filename} could not be read as a table: {_first_line(error)}. Check that it is a plain CSV "
                "export with one header row, or save it as .xlsx."
            ) from error
        skipped = tuple(int(number) for warning in caught for number in _SKIPPED_LINE.findall(str(warning.message)))
        if any(_TRUNCATED in str(warning.message) for warning in caught):
            frame, skipped = _read_long_first_row(data, options, attempt, dialect)
        return frame, skipped, attempt
    raise DataError(f"{filename} uses an unknown text encoding. Export it again as UTF-8 CSV.")


def _read_long_first_row(
    data: bytes, options: dict, encoding: str, dialect: io_sniff.Dialect
) -> tuple[pd.DataFrame, tuple[int, ...]]:
    """Re-read a file whose first data row has more fields than the header.

    pandas then takes that row's width as the norm and silently cuts every longer row (an unquoted
    ``$1,234.50`` becomes ``1``). Here rows are read as wide as the first one: extra fields that are empty (a
    trailing delimiter) are dropped; rows with extra values, or wider than the first, are skipped and reported
    by line number. The header's columns are parsed as usual (text where a skipped row made them text, which
    :func:`_finish` then converts).
    """
    with warnings.catch_warnings():  # "Length of header ... does not match": exactly the case handled here
        warnings.simplefilter("ignore", pd.errors.ParserWarning)
        header = pd.read_csv(io.BytesIO(data), encoding=encoding, **{**options, "nrows": 0}).columns
    width = len(header)
    body_options = {**options, "header": None, "skiprows": dialect.header_line + 1}
    first = pd.read_csv(io.BytesIO(data), encoding=encoding, **{**body_options, "nrows": 1, "dtype": "str"})
    wide = max(width, first.shape[1])
    dtype = {**options["dtype"], **dict.fromkeys(range(width, wide), "str")}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        raw = pd.read_csv(
            io.BytesIO(data),
            encoding=encoding,
            **{**body_options, "names": range(wide), "dtype": dtype, "skip_blank_lines": False},
        )
    skipped = [int(number) for warning in caught for number in _SKIPPED_LINE.findall(str(warning.message))]
    too_long = raw.iloc[:, width:].notna().any(axis=1).to_numpy()
    first_line = dialect.header_line + 2
    skipped.extend(int(position) + first_line for position in np.flatnonzero(too_long))
    body = raw.iloc[:, :width]
    if too_long.any():
        body = body.loc[~too_long].reset_index(drop=True)
    body.columns = header
    return body, tuple(sorted(skipped))


def _count_lines(data: bytes) -> int:
    """Count the lines of ``data`` that hold anything but white space (the parser skips the others)."""
    text = data if b"\n" in data else data.replace(b"\r", b"\n")
    segments = text.count(b"\n") + 1
    first_break = text.find(b"\n")
    first_line = text if first_break < 0 else text[:first_break]
    blank = len(_BLANK_LINE.findall(text)) + (0 if first_line.strip() else 1)
    return max(segments - blank, 0)


def _lines_inside_quotes(
    data: bytes, dialect: io_sniff.Dialect, frame: pd.DataFrame, skipped: tuple[int, ...]
) -> str | None:
    """Say how many lines of the file went into quoted cells instead of rows, if any (an unclosed quote).

    Without quotes, every line is one row; a quote left open makes the parser read the following lines into
    one cell (or into one over-long row that is skipped), so the rows would silently be fewer than the lines.
    """
    if b'"' not in data:
        return None
    head = data[: io_sniff.SNIFF_BYTES].replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
    before = sum(1 for line in head[: dialect.header_line + 1] if line.strip())
    lines = _count_lines(data) - before
    rows = len(frame) + len(skipped)
    if lines <= rows:
        return None
    first = None
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_string_dtype(values) or pd.api.types.is_object_dtype(values):
            text = values.astype("str")
            broken = (text.str.contains("\n", regex=False) | text.str.contains("\r", regex=False)).fillna(False)
            positions = np.flatnonzero(broken.to_numpy(dtype=bool) & values.notna().to_numpy(dtype=bool))
            if len(positions) and (first is None or positions[0] < first[0]):
                first = (int(positions[0]), column)
    if first is not None:
        line = dialect.header_line + 2 + first[0]
        where = f"A quoted cell in {excerpt(first[1])} starting near line {line:,} runs over several lines"
    elif skipped:
        where = f"The row starting on line {skipped[0]:,} runs over several lines and was skipped"
    else:
        where = "Some quoted cells run over several lines"
    lost = lines - rows
    return (
        f"{lost:,} line(s) of the file were read into quoted cells, not rows: it has {lines:,} lines after the "
        f"header but gave {rows:,} rows. {where}; if that is not intended, a quote was left open there: close it "
        "and load the file again."
    )


def csv_error() -> type[Exception]:
    """Return the exception type of Python's csv module (raised by pandas for some malformed files)."""
    import csv

    return csv.Error


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return excerpt(text[0].rstrip("."), 160) if text else type(error).__name__


# A footer a spreadsheet or bank export adds under its rows: the word in one cell, the sums in a few, the rest empty.
_TOTAL_WORDS = frozenset(
    {
        "total", "totals", "grand total", "sum", "subtotal", "sub total", "summe", "gesamt", "gesamtsumme",
        "saldo", "endsaldo", "closing balance", "somme", "total général", "totale", "totaal", "suma", "summa",
    }
)  # fmt: skip
_FOOTER_ROWS = 3  # only the last few rows are looked at: a word inside the table is a value, not a footer


_AMOUNT_TEXT = re.compile(  # a sum as text: "1.234,56 €", "(40.00)", "-12", "3 000 EUR"
    r"[-+(]?\s*[€$£¥]?\s*[-+]?[\d.,' \u00a0]*\d[\d.,' \u00a0]*\s*[€$£¥%]?\s*(EUR|USD|GBP|CHF)?\)?"
)


def _is_total_row(row: pd.Series) -> bool:
    """Tell a totals line: a total word in one cell, only amounts in the other filled ones, some cell empty."""
    filled = row.dropna()
    if len(filled) == len(row):
        return False
    texts = [str(value).strip() for value in filled]
    worded = [text for text in texts if text.rstrip(":").lower() in _TOTAL_WORDS]
    others = [text for text in texts if text not in worded]
    return bool(worded) and all(_AMOUNT_TEXT.fullmatch(text) for text in others)


def _drop_total_rows(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Drop a totals footer (``Summe``, ``Total``, ... with most cells empty) from the end of the table.

    Left in, the row becomes one more customer or transaction, and its word turns a numeric key column into text.

    >>> frame = pd.DataFrame({"id": ["1", "2", "Summe"], "date": ["x", "y", None], "amount": [1.0, 2.0, 3.0]})
    >>> table, notes = _drop_total_rows(frame)
    >>> len(table), notes[0]
    (2, "The last row ('Summe') looks like a totals line, not a record, and was left out.")
    """
    last = len(frame)
    while last > 0 and len(frame) - last < _FOOTER_ROWS and _is_total_row(frame.iloc[last - 1]):
        last -= 1
    if last == len(frame) or last == 0:
        return frame, []
    words = [
        str(value).strip()
        for _, row in frame.iloc[last:].iterrows()
        for value in row.dropna()
        if str(value).strip().rstrip(":").lower() in _TOTAL_WORDS
    ]
    dropped = len(frame) - last
    which = "last row" if dropped == 1 else f"last {dropped} rows"
    look = "looks like a totals line, not a record," if dropped == 1 else "look like totals lines, not records,"
    quoted = ", ".join(f"'{word}'" for word in dict.fromkeys(words))
    note = f"The {which} ({quoted}) {look} and {'was' if dropped == 1 else 'were'} left out."
    return frame.iloc[:last].reset_index(drop=True), [note]


def _tidy(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Strip column names, drop unnamed empty columns, fully empty rows and a totals footer."""
    notes = []
    frame = frame.rename(columns=lambda name: str(name).strip())
    empty_unnamed = [
        column
        for column in frame.columns
        if (column.startswith("Unnamed:") or column.startswith("column_") or not column) and frame[column].isna().all()
    ]
    if empty_unnamed:
        frame = frame.drop(columns=empty_unnamed)
        notes.append(f"Dropped {len(empty_unnamed)} empty column(s) without a name.")
    blank = frame.isna().all(axis=1)
    if len(frame.columns) and bool(blank.any()):
        frame = frame.loc[~blank].reset_index(drop=True)
        notes.append(f"Dropped {int(blank.sum()):,} empty row(s).")
        for column in frame.select_dtypes(include="floating").columns:  # whole numbers made float by blank rows
            values = frame[column]
            if not values.isna().any() and bool(np.all(np.isfinite(values)) and np.all(values == np.round(values))):
                frame[column] = values.astype("int64")
    if len(frame.columns) >= 2:
        frame, footer = _drop_total_rows(frame)
        notes.extend(footer)
    return frame, notes


def _finish(
    frame: pd.DataFrame,
    filename: str,
    *,
    delimiter: str | None,
    encoding: str | None,
    decimal: str,
    skipped: tuple[int, ...],
    sheet: str | None,
    header_row: int,
    notes: list[str],
    mask_key: bytes | None = None,
) -> LoadedTable:
    frame, tidy_notes = _tidy(frame)
    notes.extend(tidy_notes)
    if frame.shape[1] == 0:
        raise DataError(f"{filename} has no columns. Export the table again with its header and rows.")
    if frame.shape[0] == 0:
        raise DataError(
            f"{filename} has a header ({excerpt(', '.join(map(str, frame.columns[:5])))}"
            f"{', ...' if frame.shape[1] > 5 else ''}) but no rows. Export the table again with its data."
        )
    columns: dict[str, pd.Series] = {}
    markers: dict[str, int] = {}
    converted: dict[str, tuple[str, ...]] = {}
    thousands: str | None = None
    for position, name in enumerate(frame.columns):
        values = frame.iloc[:, position]
        if pd.api.types.is_string_dtype(values) or pd.api.types.is_object_dtype(values):
            values, found = numbers.replace_null_markers(values)
            for marker, count in found.items():
                markers[marker] = markers.get(marker, 0) + count
            if cards.is_card_column(
                values, name
            ):  # as numbers, 17+ digits lose their last ones (and the mask with them)
                columns[name] = values
                continue
            conversion = numbers.convert_text_column(values, decimal_hint=decimal)
            if conversion is not None:
                values = conversion.numbers
                converted[name] = conversion.kinds
                thousands = thousands or conversion.thousands
                if conversion.decimal == ",":
                    decimal = ","
                if conversion.unreadable:
                    notes.append(f"{conversion.unreadable:,} value(s) in {name} were not numbers and are now missing.")
            elif values.isna().all():
                values = values.astype("float64")
        columns[name] = values
    frame = pd.DataFrame(columns, index=frame.index)
    frame, out_of_range = _drop_out_of_range_dates(frame)
    frame, inf_count = _replace_inf(frame)
    frame, masked = cards.mask_card_numbers(frame, mask_key)
    roles = schema.infer_roles(frame)
    id_name = schema.id_column(roles)
    duplicate_ids, duplicate_rows = _count_duplicates(frame, id_name)
    report = LoadReport(
        rows=len(frame),
        columns=frame.shape[1],
        delimiter=delimiter,
        encoding=encoding,
        decimal_mark=decimal,
        thousands_separator=thousands,
        converted_columns=numbers.describe_kinds(converted),
        null_markers_found=markers,
        out_of_range_dates=out_of_range,
        skipped_lines=skipped,
        inf_replaced=inf_count,
        duplicate_rows=duplicate_rows,
        duplicate_ids=duplicate_ids,
        id_column=id_name,
        masked_columns=tuple(masked),
        sheet=sheet,
        header_row=header_row,
        notes=tuple(notes),
    )
    return LoadedTable(frame=frame, report=report)


def _drop_out_of_range_dates(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, dates.OutOfRange]]:
    """Make dates outside 1677-2262 missing, in date columns and in text columns written as dates."""
    found: dict[str, dates.OutOfRange] = {}
    columns: dict[str, pd.Series] = {}
    for name in frame.columns:
        values, what = frame[name], None
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            pass
        elif pd.api.types.is_datetime64_any_dtype(values):
            values, what = dates.drop_out_of_range_dates(values)
        elif pd.api.types.is_string_dtype(values) or pd.api.types.is_object_dtype(values):
            values, what = dates.drop_out_of_range_text(values)
        columns[name] = values
        if what is not None:
            found[name] = what
    if not found and all(columns[name] is frame[name] for name in frame.columns):
        return frame, found
    return pd.DataFrame(columns, index=frame.index), found


def _count_duplicates(frame: pd.DataFrame, id_name: str | None) -> tuple[int, int]:
    """Return (repeated ids, exact duplicate rows); rows can only repeat where their id repeats."""
    if id_name is None:
        return 0, int(pd.util.hash_pandas_object(frame, index=False).duplicated().sum())
    ids = frame[id_name]
    repeated = ids.duplicated(keep=False) & ids.notna()
    duplicate_ids = int(ids[repeated].duplicated().sum())
    candidates = frame.loc[repeated | ids.isna()]
    duplicate_rows = int(candidates.duplicated().sum()) if len(candidates) else 0
    return duplicate_ids, duplicate_rows


def _replace_inf(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    floats = frame.select_dtypes(include="floating").columns
    if len(floats) == 0:
        return frame, 0
    infinite = np.isinf(frame[floats].to_numpy(dtype="float64", na_value=np.nan))
    count = int(infinite.sum())
    if not count:
        return frame, 0
    out = frame.copy()
    out[floats] = out[floats].mask(pd.DataFrame(infinite, index=frame.index, columns=floats))
    return out, count
