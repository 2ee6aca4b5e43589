"""The analyst workbook: everything a run produced, gathered in :class:`WorkbookInputs`, laid out in fixed sheets.

Both the app (``pages/_workbook.py``) and ``python -m core segment`` call :func:`assemble_workbook`, so they
write the same layout; ``docs/workbook.md`` documents every sheet and column. Sheets, in order: ``README``,
``Summary``, ``Profiles``, ``Category profiles`` (when categorical features took part), ``Customers``,
``Metrics``, ``Recipe``, ``Run``, then ``Offers``, ``Feedback``, ``Fraud`` and ``Trends`` when those parts are
given.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from typing import Any

import numpy as np
import pandas as pd

from core.errors import DataError
from core.naming import display_name, name_segments
from core.profiles import SegmentProfiles, feature_words, profile_segments
from core.workbook._writer import MAX_EXCEL_ROWS, BarChart, Sheet, build_overflow_export, build_workbook

LIBRARIES = ("pandas", "numpy", "scikit-learn", "scipy", "statsmodels", "openpyxl", "pyarrow", "plotly", "kmedoids")
CUSTOMER_COLUMNS = ("segment", "segment_name", "confidence")
# Every column CardLens adds to a customer row; an input column with one of these names is kept, renamed.
RESERVED_COLUMNS = (*CUSTOMER_COLUMNS, "score", "anomaly_score", "anomaly_rank", "flagged", "reasons")
INPUT_SUFFIX = " (input)"


def input_renames(columns: Sequence[object]) -> dict[str, str]:
    """Return input column -> its new name, for input columns named like a column CardLens adds.

    Examples
    --------
    >>> input_renames(["id", "segment", "reasons"])
    {'segment': 'segment (input)', 'reasons': 'reasons (input)'}
    """
    return {str(c): f"{c}{INPUT_SUFFIX}" for c in columns if c in RESERVED_COLUMNS}


@dataclass(frozen=True)
class WorkbookInputs:
    """Everything a run produced; every part beyond the customers and their labels is optional.

    Attributes
    ----------
    dataset_name : str
        File or sample name.
    table : pandas.DataFrame
        The customers in original units (``CleanResult.table``), one row per customer.
    labels : array of int
        Segment per row of ``table`` (``-1`` noise).
    id_column : str or None
        The customer id column of ``table``.
    sha256 : str or None
        SHA-256 of the input file's bytes.
    names, descriptions : dict[int, str] or None
        Segment id -> display name / two-sentence description; automatic ones from the profile otherwise.
    profiles : SegmentProfiles or None
        Computed from ``table`` and ``labels`` when missing.
    segmentation : core.cluster.Segmentation or None
        For the algorithm, its parameters, notes and per-customer confidence.
    sweep : core.cluster.SweepResult or None
        The k sweep (criteria per k, votes, the sentence).
    stability : pandas.DataFrame or None
        ``segment, jaccard, band``.
    recipe : core.clean.Recipe, list of dict, or None
        The cleaning steps.
    clean_reports : sequence of core.clean.StepReport or None
        What each cleaning step did.
    params : dict or None
        Extra run parameters to record (e.g. the command line's options).
    random_state : int
        The seed of the run.
    layout : str or None
        ``core.schema.detect_layout`` of the raw table, for automatic names (``generic`` when None).
    offers, feedback, fraud, trends : pandas.DataFrame or None
        Act results, each written to its own sheet (``trends`` may be a dict of frames).
    customer_scores : pandas.DataFrame or None
        Extra per-customer columns (e.g. ``anomaly_score``) with the index of ``table``; joined to Customers.
    understanding : sequence of str
        What was understood of the input (kind, key, dates, outcome, excluded columns): README and Run sheets.
    provenance : sequence of InputRecord
        Every input (customer table, transactions, recipe, model, feedback) with its name, rows and SHA-256.
    warnings, outcome_lines : sequence of str
        Checks of the segments (:mod:`core.guards`) and the outcome rate per segment: README (and Run) sheets.
    fitted_recipe : core.clean.FittedRecipe or None
        What the recipe learned (``CleanResult.fitted``): the Recipe sheet shows its category encoding.
    """

    dataset_name: str = "customers"
    table: pd.DataFrame | None = None
    labels: Sequence[int] | np.ndarray | None = None
    id_column: str | None = None
    sha256: str | None = None
    names: Mapping[int, str] | None = None
    descriptions: Mapping[int, str] | None = None
    profiles: SegmentProfiles | None = None
    segmentation: Any = None
    sweep: Any = None
    stability: pd.DataFrame | None = None
    recipe: Any = None
    clean_reports: Sequence[Any] | None = None
    params: Mapping[str, Any] | None = None
    random_state: int = 0
    layout: str | None = None
    offers: pd.DataFrame | None = None
    feedback: pd.DataFrame | None = None
    fraud: pd.DataFrame | None = None
    customer_scores: pd.DataFrame | None = None
    trends: pd.DataFrame | Mapping[str, pd.DataFrame] | None = None
    understanding: Sequence[str] = ()
    warnings: Sequence[str] = ()
    outcome_lines: Sequence[str] = ()
    provenance: Sequence[InputRecord] = ()
    fitted_recipe: Any = None


@dataclass(frozen=True)
class InputRecord:
    """Where one input of a run came from, for the README and Run sheets.

    ``input`` is ``customer table``, ``transactions``, ``recipe``, ``model`` or ``feedback``; ``name`` the file
    name or how it was made; ``rows`` its rows (None where rows mean nothing); ``sha256`` of its bytes (None
    when made in the app); ``sample`` whether it is (or was derived from) the bundled sample; ``note`` what was
    done to it on the way in (``repeated keys: merged (5 keys)``), if anything.
    """

    input: str
    name: str
    rows: int | None
    sha256: str | None
    sample: bool
    note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the record as one row: input, name, rows, sha256, sample, note."""
        return {
            "input": self.input,
            "name": self.name,
            "rows": self.rows,
            "sha256": self.sha256,
            "sample": self.sample,
            "note": self.note,
        }

    def describe(self) -> str:
        """Return one line: name, rows, what was done to it, sample or file, SHA-256."""
        parts = [self.name]
        if self.rows is not None:
            parts.append(f"{self.rows:,} rows")
        if self.note:
            parts.append(self.note)
        parts.append("the bundled sample" if self.sample else "your file" if self.sha256 else "made in CardLens")
        if self.sha256:
            parts.append(f"SHA-256 {self.sha256}")
        return "; ".join(parts)


@dataclass(frozen=True)
class Export:
    """A download: the bytes, a file name and its MIME type (a zip when customers exceed Excel's rows)."""

    data: bytes
    filename: str
    mime: str


XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _checked(inputs: WorkbookInputs) -> tuple[pd.DataFrame, np.ndarray]:
    if inputs.table is None or inputs.labels is None:
        raise DataError("There is nothing to export yet: segment the customers first.")
    labels = np.asarray(inputs.labels, dtype="int64")
    if len(labels) != len(inputs.table):
        raise DataError("The segments do not match the customer table: segment the current table again.")
    return inputs.table, labels


def _features(inputs: WorkbookInputs, table: pd.DataFrame) -> list[str]:
    if inputs.segmentation is not None:
        names = [f for f in inputs.segmentation.feature_names if f in table.columns]
        if names:
            return names
    skip = {inputs.id_column}
    return [c for c in table.columns if c not in skip and pd.api.types.is_numeric_dtype(table[c])]


def resolved_profiles(inputs: WorkbookInputs) -> SegmentProfiles:
    """Return the given profiles, or profile the table's features by segment."""
    if inputs.profiles is not None:
        return inputs.profiles
    table, labels = _checked(inputs)
    return profile_segments(table, labels, _features(inputs, table))


def resolved_names(inputs: WorkbookInputs, profiles: SegmentProfiles) -> tuple[dict[int, str], dict[int, str]]:
    """Return (names, descriptions): the given ones where present, automatic ones for the rest."""
    automatic = name_segments(profiles, inputs.layout or "generic")
    names = {s: (inputs.names or {}).get(s) or automatic[s].name for s in automatic}
    descriptions = {s: (inputs.descriptions or {}).get(s) or automatic[s].description for s in automatic}
    return names, descriptions


def customers_frame(inputs: WorkbookInputs, names: Mapping[int, str] | None = None) -> pd.DataFrame:
    """Every original column plus ``segment``, ``segment_name``, ``confidence`` and any extra customer scores.

    Returns
    -------
    pandas.DataFrame
        One row per customer in table order; the table's index is not kept.
    """
    table, labels = _checked(inputs)
    if names is None:
        names = resolved_names(inputs, resolved_profiles(inputs))[0]
    out = table.rename(columns=input_renames(list(table.columns)))
    out["segment"] = labels
    out["segment_name"] = pd.Series(labels, index=table.index).map(lambda s: display_name(int(s), names))
    confidence = getattr(inputs.segmentation, "confidence", None)
    if confidence is not None and len(confidence) == len(table):
        out["confidence"] = np.asarray(confidence, dtype="float64")
    if inputs.customer_scores is not None:
        extra = inputs.customer_scores.drop(columns=[c for c in inputs.customer_scores.columns if c in out.columns])
        if len(extra) == len(out) and not extra.index.equals(out.index):
            extra = extra.set_axis(out.index)
        out = out.join(extra, how="left")
    return out.reset_index(drop=True)


def id_text(series: pd.Series) -> pd.Series:
    """Return customer ids as text, the way every sheet writes them: digits only, no separator, no ``.0``.

    The Offers and Fraud sheets key their rows by the id as text; the Customers sheet writes the same text, so
    a lookup between sheets matches, and Excel never shows an id as 736,801,603.

    Examples
    --------
    >>> id_text(pd.Series([736801603, 12])).tolist(), id_text(pd.Series([5.0, None])).tolist()
    (['736801603', '12'], ['5', <NA>])
    >>> id_text(pd.Series(["007", "=1"])).tolist()
    ['007', '=1']
    """
    if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
        return series if _is_text(series) else series.astype("string")
    if pd.api.types.is_float_dtype(series):
        finite = series.dropna()
        if np.isfinite(finite).all() and (finite == finite.round()).all() and (finite.abs() < 2**53).all():
            return series.astype("Int64").astype("string")
    return series.astype("string")


def _is_text(series: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(series) and not isinstance(series.dtype, pd.CategoricalDtype)


_WHOLE_FLOAT_TEXT = r"^(-?\d+)\.0$"


def _ids_as_text(frame: pd.DataFrame, columns: Sequence[str], float_ids: bool) -> pd.DataFrame:
    """Write the id columns of an act sheet (Offers, Fraud, Trends) as :func:`id_text` writes Customers."""
    present = [c for c in dict.fromkeys(columns) if c in frame.columns]
    if not present:
        return frame
    frame = frame.copy()
    for column in present:
        ids = id_text(frame[column])
        if float_ids:  # an id read as float (1.0) was made text as "1.0" on the way: keep "1", as Customers
            ids = ids.astype("string").str.replace(_WHOLE_FLOAT_TEXT, r"\1", regex=True)
        frame[column] = ids
    return frame


def _summary(profiles: SegmentProfiles, names: dict[int, str], descriptions: dict[int, str], inputs) -> pd.DataFrame:
    summary = profiles.sizes.copy()
    summary.insert(1, "name", summary["segment"].map(names))
    summary.insert(2, "description", summary["segment"].map(descriptions))
    summary["stability"] = np.nan
    summary["stability_band"] = pd.Series(pd.NA, index=summary.index, dtype="string")
    if inputs.stability is not None and not inputs.stability.empty:
        by_segment = inputs.stability.set_index("segment")
        summary["stability"] = summary["segment"].map(by_segment["jaccard"]).astype("float64")
        summary["stability_band"] = summary["segment"].map(by_segment["band"]).astype("string")
    return summary


def _profiles_sheet(profiles: SegmentProfiles, names: dict[int, str]) -> pd.DataFrame:
    parts = {"mean": profiles.means, "median": profiles.medians, "index": profiles.index, "zscore": profiles.zscores}
    key = "\0segment"  # a feature may itself be called "segment"
    melted = [
        frame.rename_axis(index=key)
        .reset_index()
        .melt(id_vars=key, var_name="feature", value_name=name)
        .rename(columns={key: "segment"})
        for name, frame in parts.items()
    ]
    long = melted[0]
    for extra in melted[1:]:
        long = long.merge(extra, on=["segment", "feature"], how="left")
    long.insert(1, "segment_name", long["segment"].map(names))
    long.insert(3, "label", long["feature"].map(lambda f: feature_words(f).label))
    if profiles.overall_mean is not None:
        long.insert(5, "portfolio_mean", long["feature"].map(profiles.overall_mean))
    long = long.merge(profiles.tests, left_on="feature", right_index=True, how="left")
    order = {f: i for i, f in enumerate(profiles.tests.index)}
    return long.sort_values(["segment", "feature"], key=lambda c: c.map(order) if c.name == "feature" else c)


CATEGORY_PROFILE_COLUMNS = [
    "segment",
    "segment_name",
    "feature",
    "label",
    "level",
    "customers",
    "share",
    "portfolio_share",
    "index",
    "chi2",
    "chi2_p",
    "dof",
    "cramers_v",
]


def _category_profiles_sheet(profiles: SegmentProfiles, names: dict[int, str]) -> pd.DataFrame:
    """Segment x categorical feature x level: shares against the portfolio, then the feature's chi-square tests.

    Features come in order of Cramér's V (the most distinguishing first), levels by their portfolio share.
    """
    levels = profiles.levels
    if levels.empty:
        return pd.DataFrame(columns=CATEGORY_PROFILE_COLUMNS)
    long = levels.assign(
        segment_name=levels["segment"].map(lambda s: display_name(int(s), names)),
        label=levels["feature"].map(lambda f: feature_words(f).label),
        level=levels["level"].astype(str),
    ).merge(profiles.category_tests, left_on="feature", right_index=True, how="left")
    feature_order = {f: i for i, f in enumerate(profiles.category_tests.index)}
    long = long.assign(
        _feature=long["feature"].map(feature_order).fillna(len(feature_order)),
        _common=-long["portfolio_share"],
    )
    long = long.sort_values(["segment", "_feature", "_common", "level"], kind="stable")
    return long[CATEGORY_PROFILE_COLUMNS].astype({"dof": "Int64"}).reset_index(drop=True)


def _encoding_rows(fitted: Any) -> list[dict[str, Any]]:
    """Rows for the Recipe sheet: per categorical feature, the levels it was encoded with and those pooled."""
    rows = []
    for step in getattr(fitted, "steps", ()):
        if step.kind != "categories":
            continue
        for feature in step.state.get("columns", []):
            levels = [str(level) for level in step.state["levels"][feature]]
            pooled = [str(level) for level in step.state.get("pooled", {}).get(feature, [])]
            text = f"{feature}: one 0/1 column per level ({len(levels)}: {', '.join(levels)})"
            text += f"; {len(pooled)} rare level(s) pooled into (other): {', '.join(pooled)}" if pooled else ""
            rows.append(
                {
                    "step": step.number,
                    "kind": "category encoding",
                    "params": json.dumps({"feature": feature, "levels": levels, "pooled": pooled}),
                    "what it did": text,
                }
            )
    return rows


def _metrics_sheet(inputs: WorkbookInputs) -> pd.DataFrame:
    """Long layout: ``section, item, k, value, text``."""
    rows: list[dict[str, Any]] = []
    sweep = inputs.sweep
    if sweep is not None:
        for record in sweep.table.to_dict("records"):
            for criterion, value in record.items():
                if criterion != "k":
                    rows.append({"section": "criteria per k", "item": criterion, "k": record["k"], "value": value})
        for criterion, k in sweep.votes.items():
            rows.append({"section": "votes", "item": criterion, "k": k})
        rows.append(
            {"section": "recommendation", "item": "recommended k", "k": sweep.recommended_k, "text": sweep.sentence}
        )
    segmentation = inputs.segmentation
    if segmentation is not None:
        rows.append({"section": "chosen", "item": "algorithm", "text": _algorithm_label(segmentation.algorithm)})
        rows.append({"section": "chosen", "item": "segments", "k": segmentation.n_segments})
        for name, value in segmentation.params.items():
            number = isinstance(value, int | float) and not isinstance(value, bool)
            rows.append(
                {
                    "section": "chosen",
                    "item": name,
                    "value": value if number else None,
                    "text": None if number else str(value),
                }
            )
        for note in segmentation.notes:
            rows.append({"section": "notes", "item": "fit", "text": note})
    if inputs.stability is not None:
        for record in inputs.stability.to_dict("records"):
            rows.append(
                {
                    "section": "stability",
                    "item": f"segment {record['segment']}",
                    "value": record["jaccard"],
                    "text": record["band"],
                }
            )
    frame = pd.DataFrame(rows, columns=["section", "item", "k", "value", "text"])
    return frame.astype({"section": "string", "item": "string", "k": "Int64", "value": "float64", "text": "string"})


def _recipe_sheet(inputs: WorkbookInputs) -> pd.DataFrame:
    steps: list[dict[str, Any]] = []
    recipe = inputs.recipe
    if recipe is not None and hasattr(recipe, "to_json"):
        document = json.loads(recipe.to_json())
        steps = document.get("steps", [])
        features = document.get("features")
    else:
        steps = list(recipe or [])
        features = None
    reports = list(inputs.clean_reports or [])
    rows = []
    for number, step in enumerate(steps, 1):
        report = reports[number - 1] if number - 1 < len(reports) else None
        rows.append(
            {
                "step": number,
                "kind": step.get("kind"),
                "params": json.dumps(step.get("params") or {}, sort_keys=True, default=str),
                "rows_before": getattr(report, "rows_before", None),
                "rows_after": getattr(report, "rows_after", None),
                "values_changed": getattr(report, "values_changed", None),
                "what it did": getattr(report, "message", None),
            }
        )
    for report in reports[len(steps) :]:
        rows.append(
            {
                "kind": report.step,
                "rows_before": report.rows_before,
                "rows_after": report.rows_after,
                "values_changed": report.values_changed,
                "what it did": report.message,
            }
        )
    if features is not None:
        rows.append({"kind": "features", "params": json.dumps(list(features))})
    rows += _encoding_rows(inputs.fitted_recipe)
    columns = ["step", "kind", "params", "rows_before", "rows_after", "values_changed", "what it did"]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.astype({c: "Int64" for c in ("step", "rows_before", "rows_after", "values_changed")})


def library_versions() -> dict[str, str]:
    """Return the installed version of every library the results depend on (``not installed`` otherwise)."""
    versions = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _algorithm_label(key: str) -> str:
    """Return the name people use for an algorithm (``K-Means`` for ``kmeans``)."""
    from core.cluster import ALGORITHMS

    spec = ALGORITHMS.get(key)
    return spec.label if spec is not None else str(key)


def _run_sheet(inputs: WorkbookInputs, n_customers: int, now: dt.datetime) -> pd.DataFrame:
    rows: list[tuple[str, str]] = [
        ("dataset", inputs.dataset_name),
        ("input SHA-256", inputs.sha256 or "not recorded"),
        *[(f"input: {record.input}", record.describe()) for record in inputs.provenance],
        ("created (UTC)", now.strftime("%Y-%m-%d %H:%M:%S")),
        ("customers", f"{n_customers}"),
        ("random_state", f"{inputs.random_state}"),
    ]
    segmentation = inputs.segmentation
    if segmentation is not None:
        rows.append(("algorithm", f"{_algorithm_label(segmentation.algorithm)} ({segmentation.algorithm})"))
        rows.append(("algorithm parameters", json.dumps(segmentation.params, sort_keys=True, default=str)))
        rows.append(("features", ", ".join(segmentation.feature_names)))
    for name, value in (inputs.params or {}).items():
        rows.append((f"parameter: {name}", json.dumps(value, default=str) if not isinstance(value, str) else value))
    rows += [("understood", line) for line in inputs.understanding]
    rows += [("warning", warning) for warning in inputs.warnings]
    rows += [(f"version: {name}", version) for name, version in library_versions().items()]
    return pd.DataFrame(rows, columns=["setting", "value"], dtype="string")


def _trends_frame(trends: pd.DataFrame | Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    if isinstance(trends, pd.DataFrame):
        return trends.reset_index(drop=True)
    parts = [frame.assign(part=name) for name, frame in trends.items() if isinstance(frame, pd.DataFrame)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _dictionary(customers: pd.DataFrame, inputs: WorkbookInputs) -> list[tuple[str, str, str]]:
    rows = []
    renamed = {new: old for old, new in input_renames(list(inputs.table.columns)).items()}
    for column in customers.columns:
        if column in renamed:
            text = f"Your column {renamed[column]!r}, renamed: CardLens adds its own {renamed[column]!r} column."
        elif column == inputs.id_column:
            text = "Customer id, as in the input file (text on every sheet, so lookups between sheets match)."
        elif column == "segment":
            text = "Segment id: 0 is the largest segment, -1 customers the algorithm left unassigned (noise)."
        elif column == "segment_name":
            text = "The segment's display name (automatic, or as edited in the app)."
        elif column == "confidence":
            text = "How clearly the customer belongs to the segment, 0 to 1 (mixture probability or centre silhouette)."
        else:
            text = f"{feature_words(column).label.capitalize()}, in the input's units."
        rows.append(("Customers column", str(column), text))
    return rows


_SHEET_TEXT = {
    "Summary": "One row per segment: id, name, description, size, share of customers and bootstrap stability.",
    "Profiles": "One row per segment and feature: mean, median, index (portfolio = 100), z-score, and the "
    "tests that say how strongly the feature separates the segments (ANOVA F/p, Kruskal-Wallis H/p, eta squared).",
    "Customers": "One row per customer: every input column, the segment id and name, and the confidence.",
    "Metrics": "How the number of segments was chosen (criteria per k, votes), the algorithm and its parameters, "
    "and stability. Columns: section, item, k, value, text.",
    "Category profiles": "One row per segment, categorical feature and level: customers, the level's share of "
    "the segment and of the portfolio, the index (portfolio = 100), and the tests that say how strongly the "
    "feature separates the segments (chi-square, its p-value and degrees of freedom, Cramér's V).",
    "Recipe": "The cleaning steps in order, their parameters and what each changed; then the chosen features and "
    "how each categorical feature was encoded (its levels, and the rare ones pooled into (other)).",
    "Run": "How to reproduce the run: seed, parameters, library versions, the input's SHA-256, time (UTC).",
    "Offers": "Each customer's top offers with a score and the reason.",
    "Feedback": "Campaign outcomes used to learn which offers work.",
    "Fraud": "Anomaly and fraud alerts with scores, reasons and review status.",
    "Trends": "Per-segment series over time, forecasts with intervals and backtest accuracy.",
}


def workbook_sheets(inputs: WorkbookInputs, *, now: dt.datetime | None = None) -> tuple[list[Sheet], Sheet, list]:
    """Return (sheets in order without Customers, the Customers sheet, README rows): the layout, unwritten."""
    table, _ = _checked(inputs)
    profiles = resolved_profiles(inputs)
    names, descriptions = resolved_names(inputs, profiles)
    now = now or dt.datetime.now(dt.UTC)
    summary = _summary(profiles, names, descriptions, inputs)
    customers = customers_frame(inputs, names)
    sheets = [
        Sheet(
            "Summary",
            summary,
            _SHEET_TEXT["Summary"],
            number_formats={"share": "0.0%", "stability": "0.00"},
            bar_chart=BarChart("Customers per segment", "name", "size"),
            wrap=("description",),
        ),
        Sheet(
            "Profiles",
            _profiles_sheet(profiles, names),
            _SHEET_TEXT["Profiles"],
            number_formats={
                "index": "0",
                "zscore": "0.00",
                "anova_p": "0.00E+00",
                "kruskal_p": "0.00E+00",
                "eta_squared": "0.000",
            },
            colour_scale=("index", "zscore"),
        ),
    ]
    if not profiles.levels.empty:
        sheets.append(
            Sheet(
                "Category profiles",
                _category_profiles_sheet(profiles, names),
                _SHEET_TEXT["Category profiles"],
                number_formats={
                    "customers": "#,##0",
                    "share": "0.0%",
                    "portfolio_share": "0.0%",
                    "index": "0",
                    "chi2": "0.0",
                    "chi2_p": "0.00E+00",
                    "cramers_v": "0.000",
                },
                colour_scale=("index",),
            )
        )
    id_columns = ["customer_id"]
    float_ids = False
    if inputs.id_column is not None and inputs.id_column in table.columns:
        float_ids = pd.api.types.is_float_dtype(table[inputs.id_column])
        id_name = input_renames([inputs.id_column]).get(inputs.id_column, inputs.id_column)
        customers[id_name] = id_text(customers[id_name])
        id_columns.append(id_name)
    customer_sheet = Sheet("Customers", customers, _SHEET_TEXT["Customers"], number_formats={"confidence": "0.00"})
    sheets.append(customer_sheet)
    sheets.append(Sheet("Metrics", _metrics_sheet(inputs), _SHEET_TEXT["Metrics"]))
    sheets.append(Sheet("Recipe", _recipe_sheet(inputs), _SHEET_TEXT["Recipe"], wrap=("what it did",)))
    sheets.append(Sheet("Run", _run_sheet(inputs, len(table), now), _SHEET_TEXT["Run"]))
    for name, frame in (("Offers", inputs.offers), ("Feedback", inputs.feedback), ("Fraud", inputs.fraud)):
        if frame is not None:
            frame = _ids_as_text(frame.reset_index(drop=True), id_columns, float_ids)
            sheets.append(Sheet(name, frame, _SHEET_TEXT[name]))
    if inputs.trends is not None:
        trends = _ids_as_text(_trends_frame(inputs.trends), id_columns, float_ids)
        sheets.append(Sheet("Trends", trends, _SHEET_TEXT["Trends"]))
    sheets.remove(customer_sheet)
    readme = [
        ("About", "dataset", f"{inputs.dataset_name}: {len(table):,} customers in {len(summary)} segments."),
        (
            "About",
            "layout",
            "Documented in docs/workbook.md of the CardLens project; sheet and column names are stable.",
        ),
        *[("Input", record.input, record.describe()) for record in inputs.provenance],
        *[("Input", "understood", line) for line in inputs.understanding],
        *[("Check", "warning", warning) for warning in inputs.warnings],
        *[("Outcome", "rate per segment", line) for line in inputs.outcome_lines],
        *_dictionary(customers, inputs),
    ]
    return sheets, customer_sheet, readme


PROFILE_SHEETS = ("Summary", "Profiles", "Category profiles")  # the Customers sheet follows these


def _with_customers(sheets: list[Sheet], customers: Sheet) -> list[Sheet]:
    position = sum(sheet.name in PROFILE_SHEETS for sheet in sheets)
    return [*sheets[:position], customers, *sheets[position:]]


def assemble_workbook(inputs: WorkbookInputs) -> bytes:
    """Write the analyst workbook (``.xlsx``) for a run.

    When the customers exceed Excel's 1,048,575 rows, the Customers sheet is left out and the README says
    so; :func:`assemble_export` then ships them as CSV in a zip beside the workbook.

    Raises
    ------
    DataError
        When there is no table or labels, or they do not match.
    """
    sheets, customers, readme = workbook_sheets(inputs)
    if len(customers.frame) + 1 > MAX_EXCEL_ROWS:
        note = ("Note", "Customers", "Too many customers for one sheet: download them as CSV (customers.csv).")
        return build_workbook(sheets, readme_rows=[note, *readme])
    return build_workbook(_with_customers(sheets, customers), readme_rows=readme)


def assemble_export(inputs: WorkbookInputs, *, stem: str = "cardlens_segments") -> Export:
    """Return the workbook, or a zip of the workbook and a CSV of each sheet Excel cannot hold.

    At a million customers both the customer list and the offers (three per customer) pass Excel's rows: each
    such sheet leaves the workbook for ``customers.csv`` / ``offers.csv`` in the zip (:func:`exports_as_zip`
    predicts it from the number of customers, for a download button named before the bytes are built).
    """
    sheets, customers, readme = workbook_sheets(inputs)
    book = _with_customers(sheets, customers)
    overflow = [sheet for sheet in book if len(sheet.frame) + 1 > MAX_EXCEL_ROWS]
    if overflow or exports_as_zip(len(customers.frame)):  # always as predicted: the button's name says .zip
        kept = [sheet for sheet in book if all(sheet is not other for other in overflow)]
        data = build_overflow_export(kept, overflow, readme_rows=readme, workbook_name=f"{stem}.xlsx")
        return Export(data, f"{stem}.zip", "application/zip")
    return Export(build_workbook(book, readme_rows=readme), f"{stem}.xlsx", XLSX_MIME)


OFFERS_PER_CUSTOMER = 3  # rows per customer on the Offers sheet (``top_offers_table``'s default)


def exports_as_zip(customers: int) -> bool:
    """Whether :func:`assemble_export` of ``customers`` customers gives a zip (a sheet passes Excel's rows).

    >>> exports_as_zip(8_950), exports_as_zip(400_000), exports_as_zip(1_100_000)
    (False, True, True)
    """
    return customers * OFFERS_PER_CUSTOMER + 1 > MAX_EXCEL_ROWS
