import streamlit as st

from pages import _state as state
from pages import _ui as ui

ui.page_header("Clean", "Turn the loaded table into the features that segmentation uses, step by step.")
ui.require(state.DATASET, "Load a customer or transaction table first.", ui.UPLOAD, "Go to Upload")
st.info("This page is being built.")
