"""CardLens core: the product's logic, usable from the app, a notebook or the command line.

Every module here is free of Streamlit. Functions take frames and return frames or small frozen
dataclasses, never mutate their inputs, take ``random_state`` where anything is random, and raise
:class:`core.errors.DataError` with a sentence a business user can act on.
"""

from core.errors import DataError

__all__ = ["DataError"]
