"""The one workbook builder: frames in, a formatted, formula-safe ``.xlsx`` out.

Each :class:`Sheet` gets a bold frozen header, an autofilter, column widths from its contents, number formats
(by dtype, or as given), optional colour scales and an optional native Excel bar chart. openpyxl writes the
workbook in write-only mode with each sheet's header and one *template* row whose cells carry the styles;
the data rows are then generated column-wise with pyarrow (a dependency of pandas' string columns and of
Streamlit) and streamed into the package in place of the template row. That keeps 1,000,000 customers well
under a minute, where openpyxl's cell-by-cell path needs several.

Formula safety: every text cell is written as an inline string (``t="inlineStr"``), which spreadsheet
programs show as text and never evaluate, so ids like ``=HYPERLINK(...)``, ``+1+1`` or ``@SUM(1)`` stay text.
The CSV export prefixes such text with an apostrophe, the usual defence for files opened in a spreadsheet.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import shutil
import tempfile
import time
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart as XlBarChart
from openpyxl.chart import Reference
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from core.errors import DataError

MAX_EXCEL_ROWS = 1_048_576  # including the header row
CHUNK_ROWS = 50_000
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
_WRAP = Alignment(wrap_text=True, vertical="top")
_INVALID_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_XML_ILLEGAL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x{fffe}\x{ffff}]"  # RE2 syntax (pyarrow)
_EXCEL_EPOCH = np.datetime64("1899-12-30T00:00:00", "ns")
_NS_PER_DAY = 86_400 * 1_000_000_000


@dataclass(frozen=True)
class BarChart:
    """A native Excel bar chart drawn from two columns of the sheet it sits on.

    Attributes
    ----------
    title : str
        Chart title.
    label_column : str
        Column holding the bar labels.
    value_column : str
        Column holding the bar heights.
    anchor : str or None
        Top-left cell of the chart; default: two columns right of the table.
    """

    title: str
    label_column: str
    value_column: str
    anchor: str | None = None


@dataclass(frozen=True)
class Sheet:
    r"""One worksheet: a frame and how to present it.

    Attributes
    ----------
    name : str
        Sheet name (at most 31 characters, none of ``[]:*?/\``).
    frame : pandas.DataFrame
        The rows; its index is not written (reset it first to keep it).
    description : str
        What the sheet holds, listed on the README sheet.
    number_formats : Mapping[str, str]
        Column -> Excel number format (``"0.0%"``); other columns get a format by dtype.
    colour_scale : tuple of str
        Columns given a three-colour scale (low red, middle yellow, high green).
    bar_chart : BarChart or None
        A native bar chart of two of the columns.
    wrap : tuple of str
        Columns whose text wraps (long descriptions).
    """

    name: str
    frame: pd.DataFrame
    description: str = ""
    number_formats: Mapping[str, str] = field(default_factory=dict)
    colour_scale: tuple[str, ...] = ()
    bar_chart: BarChart | None = None
    wrap: tuple[str, ...] = ()


# whole numbers shown without a separator: positions, segment ids, years, ids and codes (a name ending in
# "num" too, like CLIENTNUM): 736801603, not 736,801,603
_PLAIN_INTEGER_WORDS = frozenset({"rank", "row", "segment", "cluster", "dof", "k", "year", "id", "key", "code", "zip"})
# whole numbers shown with a separator: counts
_COUNT_WORDS = frozenset({"count", "ct", "customers", "size", "rows", "frequency", "transactions", "members"})
_SAMPLE_VALUES = 200_000  # the decimals of a float column are chosen from at most this many values


def _name_words(name: object) -> list[str]:
    """Return the lower-case words of a column name (``anomaly_rank`` -> rank; ``CLIENTNUM`` -> clientnum).

    Examples
    --------
    >>> _name_words("Total_Trans_Ct"), _name_words("count_1h"), _name_words("n_customers")
    (['total', 'trans', 'ct'], ['count', '1h'], ['n', 'customers'])
    """
    return [w.lower() for w in re.split(r"[^0-9A-Za-z]+", str(name)) if w]


def _integer_format(name: object) -> str | None:
    """``0`` for ranks, rows, segments, years and ids; ``#,##0`` for counts; None when the name says neither.

    Examples
    --------
    >>> _integer_format("anomaly_rank"), _integer_format("count_1h"), _integer_format("score_segment_distance")
    ('0', '#,##0', None)
    """
    words = _name_words(name)
    if not words:
        return None
    if words[-1] in _PLAIN_INTEGER_WORDS or words[-1].endswith("num"):  # anomaly_rank, from_segment, cc_num
        return "0"
    if words[0] == "n" or any(w in _COUNT_WORDS for w in words):  # count_1h, Total_Trans_Ct, n_customers
        return "#,##0"
    return None


def _float_format(values: np.ndarray) -> str:
    """Decimals from the column's magnitude: its small values (10th percentile) keep 3 significant digits.

    Amounts keep ``#,##0.00``; shares like 0.082 get ``0.0000``; probabilities like 6.2e-05 get the
    scientific ``0.00E+00`` of the p-value columns, never a 0.00 that hides them.

    Examples
    --------
    >>> _float_format(np.array([19175.5, 1.22, np.nan])), _float_format(np.array([0.082, 0.05, 0.0]))
    ('#,##0.00', '0.0000')
    >>> _float_format(np.array([6.2e-05, 0.99994, 1.4e-04]))
    '0.00E+00'
    """
    sizes = np.abs(values[np.isfinite(values)])
    sizes = sizes[sizes > 0]
    if not len(sizes):
        return "#,##0.00"
    small = float(np.quantile(sizes, 0.1))
    if small >= 0.1:
        return "#,##0.00"
    decimals = 2 - int(np.floor(np.log10(small)))
    if decimals > 6:
        return "0.00E+00"
    return ("#,##0." if sizes.max() >= 1000 else "0.") + "0" * decimals


def _default_format(series: pd.Series, name: object = "") -> str | None:
    """Return the number format of a column without a given one, from its dtype, its name and its values.

    Examples
    --------
    >>> _default_format(pd.Series([1, 2]), "anomaly_rank"), _default_format(pd.Series([1, 2]), "Total_Trans_Ct")
    ('0', '#,##0')
    >>> _default_format(pd.Series([3.0, np.nan]), "count_1h"), _default_format(pd.Series([2.0, 1.0]), "segment")
    ('#,##0', '0')
    >>> _default_format(pd.Series([2.0, 1.5]), "rank"), _default_format(pd.Series(["a"]), "id")
    ('#,##0.00', None)
    """
    if pd.api.types.is_bool_dtype(series):
        return None
    if pd.api.types.is_integer_dtype(series):
        return _integer_format(name) or "#,##0"
    if pd.api.types.is_float_dtype(series):
        values = series.head(_SAMPLE_VALUES).to_numpy(dtype="float64", na_value=np.nan)
        finite = values[np.isfinite(values)]
        if np.array_equal(finite, np.round(finite)):  # no value at all: the name decides
            whole = _integer_format(name)
            if whole:
                return whole
        return _float_format(values)
    if pd.api.types.is_datetime64_any_dtype(series):
        return "yyyy-mm-dd hh:mm:ss"
    return None


def _kind(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "bool"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "datetime"
    if pd.api.types.is_timedelta64_dtype(series):
        return "timedelta"
    if pd.api.types.is_numeric_dtype(series):
        return "number"
    return "text"


_PLACEHOLDER = {"bool": True, "datetime": dt.datetime(2000, 1, 1), "timedelta": 0.0, "number": 0, "text": "x"}


def _check_names(sheets: Sequence[Sheet]) -> None:
    seen: set[str] = set()
    for sheet in sheets:
        name = sheet.name
        if not name or len(name) > 31 or _INVALID_SHEET_CHARS.search(name):
            raise DataError(f"'{name}' cannot be a sheet name: use 1 to 31 characters without []:*?/\\.")
        if name.lower() in seen:
            raise DataError(f"Two sheets are called '{name}': give each sheet its own name.")
        seen.add(name.lower())
        if len(sheet.frame) + 1 > MAX_EXCEL_ROWS:
            raise DataError(
                f"The {name} sheet has {len(sheet.frame):,} rows, more than Excel's {MAX_EXCEL_ROWS - 1:,}: "
                "export those rows as CSV instead."
            )


def _text_array(series: pd.Series) -> pa.Array:
    """Text as XML-escaped strings (nulls stay null)."""
    values = pa.array(series.astype("string").to_numpy(dtype=object, na_value=None), type=pa.string())
    values = pc.replace_substring(values, "&", "&amp;")
    values = pc.replace_substring(values, "<", "&lt;")
    values = pc.replace_substring(values, ">", "&gt;")
    values = pc.replace_substring(values, "\n", "&#10;")
    values = pc.replace_substring(values, "\r", "&#13;")
    values = pc.replace_substring(values, "\t", "&#9;")
    return pc.replace_substring_regex(values, _XML_ILLEGAL, "")


def _number_array(series: pd.Series, kind: str) -> pa.Array:
    """Numbers (bools as 0/1, datetimes as Excel serial days) as strings; NaN, inf and NaT as null."""
    if kind == "bool":
        values = series.astype("boolean").astype("Int8")
        return pc.cast(pa.array(values.to_numpy(dtype=object, na_value=None), type=pa.int8()), pa.string())
    if kind == "datetime":
        stamps = series.dt.tz_convert(None) if getattr(series.dt, "tz", None) is not None else series
        ns = stamps.to_numpy(dtype="datetime64[ns]")
        days = (ns - _EXCEL_EPOCH).astype("int64") / _NS_PER_DAY
        return pc.cast(pa.array(days, mask=np.isnat(ns)), pa.string())
    if kind == "timedelta":
        ns = series.to_numpy(dtype="timedelta64[ns]")
        return pc.cast(pa.array(ns.astype("int64") / _NS_PER_DAY, mask=np.isnat(ns)), pa.string())
    if pd.api.types.is_integer_dtype(series) and not series.hasnans:
        return pc.cast(pa.array(series.to_numpy(dtype="int64")), pa.string())
    floats = series.to_numpy(dtype="float64", na_value=np.nan)
    return pc.cast(pa.array(floats, mask=~np.isfinite(floats)), pa.string())


def _cell_pieces(kind: str, style: str) -> tuple[str, str, str]:
    """Return the (opening, closing, empty cell) XML around a value of this kind."""
    s = f' s="{style}"' if style else ""
    if kind == "text":
        return f'<c{s} t="inlineStr"><is><t xml:space="preserve">', "</t></is></c>", f"<c{s}/>"
    if kind == "bool":
        return f'<c{s} t="b"><v>', "</v></c>", f"<c{s}/>"
    return f"<c{s}><v>", "</v></c>", f"<c{s}/>"  # numbers are the default cell type


def _row_chunks(frame: pd.DataFrame, styles: Sequence[str], first_row: int) -> Iterable[bytes]:
    """Yield the sheet's data rows as ``<row>`` XML, ``CHUNK_ROWS`` rows at a time."""
    kinds = [_kind(frame[c]) for c in frame.columns]
    pieces = [_cell_pieces(kind, style) for kind, style in zip(kinds, styles, strict=True)]
    for start in range(0, len(frame), CHUNK_ROWS):
        chunk = frame.iloc[start : start + CHUNK_ROWS]
        numbers = pc.cast(pa.array(np.arange(first_row + start, first_row + start + len(chunk))), pa.string())
        parts: list[pa.Array | str] = ['<row r="', numbers, '">']
        for position, (kind, (opening, closing, empty)) in enumerate(zip(kinds, pieces, strict=True)):
            column = chunk.iloc[:, position]
            values = _text_array(column) if kind == "text" else _number_array(column, kind)
            cell = pc.binary_join_element_wise(opening, values, closing, "")
            parts.append(pc.fill_null(cell, empty))
        parts.append("</row>")
        rows = pc.binary_join_element_wise(*parts, "")
        offsets, data = rows.buffers()[1], rows.buffers()[2]
        bounds = np.frombuffer(offsets, dtype=np.int32, count=len(rows) + 1 + rows.offset)[rows.offset :]
        yield data.to_pybytes()[bounds[0] : bounds[-1]]


def _width(series: pd.Series, header: str) -> float:
    sample = series.head(500)
    if _kind(series) == "text":
        longest = int(sample.astype("string").str.len().fillna(0).max()) if len(sample) else 0
    elif _kind(series) == "datetime":
        longest = 19
    else:
        longest = 12
    return float(min(max(len(str(header)) + 2, longest + 2, 8), 60))


def _write_sheet(workbook: Workbook, sheet: Sheet) -> None:
    ws = workbook.create_sheet(sheet.name)
    frame = sheet.frame
    n_rows, n_cols = frame.shape
    for position, column in enumerate(frame.columns, 1):
        ws.column_dimensions[get_column_letter(position)].width = _width(frame[column], column)
    if n_cols:
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:{get_column_letter(n_cols)}{n_rows + 1}"
    header = []
    for column in frame.columns:
        cell = WriteOnlyCell(ws, value=str(column))
        cell.data_type = "s"
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        header.append(cell)
    ws.append(header)
    if n_rows:
        template = []
        for column in frame.columns:
            series = frame[column]
            cell = WriteOnlyCell(ws, value=_PLACEHOLDER[_kind(series)])
            number_format = sheet.number_formats.get(column) or _default_format(series, column)
            if number_format:
                cell.number_format = number_format
            if column in sheet.wrap:
                cell.alignment = _WRAP
            template.append(cell)
        ws.append(template)
    for column in sheet.colour_scale:
        if column in frame.columns and n_rows:
            letter = get_column_letter(frame.columns.get_loc(column) + 1)
            ws.conditional_formatting.add(
                f"{letter}2:{letter}{n_rows + 1}",
                ColorScaleRule(
                    start_type="min",
                    start_color="F8696B",
                    mid_type="percentile",
                    mid_value=50,
                    mid_color="FFEB84",
                    end_type="max",
                    end_color="63BE7B",
                ),
            )
    if sheet.bar_chart is not None and n_rows:
        spec = sheet.bar_chart
        chart = XlBarChart()
        chart.type, chart.title, chart.legend = "col", spec.title, None
        value_name = spec.value_column
        chart.y_axis.title, chart.x_axis.title = value_name, spec.label_column
        value_col = frame.columns.get_loc(value_name) + 1
        label_col = frame.columns.get_loc(spec.label_column) + 1
        chart.add_data(Reference(ws, min_col=value_col, min_row=1, max_row=n_rows + 1), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=label_col, min_row=2, max_row=n_rows + 1))
        chart.width, chart.height = 18, 9
        ws.add_chart(chart, spec.anchor or f"{get_column_letter(n_cols + 2)}2")


_TEMPLATE_ROW = re.compile(rb'<row r="2"[^>]*>.*?</row>', re.DOTALL)
_CELL_STYLE = re.compile(rb'<c\b[^>]*?\bs="(\d+)"')
_CELL_TAG = re.compile(rb"<c\b[^>]*>")


def _stream_sheet(xml: bytes, frame: pd.DataFrame, out: io.BufferedWriter) -> None:
    """Replace the template row of a sheet's XML with every data row."""
    match = _TEMPLATE_ROW.search(xml)
    if match is None:
        raise RuntimeError("workbook template row not found")  # a bug in this module, not bad input
    styles = []
    for tag in _CELL_TAG.findall(match.group(0)):
        style = _CELL_STYLE.match(tag)
        styles.append(style.group(1).decode() if style else "")
    last = f"{get_column_letter(max(frame.shape[1], 1))}{len(frame) + 1}".encode()
    dimension = b'<dimension ref="A1:' + last + b'"/>'
    head = re.sub(rb'<dimension ref="[^"]*" ?/>', b"", xml[: match.start()])
    # write-only sheets carry no <dimension>; readers use it for the sheet's size (it follows <sheetPr>)
    head = re.sub(rb"(</sheetPr>|<sheetPr ?/>)", lambda m: m.group(1) + dimension, head, count=1)
    out.write(head)
    for chunk in _row_chunks(frame, styles, first_row=2):
        out.write(chunk.replace(b"<v></v>", b""))
    out.write(xml[match.end() :])


def build_workbook(sheets: Sequence[Sheet], *, readme_rows: Sequence[tuple[str, str, str]] | None = None) -> bytes:
    """Write sheets into one formatted, formula-safe ``.xlsx`` workbook.

    Parameters
    ----------
    sheets : sequence of Sheet
        In the order they appear.
    readme_rows : sequence of (section, item, description), optional
        When given, a first ``README`` sheet lists every sheet with its description (section ``Sheet``),
        then these rows (e.g. a data dictionary, notes).

    Returns
    -------
    bytes
        The ``.xlsx`` file.

    Raises
    ------
    DataError
        A sheet name Excel refuses, two sheets with one name, or more rows than Excel holds.

    Examples
    --------
    >>> data = build_workbook([Sheet("Summary", pd.DataFrame({"segment": [0, 1], "size": [3, 2]}))])
    >>> data[:2]
    b'PK'
    """
    out = io.BytesIO()
    write_workbook(sheets, out, readme_rows=readme_rows)
    return out.getvalue()


def write_workbook(
    sheets: Sequence[Sheet], target: BinaryIO, *, readme_rows: Sequence[tuple[str, str, str]] | None = None
) -> None:
    """Write the workbook of :func:`build_workbook` into ``target``, a seekable binary file (no copy kept).

    The data rows are streamed into the package a chunk at a time, so a file on disk as ``target`` keeps the
    memory used to the sheets' frames and one chunk of rows.
    """
    sheets = list(sheets)
    if readme_rows is not None:
        rows = [("Sheet", s.name, s.description) for s in sheets] + [tuple(r) for r in readme_rows]
        readme = Sheet(
            "README",
            pd.DataFrame(rows, columns=["section", "item", "description"]),
            description="What each sheet holds, and a dictionary of the columns.",
            wrap=("description",),
        )
        sheets = [readme, *sheets]
    _check_names(sheets)
    workbook = Workbook(write_only=True)
    for sheet in sheets:
        _write_sheet(workbook, sheet)
    first = io.BytesIO()
    workbook.save(first)
    big = sum(len(s.frame) * max(s.frame.shape[1], 1) for s in sheets) > 2_000_000
    with (
        zipfile.ZipFile(first) as source,
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1 if big else 6) as package,
    ):
        by_path = {f"xl/worksheets/sheet{i}.xml": s for i, s in enumerate(sheets, 1) if len(s.frame)}
        for info in source.infolist():
            sheet = by_path.get(info.filename)
            if sheet is None:
                package.writestr(info.filename, source.read(info.filename))
                continue
            with package.open(info.filename, "w", force_zip64=len(sheet.frame) > 200_000) as stream:
                _stream_sheet(source.read(info.filename), sheet.frame, stream)


def _formula_safe_text(series: pd.Series) -> pd.Series:
    text = series.astype("string")
    risky = text.str.startswith(FORMULA_PREFIXES).fillna(False)
    return text.mask(risky, "'" + text)


def customers_csv(frame: pd.DataFrame) -> bytes:
    """Write a frame as UTF-8 CSV (with BOM, so Excel reads accents), text that could run as a formula prefixed.

    Text cells beginning with ``= + - @``, tab or carriage return get a leading apostrophe, so a spreadsheet
    program shows them as text; numbers (negative ones included) are written unchanged.

    Examples
    --------
    >>> customers_csv(pd.DataFrame({"id": ["=1+1", "C1"], "x": [-2, 3]})).decode("utf-8-sig").splitlines()
    ['id,x', "'=1+1,-2", 'C1,3']
    """
    out = io.BytesIO()
    write_csv(frame, out)
    return out.getvalue()


# pandas' to_csv formats this many cells at a time (pandas.io.formats.csvs._DEFAULT_CHUNKSIZE_CELLS), and
# chooses a datetime column's precision (date only, seconds, ...) per such chunk
_PANDAS_CSV_CELLS = 100_000


def _csv_slice_rows(n_columns: int) -> int:
    """Rows per slice written at once: a multiple of pandas' own chunk, so slices format as one call would.

    >>> _csv_slice_rows(8), _csv_slice_rows(24), _csv_slice_rows(300_000)
    (50000, 49992, 50000)
    """
    pandas_rows = max(_PANDAS_CSV_CELLS // max(n_columns, 1), 1)
    return max(CHUNK_ROWS // pandas_rows, 1) * pandas_rows


def write_csv(frame: pd.DataFrame, target: BinaryIO) -> None:
    """Write :func:`customers_csv` of a frame into ``target`` a slice of rows at a time (the same bytes).

    Only one slice (about 50,000 rows) is escaped and formatted at once, so a 2,760,000-row offers table never
    exists as one string.
    """
    text_columns = [i for i in range(frame.shape[1]) if _kind(frame.iloc[:, i]) == "text"]
    header = [_formula_safe_text(pd.Series([str(c)])).iloc[0] for c in frame.columns]
    rows = _csv_slice_rows(frame.shape[1])
    target.write(codecs.BOM_UTF8)
    for start in range(0, max(len(frame), 1), rows):
        part = frame.iloc[start : start + rows].copy()
        for position in text_columns:
            part.isetitem(position, _formula_safe_text(part.iloc[:, position]))
        part.columns = header
        # CRLF line ends (RFC 4180) also make the csv module quote fields holding a bare carriage return
        text = part.to_csv(index=False, header=start == 0, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
        target.write(text.encode("utf-8"))


def build_customer_export(
    sheets: Sequence[Sheet],
    customers: Sheet,
    *,
    readme_rows: Sequence[tuple[str, str, str]] | None = None,
    workbook_name: str = "cardlens_segments.xlsx",
    csv_name: str = "customers.csv",
) -> bytes:
    """Zip the workbook (without the customer rows) and the customers as CSV, for tables Excel cannot hold.

    The README sheet says where the customer rows are.

    Returns
    -------
    bytes
        A ``.zip`` holding ``workbook_name`` and ``csv_name``.
    """
    return build_overflow_export(
        sheets, [customers], readme_rows=readme_rows, workbook_name=workbook_name, csv_names={customers.name: csv_name}
    )


def csv_name_of(sheet: Sheet) -> str:
    """Return the file a sheet too long for Excel travels as: ``Offers`` -> ``offers.csv``."""
    return sheet.name.lower().replace(" ", "_") + ".csv"


def build_overflow_export(
    sheets: Sequence[Sheet],
    overflow: Sequence[Sheet],
    *,
    readme_rows: Sequence[tuple[str, str, str]] | None = None,
    workbook_name: str = "cardlens_segments.xlsx",
    csv_names: dict[str, str] | None = None,
) -> bytes:
    """Zip the workbook of ``sheets`` with each sheet of ``overflow`` (more rows than Excel holds) as CSV.

    At a million customers the customer list and the offers (three per customer) pass Excel's 1,048,575 rows;
    each such sheet goes into the zip as CSV beside the workbook, and the README sheet says where.

    Returns
    -------
    bytes
        A ``.zip`` holding ``workbook_name`` and one CSV per overflowing sheet (:func:`csv_name_of`).
    """
    names = {sheet.name: (csv_names or {}).get(sheet.name, csv_name_of(sheet)) for sheet in overflow}
    notes = [
        (
            "Note",
            sheet.name,
            f"{len(sheet.frame):,} rows are more than Excel's {MAX_EXCEL_ROWS - 1:,}: they are in "
            f"{names[sheet.name]}, next to this workbook in the same zip file. {sheet.description}",
        )
        for sheet in overflow
    ]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with tempfile.TemporaryFile() as workbook:  # on disk: never a second copy in memory
            write_workbook(sheets, workbook, readme_rows=[*notes, *(readme_rows or [])])
            size = workbook.seek(0, io.SEEK_END)
            workbook.seek(0)
            # stored as it is: an .xlsx is compressed already
            with archive.open(_entry(workbook_name, zipfile.ZIP_STORED, size), "w") as stream:
                shutil.copyfileobj(workbook, stream, 1 << 20)
        for sheet in overflow:
            with archive.open(_entry(names[sheet.name], zipfile.ZIP_DEFLATED), "w", force_zip64=True) as stream:
                write_csv(sheet.frame, stream)
    return out.getvalue()


def _entry(name: str, compression: int, size: int = 0) -> zipfile.ZipInfo:
    """Return a zip entry dated now (``ZipFile.open`` would date it 1980), readable and writable by its owner."""
    info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
    info.compress_type, info.file_size, info.external_attr = compression, size, 0o600 << 16
    info._compresslevel = 1  # the archive's level: ZipFile.open applies none to a ZipInfo it is given
    return info
