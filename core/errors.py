"""The one exception type that `core` raises for bad input."""


class DataError(ValueError):
    """Input the pipeline cannot use, with a message that says what to do.

    The message is shown to business users as is, so it names the problem and the remedy
    ("The file is empty: export the table again with its header and rows.").
    """


EXCERPT_CHARS = 80


def excerpt(value: object, limit: int = EXCERPT_CHARS) -> str:
    r"""Return user data short and printable enough to quote in a message: at most ``limit`` characters.

    Messages quote a column name, a cell or a file name so the user can find it; a hostile or binary file must
    not turn a message into a copy of its content. Unprintable characters become ``?``.

    Examples
    --------
    >>> excerpt("=cmd|' /C calc'!A0\x00" + "x" * 200, limit=24)
    "=cmd|' /C calc'!A0?xxxx…"
    """
    text = str(value)[: limit + 1]
    text = "".join(char if char.isprintable() else "?" for char in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"
