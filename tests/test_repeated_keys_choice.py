"""Repeated customer keys resolved as the user chooses: keep every row, keep the last row, or merge (issue 17)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import schema
from core.errors import DataError
from core.io import load_table
from core.repeated_keys import CHOICES, resolve_repeated_keys
from tests.layouts import alllife_customers

# AllLife's five repeated keys are five pairs of different customers, not copies: the sentence says so
DIFFER = (
    ", all of them on rows that differ (in 'Avg_Credit_Limit', 'Total_Credit_Cards', 'Total_visits_bank' and 2 more "
    "columns)"
)
ROLES = {"key": "id", "limit": "amount", "visits": "feature", "region": "categorical", "since": "datetime"}


def table() -> pd.DataFrame:
    """Key A on three rows, B on two, C once, and two rows without a key (missing and blank text)."""
    return pd.DataFrame(
        {
            "key": ["A", "B", "A", None, "C", "B ", "A", "  "],
            "limit": [1000.0, 200.0, np.nan, 50.0, 70.0, 400.0, 3000.0, 9.0],
            "visits": [1, 2, 3, 4, 5, 6, 8, 7],
            "region": ["N", "S", "E", "W", "N", None, "E", "S"],
            "since": [None, "2020-01-01", "2019-05-01", "2018-01-01", "2021-01-01", "2017-01-01", "2016-01-01", None],
        }
    )


@pytest.fixture(scope="module")
def alllife() -> tuple[pd.DataFrame, dict[str, str]]:
    layout = alllife_customers()
    frame = load_table(layout.data, layout.filename).frame
    return frame, schema.understand(frame).roles


def test_keep_leaves_the_table_as_it_is_and_says_what_repeats():
    frame = table()
    got = resolve_repeated_keys(frame, "key", "keep", roles=ROLES)
    assert got.frame is frame
    assert (got.repeated_keys, got.repeated_rows, got.blank_rows, got.times) == (2, 5, 2, ((2, 1), (3, 1)))
    assert got.sentence() == (
        "2 customer keys appeared more than once (5 rows), all of them on rows that differ (in 'limit', 'visits', "
        "'region' and 1 more column); kept, each row as its own customer; 2 rows had no "
        "customer key; kept, each as its own customer: 8 rows -> 8 customers."
    )
    assert got.note() == "repeated keys: kept (2 keys); blank keys: kept (2 rows)"


def test_last_keeps_the_last_row_of_each_key_in_place_and_can_drop_blank_keys():
    got = resolve_repeated_keys(table(), "key", "last", blank_keys="drop")
    expected = table().iloc[[4, 5, 6]].reset_index(drop=True)
    pd.testing.assert_frame_equal(got.frame, expected)
    assert got.sentence() == (
        "2 customer keys appeared more than once (5 rows), all of them on rows that differ (in 'limit', 'visits', "
        "'region' and 1 more column); kept the last row of each; 2 rows had no customer key; "
        "dropped: 8 rows -> 3 customers."
    )
    assert got.note() == "repeated keys: last row kept (2 keys); blank keys: dropped (2 rows)"


def test_merge_averages_numbers_takes_the_common_level_and_the_first_date_at_the_first_row():
    got = resolve_repeated_keys(table(), "key", "merge", roles=ROLES)
    expected = pd.DataFrame(
        {
            "key": ["A", "B", None, "C", "  "],
            "limit": [2000.0, 300.0, 50.0, 70.0, 9.0],  # A: mean of 1000 and 3000, the missing one left out
            "visits": [4.0, 4.0, 4.0, 5.0, 7.0],
            "region": ["E", "S", "W", "N", "S"],  # A: N, E, E -> E; B: S and a missing one -> S
            "since": ["2019-05-01", "2020-01-01", "2018-01-01", "2021-01-01", None],  # first non-missing
        }
    )
    pd.testing.assert_frame_equal(got.frame, expected)
    assert got.customers == 5
    assert got.note() == "repeated keys: merged (2 keys); blank keys: kept (2 rows)"


def test_merge_can_add_numbers_up_when_rows_are_parts_of_one_customer():
    got = resolve_repeated_keys(table(), "key", "merge", roles=ROLES, numbers="sum", blank_keys="drop")
    assert got.frame["limit"].tolist() == [4000.0, 600.0, 70.0]
    assert got.frame["visits"].tolist() == [12, 8, 5]
    assert "(numbers added up)" in got.sentence()


def test_a_tie_between_levels_goes_to_the_one_seen_first():
    frame = pd.DataFrame({"key": [1, 1, 2], "region": ["S", "N", "W"]})
    got = resolve_repeated_keys(frame, "key", "merge", roles={"key": "id", "region": "categorical"})
    assert got.frame["region"].tolist() == ["S", "W"]


@pytest.mark.parametrize(
    ("how", "customers", "sentence"),
    [
        (
            "keep",
            660,
            f"5 customer keys appeared twice{DIFFER}; kept, each row as its own customer: 660 rows -> 660 customers.",
        ),
        ("last", 655, f"5 customer keys appeared twice{DIFFER}; kept the last row of each: 660 rows -> 655 customers."),
        (
            "merge",
            655,
            f"5 customer keys appeared twice{DIFFER}; merged into one row each (numbers averaged): 660 rows -> 655 "
            "customers.",
        ),
    ],
    ids=["keep: every row is a customer", "last: the last row of each key", "merge: one averaged row per key"],
)
def test_the_alllife_layout_with_five_repeated_keys(alllife, how, customers, sentence):
    frame, roles = alllife
    before = frame.copy()
    got = resolve_repeated_keys(frame, schema.id_column(roles), how, roles=roles)
    pd.testing.assert_frame_equal(frame, before)  # the input is never changed
    assert got.key == "Customer Key"
    assert got.customers == customers
    assert got.sentence() == sentence
    assert got.note() == f"repeated keys: {dict(keep='kept', last='last row kept', merge='merged')[how]} (5 keys)"
    if how != "keep":
        assert got.frame["Customer Key"].is_unique
        assert list(got.frame.columns) == list(frame.columns)


def test_merging_alllife_averages_each_behaviour_and_keeps_the_first_serial_number(alllife):
    frame, roles = alllife
    got = resolve_repeated_keys(frame, "Customer Key", "merge", roles=roles).frame
    repeated = frame[frame["Customer Key"].duplicated(keep=False)]
    for key, rows in repeated.groupby("Customer Key"):
        row = got[got["Customer Key"] == key].iloc[0]
        assert row["Sl_No"] == rows["Sl_No"].iloc[0]  # an id is never averaged
        assert row["Avg_Credit_Limit"] == pytest.approx(rows["Avg_Credit_Limit"].mean())
        assert row["Total_calls_made"] == pytest.approx(rows["Total_calls_made"].mean())


def test_numeric_keys_written_with_and_without_decimals_are_one_key():
    frame = pd.DataFrame({"id": [87073.0, 87073.0, 12.0, np.nan], "x": [1.0, 3.0, 5.0, 7.0]})
    got = resolve_repeated_keys(frame, "id", "merge", roles={"id": "id", "x": "feature"})
    assert got.frame["x"].tolist() == [2.0, 5.0, 7.0]
    assert got.sentence() == (
        "1 customer key appeared twice, all of them on rows that differ (in 'x'); merged into one row each (numbers "
        "averaged); 1 row had no customer key; "
        "kept, each as its own customer: 4 rows -> 3 customers."
    )


def test_roles_are_inferred_when_not_given():
    frame = pd.DataFrame({"customer_id": ["C1", "C2", "C1"], "balance": [10.0, 20.0, 30.0]})
    assert resolve_repeated_keys(frame, "customer_id", "merge").frame["balance"].tolist() == [20.0, 20.0]


def test_unique_keys_and_no_key_column_leave_nothing_to_choose():
    frame = pd.DataFrame({"id": ["a", "b"], "x": [1, 2]})
    unique = resolve_repeated_keys(frame, "id", "merge")
    assert unique.frame is frame and not unique.found and unique.note() is None
    assert unique.sentence() == "Every customer key is unique: 2 customers."
    assert (
        resolve_repeated_keys(frame, None, "merge").sentence()
        == "No customer key column: each row is a customer (2 rows)."
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"how": "first"}, "use keep, last or merge"),
        ({"blank_keys": "fill"}, "use keep or drop"),
        ({"numbers": "median"}, "use mean or sum"),
        ({"key": "Customer"}, "not a column of the table"),
    ],
    ids=["an unknown choice", "an unknown blank-key choice", "an unknown way to merge", "a key that is not a column"],
)
def test_bad_choices_are_refused_with_a_sentence(kwargs, message):
    arguments = {"key": "key", **kwargs}
    with pytest.raises(DataError, match=message):
        resolve_repeated_keys(table(), **arguments)


keys = st.lists(st.one_of(st.none(), st.sampled_from(["k1", "k2", "k3", "k4", " k1", ""])), min_size=0, max_size=30)


@settings(max_examples=40, deadline=None)
@given(keys=keys, how=st.sampled_from(CHOICES), blank=st.sampled_from(["keep", "drop"]))
def test_every_key_survives_once_and_the_count_adds_up(keys, how, blank):
    frame = pd.DataFrame({"key": pd.Series(keys, dtype="object"), "x": np.arange(len(keys), dtype="float64")})
    got = resolve_repeated_keys(frame, "key", how, blank_keys=blank, roles={"key": "id", "x": "feature"})
    text = frame["key"].astype("string").str.strip().replace("", pd.NA)
    out = got.frame["key"].astype("string").str.strip().replace("", pd.NA)
    present = set(text.dropna())
    assert set(out.dropna()) == present
    blanks = int(text.isna().sum())
    kept_blanks = blanks if blank == "keep" else 0
    assert int(out.isna().sum()) == kept_blanks
    if how == "keep":
        assert got.customers == len(keys) - blanks + kept_blanks
    else:
        assert out.dropna().is_unique
        assert got.customers == len(present) + kept_blanks
    if how == "merge":
        means = frame.assign(k=text).dropna(subset=["k"]).groupby("k")["x"].mean()
        merged = got.frame.assign(k=out).dropna(subset=["k"]).set_index("k")["x"]
        pd.testing.assert_series_equal(merged.sort_index(), means.sort_index(), check_names=False)
