import streamlit as st

from pages import _state as state
from pages import _ui as ui

ui.page_header("Trends", "Spend over time per segment: decomposition, forecasts and segment migration.")
ui.require(
    state.SEGMENTATION, "Segment the customers first: trends are shown per segment.", ui.CLUSTER, "Go to Cluster"
)
st.info("This page is being built.")
