"""Upload: load the customer table (and optionally its transactions) or the bundled sample; check roles."""

from __future__ import annotations

import hashlib
import os
from dataclasses import fields

import pandas as pd
import streamlit as st

from core import samples, schema
from core.charts.upload import column_distribution
from core.io import LoadedTable, load_table
from core.transactions import TransactionColumns, infer_transaction_columns
from pages import _state as state
from pages import _ui as ui

CUSTOMERS, TRANSACTIONS = "customers", "transactions"
START_WITH_SAMPLE = "CARDLENS_START_WITH_SAMPLE"  # `make run` sets it: a new session opens on the sample
AUTOLOADED = "upload__sample_autoloaded"  # plain key: the sample was loaded once for this session already
FILE_TYPES = ["csv", "tsv", "txt", "xlsx", "xls"]
LAYOUT_NAMES = {
    "cc_general": "the CC GENERAL card-usage layout",
    "alllife": "the AllLife bank-contacts layout",
    "transactions": "a transaction table",
}
TX_ROLE_LABELS = {
    "customer": "Customer or card id",
    "timestamp": "Date / time",
    "amount": "Amount",
    "category": "Category",
    "merchant": "Merchant",
    "channel": "Channel",
    "label": "Fraud label (0/1)",
    "transaction_id": "Transaction id",
    "lat": "Customer latitude",
    "lon": "Customer longitude",
    "merch_lat": "Merchant latitude",
    "merch_lon": "Merchant longitude",
}
NOT_USED = "(none)"
LABEL_TO_ROLE = {label: role for role, label in schema.ROLE_LABELS.items()}


@st.cache_data(max_entries=4, show_spinner=False)
def cached_load(sha256: str, name: str, _data: bytes) -> LoadedTable:
    """Load once per file content (the bytes are keyed by their hash, not hashed again on every rerun)."""
    return load_table(_data, name)


@st.cache_data(max_entries=4, show_spinner=False)
def cached_profile(sha256: str, _frame: pd.DataFrame) -> pd.DataFrame:
    return schema.column_profile(_frame)


def choices() -> dict:
    return st.session_state.setdefault(state.UPLOAD_CHOICES, {})


def store(kind: str, name: str, loaded: LoadedTable, sha256: str) -> None:
    """Write a successfully loaded table and its inferred roles to the shared state."""
    dataset = state.Dataset(name=name, frame=loaded.frame, report=loaded.report, sha256=sha256)
    if kind == CUSTOMERS:
        state.put(state.DATASET, dataset)
        state.put(state.ROLES, schema.infer_roles(loaded.frame))
    else:
        state.put(state.TRANSACTIONS, dataset)
        state.put(state.TX_COLUMNS, infer_transaction_columns(loaded.frame))


def load_bytes(kind: str, name: str, data: bytes) -> bool:
    """Load bytes into the state; on a refusal show why and leave the earlier data untouched."""
    sha256 = hashlib.sha256(data).hexdigest()
    with st.spinner(f"Reading {name}..."):
        loaded = ui.run_safely(lambda: cached_load(sha256, name, data), what=f"Reading {name}")
    if loaded is None:
        return False
    store(kind, name, loaded, sha256)
    return True


def load_sample(key: str) -> bool:
    info = samples.SAMPLES[key]
    path = samples.sample_path(key)
    if not path.exists():
        st.error(f"The sample file {info.filename} is missing from sample_data/. Run `make samples` to write it.")
        return False
    kind = CUSTOMERS if info.kind == "customers" else TRANSACTIONS
    return load_bytes(kind, info.filename, path.read_bytes())


def start_with_sample() -> None:
    """Load the sample once per new session when the deployment asks for it (never over the user's data)."""
    if not os.environ.get(START_WITH_SAMPLE) or st.session_state.get(AUTOLOADED):
        return
    st.session_state[AUTOLOADED] = True
    if state.get(state.DATASET) is None and state.get(state.TRANSACTIONS) is None and load_sample("card_portfolio"):
        load_sample("card_transactions")


def sample_section() -> None:
    st.subheader("Start with sample data")
    left, right = st.columns([1, 2])
    with left:
        if st.button("Use sample data", type="primary", key="upload__use_sample", icon=":material/play_arrow:"):
            if load_sample("card_portfolio"):
                load_sample("card_transactions")
        st.caption("Loads the card portfolio and its transactions, so every page has something to show.")
    with right:
        keys = list(samples.SAMPLES)
        chosen = choices().get("sample", keys[0])
        key = st.selectbox(
            "Or pick one bundled sample",
            keys,
            index=keys.index(chosen) if chosen in keys else 0,
            format_func=lambda k: samples.SAMPLES[k].title,
            key="upload__sample",
        )
        choices()["sample"] = key
        st.caption(samples.SAMPLES[key].description)
        if st.button("Load this sample", key="upload__load_sample"):
            load_sample(key)


def upload_section() -> None:
    st.subheader("Or upload your own export")
    st.caption(
        "CSV, TSV, TXT or Excel (.xlsx). Commas or semicolons, decimal commas, currency and percent signs are "
        "read as numbers; card numbers are masked as soon as the file is read."
    )
    seen = st.session_state.setdefault(state.UPLOAD_SEEN, {})
    left, right = st.columns(2)
    for column, kind, label in (
        (left, CUSTOMERS, "Customer table"),
        (right, TRANSACTIONS, "Transaction table (optional)"),
    ):
        with column:
            uploaded = st.file_uploader(label, type=FILE_TYPES, key=f"upload__{kind}_file")
        if uploaded is None or seen.get(kind) == uploaded.file_id:
            continue
        with column:
            if load_bytes(kind, uploaded.name, uploaded.getvalue()):
                seen[kind] = uploaded.file_id


def report_block(dataset: state.Dataset) -> None:
    st.success(f"Loaded {len(dataset.frame):,} rows from {dataset.name}", icon=":material/check_circle:")
    layout = schema.detect_layout(dataset.frame)
    if layout in LAYOUT_NAMES:
        st.caption(f"Recognised {LAYOUT_NAMES[layout]}.")
    if hasattr(dataset.report, "as_lines"):
        with st.expander("Load report: what was read and converted", expanded=False):
            st.markdown("\n".join(f"- {line}" for line in dataset.report.as_lines()))


def roles_editor(dataset: state.Dataset) -> None:
    roles: dict[str, str] = dict(state.get(state.ROLES) or schema.infer_roles(dataset.frame))
    head = dataset.frame.head(200)
    examples = [
        str(head[column].dropna().iloc[0]) if head[column].notna().any() else "" for column in dataset.frame.columns
    ]
    table = pd.DataFrame(
        {
            "Column": [str(column) for column in dataset.frame.columns],
            "Role": [schema.ROLE_LABELS[roles.get(column, schema.TEXT)] for column in dataset.frame.columns],
            "Example": examples,
        }
    )
    edited = st.data_editor(
        table,
        key="upload__roles_editor",
        hide_index=True,
        height=min(36 * (len(table) + 1) + 4, 640),
        disabled=["Column", "Example"],
        column_config={
            "Role": st.column_config.SelectboxColumn(
                "Role", options=list(schema.ROLE_LABELS.values()), required=True, width="large"
            )
        },
    )
    corrected = {
        column: LABEL_TO_ROLE.get(label, schema.TEXT)
        for column, label in zip(dataset.frame.columns, edited["Role"], strict=True)
    }
    if corrected != roles:
        state.put(state.ROLES, corrected)
    features = schema.feature_columns(corrected)
    st.caption(
        f"Id: {schema.id_column(corrected) or 'none'}. {len(features)} columns will be offered as segment features."
    )


def tx_roles_editor(dataset: state.Dataset) -> None:
    columns: TransactionColumns = state.get(state.TX_COLUMNS) or infer_transaction_columns(dataset.frame)
    options = [NOT_USED, *[str(column) for column in dataset.frame.columns]]
    table = pd.DataFrame(
        {
            "Role": list(TX_ROLE_LABELS.values()),
            "Column": [getattr(columns, role) or NOT_USED for role in TX_ROLE_LABELS],
        }
    )
    edited = st.data_editor(
        table,
        key="upload__tx_roles_editor",
        hide_index=True,
        height=min(36 * (len(table) + 1) + 4, 640),
        disabled=["Role"],
        column_config={"Column": st.column_config.SelectboxColumn("Column", options=options, width="large")},
    )
    chosen = {
        role: (None if value in (None, NOT_USED) or pd.isna(value) else str(value))
        for role, value in zip(TX_ROLE_LABELS, edited["Column"], strict=True)
    }
    corrected = TransactionColumns(**{f.name: chosen.get(f.name) for f in fields(TransactionColumns)})
    if corrected != columns:
        state.put(state.TX_COLUMNS, corrected)
    missing = corrected.missing_required()
    if missing:
        st.warning("Pick a column for: " + ", ".join(TX_ROLE_LABELS[role] for role in missing) + ".")


def preview_and_profile(dataset: state.Dataset, kind: str) -> None:
    st.dataframe(dataset.frame.head(100), height=260)
    profile = cached_profile(dataset.sha256, dataset.frame)
    st.dataframe(
        profile,
        hide_index=True,
        column_config={
            "missing %": st.column_config.NumberColumn("missing %", format="%.1f"),
            "min": st.column_config.NumberColumn("min", format="%.4g"),
            "median": st.column_config.NumberColumn("median", format="%.4g"),
            "max": st.column_config.NumberColumn("max", format="%.4g"),
            "distribution": st.column_config.BarChartColumn("distribution", y_min=0),
        },
    )
    names = [str(column) for column in dataset.frame.columns]
    numeric = [str(c) for c in dataset.frame.select_dtypes("number").columns]
    remembered = choices().get(f"{kind}_column") or (numeric[0] if numeric else names[0])
    column = st.selectbox(
        "Look closer at one column",
        names,
        index=names.index(remembered) if remembered in names else 0,
        key=f"upload__{kind}_column",
    )
    choices()[f"{kind}_column"] = column
    st.plotly_chart(column_distribution(dataset.frame, column))


def dataset_section(dataset: state.Dataset, kind: str) -> None:
    st.subheader("Customer table" if kind == CUSTOMERS else "Transaction table")
    report_block(dataset)
    roles_tab, preview_tab = st.tabs(["Column roles", "Preview and profile"])
    with roles_tab:
        st.caption("Check what each column is used for; change a role if it is wrong. Your changes are kept.")
        if kind == CUSTOMERS:
            roles_editor(dataset)
        else:
            tx_roles_editor(dataset)
    with preview_tab:
        preview_and_profile(dataset, kind)


ui.page_header(
    "Upload",
    "Load your customer table and, if you have them, its transactions - or start from the bundled sample.",
)
start_with_sample()
sample_section()
upload_section()
customers = state.get(state.DATASET)
transactions = state.get(state.TRANSACTIONS)
if customers is None and transactions is None:
    st.info("No data loaded yet: use the sample data, or upload a customer or transaction table above.")
    st.stop()
if customers is not None:
    dataset_section(customers, CUSTOMERS)
if transactions is not None:
    dataset_section(transactions, TRANSACTIONS)
st.page_link(ui.CLEAN, label="Next: clean and choose features", icon=":material/arrow_forward:")
