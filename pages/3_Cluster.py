import streamlit as st

from pages import _state as state
from pages import _ui as ui

ui.page_header("Cluster", "Segment customers, pick the number of segments, and see how far to trust them.")
ui.require(
    state.CLEAN,
    "Clean the data first: the Clean page builds the features that segmentation uses.",
    ui.CLEAN,
    "Go to Clean",
)
st.info("This page is being built.")
