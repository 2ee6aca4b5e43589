"""Reading the JSON files CardLens writes (recipes, models) from bytes a user hands over.

A file that is not what it claims (empty, truncated, another format, NaN or Infinity that JSON does not allow,
nesting deep enough to exhaust the parser, a size no recipe or model reaches) is refused with one sentence,
as :class:`DataError`. What the document must hold is checked by its own reader.
"""

from __future__ import annotations

import json
from typing import Any

from core.errors import DataError


def _no_constants(name: str) -> Any:
    raise DataError(f"it holds {name}, which is not a number JSON allows")


def read_json_document(
    text: str | bytes, *, what: str, remedy: str, max_bytes: int, format_name: str, version: int
) -> dict[str, Any]:
    """Parse a CardLens JSON document and check its format name and version.

    Parameters
    ----------
    text : str or bytes
        The file's content.
    what : str
        What the file should be, for messages ("CardLens cleaning recipe").
    remedy : str
        The sentence that says what to do ("Download the recipe again.").
    max_bytes : int
        Larger files are refused before parsing.
    format_name, version : str, int
        The expected ``"format"`` value and the newest ``"version"`` this code reads.

    Returns
    -------
    dict
        The document.

    Raises
    ------
    DataError
        For anything that is not a well-formed document of this format and version.

    Examples
    --------
    >>> read_json_document('{"format": "f", "version": 1}', what="f", remedy="", max_bytes=99, format_name="f",
    ...                    version=1)
    {'format': 'f', 'version': 1}
    >>> read_json_document('{"format": "f", "x": NaN}', what="f file", remedy="Save it again.", max_bytes=99,
    ...                    format_name="f", version=1)
    Traceback (most recent call last):
    core.errors.DataError: This is not a valid f file: it holds NaN, which is not a number JSON allows. Save it again.
    """
    if not isinstance(text, (str, bytes, bytearray)):
        raise DataError(f"This is not a {what}: expected the text of a JSON file. {remedy}")
    if len(text) > max_bytes:
        raise DataError(
            f"This file is {len(text) / 1024**2:,.1f} MB, more than a {what} can be "
            f"({max_bytes / 1024**2:,.0f} MB). {remedy}"
        )
    if not text.strip():
        raise DataError(f"This file is empty, not a {what}. {remedy}")
    try:
        document = json.loads(text, parse_constant=_no_constants)
    except DataError as error:
        raise DataError(f"This is not a valid {what}: {error}. {remedy}") from None
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise DataError(f"This file is not a {what}: it is not valid JSON (truncated or damaged?). {remedy}") from None
    if not isinstance(document, dict) or document.get("format") != format_name:
        raise DataError(f"This JSON file is not a {what}. {remedy}")
    found = document.get("version", 0)
    if isinstance(found, bool) or not isinstance(found, int):
        raise DataError(f"This {what} is damaged: its version is not a whole number. {remedy}")
    if found > version:
        raise DataError(f"This {what} was written by a newer version of CardLens; update CardLens to read it.")
    return document
