import numpy as np
import pandas as pd
import streamlit as st

from core import naming, pipeline, profiles
from core.charts import profiles as charts
from core.errors import DataError
from core.model import model_from_run, model_to_json
from core.schema import detect_layout
from core.workbook import customers_csv, customers_frame
from pages import _cached as cached
from pages import _state as state
from pages import _ui as ui
from pages import _work as work
from pages import _workbook
from pages._shared import shared

CHECKS = "profiles_checks"  # (segmentation and names checked, (warnings, outcome lines)): computed once each
CHOICES = "profiles_choices"  # dict: this page's last choices (box-plot feature, segment read, chart kind)

ui.page_header("Profiles", "Read each segment in plain words, name it, and download the workbook.")
clean, segmentation = ui.ensure_segments()
choices: dict = st.session_state.setdefault(CHOICES, {})


@shared(max_entries=8)
def cached_profiles(
    table: pd.DataFrame, labels: np.ndarray, features: tuple[str, ...], categorical: tuple[str, ...], layout: str
) -> tuple[profiles.SegmentProfiles, dict[int, naming.SegmentName]]:
    """The profiles and their automatic names, once per server for the same table, segments and layout."""
    with work.GATE.slot():
        found = profiles.profile_segments(table, labels, list(features), categorical=list(categorical))
        return found, naming.name_segments(found, layout)


# ---- profiles and automatic names (first visit after a segmentation) ---------------------------------------
dataset = st.session_state.get(state.DATASET)
layout = ui.derived(
    "profiles_layout", (dataset,), lambda: detect_layout(dataset.frame) if dataset is not None else "transactions"
)
segment_profiles = st.session_state.get(state.PROFILES)
named = None  # automatic names, when this run computed them with the profiles
if segment_profiles is None:
    with st.spinner("Profiling the segments ..."):
        features = tuple(f for f in clean.features if f in clean.table.columns)
        categorical = tuple(f for f in getattr(clean.fitted, "categorical", ()) if f in features)
        found = ui.run_heavy(
            lambda: cached_profiles(clean.table, segmentation.labels, features, categorical, layout),
            what="profiles",
            doing="Profiling the segments",
            report_as="Profiling",
        )
    if found is None:
        ui.stop()
    segment_profiles, named = found
    st.session_state[state.PROFILES] = segment_profiles
automatic = ui.derived(
    "profiles_names",
    (segment_profiles, dataset),
    lambda: named if named is not None else naming.name_segments(segment_profiles, layout),
)
if st.session_state.get(state.NAMES) is None:
    st.session_state[state.NAMES] = {s: n.name for s, n in automatic.items()}
    st.session_state[state.DESCRIPTIONS] = {s: n.description for s, n in automatic.items()}
names: dict[int, str] = dict(st.session_state[state.NAMES])
descriptions: dict[int, str] = dict(st.session_state.get(state.DESCRIPTIONS) or {})

# ---- names: editable, unique ------------------------------------------------------------------------------
st.subheader("Segments")
for note in getattr(segment_profiles, "notes", ()):  # e.g. the tests ran on a seeded sample of a large table
    st.caption(ui.plain(note))
sizes = segment_profiles.sizes
table = pd.DataFrame(
    {
        "segment": sizes["segment"],
        "name": [names.get(int(s), automatic[int(s)].name) for s in sizes["segment"]],
        "customers": sizes["size"],
        "share": sizes["share"] * 100,
        "description": [descriptions.get(int(s), automatic[int(s)].description) for s in sizes["segment"]],
    }
)
edited = st.data_editor(
    table,
    key="profiles__names",
    hide_index=True,
    disabled=["segment", "customers", "share"],
    column_config={
        "name": st.column_config.TextColumn("name", help="Edit to rename; names must be unique.", max_chars=60),
        "customers": st.column_config.NumberColumn("customers", format="localized"),
        "share": st.column_config.NumberColumn("share", format="%.0f%%"),
        "description": st.column_config.TextColumn("description", width="large"),
    },
)
new_names, duplicates = naming.edited_names(
    dict(zip(edited["segment"], edited["name"], strict=True)), {s: n.name for s, n in automatic.items()}
)
if duplicates:
    st.error(
        f"Each segment needs its own name: {ui.plain_all(duplicates)} is used twice (capitals aside). "
        "The last unique names are kept."
    )
else:
    new_descriptions = {
        int(s): (str(d) if isinstance(d, str) and d.strip() else automatic[int(s)].description)
        for s, d in zip(edited["segment"], edited["description"], strict=True)
    }
    if new_names != names or new_descriptions != descriptions:
        st.session_state[state.NAMES] = new_names
        st.session_state[state.DESCRIPTIONS] = new_descriptions
        names = new_names
st.caption("Names and descriptions were filled in automatically from each profile; edits appear on every page.")
if st.button("Restore automatic names", key="profiles__restore"):
    st.session_state[state.NAMES] = {s: n.name for s, n in automatic.items()}
    st.session_state[state.DESCRIPTIONS] = {s: n.description for s, n in automatic.items()}
    st.session_state.pop("profiles__names", None)
    st.rerun()
names = ui.segment_names()
ui.plotly_chart(charts.sizes_figure(segment_profiles, names), key="profiles__sizes_chart")


def _silhouette() -> float | None:
    """The Cluster page's silhouette for this segmentation, read from the cache every session shares."""
    if getattr(segmentation, "n_segments", 2) < 2:
        return None
    try:
        metrics, _ = cached.diagnostics(clean.matrix, segmentation.labels, segmentation.algorithm)
    except (ValueError, DataError):
        return None
    return float(metrics["silhouette"])


# ---- checks: the known outcome per segment, and segments that cannot be trusted as they are ----------------
checked_for = (id(segmentation), tuple(sorted(names.items())))
checks = st.session_state.get(CHECKS)
if checks is None or checks[0] != checked_for:
    found = ui.run_safely(
        lambda: pipeline.check_segments(clean, segmentation, names=names, silhouette=_silhouette()), what="Checking"
    )
    checks = (checked_for, found or ((), ()))
    st.session_state[CHECKS] = checks
segment_warnings, outcome_lines = checks[1]
if outcome_lines:
    st.subheader("Known outcome by segment")
    st.caption("The outcome column never builds the segments; its rate per segment shows what they mean for it.")
    st.text("\n".join(outcome_lines))
if segment_warnings:
    st.warning("Check these segments before you use them:", icon=":material/warning:")
    st.text("\n".join(f"- {warning}" for warning in segment_warnings))

# ---- how the segments differ ------------------------------------------------------------------------------
st.subheader("How the segments differ")
ui.plotly_chart(charts.zscore_heatmap(segment_profiles, names), key="profiles__heatmap")
ui.plotly_chart(charts.snake_chart(segment_profiles, names), key="profiles__snake")

feature_options = segment_profiles.features
if feature_options:
    default_feature = choices.get("box_feature")
    feature = st.selectbox(
        "Feature to compare",
        feature_options,
        index=feature_options.index(default_feature) if default_feature in feature_options else 0,
        format_func=lambda f: f"{f} ({profiles.feature_words(f).label})",
        key="profiles__box_feature",
    )
    choices["box_feature"] = feature
    ui.plotly_chart(charts.feature_box(clean.table, segmentation.labels, feature, names), key="profiles__box_chart")

# ---- categories: level shares per segment against the portfolio (only when categorical features took part) --
category_options = segment_profiles.categorical_features
if category_options:
    st.subheader("How the categories differ")
    default_category = choices.get("category_feature")
    category = st.selectbox(
        "Category to compare",
        category_options,
        index=category_options.index(default_category) if default_category in category_options else 0,
        key="profiles__category_feature",
    )
    choices["category_feature"] = category
    ui.plotly_chart(charts.category_share_bars(segment_profiles, category, names), key="profiles__category_chart")
    shares = segment_profiles.levels[segment_profiles.levels["feature"] == category]
    st.dataframe(
        pd.DataFrame(
            {
                "segment": [names.get(int(s), f"Segment {s}") for s in shares["segment"]],
                "level": shares["level"].astype(str),
                "customers": shares["customers"],
                "share": shares["share"],
                "portfolio_share": shares["portfolio_share"],
                "index": shares["index"],
            }
        ),
        hide_index=True,
        key="profiles__category_levels",
        column_config={
            "customers": st.column_config.NumberColumn("customers", format="localized"),
            "share": st.column_config.NumberColumn("share of the segment", format="percent"),
            "portfolio_share": st.column_config.NumberColumn("share of all customers", format="percent"),
            "index": st.column_config.NumberColumn("index (100 = as common as overall)", format="%.0f"),
        },
    )
    st.caption(
        "Index 150: the level is 1.5 times as common in the segment as among all customers. Levels held by few "
        "customers are shown as they are; segmentation pooled the rare ones."
    )

    st.markdown("**How strongly each feature separates the segments**")
    numeric_column, category_column = st.columns(2)
    numeric_column.dataframe(
        segment_profiles.tests[["eta_squared", "anova_f", "anova_p"]].reset_index(),
        hide_index=True,
        column_config={
            "feature": "numeric feature",
            "eta_squared": st.column_config.NumberColumn("eta²", format="%.3f"),
            "anova_f": st.column_config.NumberColumn("ANOVA F", format="%.0f"),
            "anova_p": st.column_config.NumberColumn("ANOVA p", format="%.2e"),
        },
    )
    category_column.dataframe(
        segment_profiles.category_tests[["cramers_v", "chi2", "dof", "chi2_p"]].reset_index(),
        hide_index=True,
        column_config={
            "feature": "categorical feature",
            "cramers_v": st.column_config.NumberColumn("Cramér's V", format="%.3f"),
            "chi2": st.column_config.NumberColumn("chi-square", format="%.0f"),
            "dof": st.column_config.NumberColumn("df", format="%d"),
            "chi2_p": st.column_config.NumberColumn("chi-square p", format="%.2e"),
        },
    )
    st.caption(
        "Eta² (numbers) and Cramér's V (categories) both run from 0 (the segments do not differ) to 1. Eta² is "
        "read as 0.01 small, 0.06 medium, 0.14 large; Cramér's V as about 0.1 small, 0.3 medium, 0.5 large."
    )

# ---- what distinguishes one segment ------------------------------------------------------------------------
st.subheader("What sets each segment apart")
segment_ids = segment_profiles.segments
default_segment = choices.get("segment")
segment = st.selectbox(
    "Segment",
    segment_ids,
    index=segment_ids.index(default_segment) if default_segment in segment_ids else 0,
    format_func=lambda s: names.get(s, f"Segment {s}"),
    key="profiles__segment",
)
choices["segment"] = segment
st.markdown(ui.plain(descriptions.get(segment) or automatic[segment].description))
for sentence in segment_profiles.highlights.get(segment, []):
    st.markdown(f"- {ui.plain(sentence)}")
st.dataframe(
    profiles.distinguishing_features(segment_profiles, segment, limit=8).round(
        {"segment_mean": 2, "portfolio_mean": 2}
    ),
    hide_index=True,
    column_config={
        "anova_p": st.column_config.NumberColumn("ANOVA p", format="%.2e"),
        "kruskal_p": st.column_config.NumberColumn("Kruskal p", format="%.2e"),
        "eta_squared": st.column_config.NumberColumn("eta²", format="%.3f"),
        "index": st.column_config.NumberColumn("index (100 = average)", format="%.0f"),
        "segment_mean": st.column_config.NumberColumn("segment mean", format="localized"),
        "portfolio_mean": st.column_config.NumberColumn("portfolio mean", format="localized"),
        "zscore": st.column_config.NumberColumn("z-score", format="%.2f"),
        "anova_f": st.column_config.NumberColumn("ANOVA F", format="%.0f"),
        "kruskal_h": st.column_config.NumberColumn("Kruskal H", format="%.0f"),
    },
)
st.caption(
    "F and H test whether the feature differs between segments at all; eta² says how much of its variation the "
    "segments explain (0.01 small, 0.06 medium, 0.14 large). With thousands of customers almost every p is tiny, "
    "so read eta² and the index."
)
if category_options:
    st.dataframe(
        profiles.distinguishing_levels(segment_profiles, segment, limit=5)[
            ["feature", "level", "share", "portfolio_share", "index", "cramers_v", "words"]
        ],
        hide_index=True,
        key="profiles__segment_levels",
        column_config={
            "level": st.column_config.TextColumn("level"),
            "share": st.column_config.NumberColumn("share of the segment", format="percent"),
            "portfolio_share": st.column_config.NumberColumn("share of all customers", format="percent"),
            "index": st.column_config.NumberColumn("index (100 = as common as overall)", format="%.0f"),
            "cramers_v": st.column_config.NumberColumn("Cramér's V", format="%.3f"),
            "words": st.column_config.TextColumn("in words", width="large"),
        },
    )
    st.caption("The levels most over-represented in this segment, against their share among all customers.")

# ---- downloads ----------------------------------------------------------------------------------------------
st.subheader("Download")
left, right = st.columns(2)
with left:
    _workbook.download_button(st, key="profiles__workbook")
values = _workbook.collect_state()
memo = _workbook.session_memo()
right.download_button(
    "Customers with segments (.csv)",
    data=lambda: customers_csv(customers_frame(_workbook.memoised_inputs(values, memo))),
    file_name="cardlens_customers.csv",
    mime="text/csv",
    on_click="ignore",
    icon=":material/table:",
    key="profiles__customers_csv",
)
model_json = ui.run_safely(
    lambda: model_to_json(
        model_from_run(clean, segmentation, ui.segment_names(), st.session_state.get(state.DESCRIPTIONS))
    ),
    what="Preparing the segment model",
)
if model_json is not None:
    right.download_button(
        "Segment model (.json)",
        data=model_json,
        file_name="cardlens_model.json",
        mime="application/json",
        on_click="ignore",
        icon=":material/model_training:",
        key="profiles__model",
        help="The recipe, scaler and segment centres: place next month's file into these segments with "
        "`python -m core assign cardlens_model.json NEWFILE --out assigned.csv`.",
    )
