"""Shared fixtures: paths to the real datasets, a fresh AppTest of the whole app, cache hygiene."""

from __future__ import annotations

from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
SHARED_DATASETS = PROJECT.parent / "shared" / "datasets"
CC_GENERAL = SHARED_DATASETS / "cc_general.csv"
SPARKOV_15K = SHARED_DATASETS / "cc_transactions_sparkov_sample_15k.csv"
APP_TIMEOUT = 60  # seconds per AppTest run; a 2-core CI machine is slow on first imports


def _shared(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is absent (it sits beside the checkout in CI; see ../shared/datasets/README.md)")
    return path


@pytest.fixture(scope="session")
def cc_general_path() -> Path:
    """The real Kaggle CC GENERAL file (8,950 customers)."""
    return _shared(CC_GENERAL)


@pytest.fixture(scope="session")
def sparkov_path() -> Path:
    """The real 15k-row simulated transaction sample with fraud labels."""
    return _shared(SPARKOV_15K)


@pytest.fixture
def app():
    """A fresh AppTest of the whole app (from the entrypoint), with Streamlit's caches cleared."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    st.cache_data.clear()
    st.cache_resource.clear()
    return AppTest.from_file(str(PROJECT / "streamlit_app.py"), default_timeout=APP_TIMEOUT)
