"""CardLens: the frame around every page (config, session defaults, navigation, pipeline status)."""

import os
import tempfile
import time
from pathlib import Path

import streamlit as st

from pages import _state as state
from pages import _ui as ui
from pages import _work as work

STARTED, STARTED_CPU = time.perf_counter(), time.thread_time()
RUN_LOG = os.environ.get("CARDLENS_RUN_LOG")  # benchmarks: each script run's page, server seconds and CPU seconds
MEMORY_TEMP = Path("/dev/shm")  # memory-backed on Linux: upload spools and workbook parts never touch the disk
if MEMORY_TEMP.is_dir() and os.access(MEMORY_TEMP, os.W_OK):
    tempfile.tempdir = str(MEMORY_TEMP)

st.set_page_config(page_title="CardLens: card customer segments", page_icon="💳", layout="wide")
state.init_defaults()
st.html(ui.REDUCED_MOTION_CSS)
if os.environ.get("CARDLENS_WARM_SAMPLE", "1") != "0":
    work.warm_sample()  # once per server process: the sample's Cluster page then answers from the cache

navigation = st.navigation(
    {
        "Prepare": [
            st.Page(ui.UPLOAD, title="Upload", icon=":material/upload_file:", default=True),
            st.Page(ui.CLEAN, title="Clean", icon=":material/cleaning_services:"),
        ],
        "Segment": [
            st.Page(ui.CLUSTER, title="Cluster", icon=":material/bubble_chart:"),
            st.Page(ui.PROFILES, title="Profiles", icon=":material/badge:"),
        ],
        "Act": [
            st.Page(ui.RECOMMENDATIONS, title="Recommendations", icon=":material/recommend:"),
            st.Page(ui.FRAUD, title="Fraud", icon=":material/policy_alert:"),
            st.Page(ui.TRENDS, title="Trends", icon=":material/trending_up:"),
        ],
    }
)
status = st.sidebar.empty()
ui.sidebar_status(status, with_download=False)  # shown even when the page stops at its guard
navigation.run()
ui.sidebar_status(status)  # redrawn with what the page just did (loaded, cleaned, segmented)
if RUN_LOG:
    with open(RUN_LOG, "a", encoding="utf-8") as log:
        log.write(f"{navigation.title}\t{time.perf_counter() - STARTED:.3f}\t{time.thread_time() - STARTED_CPU:.3f}\n")
