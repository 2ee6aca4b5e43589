import streamlit as st

from pages import _state as state
from pages import _ui as ui

ui.page_header("Profiles", "Read each segment in plain words, name it, and download the workbook.")
ui.require(state.SEGMENTATION, "Segment the customers first.", ui.CLUSTER, "Go to Cluster")
st.info("This page is being built.")
