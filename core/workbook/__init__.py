"""The analyst workbook: what a run produced, laid out in fixed sheets, written as a formula-safe ``.xlsx``.

``_sheets`` gathers a run in :class:`WorkbookInputs` and lays out the sheets (documented in
``docs/workbook.md``); ``_writer`` is the one workbook builder (frames in, a formatted ``.xlsx`` out) and the
customer CSV.
"""

from __future__ import annotations

from core.workbook._sheets import (
    Export,
    InputRecord,
    WorkbookInputs,
    assemble_export,
    assemble_workbook,
    customers_frame,
    exports_as_zip,
)
from core.workbook._writer import MAX_EXCEL_ROWS, BarChart, Sheet, build_customer_export, build_workbook, customers_csv

__all__ = [
    "MAX_EXCEL_ROWS",
    "BarChart",
    "Export",
    "InputRecord",
    "Sheet",
    "WorkbookInputs",
    "assemble_export",
    "assemble_workbook",
    "build_customer_export",
    "build_workbook",
    "customers_csv",
    "customers_frame",
    "exports_as_zip",
]
