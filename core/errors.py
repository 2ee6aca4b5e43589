"""The one exception type that `core` raises for bad input."""


class DataError(ValueError):
    """Input the pipeline cannot use, with a message that says what to do.

    The message is shown to business users as is, so it names the problem and the remedy
    ("The file is empty: export the table again with its header and rows.").
    """
