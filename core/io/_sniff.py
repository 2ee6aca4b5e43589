"""Look at the first bytes of an upload: refuse what is not a table, find the encoding and the CSV dialect.

Everything here works on the first :data:`SNIFF_BYTES` of the file, so it costs the same for 1 KB and 200 MB.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections import Counter
from dataclasses import dataclass

from core.errors import DataError

SNIFF_BYTES = 64 * 1024
DELIMITERS: tuple[str, ...] = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe", None: "none (one column)"}
_SNIFF_RECORDS = 400

_SAVE_AS = "Open it in Excel or your export tool and save it as .xlsx or CSV."
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"PAR1", "a Parquet file"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\x7fELF", "a program"),
    (b"MZ", "a Windows program"),
    (b"{\\rtf", "a Rich Text (RTF) document"),
)
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")


@dataclass(frozen=True)
class Dialect:
    """How a delimited text file is laid out.

    Attributes
    ----------
    delimiter : str or None
        The column separator; ``None`` for a one-column file.
    header_line : int
        0-based physical line of the header row (title lines above it are skipped).
    text_columns : tuple of int
        Positions of columns whose values look like codes with leading zeros (kept as text).
    sample_cells : tuple of str
        Cells from the first rows, for guessing the decimal mark.
    """

    delimiter: str | None
    header_line: int
    text_columns: tuple[int, ...]
    sample_cells: tuple[str, ...]


def kind_of_bytes(data: bytes, filename: str) -> str:
    """Return ``"excel"`` or ``"text"`` for an upload, or raise :class:`DataError` for anything else."""
    head = data[:SNIFF_BYTES]
    if head.startswith(_OLE2):
        raise DataError(f"{filename} is an old Excel (.xls) workbook, which cannot be read here. {_SAVE_AS}")
    if head.startswith(_ZIP):
        return _kind_of_zip(data, filename)
    for magic, what in _MAGIC:
        if head.startswith(magic):
            raise DataError(f"{filename} is {what}, not a table. Upload a CSV, TSV, TXT or XLSX export of your data.")
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise DataError(f"{filename} is not a valid Excel workbook (it may be damaged). {_SAVE_AS}")
    return "text"


def _kind_of_zip(data: bytes, filename: str) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError, NotImplementedError) as error:
        raise DataError(f"{filename} is a damaged zip or Excel file. {_SAVE_AS}") from error
    if "xl/workbook.xml" in names:
        return "excel"
    if any(name.startswith("word/") for name in names):
        raise DataError(f"{filename} is a Word document, not a table. Export the table as CSV or XLSX.")
    raise DataError(f"{filename} is a zip archive. Unzip it and upload the CSV or XLSX file inside.")


def _wide_encoding(head: bytes) -> str | None:
    """Return the UTF-16 / UTF-32 byte order of text without a byte-order mark, judged from its NUL bytes.

    A table is mostly ASCII (digits, separators, line breaks), so in UTF-16 one byte of most pairs is NUL,
    and in UTF-32 three bytes of most quadruples; the position of the NULs gives the byte order. The guess
    stands only if the whole head decodes.
    """
    head = head[: len(head) - len(head) % 4]
    if len(head) < 8 or head.count(0) < len(head) // 4:
        return None
    share = [head[offset::4].count(0) / (len(head) // 4) for offset in range(4)]
    if min(share[1:]) > 0.9 and share[0] < 0.5:
        candidates: tuple[str, ...] = ("utf-32-le",)
    elif min(share[:3]) > 0.9 and share[3] < 0.5:
        candidates = ("utf-32-be",)
    elif min(share[1], share[3]) > 0.3 and max(share[0], share[2]) < 0.05:
        candidates = ("utf-16-le",)
    elif min(share[0], share[2]) > 0.3 and max(share[1], share[3]) < 0.05:
        candidates = ("utf-16-be",)
    else:
        return None
    for encoding in candidates:
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        return encoding
    return None


def detect_encoding(data: bytes) -> str:
    r"""Return the text encoding of ``data`` judged from its first bytes.

    UTF-8 with or without a byte-order mark; UTF-16 or UTF-32 with a byte-order mark, or without one when
    the NUL bytes of mostly-ASCII text give the byte order away; else cp1252 (Windows Western Europe), else
    Latin-1 (which decodes anything).

    Examples
    --------
    >>> detect_encoding("Müller;12,50 €".encode("cp1252")), detect_encoding("Müller".encode())
    ('cp1252', 'utf-8')
    >>> detect_encoding("id,name\nA1,Zoë\n".encode("utf-16-le")), detect_encoding("id\n1\n".encode("utf-32-be"))
    ('utf-16-le', 'utf-32-be')
    """
    head = data[:SNIFF_BYTES]
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    wide = _wide_encoding(head)
    if wide is not None:
        return wide
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=len(data) <= SNIFF_BYTES)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        head.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


def check_text(head: str, filename: str) -> None:
    """Refuse decoded text that is binary, JSON, HTML or XML rather than a delimited table."""
    if "\x00" in head:
        raise DataError(f"{filename} contains binary data, not text. Upload a CSV, TSV, TXT or XLSX export.")
    # C0 controls, DEL and the C1 controls that bytes 0x80-0x9f become when nothing but Latin-1 decodes them
    controls = sum(1 for char in head[:4096] if (ord(char) < 32 and char not in "\t\r\n\f\v") or 127 <= ord(char) < 160)
    if controls > max(8, len(head[:4096]) // 50):
        raise DataError(f"{filename} contains binary data, not text. Upload a CSV, TSV, TXT or XLSX export.")
    start = head.lstrip()[:2048]
    lowered = start.lower()
    if start.startswith("{") or re.match(r"\[\s*[\[{\"\d\-]", start) or re.match(r"\[\s*(true|false|null)", lowered):
        raise DataError(
            f"{filename} holds JSON, not a table. Export the data as CSV or XLSX (or convert the JSON to CSV first)."
        )
    if lowered.startswith("<") and re.search(r"<(!doctype|html|table|\?xml|head|body|workbook)", lowered):
        raise DataError(
            f"{filename} is a web page or XML file saved with a table-like name. {_SAVE_AS} "
            "(Excel's 'XML spreadsheet' and HTML exports cannot be read here.)"
        )


def _records(text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    """Parse the first records with ``delimiter``: (0-based start line, fields) for non-blank records."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, quotechar='"')
    out: list[tuple[int, list[str]]] = []
    line = 0
    try:
        for fields in reader:
            if any(field.strip() for field in fields):
                out.append((line, fields))
            line = reader.line_num
            if len(out) >= _SNIFF_RECORDS:
                break
    except csv.Error:
        pass
    return out


def _trimmed(fields: list[str]) -> int:
    count = len(fields)
    while count and not fields[count - 1].strip():
        count -= 1
    return count


def sniff_dialect(head: str, filename: str) -> Dialect:
    """Find the delimiter and the header line of a delimited text, from its first records.

    Each candidate delimiter (``, ; tab |``) splits the first records; the one giving the most records with
    the same number of fields (at least two) wins. A file with no candidate delimiter at all is one column.

    Raises
    ------
    DataError
        When delimiters appear but no consistent column layout is found.
    """
    if len(head) >= SNIFF_BYTES - 4 and "\n" in head:
        head = head[: head.rindex("\n")]
    best: tuple[float, int, str, list[tuple[int, list[str]]]] | None = None
    widest = 0
    for delimiter in DELIMITERS:
        records = _records(head, delimiter)
        if not records:
            continue
        counts = Counter(len(fields) for _, fields in records)
        widest = max(widest, *counts)
        modal, seen = counts.most_common(1)[0]
        score = round(seen / len(records), 2)
        if modal >= 2 and (best is None or (score, modal) > (best[0], best[1])):
            best = (score, modal, delimiter, records)
    if best is None or best[0] < 0.5:
        records = _records(head, ",")
        if records and widest <= 1:  # no separator anywhere outside quotes: really one column
            return Dialect(None, records[0][0], (), tuple(fields[0] for _, fields in records[1:50]))
        raise DataError(
            f"{filename} does not look like a table: no consistent column separator (comma, semicolon, tab or "
            "pipe) was found in its first lines. Export it again as CSV or XLSX."
        )
    _, modal, delimiter, records = best
    widths = Counter(_trimmed(fields) for _, fields in records)
    typical = widths.most_common(1)[0][0]
    header_line = records[0][0]
    for line, fields in records:
        if _trimmed(fields) >= max(2, (typical + 1) // 2):
            header_line = line
            break
    data_rows = [fields for line, fields in records if line > header_line][:200]
    text_columns = tuple(
        sorted(
            {
                position
                for fields in data_rows
                for position, cell in enumerate(fields)
                if re.fullmatch(r"0\d+", cell.strip())
            }
        )
    )
    cells = tuple(cell for fields in data_rows[:100] for cell in fields)
    return Dialect(delimiter, header_line, text_columns, cells)
