import streamlit as st

from pages import _state as state
from pages import _ui as ui

ui.page_header("Fraud", "Find unusual customers and suspicious transactions, with reasons, within an alert budget.")
ui.require(state.CLEAN, "Clean the data first: anomaly scores use the cleaned features.", ui.CLEAN, "Go to Clean")
st.info("This page is being built.")
