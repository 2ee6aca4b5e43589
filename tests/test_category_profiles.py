"""Profiles that speak about categories outside core.profiles: the share-bar chart, names, the workbook rows."""

from __future__ import annotations

import io
import json

import layouts
import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from core.charts import profiles as charts
from core.naming import category_tags, name_segments
from core.profiles import profile_segments


@pytest.fixture
def card_table() -> tuple[pd.DataFrame, np.ndarray]:
    """Two segments: the first mostly women on Platinum cards, the second mostly men on Blue ones."""
    table = pd.DataFrame(
        {
            "spend": [100.0, 120.0, 90.0, 110.0, 10.0, 12.0, 9.0, 11.0, 14.0, 8.0],
            "Gender": ["F", "F", "F", "M", "M", "M", "M", "F", "M", "M"],
            "Card_Category": ["Platinum"] * 3 + ["Blue"] * 6 + ["Gold"],
        }
    )
    return table, np.array([0, 0, 0, 0, 1, 1, 1, 1, 1, 1])


def test_share_bars_stack_each_level_per_segment_with_the_portfolio_last(card_table):
    table, labels = card_table
    profiles = profile_segments(table, labels, list(table.columns), categorical=["Gender", "Card_Category"])
    figure = charts.category_share_bars(profiles, "Card_Category", {0: "Premium women", 1: "Everyday"})
    assert figure.layout.barmode == "stack"
    assert [trace.name for trace in figure.data] == ["Blue", "Platinum", "Gold"]  # most common overall first
    blue, platinum, _ = figure.data
    assert list(blue.y) == ["Premium women", "Everyday", charts.PORTFOLIO]
    assert list(platinum.x) == pytest.approx([0.75, 0.0, 0.3])
    assert list(blue.x) == pytest.approx([0.25, 5 / 6, 0.6])
    assert list(platinum.text) == ["75%", "", "30%"]  # shares under 5% stay unlabelled
    assert platinum.customdata[0].tolist() == [3, 250]  # customers, index (75% against 30% overall)
    assert platinum.customdata[2].tolist() == [3, 100]
    for bar in range(3):
        assert sum(trace.x[bar] for trace in figure.data) == pytest.approx(1.0)
    assert figure.layout.title.text.startswith("Card category: share of each level per segment")


def test_share_bars_refuse_a_feature_profiled_as_a_number(card_table):
    table, labels = card_table
    profiles = profile_segments(table, labels, ["spend", "Gender"], categorical=["Gender"])
    with pytest.raises(KeyError):
        charts.category_share_bars(profiles, "spend", {})


def test_names_say_which_levels_a_segment_mostly_holds(card_table):
    table, labels = card_table
    profiles = profile_segments(table, labels, list(table.columns), categorical=["Gender", "Card_Category"])
    names = {s: n.name for s, n in name_segments(profiles).items()}
    assert names[0] == "High spend, mostly Platinum and F (gender)"  # 75% Platinum vs 30%, 75% F vs 40%
    assert names[1].startswith("Low spend, mostly M (gender)")  # 83% M vs 60%; Blue 83% vs 60% too
    assert category_tags(profiles, 1) == ["M (gender)", "Blue"]


def test_names_of_numeric_segments_carry_no_category_words(card_table):
    table, labels = card_table
    profiles = profile_segments(table, labels, ["spend"])
    assert [n.name for n in name_segments(profiles).values()] == ["High spend", "Low spend"]
    assert category_tags(profiles, 0) == []


def _sheet(book, name: str) -> pd.DataFrame:
    rows = list(book[name].values)
    return pd.DataFrame(rows[1:], columns=rows[0])


@pytest.fixture(scope="module")
def churn_run():
    from core import pipeline
    from core.cluster import fit
    from core.io import load_table
    from core.schema import detect_layout, infer_roles

    churn = layouts.bank_churners(n=800)
    frame = load_table(churn.data, churn.filename).frame
    recipe, clean = pipeline.prepare(frame, infer_roles(frame))
    segmentation = fit(clean.matrix, "gower-kmedoids", {"k": 3})
    profiles, names, descriptions = pipeline.profile_and_name(clean, segmentation, detect_layout(frame))
    return pipeline.workbook_inputs(
        dataset_name=churn.filename,
        clean=clean,
        segmentation=segmentation,
        profiles=profiles,
        names=names,
        descriptions=descriptions,
        layout=detect_layout(frame),
        acted=None,
        recipe=recipe,
    )


@pytest.fixture(scope="module")
def churn_book(churn_run):
    from core.workbook import assemble_workbook

    return load_workbook(io.BytesIO(assemble_workbook(churn_run)))


@pytest.mark.slow
def test_the_workbook_has_a_row_per_segment_feature_and_level_with_the_chi_square_tests(churn_run, churn_book):
    book = churn_book
    assert book.sheetnames[:5] == ["README", "Summary", "Profiles", "Category profiles", "Customers"]
    levels = _sheet(book, "Category profiles")
    assert list(levels.columns) == [
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
    profiles = churn_run.profiles
    assert len(levels) == len(profiles.levels)
    assert levels["customers"].sum() == len(churn_run.table) * len(profiles.categorical_features)
    assert set(levels["segment_name"]) == set(churn_run.names.values())
    assert levels.groupby(["segment", "feature"])["share"].sum().round(9).eq(1).all()
    first = levels.iloc[0]  # segment 0, the feature with the largest Cramér's V, its most common level
    assert first["feature"] == profiles.category_tests.index[0]
    assert first["cramers_v"] == pytest.approx(profiles.category_tests["cramers_v"].iloc[0])
    sheet = book["Category profiles"]
    formats = {sheet.cell(1, c).value: sheet.cell(2, c).number_format for c in range(1, sheet.max_column + 1)}
    assert formats["share"] == formats["portfolio_share"] == "0.0%"
    assert (formats["index"], formats["customers"], formats["cramers_v"]) == ("0", "#,##0", "0.000")
    readme = _sheet(book, "README")
    assert "Category profiles" in set(readme["item"])


@pytest.mark.slow
def test_the_recipe_sheet_shows_how_each_category_was_encoded(churn_run, churn_book):
    recipe = _sheet(churn_book, "Recipe")
    encoding = recipe[recipe["kind"] == "category encoding"]
    assert list(encoding["what it did"].str.split(":").str[0]) == list(churn_run.fitted_recipe.categorical)
    card = encoding[encoding["what it did"].str.startswith("Card_Category")].iloc[0]
    assert json.loads(card["params"])["levels"][-1] == "(other)"
    assert "pooled into (other): Platinum" in card["what it did"]  # 0.2% of customers hold Platinum cards


@pytest.mark.slow
def test_a_numeric_table_gets_no_category_sheet_and_no_encoding_rows():
    from core import pipeline
    from core.cluster import fit
    from core.samples import generate_alllife
    from core.schema import infer_roles
    from core.workbook import assemble_workbook

    frame = generate_alllife()
    recipe, clean = pipeline.prepare(frame, infer_roles(frame))
    segmentation = fit(clean.matrix, "kmeans", {"k": 3})
    profiles, names, descriptions = pipeline.profile_and_name(clean, segmentation, "alllife")
    inputs = pipeline.workbook_inputs(
        dataset_name="alllife.csv",
        clean=clean,
        segmentation=segmentation,
        profiles=profiles,
        names=names,
        descriptions=descriptions,
        layout="alllife",
        acted=None,
        recipe=recipe,
    )
    book = load_workbook(io.BytesIO(assemble_workbook(inputs)))
    assert book.sheetnames[:4] == ["README", "Summary", "Profiles", "Customers"]
    assert "category encoding" not in set(_sheet(book, "Recipe")["kind"])


def test_segments_made_of_categories_alone_are_profiled_by_their_levels():
    """credit_record.csv once its month is a period: STATUS is the only feature. The Profiles page crashed."""
    from core.profiles import distinguishing_features, distinguishing_levels

    table = pd.DataFrame({"STATUS": ["C", "C", "0", "0", "X", "X", "C", "1"]})
    labels = np.array([0, 0, 1, 1, 2, 2, 0, 1])
    profiles = profile_segments(table, labels, ["STATUS"], categorical=["STATUS"])
    assert distinguishing_features(profiles, 0, limit=8).empty
    levels = distinguishing_levels(profiles, 0, limit=8)
    assert levels.iloc[0]["level"] == "C" and levels.iloc[0]["share"] == 1.0


def test_the_profiles_page_speaks_of_the_levels_when_no_feature_is_a_number(app):
    from core.io import load_table
    from core.repeated_keys import default_choice, resolve_repeated_keys
    from core.schema import understand
    from pages import _state as state

    layout = layouts.LAYOUTS["credit-approval-record-monthly-status-newest-first"](0)
    app.run()
    app.switch_page("pages/1_Upload.py").run()
    app.get("file_uploader")[0].set_value((layout.filename, layout.data, "text/csv")).run()
    app.switch_page("pages/3_Cluster.py").run()
    app.switch_page("pages/4_Profiles.py").run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.session_state[state.CLEAN].features == ("STATUS",)
    frame = load_table(layout.data, layout.filename).frame
    understood = understand(frame)
    customers = resolve_repeated_keys(frame, "ID", default_choice(understood.roles), roles=understood.roles).frame
    assert len(app.session_state[state.SEGMENTATION].labels) == len(customers) == layout.expect.n_customers
