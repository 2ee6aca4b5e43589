"""How fast hostile and large uploads are refused or read: ``python benchmarks/xlsx_limits.py``.

Builds, in memory, .xlsx files of 1,000,000 rows x 3 columns (with a true dimension, none, and a lying one),
a sheet whose one data row is numbered 2,000,000,000, and a workbook just under the cell ceiling, then times
:func:`core.io.load_table` on each (median of three runs). Also times the date and line checks on a
million-row CSV, to show what they add to a load.
"""

from __future__ import annotations

import io
import statistics
import sys
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.errors import DataError
from core.io import load_table
from core.io._excel import MAX_CELLS

_PARTS = {
    "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
    'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    'spreadsheetml.worksheet+xml"/></Types>',
    "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
    'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
    '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
    'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.'
    'org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
}


def workbook(rows: int, dimension: str | None, *, first_row_number: int | None = None) -> bytes:
    declared = f'<dimension ref="{dimension}"/>' if dimension else ""
    header = '<row r="1"><c t="inlineStr"><is><t>id</t></is></c><c><v>1</v></c><c><v>2</v></c></row>'
    number = f' r="{first_row_number}"' if first_row_number else ""
    body = f"<row{number}><c><v>7</v></c><c><v>1.5</v></c><c><v>2</v></c></row>"
    body += "<row><c><v>7</v></c><c><v>1.5</v></c><c><v>2</v></c></row>" * (rows - 2)
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
        f'2006/main">{declared}<sheetData>{header}{body}</sheetData></worksheet>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in _PARTS.items():
            archive.writestr(name, text)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return out.getvalue()


def timed(data: bytes, name: str) -> tuple[float, str]:
    times, outcome = [], ""
    for _ in range(3):
        start = time.perf_counter()
        try:
            loaded = load_table(data, name)
            outcome = f"loaded {loaded.frame.shape[0]:,} x {loaded.frame.shape[1]}"
        except DataError as error:
            outcome = "refused: " + str(error)[:70] + "..."
        times.append(time.perf_counter() - start)
    return statistics.median(times), outcome


def main() -> None:
    under = MAX_CELLS // 3 - 10
    cases = [
        ("1,000,000 x 3, dimension declared", workbook(1_000_000, "A1:C1000000"), "bomb.xlsx"),
        ("1,000,000 x 3, no dimension", workbook(1_000_000, None), "bomb.xlsx"),
        ("1,000,000 x 3, dimension says A1:C2", workbook(1_000_000, "A1:C2"), "bomb.xlsx"),
        ("one row numbered 2,000,000,000", workbook(3, None, first_row_number=2_000_000_000), "gap.xlsx"),
        (f"{under:,} x 3, just under MAX_CELLS", workbook(under, f"A1:C{under}"), "big.xlsx"),
    ]
    dates = "id,opened,closed\n" + "".join(
        f"C{i},2020-01-{1 + i % 28:02d},{'9999-12-31' if i % 10 == 0 else '2024-05-01'}\n" for i in range(1_000_000)
    )
    cases.append(("CSV 1,000,000 rows with 100,000 sentinel dates", dates.encode(), "dates.csv"))
    print("| case | file size | time (median of 3) | outcome |\n|---|---|---|---|")
    for label, data, name in cases:
        seconds, outcome = timed(data, name)
        print(f"| {label} | {len(data) / 1024:,.0f} KB | {seconds:.2f} s | {outcome} |")


if __name__ == "__main__":
    main()
