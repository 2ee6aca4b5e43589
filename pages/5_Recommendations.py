import streamlit as st

from pages import _state as state
from pages import _ui as ui

ui.page_header("Recommendations", "Offers per segment and per customer, learning from campaign feedback.")
ui.require(
    state.SEGMENTATION, "Segment the customers first: offers are ranked per segment.", ui.CLUSTER, "Go to Cluster"
)
st.info("This page is being built.")
