import json

import pandas as pd
import streamlit as st

from core import clean as cleaning
from core import features as feats
from core import transactions as txn
from core.charts import clean as charts
from core.schema import id_column as find_id_column
from core.schema import infer_roles
from pages import _state as state
from pages import _ui as ui
from pages import _work as work
from pages._shared import shared

SOURCE_LABELS = {
    "customers": "Customer table",
    "transactions": "Derived from transactions",
    "joined": "Customer table + transaction features (joined on the id)",
}
SIGNATURE = "clean__signature"  # plain key: what the stored CLEAN was computed from
UPLOADED = "clean__uploaded_recipe"  # plain key: the recipe file last read, so it is read once


@shared(max_entries=8)
def cached_apply(frame: pd.DataFrame, recipe_json: str, roles_json: str) -> cleaning.CleanResult:
    with work.GATE.slot():
        return cleaning.apply_recipe(frame, cleaning.Recipe.from_json(recipe_json), json.loads(roles_json))


@st.cache_data(max_entries=4, show_spinner=False)
def cached_diagnose(frame: pd.DataFrame, roles_json: str) -> cleaning.Diagnosis:
    return cleaning.diagnose(frame, json.loads(roles_json))


@shared(max_entries=4)
def cached_canonical(frame: pd.DataFrame, columns_json: str) -> pd.DataFrame:
    roles = {role: tuple(c) if isinstance(c, list) else c for role, c in json.loads(columns_json).items()}  # date parts
    return txn.standardize_transactions(frame, txn.TransactionColumns(**roles))[0]


@st.cache_data(max_entries=4, show_spinner=False)
def cached_customer_features(canonical: pd.DataFrame) -> pd.DataFrame:
    return feats.customer_features(canonical)


def set_recipe(recipe: cleaning.Recipe) -> None:
    """Store a changed recipe and re-seed the feature chooser from it."""
    state.put(state.RECIPE, recipe)
    st.session_state.pop("clean__features", None)
    st.rerun()


ui.page_header("Clean", "Turn the loaded table into the features that segmentation uses, step by step.")
dataset = st.session_state.get(state.DATASET)
transactions = st.session_state.get(state.TRANSACTIONS)
if dataset is None and transactions is None:
    st.info("Load a customer or transaction table first.")
    st.page_link(ui.UPLOAD, label="Go to Upload", icon=":material/arrow_forward:")
    ui.stop()

# ---- where the customers come from ----------------------------------------------------------------------
canonical = st.session_state.get(state.TX_CANONICAL)
if transactions is not None and canonical is None:
    columns = st.session_state.get(state.TX_COLUMNS) or txn.infer_transaction_columns(transactions.frame)
    with st.spinner("Reading the transactions ..."):
        canonical = ui.run_safely(
            lambda: cached_canonical(transactions.frame, json.dumps(columns.as_dict())), what="Reading transactions"
        )
    if canonical is not None:
        state.put(state.TX_CANONICAL, canonical)

options = [s for s, ok in (("customers", dataset), ("transactions", canonical)) if ok is not None]
if dataset is not None and canonical is not None:
    options.append("joined")
if not options:
    ui.stop()
stored_source = state.get(state.CUSTOMER_SOURCE)
default_source = stored_source if stored_source in options else options[0]
source = st.radio(
    "Customers come from",
    options,
    index=options.index(default_source),
    format_func=SOURCE_LABELS.get,
    key="clean__source",
    horizontal=True,
    disabled=len(options) == 1,
)
if source != stored_source:
    if stored_source is not None:
        state.put(state.RECIPE, None)
        state.put(state.CLEAN, None)
        st.session_state.pop("clean__features", None)
    st.session_state[state.CUSTOMER_SOURCE] = source

roles: dict[str, str] = {}
frame = None
if source in ("customers", "joined"):
    roles = dict(st.session_state.get(state.ROLES) or infer_roles(dataset.frame))
    frame = dataset.frame
if source in ("transactions", "joined"):
    derived = ui.run_safely(lambda: cached_customer_features(canonical), what="Deriving customer features")
    if derived is None:
        ui.stop()
    if source == "transactions":
        frame, roles = derived, feats.derived_roles(derived)
        st.caption(
            f"{len(derived):,} customers derived from {len(canonical):,} transactions (RFM, shares, night and cash)."
        )
    else:
        joined = ui.run_safely(
            lambda: feats.join_customers(dataset.frame, find_id_column(roles) or "", derived), what="Joining"
        )
        if joined is None:
            ui.stop()
        frame, report = joined
        extra = {c: r for c, r in feats.derived_roles(derived).items() if c != "customer_id"}
        roles = {**roles, **{(f"tx_{c}" if c in dataset.frame.columns else c): r for c, r in extra.items()}}
        st.caption(ui.plain(report.message))
roles_json = json.dumps(roles)

# ---- what needs attention ---------------------------------------------------------------------------------
found = ui.run_safely(lambda: cached_diagnose(frame, roles_json), what="Checking the table")
recipe = st.session_state.get(state.RECIPE)
auto_applied = recipe is None
if recipe is None:
    recipe = cleaning.default_recipe(frame, roles)
    state.put(state.RECIPE, recipe)

st.subheader("Needs attention")
if found is not None:
    table = found.findings_table()
    if table.empty:
        st.success("Nothing stands out: no gaps, skew, outliers, constant columns or duplicates.")
    else:
        st.dataframe(table, hide_index=True, width="stretch", height=min(400, 38 + 35 * len(table)))
        suggestions = [i for i, f in enumerate(found.findings) if f.step is not None]
        if suggestions:
            pick_col, add_col = st.columns([4, 1], vertical_alignment="bottom")
            pick = pick_col.selectbox(
                "Suggested step",
                suggestions,
                format_func=lambda i: f"{found.findings[i].column}: {found.findings[i].suggestion}",
                key="clean__suggestion",
            )
            if add_col.button("Add to recipe", key="clean__add_suggestion"):
                set_recipe(recipe.with_steps((*recipe.steps, found.findings[pick].step)))

# ---- the recipe -------------------------------------------------------------------------------------------
st.subheader("Recipe")
if auto_applied:
    st.info(
        "No recipe yet, so the recommended one was applied automatically: fill gaps with medians, drop exact "
        "duplicates, add the credit-card features, log1p skewed features and z-score them. Change it below."
    )
if st.button("Accept recommended recipe", type="primary", key="clean__accept"):
    set_recipe(cleaning.default_recipe(frame, roles))

with st.spinner("Cleaning ..."):
    recipe_json = recipe.to_json()
    result = ui.run_heavy(lambda: cached_apply(frame, recipe_json, roles_json), what="cleaning", doing="Cleaning")
signature = json.dumps(
    [source, getattr(dataset, "sha256", None), getattr(transactions, "sha256", None), recipe.to_json(), roles_json]
)
if result is not None and (st.session_state.get(state.CLEAN) is None or st.session_state.get(SIGNATURE) != signature):
    state.put(state.CLEAN, result)
    st.session_state[SIGNATURE] = signature
elif result is None and st.session_state.get(state.CLEAN) is not None:
    st.warning("The last good result is kept until the recipe works again: fix or remove the failing step.")

reports = {r.step.split(".", 1)[0]: r for r in result.reports} if result is not None else {}
for number, step in enumerate(recipe.steps, start=1):
    report = reports.get(str(number))
    text_col, up_col, down_col, remove_col = st.columns([12, 1, 1, 1], vertical_alignment="center")
    text_col.markdown(f"**{number}. {ui.plain(step.plain())}**")
    if report is not None:
        text_col.caption(f"{ui.plain(report.message)} Rows {report.rows_before:,} → {report.rows_after:,}.")
    steps = list(recipe.steps)
    if up_col.button(
        "", icon=":material/arrow_upward:", help="Move up", key=f"clean__up_{number}", disabled=number == 1
    ):
        steps[number - 2], steps[number - 1] = steps[number - 1], steps[number - 2]
        set_recipe(recipe.with_steps(tuple(steps)))
    if down_col.button(
        "",
        icon=":material/arrow_downward:",
        help="Move down",
        key=f"clean__down_{number}",
        disabled=number == len(steps),
    ):
        steps[number], steps[number - 1] = steps[number - 1], steps[number]
        set_recipe(recipe.with_steps(tuple(steps)))
    if remove_col.button("", icon=":material/delete:", help="Remove", key=f"clean__remove_{number}"):
        set_recipe(recipe.with_steps(tuple(steps[: number - 1] + steps[number:])))

with st.expander("Add a step"):
    kind = st.selectbox(
        "Step",
        list(cleaning.STEP_KINDS),
        format_func=lambda k: f"{k}: {cleaning.STEP_KINDS[k].description}",
        key="clean__add_kind",
    )
    params = {}
    numeric_columns = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    for spec in cleaning.STEP_KINDS[kind].params:
        key = f"clean__add_{kind}_{spec.name}"
        if spec.kind == "choice":
            params[spec.name] = st.selectbox(spec.name, spec.choices, key=key, help=spec.help)
        elif spec.kind in ("float", "int"):
            cast = float if spec.kind == "float" else int
            params[spec.name] = st.number_input(
                spec.name,
                value=cast(spec.default),
                min_value=None if spec.low is None else cast(spec.low),
                max_value=None if spec.high is None else cast(spec.high),
                key=key,
                help=spec.help,
            )
        elif spec.kind == "columns":
            every = list(frame.columns) if kind == "drop_columns" else numeric_columns
            chosen = st.multiselect(spec.name, every, key=key, help=spec.help)
            params[spec.name] = chosen if chosen or spec.default is not None else None
        elif spec.kind == "presets":
            chosen = st.multiselect(spec.name, list(feats.presets()), key=key, help=spec.help)
            params[spec.name] = chosen or None
    if st.button("Add step", key="clean__add"):
        new_step = ui.run_safely(lambda: cleaning.Step(kind, params), what="Adding the step")
        if new_step is not None:
            set_recipe(recipe.with_steps((*recipe.steps, new_step)))

clean = st.session_state.get(state.CLEAN)
if clean is None:
    ui.stop()

# ---- what changed -----------------------------------------------------------------------------------------
st.subheader("What each step changed")
changes = pd.DataFrame([vars(r) for r in clean.reports])
plain_steps = {str(number): step.plain() for number, step in enumerate(recipe.steps, start=1)}
if len(changes):  # "3. impute" -> "3. Fill gaps with the median, ..."; steps outside the recipe keep their label
    number = changes["step"].str.split(".", n=1).str[0]
    labels = zip(number, changes["step"], strict=True)
    changes["step"] = [f"{n}. {plain_steps[n]}" if n in plain_steps else s for n, s in labels]
st.dataframe(
    changes,
    hide_index=True,
    width="stretch",
    column_config={
        "step": "Step",
        "rows_before": st.column_config.NumberColumn("Rows before", format="localized"),
        "rows_after": st.column_config.NumberColumn("Rows after", format="localized"),
        "values_changed": st.column_config.NumberColumn("Values changed", format="localized"),
        "message": "What it did",
    },
)
outlier_columns = []
for step in recipe.steps:
    if step.kind == "outliers" and step.resolved_params()["action"] != "keep":
        wanted = step.params.get("columns") or clean.features
        outlier_columns += [c for c in wanted if c in frame.columns and c in clean.table.columns]
if outlier_columns:
    column = st.selectbox("Outliers: before and after", list(dict.fromkeys(outlier_columns)), key="clean__box_column")
    ui.plotly_chart(charts.outlier_boxplot(frame[column], clean.table[column], column), key="clean__boxplot")

# ---- features ---------------------------------------------------------------------------------------------
st.subheader("Features for segmentation")
candidates = [
    c
    for c in clean.table.columns
    if c != clean.id_column and (pd.api.types.is_numeric_dtype(clean.table[c]) or c in clean.features)
]  # a categorical feature the recipe chose (mixed-data segmentation) is offered too, or its default would be refused
chosen = st.multiselect("Features", candidates, default=list(clean.features), key="clean__features")
current = recipe.features if recipe.features is not None else clean.features
if chosen and tuple(chosen) != tuple(current):
    state.put(state.RECIPE, recipe.with_features(tuple(chosen)))
    st.rerun()
if not chosen:
    st.error("Choose at least one feature; the last choice is kept until you do.")
encoded = next((step.state for step in clean.fitted.steps if step.kind == "categories"), None)
fitted_roles = clean.fitted.roles
reasons = cleaning.feature_reasons(clean.table, fitted_roles)
left_out = reasons[~reasons["used"] & reasons["column"].map(lambda c: fitted_roles.get(c) in ("categorical", "text"))]
if encoded is not None and encoded["columns"]:
    st.markdown("**Categories taking part**")
    st.dataframe(
        pd.DataFrame(
            {
                "feature": [str(c) for c in encoded["columns"]],
                "levels": [len(encoded["levels"][c]) for c in encoded["columns"]],
                "level names": [", ".join(encoded["levels"][c]) for c in encoded["columns"]],
                "pooled into (other)": [", ".join(encoded["pooled"][c]) for c in encoded["columns"]],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    st.caption(
        "Each category becomes one 0/1 column per level; levels rarer than the step's minimum share (1% of "
        "customers unless you changed it) are pooled into (other). Gower K-Medoids and k-prototypes on the "
        "Cluster page compare customers by category match or mismatch."
    )
if len(left_out):
    st.markdown("**Text columns left out**")
    st.dataframe(
        left_out.assign(
            values=[int(clean.table[c].nunique()) for c in left_out["column"]],
            reason=lambda t: t["reason"].where(
                t["values"] <= cleaning.MAX_LEVELS,
                f"more than {cleaning.MAX_LEVELS} different values: names or free text, not a category",
            ),
        )[["column", "values", "reason"]],
        hide_index=True,
        width="stretch",
        column_config={"values": st.column_config.NumberColumn("different values", format="localized")},
    )
    st.caption(
        f"A column with more than {cleaning.MAX_LEVELS} different values reads as names or free text, not as a "
        "category a segment could be described by; its role can be changed in the role table on the Upload page."
    )
with st.expander("Why these features"):
    st.dataframe(cleaning.feature_reasons(clean.table, clean.fitted.roles), hide_index=True, width="stretch")
ui.plotly_chart(charts.correlation_chart(clean.matrix.corr()), key="clean__heatmap")
st.caption("Correlation of the chosen features after transforms; pairs above 0.9 say much the same thing.")

# ---- save and reuse ---------------------------------------------------------------------------------------
st.subheader("Save or reuse the recipe")
save_col, model_col = st.columns(2)
save_col.download_button(
    "Download recipe (JSON)", recipe.to_json(), "cardlens_recipe.json", "application/json", key="clean__download"
)
model_col.download_button(
    "Download fitted recipe (the medians, caps and scales learnt here)",
    json.dumps(clean.fitted.to_dict(), indent=1),
    "cardlens_fitted_recipe.json",
    "application/json",
    key="clean__download_fitted",
)
uploaded = st.file_uploader("Use a saved recipe", type=["json"], key="clean__upload")
if uploaded is not None and st.session_state.get(UPLOADED) != (uploaded.name, uploaded.size):
    st.session_state[UPLOADED] = (uploaded.name, uploaded.size)
    loaded = ui.run_safely(lambda: cleaning.Recipe.from_json(uploaded.getvalue()), what="Reading the recipe")
    if loaded is not None:
        problems = cleaning.check_recipe(frame, loaded)
        if problems:
            st.error("This recipe does not fit the table:\n\n" + "\n".join(f"- {ui.plain(p)}" for p in problems))
        else:
            set_recipe(loaded)

# ---- result -----------------------------------------------------------------------------------------------
st.subheader("Result")
st.caption(
    f"Clean table: {len(clean.table):,} rows × {clean.table.shape[1]} columns (original units). "
    f"Feature matrix: {clean.matrix.shape[0]:,} × {clean.matrix.shape[1]} (scaled)."
)
shown = clean.table.head(20)
numeric_id = clean.id_column in shown.columns and pd.api.types.is_numeric_dtype(shown[clean.id_column])
st.dataframe(  # amounts to the cent, an id never with thousands separators
    shown.round(2),
    width="stretch",
    column_config={clean.id_column: st.column_config.NumberColumn(format="%d")} if numeric_id else None,
)
st.page_link(ui.CLUSTER, label="Next: find segments", icon=":material/arrow_forward:")
ui.prefetch_next_step()  # the Cluster page's k sweep starts while the visitor reads this page
