"""Results kept once per server and shared by every session, each handed its own copy-on-write view.

Light on purpose (pandas, NumPy, Streamlit): the first page imports it, and must not wait for scikit-learn.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import streamlit as st

F = TypeVar("F", bound=Callable[..., Any])


def shared(max_entries: int) -> Callable[[F], F]:
    """Like ``st.cache_data`` (keyed by the arguments' content), but one result per server, shared.

    ``st.cache_data`` hands every session its own unpickled copy: with eight visitors on the sample, eight
    copies of the same transaction scores, and the CPU to unpickle each. Here the result is kept once
    (``st.cache_resource``) and each caller gets a hand-out: data frames and series as shallow copies, which
    under pandas' copy-on-write share the data until a session changes its copy (then only that column is
    copied, for that session alone); NumPy arrays read-only, so an in-place write fails instead of reaching
    another visitor; dataclasses and tuples holding them, rebuilt around the hand-outs. For results whose
    consumers only read them.
    """

    def wrap(func: F) -> F:
        kept = st.cache_resource(max_entries=max_entries, show_spinner=False)(func)

        @functools.wraps(func)
        def call(*args: Any, **kwargs: Any) -> Any:
            return hand_out(kept(*args, **kwargs))

        call.clear = kept.clear  # type: ignore[attr-defined]
        return call  # type: ignore[return-value]

    return wrap


def hand_out(value: Any) -> Any:
    """A session's view of a shared result (see :func:`shared`); the result itself is never changed."""
    if isinstance(value, (pd.DataFrame, pd.Series)):
        return value.copy(deep=False)
    if isinstance(value, np.ndarray):
        view = value.view()
        view.flags.writeable = False
        return view
    if isinstance(value, dict):
        return {key: hand_out(item) for key, item in value.items()}
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(hand_out(item) for item in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        outer = copy.copy(value)
        for field in dataclasses.fields(value):
            inner = getattr(value, field.name, None)
            if isinstance(inner, (pd.DataFrame, pd.Series, np.ndarray)):
                object.__setattr__(outer, field.name, hand_out(inner))
        return outer
    return value
