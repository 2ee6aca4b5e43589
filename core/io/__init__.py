"""Reading files: bytes and a file name in, a DataFrame and a report the user can trust out.

:func:`load_table` is the single loader for the app, the command line and notebooks; it sniffs the dialect and
encoding (``_sniff``), reads Excel workbooks (``_excel``), converts text that holds numbers (``_numbers``) and
masks card numbers. Anything it cannot read raises :class:`core.errors.DataError`. :func:`read_json_document`
reads the JSON files CardLens writes (recipes, models) with the same promise.
"""

from __future__ import annotations

from core.errors import DataError
from core.io._json import read_json_document
from core.io._read import MAX_UPLOAD_BYTES, LoadedTable, LoadReport, load_table, read_path, read_table

__all__ = [
    "MAX_UPLOAD_BYTES",
    "DataError",
    "LoadReport",
    "LoadedTable",
    "load_table",
    "read_json_document",
    "read_path",
    "read_table",
]
