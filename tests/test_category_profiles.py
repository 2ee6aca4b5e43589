"""Profiles that speak about categories outside core.profiles: the share-bar chart, names, the workbook rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

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
