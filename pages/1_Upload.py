"""Upload: what is loaded and from where; load the customer table, its transactions or the sample; check roles."""

from __future__ import annotations

import hashlib
import os
from dataclasses import fields, replace

import pandas as pd
import streamlit as st

from core import cards, samples, schema
from core import repeated_keys as rk
from core import transactions as txn
from core.charts.upload import column_distribution
from core.io import LoadedTable, load_table
from core.transactions import TransactionColumns
from pages import _state as state
from pages import _ui as ui
from pages._shared import shared

CUSTOMERS, TRANSACTIONS = "customers", "transactions"
START_WITH_SAMPLE = "CARDLENS_START_WITH_SAMPLE"  # `make run` sets it: a new session opens on the sample
NOTICES = "upload__notices"  # plain key: list[(kind, text)] said about the last load, shown in the panel
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
    "debit": "Money out (debit), when the amount is split",
    "credit": "Money in (credit), when the amount is split",
    "category": "Category",
    "merchant": "Merchant",
    "channel": "Channel",
    "type": "Transaction type (tells payments and salary from refunds)",
    "description": "Description / booking text",
    "label": "Fraud label (0/1)",
    "transaction_id": "Transaction id",
    "lat": "Customer latitude",
    "lon": "Customer longitude",
    "merch_lat": "Merchant latitude",
    "merch_lon": "Merchant longitude",
}
PARTS = " + "  # how a date split over several columns is shown in the transaction role table
NOT_USED = "(none)"
LABEL_TO_ROLE = {label: role for role, label in schema.ROLE_LABELS.items()}
CONFIDENCE_WORDS = {schema.HIGH: "High", schema.MEDIUM: "Medium", schema.LOW: "Low - please check"}
BLANK_KEY_WORDS = {"keep": "Keep each as a customer of its own", "drop": "Drop them"}
KIND_WORDS = {"customers": "Customer table (one row per customer)", "transactions": "Transaction table"}


@shared(max_entries=4)
def cached_load(sha256: str, name: str, key_id: str, _data: bytes, _mask_key: bytes) -> LoadedTable:
    """Load once per file content and masking key (the bytes are keyed by their hash, the key by its id)."""
    return load_table(_data, name, mask_key=_mask_key)


@st.cache_data(max_entries=4, show_spinner=False)
def cached_profile(sha256: str, _frame: pd.DataFrame) -> pd.DataFrame:
    return schema.column_profile(_frame)


@st.cache_data(max_entries=8, show_spinner=False)
def cached_understand(sha256: str, kind: str | None, _frame: pd.DataFrame) -> schema.Understanding:
    """What the file is, once per content and kind: every visitor opening the sample shares one answer.

    Kept without its frame (``store`` puts the loaded one back), so a visitor does not unpickle a second copy.
    """
    return replace(schema.understand(_frame, kind=kind), frame=None)


@st.cache_data(max_entries=16, show_spinner=False)
def cached_layout(sha256: str, _frame: pd.DataFrame) -> str | None:
    """The public layout a file's content follows, once per content (the sample's for every visitor at once)."""
    return schema.detect_layout(_frame)


@st.cache_data(max_entries=16, show_spinner=False)
def cached_lines(sha256: str, kind: str, name: str, _understood: schema.Understanding) -> list[str]:
    """What was understood of a file, as sentences, once per content, kind and file name."""
    return _understood.lines(name)


def choices() -> dict:
    return st.session_state.setdefault(state.UPLOAD_CHOICES, {})


def say(kind: str, text: str) -> None:
    """Keep a sentence about the last load for the panel (shown until the next load)."""
    st.session_state.setdefault(NOTICES, []).append((kind, text))


def uploader_key(kind: str) -> str:
    """The uploader's widget key; a new round gives an empty uploader after its table is removed."""
    round_ = (st.session_state.get(state.UPLOADER_ROUND) or {}).get(kind, 0)
    return f"upload__{kind}_file" + (f"_{round_}" if round_ else "")


def empty_uploader(kind: str) -> None:
    rounds = dict(st.session_state.get(state.UPLOADER_ROUND) or {})
    rounds[kind] = rounds.get(kind, 0) + 1
    st.session_state[state.UPLOADER_ROUND] = rounds
    (st.session_state.get(state.UPLOAD_SEEN) or {}).pop(kind, None)


# ---- the other table: drop it when it cannot belong with the new one --------------------------------------


def customer_ids() -> pd.Series | None:
    """The customer table's keys as text (None without a table or a key column)."""
    dataset = state.get(state.DATASET)
    key = schema.id_column(state.get(state.ROLES) or {}) if dataset is not None else None
    if key is None or key not in dataset.frame.columns:
        return None
    return txn.key_text(dataset.frame[key]).dropna()


def transaction_ids() -> pd.Series | None:
    """The transactions' customer keys as text (None without transactions or a customer column)."""
    transactions = state.get(state.TRANSACTIONS)
    columns = state.get(state.TX_COLUMNS)
    if transactions is None or columns is None or columns.customer not in transactions.frame.columns:
        return None
    return txn.key_text(transactions.frame[columns.customer]).dropna()


def remove_table(kind: str) -> None:
    state.remove(state.DATASET if kind == CUSTOMERS else state.TRANSACTIONS)
    empty_uploader(kind)


def reconcile(new_kind: str) -> None:
    """After a load, keep the other table only if it can belong with the new one.

    The bundled sample is never mixed with the user's own file: whichever is older goes. Two files of the
    user's whose ids do not meet are both kept (they may know better), with a warning and the remove controls.
    """
    new = state.get(state.DATASET if new_kind == CUSTOMERS else state.TRANSACTIONS)
    other_kind = TRANSACTIONS if new_kind == CUSTOMERS else CUSTOMERS
    other = state.get(state.DATASET if other_kind == CUSTOMERS else state.TRANSACTIONS)
    if new is None or other is None:
        return
    if other.is_sample != new.is_sample:
        remove_table(other_kind)
        what = "sample's transactions" if other_kind == TRANSACTIONS else "sample's customer table"
        if other.is_sample:
            rest = " Customers are now derived from your transactions." if new_kind == TRANSACTIONS else ""
            say(
                "info",
                f"Removed the {what} ({ui.plain(other.name)}): the sample is never mixed with your file.{rest}",
            )
        else:
            say(
                "info",
                f"Removed your {other_kind} table ({ui.plain(other.name)}): the sample is never mixed with your files.",
            )
        return
    customers, tx = customer_ids(), transaction_ids()
    if customers is None or tx is None:
        return
    wanted = pd.Index(tx.drop_duplicates())
    found = len(wanted.intersection(pd.Index(customers)))  # hashed: isin on Arrow text builds a scalar per value
    if found == 0:
        tx_name = new.name if new_kind == TRANSACTIONS else other.name
        say(
            "warning",
            f"None of the {len(wanted):,} customer ids in the transactions ({ui.plain(tx_name)}) are in the customer "
            "table. Segments come from the customer table; Fraud and Trends use the transactions as they are. Remove "
            "one of them above if they do not belong together.",
        )
    elif found < len(wanted):
        say("info", f"{found:,} of the {len(wanted):,} customers in the transactions are in the customer table.")


# ---- loading ------------------------------------------------------------------------------------------------


def store(kind: str, name: str, loaded: LoadedTable, sha256: str, understood: schema.Understanding) -> None:
    """Write a loaded table, what was understood of it and its roles to the shared state."""
    dataset = state.Dataset(name=name, frame=loaded.frame, report=loaded.report, sha256=sha256)
    understood = replace(understood, frame=loaded.frame)  # one frame, not the cache's second copy of it
    if kind == CUSTOMERS:
        state.put(state.DATASET, dataset)
        state.put(state.CUSTOMERS_UNDERSTOOD, understood)
        state.put(state.ROLES, understood.roles)
        st.session_state[state.REPEATED_KEYS] = rk.default_choice(understood.roles)  # a monthly panel: its latest
        apply_key_choices()
    else:
        state.put(state.TRANSACTIONS, dataset)
        state.put(state.TX_UNDERSTOOD, understood)
        state.put(state.TX_COLUMNS, understood.transaction_columns or txn.infer_transaction_columns(loaded.frame))


def load_bytes(kind: str, name: str, data: bytes, *, mask_key: bytes | None = None) -> bool:
    """Load bytes into the state; on a refusal show why and leave the earlier data untouched.

    A file given as the customer table that is a transaction table is stored as the transactions. Card numbers
    are masked with this session's key (tokens cannot be compared across visitors) unless ``mask_key`` is given.
    """
    sha256 = hashlib.sha256(data).hexdigest()
    key = mask_key or state.mask_key()
    mask_id = hashlib.sha256(key).hexdigest()[:16]
    with st.spinner(f"Reading {ui.plain(name)}..."):
        loaded = ui.run_safely(lambda: cached_load(sha256, name, mask_id, data, key), what=f"Reading {name}")
        if loaded is None:
            return False
        forced = TRANSACTIONS if kind == TRANSACTIONS else None
        understood = ui.run_safely(
            lambda: cached_understand(sha256, forced, loaded.frame), what=f"Understanding {name}"
        )
    if understood is None:
        return False
    st.session_state[NOTICES] = []
    if kind == CUSTOMERS and understood.kind == schema.TRANSACTIONS:
        kind = TRANSACTIONS
        say(
            "info",
            f"{ui.plain(name)} is a transaction table (a customer key that repeats, a date and an amount), so it was "
            "loaded as the transactions; the customers are derived from it.",
        )
    store(kind, name, loaded, sha256, understood)
    reconcile(kind)
    return True


def load_sample(key: str) -> bool:
    info = samples.SAMPLES[key]
    path = samples.sample_path(key)
    if not path.exists():
        st.error(f"The sample file {info.filename} is missing from sample_data/. Run `make samples` to write it.")
        return False
    kind = CUSTOMERS if info.kind == "customers" else TRANSACTIONS
    # The sample is public and the same for every visitor, so its synthetic card numbers take the server's key:
    # with a per-session key every visitor's sample would differ, and nothing derived from it could be shared.
    return load_bytes(kind, info.filename, path.read_bytes(), mask_key=cards.MASK_KEY)


def load_full_sample() -> None:
    if load_sample("card_portfolio"):
        notices = list(st.session_state.get(NOTICES) or [])
        load_sample("card_transactions")
        st.session_state[NOTICES] = notices + list(st.session_state.get(NOTICES) or [])


def start_with_sample() -> None:
    """Load the sample once per new session when the deployment asks for it (never over the user's data)."""
    if not os.environ.get(START_WITH_SAMPLE) or st.session_state.get(state.SAMPLE_AUTOLOADED):
        return
    st.session_state[state.SAMPLE_AUTOLOADED] = True
    if state.get(state.DATASET) is None and state.get(state.TRANSACTIONS) is None:
        load_full_sample()


def read_as(kind: str, widget: str) -> None:
    """Radio callback of "Read this file as": understand the table as the other kind and move it there."""
    new_kind = st.session_state[widget]
    dataset = state.get(state.DATASET if kind == CUSTOMERS else state.TRANSACTIONS)
    if new_kind == kind or dataset is None:
        return
    frame = dataset.as_loaded
    understood = ui.run_safely(
        lambda: cached_understand(dataset.sha256, new_kind, frame), what=f"Understanding {dataset.name}"
    )
    if understood is None:
        return
    remove_table(kind)
    empty_uploader(new_kind)  # whatever file it showed is replaced by this one
    st.session_state[NOTICES] = []
    say("info", f"{ui.plain(dataset.name)} is now read as the {KIND_WORDS[new_kind].split(' (')[0].lower()}.")
    store(new_kind, dataset.name, LoadedTable(frame, dataset.report), dataset.sha256, understood)
    reconcile(new_kind)


# ---- repeated customer keys -------------------------------------------------------------------------------


def resolved(dataset: state.Dataset) -> state.Dataset:
    """The customer table after the user's choices for repeated and blank keys (recomputed only when they change)."""
    roles = state.get(state.ROLES) or {}
    loaded = dataset.as_loaded
    key = schema.id_column(roles)
    key = key if key in loaded.columns else None
    how, blank = state.get(state.REPEATED_KEYS, rk.KEEP), state.get(state.BLANK_KEYS, rk.KEEP)
    done = dataset.keys
    if done is not None and (done.key, done.how, done.blank_keys) == (key, how, blank):
        return dataset
    keys = rk.resolve_repeated_keys(loaded, key, how, blank_keys=blank, roles=roles)
    return replace(dataset, frame=keys.frame, loaded=None if keys.frame is loaded else loaded, keys=keys)


def apply_key_choices() -> None:
    """Make the shared customer table follow the choices; whatever was derived from another table is cleared."""
    dataset = state.get(state.DATASET)
    if dataset is None:
        return
    new = ui.run_safely(lambda: resolved(dataset), what="Resolving repeated customer keys")
    if new is None or new is dataset:
        return
    st.session_state[state.DATASET] = new
    if new.frame is not dataset.frame:
        state.invalidate_after(state.REPEATED_KEYS)


def choose_keys(key: str, widget: str) -> None:
    """Radio callback: store the choice (clearing Clean, Cluster and what follows) and apply it."""
    state.put(key, st.session_state[widget])
    apply_key_choices()


def keys_section(dataset: state.Dataset | None) -> None:
    """Say which customer keys repeat or are blank, and let the user keep or merge them."""
    keys = getattr(dataset, "keys", None)
    if keys is None or not keys.found:
        return
    st.markdown("**Repeated customer keys**")
    st.info(keys.sentence(), icon=":material/info:")
    if keys.repeated_keys:
        st.radio(
            "Rows that share a customer key",
            rk.CHOICES,
            index=rk.CHOICES.index(keys.how),
            format_func=rk.CHOICE_WORDS.get,
            key="upload__repeated_keys",
            on_change=choose_keys,
            args=(state.REPEATED_KEYS, "upload__repeated_keys"),
            help="Merging averages the behaviour numbers of a key's rows, takes the most common category and the "
            "first id or date. Your choice is used by every page and recorded in the workbook.",
        )
    if keys.blank_rows:
        st.radio(
            "Rows without a customer key",
            rk.BLANK_CHOICES,
            index=rk.BLANK_CHOICES.index(keys.blank_keys),
            format_func=BLANK_KEY_WORDS.get,
            key="upload__blank_keys",
            on_change=choose_keys,
            args=(state.BLANK_KEYS, "upload__blank_keys"),
            horizontal=True,
        )


# ---- what is loaded ---------------------------------------------------------------------------------------


def start_over() -> None:
    state.start_over()
    empty_uploader(CUSTOMERS)
    empty_uploader(TRANSACTIONS)


def source_words(dataset: state.Dataset) -> str:
    return f"bundled sample ({dataset.name})" if dataset.is_sample else dataset.name


def loaded_panel() -> None:
    """The session at a glance: each input, where it came from, its rows, a control to remove it."""
    customers = state.get(state.DATASET)
    transactions = state.get(state.TRANSACTIONS)
    feedback = state.get(state.FEEDBACK)
    st.subheader("What is loaded")
    for kind, text in st.session_state.get(NOTICES) or []:
        (st.warning if kind == "warning" else st.info)(text, icon=":material/info:")
    if customers is None and transactions is None and (feedback is None or not len(feedback)):
        st.caption("Nothing yet: use the sample data, or upload a customer or transaction table below.")
        return
    rows = []
    if customers is not None:
        size = f"{len(customers.as_loaded):,} rows"
        if len(customers.frame) != len(customers.as_loaded):
            size += f", {len(customers.frame):,} customers"
        rows.append(("Customer table", source_words(customers), size, CUSTOMERS))
    elif transactions is not None:
        understood = state.get(state.TX_UNDERSTOOD)
        count = getattr(understood, "n_customers", None)
        rows.append(
            (
                "Customer table",
                f"derived from your transactions ({source_words(transactions)})",
                f"{count:,} customers" if count is not None else "",
                None,
            )
        )
    if transactions is not None:
        rows.append(("Transactions", source_words(transactions), f"{len(transactions.frame):,} rows", TRANSACTIONS))
    if feedback is not None and len(feedback):
        rows.append(("Campaign feedback", "outcomes recorded or uploaded here", f"{len(feedback):,} rows", "feedback"))
    for label, source, size, removable in rows:
        what, where, count, action = st.columns([2, 5, 2, 2], vertical_alignment="center")
        what.markdown(f"**{label}**")
        where.markdown(ui.plain(source))
        count.markdown(size)
        if removable is not None:
            action.button(
                "Remove",
                key=f"upload__remove_{removable}",
                icon=":material/delete:",
                on_click=remove_feedback if removable == "feedback" else remove_table,
                args=() if removable == "feedback" else (removable,),
            )
    st.button(
        "Start over",
        key="upload__start_over",
        icon=":material/restart_alt:",
        on_click=start_over,
        help="Forget every table, choice and result of this session.",
    )


def remove_feedback() -> None:
    state.remove(state.FEEDBACK)


# ---- sections -----------------------------------------------------------------------------------------------


def sample_section() -> None:
    st.subheader("Start with sample data")
    left, right = st.columns([1, 2])
    with left:
        if st.button("Use sample data", type="primary", key="upload__use_sample", icon=":material/play_arrow:"):
            load_full_sample()
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
            uploaded = st.file_uploader(label, type=FILE_TYPES, key=uploader_key(kind))
        if uploaded is None or seen.get(kind) == uploaded.file_id:
            continue
        with column:
            if load_bytes(kind, uploaded.name, uploaded.getvalue()):
                seen[kind] = uploaded.file_id


def report_block(dataset: state.Dataset, understood: schema.Understanding | None, kind: str) -> None:
    st.success(f"Loaded {len(dataset.as_loaded):,} rows from {ui.plain(dataset.name)}", icon=":material/check_circle:")
    layout = cached_layout(dataset.sha256, dataset.as_loaded)
    if layout in LAYOUT_NAMES:
        st.caption(f"Recognised {LAYOUT_NAMES[layout]}.")
    if understood is not None:
        lines = cached_lines(dataset.sha256, understood.kind, dataset.name, understood)
        st.text("\n".join(lines))
    if hasattr(dataset.report, "as_lines"):
        with st.expander("Load report: what was read and converted", expanded=False):
            st.text("\n".join(f"- {line}" for line in dataset.report.as_lines()))


def examples_of(frame: pd.DataFrame) -> list[str]:
    head = frame.head(200)
    return [str(head[column].dropna().iloc[0]) if head[column].notna().any() else "" for column in frame.columns]


def roles_editor(dataset: state.Dataset, understood: schema.Understanding | None) -> None:
    guesses = dict(understood.guesses) if understood is not None else schema.guess_roles(dataset.frame)
    roles: dict[str, str] = dict(state.get(state.ROLES) or {c: g.role for c, g in guesses.items()})
    confidence, why = [], []
    for column in dataset.frame.columns:
        guess = guesses.get(column)
        if guess is None or roles.get(column) != guess.role:
            confidence.append("Yours")
            why.append("you chose this role")
        else:
            confidence.append(CONFIDENCE_WORDS.get(guess.confidence, guess.confidence))
            why.append(guess.reason)
    table = pd.DataFrame(
        {
            "Column": [str(column) for column in dataset.frame.columns],
            "Role": [schema.ROLE_LABELS[roles.get(column, schema.TEXT)] for column in dataset.frame.columns],
            "Confidence": confidence,
            "Why": why,
            "Example": examples_of(dataset.frame),
        }
    )
    edited = st.data_editor(
        table,
        key="upload__roles_editor",
        hide_index=True,
        height=min(36 * (len(table) + 1) + 4, 640),
        disabled=["Column", "Confidence", "Why", "Example"],
        column_config={
            "Role": st.column_config.SelectboxColumn(
                "Role", options=list(schema.ROLE_LABELS.values()), required=True, width="medium"
            ),
            "Why": st.column_config.TextColumn("Why", width="large"),
        },
    )
    corrected = {
        column: LABEL_TO_ROLE.get(label, schema.TEXT)
        for column, label in zip(dataset.frame.columns, edited["Role"], strict=True)
    }
    if corrected != roles:
        state.put(state.ROLES, corrected)
    features = schema.offered_features(dataset.frame, corrected)
    categories = sum(corrected[column] == schema.CATEGORICAL for column in features)
    offered = f"{len(features)} columns"
    if categories:
        offered = f"{len(features) - categories} number and {categories} category columns"
    st.caption(
        f"Id: {ui.plain(schema.id_column(corrected) or 'none')}. {offered} will be offered as segment features; ids, "
        "dates, outcomes and what leaks them never are."
    )


def column_options(frame: pd.DataFrame, columns: TransactionColumns) -> tuple[list[str], dict[str, tuple[str, ...]]]:
    """Options of the transaction role table: every column, plus a date split over parts as one option."""
    split = {}
    for parts in (columns.timestamp if isinstance(columns.timestamp, tuple) else None, txn.date_part_columns(frame)):
        if parts:
            split[PARTS.join(map(str, parts))] = tuple(parts)
    return [NOT_USED, *[str(column) for column in frame.columns], *split], split


def tx_roles_editor(dataset: state.Dataset) -> None:
    columns: TransactionColumns = state.get(state.TX_COLUMNS) or txn.infer_transaction_columns(dataset.frame)
    options, split = column_options(dataset.frame, columns)

    def shown(value: object) -> str:
        if isinstance(value, tuple):
            return PARTS.join(map(str, value))
        return NOT_USED if value is None else str(value)

    table = pd.DataFrame(
        {
            "Role": list(TX_ROLE_LABELS.values()),
            "Column": [shown(getattr(columns, role)) for role in TX_ROLE_LABELS],
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
    names = {str(column): column for column in dataset.frame.columns}
    chosen: dict[str, object] = {}
    for role, value in zip(TX_ROLE_LABELS, edited["Column"], strict=True):
        if value is None or value == NOT_USED or (not isinstance(value, str) and pd.isna(value)):
            chosen[role] = None
        elif value in names:
            chosen[role] = names[value]
        else:
            chosen[role] = split.get(value)
    corrected = TransactionColumns(**{f.name: chosen.get(f.name, getattr(columns, f.name)) for f in fields(columns)})
    if corrected != columns:
        state.put(state.TX_COLUMNS, corrected)
    missing = corrected.missing_required()
    if missing:
        st.warning("Pick a column for: " + ", ".join(TX_ROLE_LABELS[role] for role in missing) + ".")


def id_columns(kind: str) -> list[str]:
    """Columns holding ids, shown as written (never with thousands separators)."""
    if kind == CUSTOMERS:
        return [c for c, r in (state.get(state.ROLES) or {}).items() if r == schema.ID]
    columns = state.get(state.TX_COLUMNS)
    return [c for c in (getattr(columns, "customer", None), getattr(columns, "transaction_id", None)) if c]


def preview_and_profile(dataset: state.Dataset, kind: str) -> None:
    ids = [c for c in id_columns(kind) if c in dataset.frame.columns]
    st.dataframe(
        dataset.frame.head(100),
        height=260,
        column_config={str(c): st.column_config.NumberColumn(format="%d") for c in ids if is_number(dataset, c)},
    )
    profile = cached_profile(dataset.sha256, dataset.as_loaded)
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
    ui.plotly_chart(column_distribution(dataset.frame, column))


def is_number(dataset: state.Dataset, column: str) -> bool:
    values = dataset.frame[column]
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def dataset_section(dataset: state.Dataset, kind: str) -> None:
    st.subheader("Customer table" if kind == CUSTOMERS else "Transaction table")
    understood = state.get(state.CUSTOMERS_UNDERSTOOD if kind == CUSTOMERS else state.TX_UNDERSTOOD)
    report_block(dataset, understood, kind)
    st.radio(
        "Read this file as",
        (CUSTOMERS, TRANSACTIONS),
        index=0 if kind == CUSTOMERS else 1,
        format_func=KIND_WORDS.get,
        key=f"upload__{kind}_kind",
        horizontal=True,
        on_change=read_as,
        args=(kind, f"upload__{kind}_kind"),
        help="A file with one row per transaction (a customer key that repeats, a date and an amount) is read as "
        "transactions, and its customers are derived from it.",
    )
    keys_slot = st.container()  # filled after the role table: a corrected key changes what repeats
    roles_tab, preview_tab = st.tabs(["Column roles", "Preview and profile"])
    with roles_tab:
        st.caption("Check what each column is used for; change a role if it is wrong. Your changes are kept.")
        if kind == CUSTOMERS:
            roles_editor(dataset, understood)
        else:
            tx_roles_editor(dataset)
    with preview_tab:
        preview_and_profile(dataset, kind)
    if kind == CUSTOMERS:
        apply_key_choices()
        with keys_slot:
            keys_section(state.get(state.DATASET))


ui.page_header(
    "Upload",
    "Load your customer table and, if you have them, its transactions - or start from the bundled sample.",
)
start_with_sample()
panel = st.container()
sample_section()
upload_section()
with panel:
    loaded_panel()
customers = state.get(state.DATASET)
transactions = state.get(state.TRANSACTIONS)
if customers is None and transactions is None:
    st.info("No data loaded yet: use the sample data, or upload a customer or transaction table above.")
    ui.stop()
if customers is not None:
    dataset_section(customers, CUSTOMERS)
if transactions is not None:
    dataset_section(transactions, TRANSACTIONS)
st.page_link(ui.CLEAN, label="Next: clean and choose features", icon=":material/arrow_forward:")
