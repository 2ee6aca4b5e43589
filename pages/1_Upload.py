import streamlit as st

from pages import _ui as ui

ui.page_header("Upload", "Load your customer or transaction table, or start from a bundled sample.")
st.info("This page is being built.")
