import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core import cluster, pipeline
from core.charts import cluster as charts
from core.cluster import ALGORITHMS, resolve_params
from pages import _cached as cached
from pages import _state as state
from pages import _ui as ui
from pages import _work as work
from pages._cached import frozen

ui.page_header("Cluster", "Segment customers, pick the number of segments, and see how far to trust them.")
clean = ui.ensure_clean()
matrix: pd.DataFrame = clean.matrix


NUMBER = st.column_config.NumberColumn
COMPARE_COLUMNS = {
    "segments": NUMBER("Segments", format="%d"),
    "noise_share": NUMBER("Noise", format="percent"),
    "silhouette": NUMBER("Silhouette", format="%.2f"),
    "calinski_harabasz": NUMBER("Calinski-Harabasz", format="localized"),
    "davies_bouldin": NUMBER("Davies-Bouldin", format="%.2f"),
    "smallest_share": NUMBER("Smallest segment", format="percent"),
    "largest_share": NUMBER("Largest segment", format="percent"),
    "silhouette_distance": st.column_config.TextColumn("Silhouette on"),
}
CRITERIA_COLUMNS = {
    "k": NUMBER("k", format="%d"),
    "silhouette": NUMBER("Silhouette", format="%.2f"),
    "calinski_harabasz": NUMBER("Calinski-Harabasz", format="%.0f"),
    "davies_bouldin": NUMBER("Davies-Bouldin", format="%.2f"),
    "inertia": NUMBER("Inertia", format="%.0f"),
    "bic": NUMBER("BIC", format="%.0f"),
}


@st.cache_resource(max_entries=64, show_spinner=False)
def safe_chart(builder: str, *args, **kwargs) -> go.Figure:
    """A chart built and made safe once per content: rebuilding and re-checking every figure cost ~1 s a rerun."""
    return ui.safe_figure(getattr(charts, builder)(*args, **kwargs))


choices = dict(state.get(state.CLUSTER_PARAMS, {}))
choices.setdefault("algorithm", "kmeans")
choices.setdefault("params", {})
choices.setdefault("sweep_algorithm", "kmeans")
choices.setdefault("k_max", pipeline.K_MAX)
choices.setdefault("compare", [])
choices.setdefault("tsne", False)
choices.setdefault("scatter_features", list(clean.features[:4]))


CATEGORY_KNOBS = ("category_weight", "gamma")  # weights of the categorical features (mixed algorithms)


def seeded(key: str, value) -> str:
    """Give a widget its remembered value when the page is (re)entered; return the key."""
    if key not in st.session_state:
        st.session_state[key] = value
    return key


# ---- recommended k ------------------------------------------------------------------------------------------
st.subheader("How many segments?")
left, middle, right = st.columns([2, 1, 1])
sweep_algorithm = left.selectbox(
    "Sweep with",
    pipeline.K_ALGORITHMS,
    format_func=lambda key: ALGORITHMS[key].label,
    key=seeded("cluster__sweep_algorithm", choices["sweep_algorithm"]),
    help="The algorithm fitted for every k while the criteria vote.",
)
k_max = middle.number_input(
    "Largest k", 3, 15, key=seeded("cluster__k_max", choices["k_max"]), help="Sweep k = 2 up to this."
)
choices.update(sweep_algorithm=sweep_algorithm, k_max=int(k_max))
asked = right.button("Recommend k", key="cluster__sweep", help="Fit every k and let five criteria vote.")
sweep = state.get(state.SWEEP)
if sweep is None or asked:
    result = ui.run_heavy(
        lambda: cached.sweep(matrix, sweep_algorithm, int(k_max)),
        what="k sweep",
        doing=f"Trying k = 2 to {int(k_max)} with {ALGORITHMS[sweep_algorithm].label}",
    )
    if result is not None:
        state.put(state.SWEEP, result)
        sweep = result
        current_algorithm = choices["algorithm"]
        if asked and ALGORITHMS[current_algorithm].uses_k:  # an explicit sweep moves k to its recommendation
            st.session_state[f"cluster__{current_algorithm}__k"] = result.recommended_k
            remembered = dict(choices["params"].get(current_algorithm, {}))
            choices["params"] = {**choices["params"], current_algorithm: {**remembered, "k": result.recommended_k}}
            choices["k"] = result.recommended_k
if sweep is not None:
    (st.success if sweep.agree else st.warning)(sweep.sentence, icon=":material/how_to_vote:")
    st.plotly_chart(
        safe_chart("criteria_chart", sweep.table, sweep.recommended_k, sweep.votes), key="cluster__criteria"
    )
    st.caption(
        "Each criterion is scaled so that 1 is its best k; those where lower is better (Davies-Bouldin, inertia, "
        "BIC) are turned over so that up is always better."
    )
    for note in sweep.notes:
        st.caption(note)
    with st.expander("Criteria by k"):
        st.dataframe(sweep.table, hide_index=True, column_config=CRITERIA_COLUMNS)

# ---- algorithm and parameters -------------------------------------------------------------------------------
st.subheader("Segment")
categories = [f for f in clean.fitted.categorical if f in clean.features]
if categories:
    suited = " and ".join(a.label for a in ALGORITHMS.values() if a.mixed)
    st.info(
        f"Your features include {len(categories)} categories ({ui.plain_all(categories)}). {suited} compare "
        "customers by category match or mismatch; the other algorithms use the categories' 0/1 columns.",
        icon=":material/category:",
    )
algorithm = st.selectbox(
    "Algorithm",
    list(ALGORITHMS),
    format_func=lambda key: ALGORITHMS[key].label,
    key=seeded("cluster__algorithm", choices["algorithm"]),
)
spec = ALGORITHMS[algorithm]
st.caption(spec.description)
if categories:
    st.caption(spec.categories)
elif spec.mixed:
    st.caption("None of the chosen features is a category, so the category weight has nothing to weigh here.")
stored = dict(choices["params"].get(algorithm, {}))
if spec.uses_k and choices.get("k") is not None:
    stored["k"] = choices["k"]  # one k for the page: switching algorithm keeps the number of segments chosen
elif spec.uses_k and "k" not in stored and sweep is not None:
    stored["k"] = sweep.recommended_k
params: dict = {}
columns = st.columns(min(len(spec.params), 4))


def current(name: str):
    """The value a knob has now (its widget's, or the remembered one), even before its widget is drawn."""
    return st.session_state.get(f"cluster__{algorithm}__{name}", stored.get(name, spec.param(name).default))


for i, param in enumerate(spec.params):
    key = f"cluster__{algorithm}__{param.name}"
    value = stored.get(param.name, param.default)
    column = columns[i % len(columns)]
    disabled = False
    if algorithm == "hierarchical" and param.name == "metric" and current("linkage") == "ward":
        st.session_state[key] = "euclidean"  # ward is defined for euclidean distance only
        disabled = True
    if algorithm == "hierarchical" and param.name in ("k", "distance_threshold"):
        disabled = (param.name == "k") == (current("cut") == "distance")
    if param.name in CATEGORY_KNOBS and not categories:
        disabled = True  # nothing to weigh: the features are all numbers
    if param.kind == "choice":
        params[param.name] = column.selectbox(
            param.label, param.choices, key=seeded(key, value), help=param.help, disabled=disabled
        )
    elif param.kind == "int":
        params[param.name] = int(
            column.number_input(
                param.label,
                int(param.min),
                int(param.max),
                step=1,
                key=seeded(key, int(value)),
                help=param.help,
                disabled=disabled,
            )
        )
    elif param.kind == "float":
        params[param.name] = float(
            column.number_input(
                param.label,
                float(param.min),
                float(param.max),
                key=seeded(key, float(value)),
                help=param.help,
                disabled=disabled,
                format="%.3f",
            )
        )
    else:
        params[param.name] = column.checkbox(param.label, key=seeded(key, bool(value)), help=param.help)
choices["algorithm"] = algorithm
choices["params"] = {**choices["params"], algorithm: params}
if spec.uses_k and "k" in params:
    choices["k"] = params["k"]
st.session_state[state.CLUSTER_PARAMS] = choices

if algorithm == "dbscan":
    found = ui.run_heavy(
        lambda: cached.k_distance(matrix, params["min_samples"]), what="k-distance curve", doing="Measuring distances"
    )
    if found is not None:
        distances, suggested = found
        st.caption(f"Suggested eps: {suggested:.2f}, the knee of the k-distance curve (computed on a sample).")
        st.button(
            f"Use eps = {suggested:.2f}",
            key="cluster__use_eps",
            on_click=lambda: st.session_state.update({"cluster__dbscan__eps": round(float(suggested), 2)}),
        )
        st.plotly_chart(
            safe_chart("k_distance_chart", distances, suggested, params["eps"]), key="cluster__k_distance_chart"
        )

resolved = ui.run_safely(lambda: resolve_params(algorithm, params), what="Checking the settings")
segmentation = state.get(state.SEGMENTATION)
if resolved is not None and (
    segmentation is None or segmentation.algorithm != algorithm or segmentation.params != resolved
):
    fitted = ui.run_heavy(
        lambda: cached.fit(matrix, algorithm, frozen(resolved)),
        what="segmentation",
        doing=f"Segmenting {len(matrix):,} customers with {spec.label}",
    )
    if fitted is not None:
        state.put(state.SEGMENTATION, fitted)
        segmentation = fitted
if segmentation is None:
    ui.stop()
if segmentation.algorithm != algorithm or segmentation.params != resolved:
    st.info(f"Showing the last segmentation that worked ({segmentation.label}); fix the settings above to replace it.")

# ---- judge the result --------------------------------------------------------------------------------------
names = ui.segment_names()
for note in segmentation.notes:
    st.caption(note)
diagnosed = ui.run_heavy(
    lambda: cached.diagnostics(matrix, segmentation.labels, segmentation.algorithm),
    what="diagnostics",
    doing="Measuring the segments",
)
if diagnosed is None:
    ui.stop()
metrics, silhouettes = diagnosed
cells = st.columns(5)
cells[0].metric("Segments", metrics["segments"])
cells[1].metric(
    "Silhouette",
    f"{metrics['silhouette']:.2f}",
    help=f"-1..1; higher means better separated. Computed on {metrics['silhouette_distance']} distances.",
)
cells[2].metric("Calinski-Harabasz", f"{metrics['calinski_harabasz']:,.0f}", help="Higher is better.")
cells[3].metric("Davies-Bouldin", f"{metrics['davies_bouldin']:.2f}", help="Lower is better.")
cells[4].metric("Noise", f"{metrics['noise_share']:.1%}", help="Customers left out of every segment.")
if len(matrix) > pipeline.SILHOUETTE_SAMPLE:
    st.caption(
        f"The silhouette is computed on a seeded sample of {pipeline.SILHOUETTE_SAMPLE:,} customers "
        "(its cost grows with the square)."
    )
sizes_column, silhouette_column = st.columns(2)
sizes_column.plotly_chart(safe_chart("sizes_chart", segmentation.labels, names), key="cluster__sizes")
silhouette_column.plotly_chart(safe_chart("silhouette_chart", silhouettes, names), key="cluster__silhouette")
if segmentation.algorithm == "hierarchical":
    st.plotly_chart(
        safe_chart("dendrogram_chart", segmentation.model["linkage"], cut_height=cluster.cut_height(segmentation)),
        key="cluster__dendrogram",
    )

st.subheader("How far to trust the segments")
stability = state.get(state.STABILITY)
if st.button(f"Check stability ({pipeline.STABILITY_RUNS} bootstrap refits)", key="cluster__stability"):
    stability = ui.run_heavy(
        lambda: cached.stability(matrix, segmentation.algorithm, frozen(segmentation.params)),
        what="stability",
        doing=f"Refitting on {pipeline.STABILITY_RUNS} resamples of up to {cluster.STABILITY_SAMPLE:,} customers",
    )
    if stability is not None:
        state.put(state.STABILITY, stability)
if stability is not None:
    st.plotly_chart(safe_chart("stability_chart", stability, names), key="cluster__stability_chart")
    st.caption(
        f"Each resample draws up to {cluster.STABILITY_SAMPLE:,} customers with replacement. Bands after Hennig: "
        + ", ".join(f"{low:.2f} or more {band}" for low, band in cluster.HENNIG_BANDS if low > 0)
        + "; below that, do not act on it."
    )
else:
    estimate = work.estimate("stability")
    st.caption(f"Stability refits the segmentation on resampled customers; it takes about {estimate:.0f} s.")

comparing = st.expander("Compare algorithms", key="cluster__compare_open", on_change="rerun")
with comparing:
    compared = st.multiselect(
        "Also segment with",
        [key for key in ALGORITHMS if key != segmentation.algorithm],
        format_func=lambda key: ALGORITHMS[key].label,
        key=seeded("cluster__compare", [c for c in choices["compare"] if c != segmentation.algorithm]),
        help="Each runs with its default settings (and the current k where it takes one).",
    )
    choices["compare"] = compared
    if compared and comparing.open:  # closed, it costs nothing when k or the algorithm changes
        k = segmentation.n_segments
        runs = [(f"{segmentation.label} (current)", segmentation.algorithm, frozen(segmentation.params))]
        for key in compared:
            extra = {"k": k} if ALGORITHMS[key].uses_k else {}
            runs.append((ALGORITHMS[key].label, key, frozen(resolve_params(key, extra))))
        result = ui.run_heavy(
            lambda: cached.compare(matrix, tuple(runs)), what="comparison", doing="Segmenting with each algorithm"
        )
        if result is not None:
            table, ari = result
            st.dataframe(table, column_config=COMPARE_COLUMNS)
            st.caption("Adjusted Rand index between the partitions: 1 = the same grouping, about 0 = unrelated.")
            st.dataframe(ari.style.format("{:.2f}"))

# ---- see the segments --------------------------------------------------------------------------------------
st.subheader("See the segments")

if categories:  # PCA would draw the categories' 0/1 columns as numbers: a map by Gower distances instead
    projected = ui.run_heavy(
        lambda: cached.gower_mds(matrix), what="Gower map", doing="Placing customers by their Gower distances"
    )
    if projected is not None:
        st.plotly_chart(
            safe_chart(
                "projection_chart",
                projected.coords,
                segmentation.labels[projected.rows],
                names,
                explained=projected.explained,
                title=projected.method,
            ),
            key="cluster__gower_map",
        )
        st.caption(
            f"{projected.method}: numbers count by their share of the range, categories by match or mismatch, as "
            "Gower K-Medoids compares customers. The tabs below treat the categories' 0/1 columns as numbers."
        )
# Only the open view is drawn: sending all four figures (8,950 points each) on every rerun cost the browser seconds.
if len(matrix) > charts.MAX_POINTS:
    st.caption(
        f"So that the browser stays responsive, the PCA pictures draw a seeded sample of {charts.MAX_POINTS:,} of the "
        f"{len(matrix):,} customers and the scatter matrix {charts.MATRIX_POINTS:,}; the projection itself is "
        "computed on everyone."
    )
pca_2d, pca_3d, tsne_tab, pairs = st.tabs(
    ["PCA 2-D", "PCA 3-D", "t-SNE", "Scatter matrix"], key="cluster__view", on_change="rerun"
)
with pca_2d:
    if pca_2d.open:
        coords, explained = cached.pca(matrix, 2)
        st.plotly_chart(
            safe_chart("projection_chart", coords, segmentation.labels, names, explained=explained, title="PCA"),
            key="cluster__pca2",
        )
with pca_3d:
    if pca_3d.open:
        coords, explained = cached.pca(matrix, 3)
        st.plotly_chart(
            safe_chart(
                "projection_chart", coords, segmentation.labels, names, explained=explained, title="PCA, three axes"
            ),
            key="cluster__pca3",
        )
with tsne_tab:
    if tsne_tab.open:
        estimate = work.estimate("t-SNE")
        st.caption(
            "t-SNE keeps neighbours together but not distances; it runs on a seeded sample of 2,000 customers "
            f"(about {estimate:.0f} s the first time, kept afterwards)."
        )
        if st.button("Compute t-SNE", key="cluster__tsne") or choices["tsne"]:
            embedded = ui.run_heavy(
                lambda: cached.tsne(matrix), what="t-SNE", doing="Embedding 2,000 customers with t-SNE"
            )
            if embedded is not None:
                choices["tsne"] = True
                coords, rows = embedded
                st.plotly_chart(
                    safe_chart("projection_chart", coords, segmentation.labels[rows], names, title="t-SNE (sample)"),
                    key="cluster__tsne_chart",
                )
with pairs:
    if pairs.open:
        available = [f for f in clean.features if f in clean.table.columns]
        chosen = st.multiselect(
            "Features",
            available,
            key=seeded("cluster__scatter_features", [f for f in choices["scatter_features"] if f in available]),
            max_selections=6,
            help="Shown in their original units.",
        )
        choices["scatter_features"] = chosen
        if len(chosen) >= 2:
            st.plotly_chart(
                safe_chart("scatter_matrix_chart", clean.table[chosen], segmentation.labels, names),
                key="cluster__pairs",
            )
        else:
            st.caption("Pick at least two features.")
st.session_state[state.CLUSTER_PARAMS] = choices
