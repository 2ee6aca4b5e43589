from collections.abc import Callable

import pandas as pd
import streamlit as st

from core import fraud, pipeline
from core.charts import fraud as charts
from pages import _state as state
from pages import _ui as ui
from pages import _work as work
from pages._shared import shared

SETTINGS = "fraud__settings"  # plain key (kept across pages): the alert budget chosen on each tab
DEFAULT_SETTINGS = {
    "customers": {"kind": "count", "count": fraud.CUSTOMER_BUDGET, "percent": 1.0},
    "transactions": {"kind": "count", "count": fraud.TRANSACTION_BUDGET, "percent": 0.5},
}
SCORED_FROM = "fraud__scored_from"  # {state key: the inputs its kept scores were made from}
BUDGET_KINDS = {"count": "Review the top N", "percent": "Review the top percent"}


@shared(max_entries=4)
def cached_customers(_clean, _segmentation, table, matrix, labels, names, budget, budget_percent):
    """Score customers; keyed on the table, matrix, labels and names the scores depend on."""
    with work.GATE.slot():
        return pipeline.customer_alerts(_clean, _segmentation, names, budget=budget, budget_percent=budget_percent)


@shared(max_entries=4)
def cached_transactions(canonical, budget, budget_percent):
    with work.GATE.slot():
        return pipeline.transaction_alerts(canonical, budget=budget, budget_percent=budget_percent)


@st.cache_data(max_entries=4, show_spinner=False)
def cached_evaluation(scores, labels, budget):
    with work.GATE.slot():
        return fraud.evaluate(scores, labels, budget=budget)


def scored_once(key: str, inputs: tuple, compute: Callable[[], pd.DataFrame | None]) -> pd.DataFrame | None:
    """The scores kept under ``key`` when they were made from the same ``inputs``; else ``compute`` and keep them.

    A rerun (a review, a budget slider elsewhere, a page switch) then neither hashes the tables again for the
    cache nor copies the cached scores. The state contract clears ``key`` when the data or segments change.
    """
    made_from = st.session_state.get(SCORED_FROM) or {}
    kept = st.session_state.get(key)
    if kept is not None and made_from.get(key) == inputs:
        return kept
    scored = compute()
    if scored is not None:
        state.put(key, scored)
        st.session_state[SCORED_FROM] = {**made_from, key: inputs}
    return scored


def budget_control(tab: str, what: str) -> tuple[int, float | None]:
    """The alert budget: a count or a percentile, kept in SETTINGS so it survives leaving the page."""
    settings = {**DEFAULT_SETTINGS, **st.session_state.get(SETTINGS, {})}
    chosen = dict(settings[tab])
    left, right = st.columns([1, 1])
    kind = left.radio(
        "Alert budget",
        list(BUDGET_KINDS),
        index=list(BUDGET_KINDS).index(chosen["kind"]),
        format_func=BUDGET_KINDS.get,
        key=f"fraud__{tab}_budget_kind",
        horizontal=True,
        help=f"How many {what} your team can review. No hidden contamination rate: you choose the number.",
    )
    if kind == "count":
        count = right.number_input(
            f"{what.capitalize()} to review", 1, 1_000_000, int(chosen["count"]), 10, key=f"fraud__{tab}_budget_n"
        )
        chosen.update(kind=kind, count=int(count))
    else:
        percent = right.number_input(
            f"Top percent of {what}", 0.01, 100.0, float(chosen["percent"]), 0.1, key=f"fraud__{tab}_budget_pct"
        )
        chosen.update(kind=kind, percent=float(percent))
    settings[tab] = chosen
    st.session_state[SETTINGS] = settings
    return chosen["count"], (chosen["percent"] if kind == "percent" else None)


def show_notes(scored: pd.DataFrame) -> None:
    for note in scored.attrs.get("notes", ()):
        st.info(ui.plain(note), icon=":material/info:")


def review(alerts: pd.DataFrame, prefix: str, label_of) -> None:
    """Mark alerts as confirmed fraud / false alarm; reviews live in FRAUD_REVIEWS and survive navigation."""
    reviews = dict(st.session_state.get(state.FRAUD_REVIEWS) or {})
    st.subheader("Review alerts")
    if alerts.empty:
        st.caption("No alerts to review.")
        return
    keys = alerts["alert"].tolist()
    key = st.selectbox("Alert", keys, format_func=label_of, key=f"fraud__{prefix}_review_alert")
    st.caption(f"Current review: **{reviews.get(key, pipeline.NOT_REVIEWED)}**")
    buttons = st.columns(3)
    icons = (":material/gpp_bad:", ":material/verified_user:", None)
    choices = dict(zip((*pipeline.REVIEW_STATUSES, pipeline.NOT_REVIEWED), icons, strict=True))
    for column, (status, icon) in zip(buttons, choices.items(), strict=True):
        label = "Clear review" if status == pipeline.NOT_REVIEWED else f"Mark {status}"
        if column.button(label, icon=icon, key=f"fraud__{prefix}_mark_{status.replace(' ', '_')}"):
            if status == pipeline.NOT_REVIEWED:
                reviews.pop(key, None)
            else:
                reviews[key] = status
            st.session_state[state.FRAUD_REVIEWS] = reviews
            st.rerun()
    summary = pipeline.review_summary(keys, reviews)
    if summary.precision is not None:
        st.metric(
            "Precision of reviewed alerts",
            f"{summary.precision:.0%}",
            help=f"{summary.confirmed} confirmed fraud of {summary.reviewed} reviewed ({summary.open} still open).",
        )
    else:
        st.caption("No alert reviewed yet: mark one above to track the precision of your alerts.")


def evaluation_block(
    scores: pd.Series, labels: pd.Series | None, budget: int, name: str, *, without_labels: str | None = None
) -> None:
    """Evaluate the score against a fraud label; ``without_labels`` is said instead when there is none."""
    st.subheader("How good is this score?")
    if labels is None and without_labels:
        st.info(without_labels, icon=":material/info:")
        return
    if labels is None:
        st.info(
            f"No fraud label column in the {name}, so the score cannot be checked here. Load data with a 0/1 "
            "label (such as `is_fraud`) to see precision and recall; it is never used to compute the score.",
            icon=":material/info:",
        )
        return
    if labels.dropna().nunique() < 2:
        st.info(f"The {name}' label column holds only one kind of value, so the score cannot be checked.")
        return
    result = ui.run_safely(lambda: cached_evaluation(scores, labels, budget), what="Evaluation")
    if result is None:
        return
    cols = st.columns(5)
    cols[0].metric("PR-AUC", f"{result.pr_auc:.3f}", help="Area under the precision-recall curve.")
    rate = f"{result.base_rate:.2%}" if result.base_rate < 0.01 else f"{result.base_rate:.0%}"  # rare: 0.57%
    cols[1].metric("Base rate", rate, help="What a random score's PR-AUC would be.")
    cols[2].metric("ROC-AUC", f"{result.roc_auc:.3f}", help="Flatters detectors when fraud is rare.")
    cols[3].metric(f"Precision in top {result.budget:,}", f"{result.precision_at_budget:.0%}")
    cols[4].metric(f"Recall in top {result.budget:,}", f"{result.recall_at_budget:.0%}")
    if result.verdict:
        st.warning(result.verdict, icon=":material/warning:")
    ui.plotly_chart(charts.pr_curve(result), key=f"fraud__{name}_pr")


def no_label_note(roles: dict) -> str | None:
    """Why the customers' scores are not evaluated when an outcome or the transactions' label exists, else None."""
    clean = st.session_state.get(state.CLEAN)
    outcome = next((c for c, r in roles.items() if r == "label" and c in clean.table.columns), None)
    if outcome is not None:
        return (
            f"The outcome column `{outcome}` is not a fraud label (such as `is_fraud`), so the anomaly scores "
            "are not evaluated against it."
        )
    canonical = st.session_state.get(state.TX_CANONICAL)
    if canonical is not None and "label" in canonical.columns and canonical["label"].nunique() == 2:
        column = getattr(st.session_state.get(state.TX_COLUMNS), "label", None)
        named = f" (`{column}`)" if column else ""
        return (
            f"The customers have no fraud label of their own; the transactions' fraud label{named} is evaluated "
            "on the Transactions tab."
        )
    return None


def customers_view() -> None:
    """Score, list, chart and review the unusual customers (segments made with the defaults when missing)."""
    clean, segmentation = ui.ensure_segments()
    count, percent = budget_control("customers", "customers")
    names_now = ui.segment_names()
    with st.spinner("Scoring customers ..."):
        scored = scored_once(
            state.FRAUD_CUSTOMERS,
            (id(clean), id(segmentation), tuple(sorted(names_now.items())), count, percent),
            lambda: ui.run_heavy(
                lambda: cached_customers(
                    clean, segmentation, clean.table, clean.matrix, segmentation.labels, names_now, count, percent
                ),
                what="customer scores",
                doing="Scoring customers",
                report_as="Customer anomaly scoring",
            ),
        )
    if scored is not None:
        names = ui.segment_names()
        show_notes(scored)
        alerts = scored.loc[scored["flagged"]].sort_values("anomaly_rank")
        reviews = st.session_state.get(state.FRAUD_REVIEWS) or {}
        st.subheader(f"{len(alerts):,} unusual customers")
        st.dataframe(
            alerts.assign(review=alerts["alert"].map(lambda k: reviews.get(k, pipeline.NOT_REVIEWED)))[
                ["anomaly_rank", "customer_id", "segment_name", "anomaly_score", "reasons", "review"]
            ],
            hide_index=True,
            column_config={"anomaly_score": st.column_config.ProgressColumn("score", min_value=0, max_value=1)},
        )
        left, right = st.columns(2)
        left.plotly_chart(
            ui.safe_figure(charts.score_histogram(scored["anomaly_score"], scored["flagged"], what="customers")),
            key="fraud__customers_scores",
        )
        right.plotly_chart(
            ui.safe_figure(charts.alerts_by_segment(scored["segment"], scored["flagged"], names)),
            key="fraud__customers_segments",
        )
        ranks = dict(zip(alerts["alert"], alerts["anomaly_rank"], strict=True))
        review(alerts, "customers", lambda k: f"#{ranks[k]}  {k.removeprefix('customer:')}")
        roles = st.session_state.get(state.ROLES) or {}
        label_column = fraud.fraud_label_column(clean.table, roles)  # churn or default outcomes do not count
        labels = clean.table[label_column] if label_column else None
        evaluation_block(scored["anomaly_score"], labels, len(alerts), "customers", without_labels=no_label_note(roles))


ui.page_header("Fraud", "Find unusual customers and suspicious transactions, with reasons, within an alert budget.")
customers_tab, transactions_tab = st.tabs(["Customers", "Transactions"])

with customers_tab:
    dataset = st.session_state.get(state.DATASET)
    unsegmentable = pipeline.no_customers_reason(
        dataset.frame if dataset is not None else None, ui.canonical_transactions()
    )
    if unsegmentable is None:
        customers_view()
    else:  # only the customer steps need customers: the Transactions tab still scores every transaction
        st.info(ui.plain(unsegmentable) + " The Transactions tab scores each transaction.", icon=":material/info:")

with transactions_tab:
    canonical = st.session_state.get(state.TX_CANONICAL)
    if canonical is None:
        st.info(
            "Load a transaction table to score transactions: one row per transaction with a customer or card "
            "id, a date/time and an amount (a category, merchant, coordinates and a 0/1 fraud label help), "
            "then open Clean once so the columns are mapped."
        )
        st.page_link(ui.UPLOAD, label="Go to Upload", icon=":material/arrow_forward:")
    else:
        count, percent = budget_control("transactions", "transactions")
        with st.spinner("Scoring transactions ..."):
            scored = scored_once(
                state.FRAUD_TRANSACTIONS,
                (id(canonical), count, percent),
                lambda: ui.run_heavy(
                    lambda: cached_transactions(canonical, count, percent),
                    what="transaction scores",
                    doing="Scoring transactions",
                    report_as="Transaction scoring",
                ),
            )
        if scored is not None:
            show_notes(scored)
            alerts = scored.loc[scored["flagged"]].sort_values("rank")
            reviews = st.session_state.get(state.FRAUD_REVIEWS) or {}
            st.subheader(f"{len(alerts):,} suspicious transactions")
            shown = ["rank", "row", "customer_id", "timestamp", "amount", "category", "score", "reasons", "review"]
            table = alerts.assign(review=alerts["alert"].map(lambda k: reviews.get(k, pipeline.NOT_REVIEWED)))
            st.dataframe(
                table[[c for c in shown if c in table.columns]],
                hide_index=True,
                column_config={
                    "row": st.column_config.NumberColumn(
                        "file row", format="%d", help="Position in the uploaded file (0 = first)"
                    ),
                    "score": st.column_config.ProgressColumn("score", min_value=0, max_value=1),
                },
            )
            ui.plotly_chart(
                charts.score_histogram(scored["score"], scored["flagged"], what="transactions"),
                key="fraud__transactions_scores",
            )
            details = alerts.set_index("alert")
            review(
                alerts,
                "transactions",
                lambda k: (
                    f"#{details.at[k, 'rank']}  row {details.at[k, 'row']}  "
                    f"{details.at[k, 'customer_id']}  {details.at[k, 'amount']:,.2f}"
                ),
            )
            labels = canonical["label"] if "label" in canonical.columns else None
            evaluation_block(scored["score"], labels, len(alerts), "transactions")
