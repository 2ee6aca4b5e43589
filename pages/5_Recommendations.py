import numpy as np
import pandas as pd
import streamlit as st

from core import recommend
from core.charts import recommend as charts
from core.recommend import empty_feedback, feedback_rows
from pages import _state as state
from pages import _ui as ui
from pages import _work as work
from pages._shared import shared

SETTINGS = "recs__settings"  # plain key (kept across pages): every choice made on this page
SIMULATION = "recs__simulation"  # plain key: the last simulation run (its true rates and result)
EDITOR_BASE = "recs__catalogue_base"  # plain key: the catalogue the editor started from (see catalogue_tab)
DEFAULT_SETTINGS = {
    "top_n": 3,
    "prior_strength": 10.0,
    "segment": None,
    "customer": None,
    "query": "",
    "rounds": 1000,
    "sim_prior": "flat",
}
HISTORY_LIMIT = 20
MATCHES_SHOWN = 200


@shared(max_entries=4)
def cached_scores(table, labels, id_column, catalogue):
    with work.GATE.slot():
        return recommend.score_customers(table, labels, id_column=id_column, catalogue=catalogue)


@st.cache_data(max_entries=32, show_spinner=False)
def checked_catalogue(edited: pd.DataFrame) -> pd.DataFrame:
    """The editor's catalogue, validated (once per distinct content, not on every rerun)."""
    return recommend.validate_catalogue(edited)


@st.cache_data(max_entries=32, show_spinner=False)
def catalogue_csv(catalogue: pd.DataFrame) -> str:
    """The catalogue as the CSV the download button offers (once per distinct content)."""
    return recommend.catalogue_to_csv(catalogue)


def settings() -> dict:
    return {**DEFAULT_SETTINGS, **st.session_state.get(SETTINGS, {})}


def remember(**changes) -> None:
    st.session_state[SETTINGS] = {**settings(), **changes}


def current_feedback() -> pd.DataFrame:
    feedback = st.session_state.get(state.FEEDBACK)
    return empty_feedback() if feedback is None else feedback


def ranking_of(scored, feedback) -> pd.DataFrame:
    return recommend.rank_segments(
        scored, names=ui.segment_names(), feedback=feedback, prior_strength=settings()["prior_strength"]
    )


def add_feedback(scored, new: pd.DataFrame) -> None:
    """Keep the ranking before this update in RANKING_HISTORY, then append the outcomes to FEEDBACK."""
    before = ranking_of(scored, current_feedback())
    history = list(st.session_state.get(state.RANKING_HISTORY) or [])
    history.append(before.loc[:, ["segment", "offer_id", "rank"]])
    st.session_state[state.RANKING_HISTORY] = history[-HISTORY_LIMIT:]
    frames = [f for f in (current_feedback(), new) if len(f)]
    state.put(state.FEEDBACK, pd.concat(frames, ignore_index=True) if frames else empty_feedback())
    store = recommend.store_directory()
    if (
        store is not None
    ):  # a private deployment opted in: outcomes outlive the session (see core.recommend._feedback_store)
        ui.run_safely(lambda: recommend.append_feedback(store, new), what="Saving feedback")


def percent_columns(*names: str) -> dict:
    return {name: st.column_config.NumberColumn(format="percent") for name in names}


OFFER_COLUMNS = {  # the ranked-offers table: display names and formats (shares as percentages)
    "rank": st.column_config.NumberColumn("Rank", format="%d"),
    "offer": st.column_config.TextColumn("Offer"),
    "expected_acceptance": st.column_config.NumberColumn(
        "Expected acceptance", format="percent", help="Share of eligible customers expected to accept"
    ),
    "low": st.column_config.NumberColumn("Low (90%)", format="percent"),
    "high": st.column_config.NumberColumn("High (90%)", format="percent"),
    "eligible_share": st.column_config.NumberColumn(
        "Eligible customers (share)", format="percent", help="Share of the segment the offer's rules allow"
    ),
    "expected_acceptances": st.column_config.NumberColumn(
        "Expected acceptances", format="%.0f", help="Expected acceptance x eligible customers"
    ),
    "accepted": st.column_config.NumberColumn("Accepted", format="%d"),
    "declined": st.column_config.NumberColumn("Declined", format="%d"),
    "note": st.column_config.TextColumn("Note"),
    "reason": st.column_config.TextColumn("Reason"),
}


def rank_caption(by_value: bool) -> str:
    """Say what the rank sorts by, as core.recommend.rank_segments does."""
    if by_value:
        what = (
            "expected value: expected acceptance x eligible customers (expected acceptances) x the catalogue's "
            "value per acceptance"
        )
    else:
        what = "expected acceptances: expected acceptance x eligible customers"
    return (
        f"Rank sorts each segment's offers by {what}, highest first; offers that under 1% of the segment qualify "
        'for ("few qualify") come last.'
    )


def evaluation_caption(catalogue: pd.DataFrame, clean, offers_per_customer: int | None = None) -> None:
    """One caption naming the offers this table cannot evaluate and the features they need (none when all can)."""

    def note_now() -> str | None:
        numeric = clean.table.select_dtypes(include=["number", "bool"]).columns
        return recommend.evaluation_note(catalogue, numeric, offers_per_customer)

    note = ui.derived(f"recs_evaluation_{offers_per_customer}", (catalogue, clean), note_now)
    if note:
        st.caption(ui.plain(note))


def segments_tab(ranked: pd.DataFrame, by_value: bool = False, clean=None, catalogue=None) -> None:
    if clean is not None and catalogue is not None:
        evaluation_caption(catalogue, clean, int(settings()["top_n"]))
    ui.plotly_chart(charts.acceptance_heatmap(ranked), key="recs__heatmap")
    names = ui.segment_names()
    segment_ids = sorted(ranked["segment"].unique().tolist())
    chosen = settings()["segment"]
    segment = st.selectbox(
        "Segment",
        segment_ids,
        index=segment_ids.index(chosen) if chosen in segment_ids else 0,
        format_func=lambda s: names.get(s, f"Segment {s}"),
        key="recs__segment",
    )
    remember(segment=segment)
    rows = ranked[ranked["segment"] == segment]
    st.dataframe(
        rows[list(OFFER_COLUMNS)].round(
            {"expected_acceptance": 2, "low": 2, "high": 2, "eligible_share": 2}  # 25.58% reads as 26%
        ),
        hide_index=True,
        column_config=OFFER_COLUMNS,
    )
    st.caption(rank_caption(by_value))
    ui.plotly_chart(charts.posterior_chart(ranked, segment), key="recs__posterior")
    st.caption(
        "Expected acceptance starts at the rule-based prior (the catalogue's base rate times how well the segment "
        "fits the offer) and moves with every recorded outcome; the bars are 90% credible intervals."
    )


def ranking_change_block(ranked: pd.DataFrame, where: str) -> None:
    history = st.session_state.get(state.RANKING_HISTORY) or []
    st.subheader("How the ranking changed since the last feedback")
    if not history:
        st.caption("No feedback recorded yet in this segmentation: record an outcome to see the ranking move.")
        return
    changes = recommend.ranking_changes(history[-1], ranked)
    moved = changes[changes["change"] != 0]
    if moved.empty:
        st.caption("The last feedback did not change any segment's order of offers (the estimates did move).")
        return
    st.dataframe(
        moved.assign(movement=np.where(moved["change"] > 0, "up ", "down ") + moved["change"].abs().astype(str)),
        hide_index=True,
        column_order=["segment_name", "offer", "rank_before", "rank", "movement"],
        key=f"recs__changes_{where}",
    )


def customers_tab(scored, clean) -> None:
    chosen = settings()
    query = st.text_input("Search customer id", value=chosen["query"], key="recs__query")
    ids = scored.customer_ids
    matches = ids[pd.Series(ids).str.contains(query.strip(), case=False, regex=False).to_numpy()] if query else ids
    if len(matches) == 0:
        st.info(f"No customer id contains {ui.plain(repr(query))}.")
        return
    options = list(matches[:MATCHES_SHOWN])
    if chosen["customer"] in matches and chosen["customer"] not in options:
        options.insert(0, chosen["customer"])
    customer = st.selectbox(
        f"Customer ({len(matches):,} match{'es' if len(matches) != 1 else ''}"
        + (f", first {MATCHES_SHOWN} shown" if len(matches) > MATCHES_SHOWN else "")
        + ")",
        options,
        index=options.index(chosen["customer"]) if chosen["customer"] in options else 0,
        key="recs__customer",
    )
    most = len(scored.catalogue)
    top_n = st.number_input("Offers per customer", 1, most, min(int(chosen["top_n"]), most), key="recs__top_n")
    remember(query=query, customer=customer, top_n=int(top_n))
    usable = most - len(
        recommend.unevaluable_offers(scored.catalogue, clean.table.select_dtypes(include=["number", "bool"]).columns)
    )
    if usable < int(top_n):
        st.caption(f"Only {usable} of {most} offers can be evaluated on this table (see the Catalogue tab).")
    top = recommend.top_offers_table(
        clean.table,
        scored.labels,
        id_column=clean.id_column,
        names=ui.segment_names(),
        feedback=current_feedback(),
        top_n=int(top_n),
        prior_strength=chosen["prior_strength"],
        scored=scored,
        only=[customer],
    )
    if top.empty:
        st.info("This customer is not eligible for any offer in the catalogue (rules and guardrails).")
    else:
        st.markdown(f"**{ui.plain(customer)}** is in segment **{ui.plain(top['segment_name'].iloc[0])}**.")
        st.dataframe(
            top[["rank", "offer", "score", "reason"]].round({"score": 2}),
            hide_index=True,
            column_config=percent_columns("score"),
        )
        record_outcome(scored, customer, top)
    suggestions_block(scored, customer)


def record_outcome(scored, customer: str, top: pd.DataFrame) -> None:
    st.markdown("**Record this customer's answer**")
    offer_names = dict(zip(top["offer_id"], top["offer"], strict=True))
    left, middle, right = st.columns([2, 1, 1], vertical_alignment="bottom")
    offer_id = left.selectbox("Offer made", list(offer_names), format_func=offer_names.get, key="recs__outcome_offer")
    for column, outcome, label, icon in (
        (middle, 1, "Accepted", ":material/thumb_up:"),
        (right, 0, "Declined", ":material/thumb_down:"),
    ):
        if column.button(label, icon=icon, key=f"recs__mark_{label.lower()}"):
            new = feedback_rows(customer, offer_id, outcome, pd.Timestamp.now().normalize())
            add_feedback(scored, new)
            st.rerun()


def suggestions_block(scored, customer: str) -> None:
    canonical = st.session_state.get(state.TX_CANONICAL)
    if canonical is None or "category" not in canonical.columns:
        return
    segment_by_customer = pd.Series(scored.labels, index=scored.customer_ids)
    suggestions = recommend.category_suggestions(canonical, segment_by_customer, customer)
    if suggestions.empty:
        st.caption("No category suggestions for this customer (no transactions, or none over-represented).")
        return
    spoken = ", ".join(
        f"{ui.plain(c)} ({lift:.1f}x)" for c, lift in zip(suggestions["category"], suggestions["lift"], strict=True)
    )
    st.markdown(f"**Customers like this one also spend on:** {spoken}")
    st.caption("Categories over-represented in the customer's segment (lift over all customers) that they never used.")


def feedback_tab(scored) -> None:
    chosen = settings()
    strength = st.number_input(
        "Prior strength (pseudo-observations)",
        1.0,
        1000.0,
        float(chosen["prior_strength"]),
        1.0,
        key="recs__prior_strength",
        help="How many outcomes the rule-based estimate counts for: higher = slower to move with feedback.",
    )
    remember(prior_strength=float(strength))
    feedback = current_feedback()
    counted = recommend.latest_outcomes(feedback)  # one per customer and offer: the last answer wins
    accepted = int(counted["outcome"].sum()) if len(counted) else 0
    st.metric("Outcomes that count", f"{len(counted):,}", help=f"{accepted:,} accepted")
    if len(feedback) > len(counted):
        st.caption(
            f"{len(feedback) - len(counted):,} earlier answers were replaced by a later one for the same customer "
            "and offer; the history below keeps them."
        )
    if len(feedback):
        st.dataframe(
            feedback.tail(200),
            hide_index=True,
            column_config={
                "customer_id": st.column_config.TextColumn("Customer"),
                "offer_id": st.column_config.TextColumn("Offer"),
                "outcome": st.column_config.NumberColumn("Accepted (1) or declined (0)", format="%d"),
                "date": st.column_config.DateColumn("Date", format="D MMMM YYYY"),
            },
        )
        st.download_button(
            "Download outcomes (CSV)",
            recommend.feedback_csv(feedback),
            "campaign_outcomes.csv",
            "text/csv",
            key="recs__feedback_download",
        )
    st.subheader("Upload campaign results")
    st.caption(
        "One row per contact: customer id, offer (id or name), outcome (accepted / declined, yes / no, 1 / 0) and "
        "an optional date. Bad rows are listed by line; good rows are kept. Nothing is written to disk."
    )
    upload = st.file_uploader("Campaign results", type=["csv", "tsv", "txt", "xlsx"], key="recs__feedback_file")
    if upload is None:
        return
    result = ui.run_safely(
        lambda: recommend.read_feedback(
            upload.getvalue(), upload.name, customer_ids=scored.customer_ids, catalogue=scored.catalogue
        ),
        what="Reading the campaign results",
    )
    if result is None:
        return
    st.markdown(f"{len(result.valid):,} good rows, {len(result.problems):,} rows with problems.")
    if len(result.problems):
        st.dataframe(result.problems, hide_index=True)
    applied = set(chosen.get("applied_files", []))
    key = f"{upload.name}:{upload.size}:{upload.file_id}"
    if key in applied:
        st.caption("These outcomes are already added.")
    elif len(result.valid) and st.button(f"Add {len(result.valid):,} outcomes", key="recs__feedback_apply"):
        add_feedback(scored, result.valid)
        remember(applied_files=[*applied, key])
        st.rerun()


def catalogue_tab(clean) -> None:
    catalogue = st.session_state.get(state.CATALOGUE)
    if EDITOR_BASE not in st.session_state or "recs__catalogue_editor" not in st.session_state:
        st.session_state[EDITOR_BASE] = catalogue
    st.caption(
        "Rules compare features with numbers, e.g. `utilisation > 0.7 and full_payment_rate >= 0.5`, joined by "
        "`and` / `or`. Customers meeting `excluded_if` never get the offer. Protected attributes are refused."
    )
    edited = st.data_editor(
        st.session_state[EDITOR_BASE],
        num_rows="dynamic",
        hide_index=True,
        key="recs__catalogue_editor",
        column_config={"base_rate": st.column_config.NumberColumn(min_value=0.0, max_value=1.0, format="%.3f")},
    )
    checked = ui.run_safely(lambda: checked_catalogue(edited), what="Checking the catalogue")
    if checked is not None and catalogue_csv(checked) != catalogue_csv(catalogue):
        state.put(state.CATALOGUE, checked)
        st.rerun()
    if checked is None:
        st.caption("The recommendations keep using the last valid catalogue until the error is fixed.")
    evaluation_caption(st.session_state[state.CATALOGUE], clean)
    left, middle = st.columns(2)
    left.download_button(
        "Download catalogue (CSV)",
        catalogue_csv(st.session_state[state.CATALOGUE]),
        "offers.csv",
        "text/csv",
        key="recs__catalogue_download",
    )
    if middle.button("Reset to the default catalogue", key="recs__catalogue_reset"):
        replace_catalogue(recommend.load_catalogue())
    upload = st.file_uploader("Upload a catalogue", type=["csv", "xlsx"], key="recs__catalogue_file")
    if upload is not None:
        uploaded = ui.run_safely(
            lambda: recommend.read_catalogue(upload.getvalue(), upload.name), what="Reading the catalogue"
        )
        label = f"Use {ui.plain(upload.name)} ({len(uploaded) if uploaded is not None else 0} offers)"
        if uploaded is not None and st.button(label, key="recs__catalogue_use"):
            replace_catalogue(uploaded)


def replace_catalogue(catalogue: pd.DataFrame) -> None:
    state.put(state.CATALOGUE, catalogue)
    st.session_state[EDITOR_BASE] = catalogue
    st.session_state.pop("recs__catalogue_editor", None)
    st.rerun()


def simulation_tab(scored) -> None:
    st.caption(
        "Pretend you know each offer's true acceptance rate, let the learner contact one customer per round, and "
        "watch the regret (acceptances lost against always making the best offer) flatten as it learns."
    )
    chosen = settings()
    last = st.session_state.get(SIMULATION)
    rates = chosen.get("sim_rates")
    if rates is None or rates["offer_id"].tolist() != scored.catalogue["offer_id"].tolist():
        rates = scored.catalogue.loc[:, ["offer_id", "base_rate"]].rename(columns={"base_rate": "true_rate"})
    edited = st.data_editor(
        rates,
        hide_index=True,
        disabled=["offer_id"],
        key="recs__sim_rates",
        column_config={"true_rate": st.column_config.NumberColumn(min_value=0.0, max_value=1.0, format="%.3f")},
    )
    left, right = st.columns(2)
    rounds = left.number_input("Rounds", 50, 20_000, int(chosen["rounds"]), 50, key="recs__sim_rounds")
    prior_kind = right.radio(
        "Learner starts from",
        ["flat", "catalogue"],
        index=["flat", "catalogue"].index(chosen["sim_prior"]),
        format_func={"flat": "no opinion (Beta(1, 1))", "catalogue": "the catalogue's base rates"}.get,
        key="recs__sim_prior",
        horizontal=True,
    )
    remember(rounds=int(rounds), sim_prior=prior_kind, sim_rates=edited.copy())
    if st.button("Run simulation", icon=":material/play_arrow:", key="recs__sim_run"):
        true_rates = pd.Series(edited["true_rate"].to_numpy(), index=edited["offer_id"])
        prior = scored.catalogue.set_index("offer_id")["base_rate"] if prior_kind == "catalogue" else None
        with st.spinner("Simulating ..."):
            run = ui.run_safely(
                lambda: recommend.simulate(
                    true_rates, int(rounds), prior=prior, prior_strength=chosen["prior_strength"], random_state=0
                ),
                what="The simulation",
            )
        if run is not None:
            st.session_state[SIMULATION] = {"rates": edited.copy(), "run": run}
            last = st.session_state[SIMULATION]
    if last is None:
        return
    run = last["run"]
    summary = recommend.summarise_simulation(run, last["rates"].set_index("offer_id")["true_rate"])
    cols = st.columns(3)
    cols[0].metric("Best offer chosen in the last 20% of rounds", f"{summary.best_share:.0%}")
    cols[1].metric("Regret, first half", f"{summary.regret_first_half:.1f}")
    cols[2].metric("Regret, second half", f"{summary.regret_second_half:.1f}")
    ui.plotly_chart(charts.regret_chart(run), key="recs__regret")


ui.page_header("Recommendations", "Offers per segment and per customer, with reasons, learning from campaign feedback.")
clean, segmentation = ui.ensure_segments()
if st.session_state.get(state.CATALOGUE) is None:
    st.session_state[state.CATALOGUE] = recommend.load_catalogue()
STORE = recommend.store_directory()
if STORE is not None:
    if st.session_state.get(state.FEEDBACK) is None:
        st.session_state[state.FEEDBACK] = ui.run_safely(
            lambda: recommend.load_stored_feedback(STORE), what="Reading stored feedback"
        )
    st.caption(
        f"Feedback is saved for everyone using this deployment ({recommend.ENV_VAR} is set), "
        "so the learner starts from all earlier campaigns."
    )
catalogue = st.session_state[state.CATALOGUE]
scored = st.session_state.get(state.OFFER_SCORES)  # cleared when the table, the segments or the catalogue change
if scored is None:
    with st.spinner("Scoring offers for every customer ..."):
        scored = ui.run_heavy(
            lambda: cached_scores(clean.table, segmentation.labels, clean.id_column, catalogue),
            what="offers",
            doing="Scoring offers for every customer",
            report_as="Scoring offers",
        )
    if scored is not None:
        st.session_state[state.OFFER_SCORES] = scored  # the workbook's Offers sheet reuses it
segments, customers, feedback, catalogue, simulation = st.tabs(
    ["Segments", "Customers", "Feedback", "Catalogue", "Simulation"]
)
with catalogue:
    catalogue_tab(clean)
if scored is None:
    ui.stop()
if "recs__prior_strength" in st.session_state:  # the widget sits below the ranking; use its newest value
    remember(prior_strength=float(st.session_state["recs__prior_strength"]))
ranked = ranking_of(scored, current_feedback())
with segments:
    values = scored.catalogue.get("value_per_acceptance")
    segments_tab(
        ranked, by_value=values is not None and bool(values.notna().all()), clean=clean, catalogue=scored.catalogue
    )
    ranking_change_block(ranked, "segments")
with customers:
    customers_tab(scored, clean)
with feedback:
    feedback_tab(scored)
    ranking_change_block(ranked, "feedback")
with simulation:
    simulation_tab(scored)
