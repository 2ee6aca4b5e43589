import hashlib
from pathlib import Path

import pandas as pd
import streamlit as st

from core import pipeline, trends
from core.charts import trends as charts
from core.transactions import infer_transaction_columns, standardize_transactions
from pages import _state as state
from pages import _ui as ui
from pages import _work as work

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "card_transactions.csv"
CHOICES = "trends_choices"  # plain key: this page's choices, kept when the user leaves and comes back
FREQ_LABELS = {"MS": "Monthly", "W-MON": "Weekly", "D": "Daily"}
SHORTER = {"MS": " Choose weekly or daily periods.", "W-MON": " Choose daily periods."}
METRIC_LABELS = charts.METRIC_LABELS

ui.page_header(
    "Trends",
    "Spend over time per segment: what changed, what is seasonal, what comes next, and who moved between segments.",
)


@st.cache_data(max_entries=4, show_spinner=False)
def _canonical(frame: pd.DataFrame, columns) -> pd.DataFrame:
    return standardize_transactions(frame, columns)[0]


@st.cache_data(max_entries=8, show_spinner=False)
def _view(tx, segment_by_customer, freq, metric, segments, horizon):
    with work.GATE.slot():
        return trends.trends_view(
            tx, segment_by_customer, freq=freq, metric=metric, segments=list(segments), horizon=horizon
        )


@st.cache_data(max_entries=4, show_spinner=False)
def _migration(tx, _clean, _segmentation, segments_by_customer, names, n_periods, cut):
    """Keyed on the transactions, each customer's segment, the names and the split."""
    with work.GATE.slot():
        return pipeline.migration(
            tx, _clean, _segmentation, names, n_periods=n_periods, cut_dates=[cut] if cut is not None else None
        )


def _load_sample() -> None:
    from core.io import read_path

    loaded = read_path(SAMPLE)
    frame, report = loaded.frame, loaded.report
    columns = infer_transaction_columns(frame)
    st.session_state[state.TRANSACTIONS] = state.Dataset(
        name=SAMPLE.name, frame=frame, report=report, sha256=hashlib.sha256(SAMPLE.read_bytes()).hexdigest()
    )
    st.session_state[state.TX_COLUMNS] = columns
    st.session_state[state.TX_CANONICAL] = _canonical(frame, columns)


# ---- input: canonical transactions -----------------------------------------------------------------------
tx = state.get(state.TX_CANONICAL)
transactions = state.get(state.TRANSACTIONS)
if tx is None and transactions is not None:
    columns = state.get(state.TX_COLUMNS) or infer_transaction_columns(transactions.frame)
    tx = ui.run_safely(lambda: _canonical(transactions.frame, columns), what="Reading the transactions")
    if tx is not None:
        st.session_state[state.TX_CANONICAL] = tx
if tx is None:
    st.info(
        "Trends need a transaction table: one row per purchase with a customer or card id, a date and an amount "
        "(a category column adds the category mix). Upload one, or try the bundled sample."
    )
    if SAMPLE.exists():
        if st.button("Load the sample transactions", key="trends__load_sample", icon=":material/download:"):
            ui.run_safely(_load_sample, what="Loading the sample")
            if state.get(state.TX_CANONICAL) is not None:
                st.rerun()
    else:
        st.caption("The bundled sample is not in this installation (sample_data/card_transactions.csv).")
    st.page_link(ui.UPLOAD, label="Go to Upload", icon=":material/arrow_forward:")
    ui.stop()

# ---- segments of each customer ---------------------------------------------------------------------------
# A file that names no customer (a card-fraud extract, one account's statement) has trends for everyone, no segments.
dataset = state.get(state.DATASET)
unsegmentable = pipeline.no_customers_reason(dataset.frame if dataset is not None else None, tx)
if unsegmentable is None:
    clean, segmentation = ui.ensure_segments()
    names = ui.segment_names()
else:
    clean = segmentation = None
    names = {}
    st.info(ui.plain(unsegmentable) + " Trends are shown for all transactions together.", icon=":material/info:")
segment_by_customer = None
ids_by_customer = None
if clean is not None and clean.id_column in clean.table.columns:
    labels = pipeline.segment_ids_by_customer(clean, segmentation)
    if labels.index.isin(tx["customer_id"].astype("string").str.strip().unique()).any():
        ids_by_customer = labels
        segment_by_customer = pipeline.segment_by_customer(clean, segmentation, names)
    else:
        st.warning(
            "None of the transactions' customer ids match the segmented customers' ids, so only everyone's "
            "trends are shown. Check the id columns on the Upload page."
        )
segment_list = list(names.values()) if segment_by_customer is not None else []

# ---- choices (kept across navigation) ---------------------------------------------------------------------
choices = st.session_state.setdefault(
    CHOICES,
    {
        "freq": trends.default_freq(tx["timestamp"]),  # days or weeks for a short statement
        "metric": "spend",
        "segments": None,
        "horizon": 6,
        "focus": trends.ALL,
    },
)
left, middle, right, last = st.columns([1, 1, 3, 1])
freq = left.radio(
    "Periods",
    list(FREQ_LABELS),
    index=list(FREQ_LABELS).index(choices["freq"]),
    format_func=FREQ_LABELS.get,
    key="trends__freq",
    horizontal=True,
)
metric = middle.selectbox(
    "Metric",
    list(trends.METRICS),
    index=list(trends.METRICS).index(choices["metric"]),
    format_func=METRIC_LABELS.get,
    key="trends__metric",
)
default_segments = [s for s in (choices["segments"] or segment_list[:10]) if s in segment_list]
chosen = right.multiselect(
    "Segments",
    segment_list,
    default=default_segments,
    max_selections=10,
    key="trends__segments",
    disabled=not segment_list,
    help="Up to ten segments are forecast at once; everyone's total is always included.",
)
horizon = last.slider("Forecast periods", 3, 12, int(choices["horizon"]), key="trends__horizon")
choices.update(freq=freq, metric=metric, segments=chosen if segment_list else choices["segments"], horizon=horizon)

with st.spinner("Aggregating and forecasting (the model is chosen per segment by a backtest)..."):
    view = ui.run_heavy(
        lambda: _view(tx, segment_by_customer, freq, metric, tuple(chosen), horizon),
        what="trends",
        doing="Aggregating and forecasting",
        report_as="The trends",
    )
if view is None:
    ui.stop()
for note in view.notes:
    st.caption(ui.plain(note))
colours = charts.colours_for(names)
unit = trends.FREQUENCIES[freq]
focus_options = list(view.forecasts)
focus = st.selectbox(
    "Look closer at",
    focus_options,
    index=focus_options.index(choices["focus"]) if choices["focus"] in focus_options else 0,
    key="trends__focus",
    help="The segment whose trend, season and forecast are drawn on the second and third tabs.",
)
choices["focus"] = focus

tab_time, tab_decompose, tab_forecast, tab_migration = st.tabs(
    ["Over time", "Trend and season", "Forecasts", "Segment migration"]
)

with tab_time:
    ui.plotly_chart(charts.series_figure(view.series, metric, colours, segments=chosen), key="trends__series_chart")
    if "category" in tx.columns:
        mix_options = [trends.ALL, *chosen]
        mix_segment = st.selectbox(
            "Category mix for",
            mix_options,
            index=mix_options.index(choices.get("mix", trends.ALL)) if choices.get("mix") in mix_options else 0,
            key="trends__mix",
        )
        choices["mix"] = mix_segment
        mix = ui.run_safely(
            lambda: trends.category_mix(tx, segment_by_customer, segment=mix_segment, freq=freq), what="Category mix"
        )
        if mix is not None:
            ui.plotly_chart(
                charts.category_mix_figure(mix, f"Category mix of purchase spend: {mix_segment}"),
                key="trends__mix_chart",
            )
    else:
        st.caption("The transactions have no category column, so there is no category mix.")

with tab_decompose:
    history = trends.series_of(view.series, focus, metric)
    decomposition = None
    if len(history) < 3:  # a short statement: say what to do, not an error
        st.info(
            f"The history covers {len(history)} {unit}{'s' if len(history) != 1 else ''}; a trend and a season "
            "need at least three periods." + SHORTER.get(freq, ""),
            icon=":material/info:",
        )
    else:
        decomposition = ui.run_safely(
            lambda: trends.decompose(history, period=trends.SEASON_LENGTH[freq]), what="The decomposition"
        )
    if decomposition is not None:
        (st.caption if decomposition.method == "STL" else st.info)(ui.plain(decomposition.sentence))
        ui.plotly_chart(
            charts.decomposition_figure(
                decomposition, f"{METRIC_LABELS[metric]}: {focus}", colours.get(focus, charts.ALL_COLOUR)
            ),
            key="trends__decomposition_chart",
        )

with tab_forecast:
    result = view.forecasts[focus]
    st.markdown(f"**{ui.plain(focus)}**: {ui.plain(result.sentence)}")
    ui.plotly_chart(
        charts.forecast_figure(
            trends.series_of(view.series, focus, metric),
            result,
            f"{METRIC_LABELS[metric]} forecast: {focus}",
            colours.get(focus, charts.ALL_COLOUR),
        ),
        key="trends__forecast_chart",
    )
    st.caption(
        "Shaded: 80% and 95% prediction intervals. MASE divides the backtest's average miss (forecasting up to "
        f"{trends.BACKTEST_HORIZON} {unit}s ahead) by the history's average change from one {unit} to the next (or "
        "from one season to the next), so the benchmark of repeating the last value usually scores above 1 too: a "
        "model is better when its MASE is below the benchmark's in the sentence above, not when it is below 1. "
        "MAPE is the average miss in percent."
    )
    caution = view.caution()
    if caution:
        st.warning(caution, icon=":material/warning:")
    st.dataframe(
        view.accuracy().drop(columns="note"),
        hide_index=True,
        column_config={
            "mase": st.column_config.NumberColumn("MASE", format="%.2f"),
            "mape": st.column_config.NumberColumn("MAPE %", format="%.0f"),
        },
    )
    unusual = [r.unusual.assign(segment=s) for s, r in view.forecasts.items() if r.available and not r.unusual.empty]
    if unusual:
        st.markdown(f"**Unusual {unit}s**: the actual value fell outside the model's 95% one-step interval.")
        table = pd.concat(unusual, ignore_index=True)[
            ["segment", "period", "actual", "expected", "surprise", "surprise_pct"]
        ].round({"actual": 0, "expected": 0, "surprise": 0})
        st.dataframe(
            table,
            hide_index=True,
            column_config={
                "period": st.column_config.DateColumn("Period", format="D MMMM YYYY"),
                "actual": st.column_config.NumberColumn("Actual", format="localized"),
                "expected": st.column_config.NumberColumn("Expected", format="localized"),
                "surprise": st.column_config.NumberColumn("Surprise", format="localized"),
                "surprise_pct": st.column_config.NumberColumn("Surprise %", format="%+.0f"),
            },
        )

moves = None
with tab_migration:
    source = state.get(state.CUSTOMER_SOURCE)
    if clean is None:
        st.info("Migration follows customers from segment to segment; this file names no customers.")
    elif source == "customers" or getattr(clean, "fitted", None) is None:
        st.info(
            "Migration needs segments built from transaction-derived customer features (choose the transactions "
            "as the customer source on the Clean page). These segments come from a customer table without "
            "periodic snapshots, so there is no earlier state to compare with."
        )
    elif ids_by_customer is None:
        st.info("The transactions' customers do not match the segmented customers, so migration cannot be shown.")
    else:
        first, last_day = tx["timestamp"].min().date(), tx["timestamp"].max().date()
        split = st.radio(
            "Split the history",
            ["Equal periods", "At a date"],
            index=["Equal periods", "At a date"].index(choices.get("split", "Equal periods")),
            key="trends__split",
            horizontal=True,
        )
        choices["split"] = split
        cut = None
        n_periods = 2
        if split == "Equal periods":
            n_periods = st.slider("Periods", 2, 6, int(choices.get("n_periods", 2)), key="trends__n_periods")
            choices["n_periods"] = n_periods
        else:
            middle_day = (tx["timestamp"].min() + (tx["timestamp"].max() - tx["timestamp"].min()) / 2).date()
            cut = st.date_input(
                "Second period starts on",
                value=choices.get("cut", middle_day),
                min_value=first,
                max_value=last_day,
                key="trends__cut",
            )
            choices["cut"] = cut
        with st.spinner("Deriving each period's customer features and placing them into the segments..."):
            moves = ui.run_safely(
                lambda: _migration(tx, clean, segmentation, ids_by_customer, names, n_periods, cut),
                what="Segment migration",
            )
        if moves is not None:
            st.markdown(ui.plain(moves.sentence))
            counts = moves.counts
            cols = st.columns(5)
            for col, (label, name) in zip(
                cols,
                [
                    ("Moved up", "moved_up"),
                    ("Moved down", "moved_down"),
                    ("Stayed", "stayed"),
                    ("Went inactive", "went_inactive"),
                    ("New", "new"),
                ],
                strict=True,
            ):
                col.metric(label, f"{counts[name]:,}")
            st.caption(
                "Each period's features are derived from that period alone, so totals such as spend are smaller "
                "than over the whole history; compare periods with each other. Segments are ranked by mean "
                "spend per customer to tell up from down."
            )
            ui.plotly_chart(charts.migration_heatmap(moves.matrix), key="trends__migration_heatmap")
            ui.plotly_chart(
                charts.migration_sankey(moves.matrix, {**colours, "new": "#999999", "inactive": "#BBBBBB"}),
                key="trends__migration_sankey",
            )
            pairs = (
                moves.flows.groupby(["from", "to"], sort=False).size().rename("customers").reset_index()
            ).sort_values("customers", ascending=False)
            options = [f"{a} → {b}" for a, b in zip(pairs["from"], pairs["to"], strict=True)]
            picked = st.selectbox(
                "Customers in the flow",
                options,
                index=options.index(choices["flow"]) if choices.get("flow") in options else 0,
                key="trends__flow",
            )
            choices["flow"] = picked
            source_name, target_name = picked.split(" → ")
            st.dataframe(
                moves.flows.loc[(moves.flows["from"] == source_name) & (moves.flows["to"] == target_name)],
                hide_index=True,
            )

st.session_state[state.TRENDS] = trends.sheet(view, moves)
