"""The product against files laid out like real public datasets and bank exports (issue 13).

Each layout in ``tests/layouts.py`` carries what a careful analyst would say about the file (its kind, key,
dates, amount, outcome, leaked model scores, identifiers and categories); these tests hold
:func:`core.schema.understand` and the transaction standardiser to that.
"""

from __future__ import annotations

import re
from functools import cache

import numpy as np
import pandas as pd
import pytest
from layouts import LAYOUTS, Expect, Layout

from core.io import load_table


@cache
def _build(name: str, seed: int = 0) -> Layout | None:
    try:
        return LAYOUTS[name](seed)
    except FileNotFoundError:  # CC GENERAL lives in ../shared/datasets, absent on some laptops
        return None


def _layout(name: str, seed: int = 0) -> Layout:
    layout = _build(name, seed)
    if layout is None:
        pytest.skip(f"{name}: its file in ../shared/datasets is absent (see ../shared/datasets/README.md)")
    return layout


@cache
def _loaded(name: str, seed: int = 0) -> pd.DataFrame | Exception:
    layout = _layout(name, seed)
    try:
        return load_table(layout.data, layout.filename).frame
    except Exception as error:  # remembered, so a file the loader cannot read fails each test at once
        return error


def _frame(name: str, seed: int = 0) -> pd.DataFrame:
    frame = _loaded(name, seed)
    if isinstance(frame, Exception):
        pytest.fail(f"load_table could not read {_layout(name, seed).filename}: {type(frame).__name__}: {frame}")
    return frame


@cache
def _understood(name: str, seed: int = 0):
    from core.schema import understand  # imported here so the file collects while the API is being built

    return understand(_frame(name, seed))


@cache
def _canonical(name: str) -> pd.DataFrame:
    from core.transactions import infer_transaction_columns, standardize_transactions

    frame = _frame(name)
    canonical, _report = standardize_transactions(frame, infer_transaction_columns(frame))
    return canonical


def _expect(name: str) -> Expect:
    return _layout(name).expect


def _known_expectations() -> dict[str, Expect]:
    """Expectations of every layout that can be built here (used to choose which tests apply)."""
    return {name: layout.expect for name in LAYOUTS if (layout := _build(name)) is not None}


EXPECTED = _known_expectations()
ALL = list(LAYOUTS)
TRANSACTIONS = [name for name, e in EXPECTED.items() if e.kind == "transactions"]
COUNTABLE = [name for name in TRANSACTIONS if EXPECTED[name].n_customers is not None and not EXPECTED[name].key_damaged]
DAMAGED_KEY = [name for name in TRANSACTIONS if EXPECTED[name].key_damaged]
DATED = [name for name in TRANSACTIONS if EXPECTED[name].date_min is not None]
LEAKY = [name for name, e in EXPECTED.items() if e.leakage]
WITH_CATEGORIES = [name for name, e in EXPECTED.items() if e.categorical]


def _text(lines: list[str]) -> str:
    return "\n".join(lines)


def _amount_of(understanding, expected: object) -> object:
    """The amount as understood; a (debit, credit) pair when money out and money in are separate columns."""
    if understanding.amount is None and isinstance(expected, tuple):
        columns = getattr(understanding, "transaction_columns", None)
        pair = (getattr(columns, "debit", None), getattr(columns, "credit", None))
        if any(pair):
            return pair
    return understanding.amount


# ------------------------------------------------------------------------------- the layouts themselves


def test_there_are_at_least_fourteen_layouts_and_each_is_named_by_its_key():
    assert len(LAYOUTS) >= 14
    for name in EXPECTED:
        assert _layout(name).name == name


@pytest.mark.parametrize("name", ALL)
def test_every_expected_column_is_in_the_loaded_file(name):
    frame, expect = _frame(name), _expect(name)
    stamps = expect.timestamp if isinstance(expect.timestamp, tuple) else (expect.timestamp,)
    amounts = expect.amount if isinstance(expect.amount, tuple) else (expect.amount,)
    named = {expect.key, expect.outcome, *stamps, *amounts, *expect.leakage, *expect.ids}
    named |= {*expect.categorical, *expect.never_features}
    assert named - {None} <= set(frame.columns)


@pytest.mark.parametrize("name", ALL)
def test_generators_are_deterministic_per_seed(name):
    first, again, other = _layout(name, 0), LAYOUTS[name](0), _layout(name, 1)
    assert first.data == again.data
    if name != "kaggle-cc-general-customers":  # the real file in full does not depend on the seed
        assert first.data != other.data


def test_the_leaked_naive_bayes_score_near_determines_attrition():
    name = "kaggle-bankchurners-with-leaked-naive-bayes-scores"
    frame, expect = _frame(name), _expect(name)
    says_attrited = frame[expect.leakage[0]] > 0.5
    attrited = frame[expect.outcome] == "Attrited Customer"
    assert (says_attrited == attrited).mean() > 0.99
    assert np.allclose(frame[expect.leakage[0]] + frame[expect.leakage[1]], 1, atol=1e-4)


def test_the_spreadsheet_collapsed_several_cardholders_onto_one_card_number():
    name = "sparkov-transactions-whose-card-numbers-excel-turned-into-2.29E+15"
    frame, expect = _frame(name), _expect(name)
    assert frame[expect.key].nunique() < expect.n_customers


# ---------------------------------------------------------------------------------- what is understood


@pytest.mark.parametrize("name", ALL)
def test_kind(name):
    assert _understood(name).kind == _expect(name).kind


@pytest.mark.parametrize("name", ALL)
def test_key(name):
    assert _understood(name).key == _expect(name).key


@pytest.mark.parametrize("name", ALL)
def test_timestamp(name):
    assert _understood(name).timestamp == _expect(name).timestamp


@pytest.mark.parametrize("name", ALL)
def test_amount(name):
    expected = _expect(name).amount
    assert _amount_of(_understood(name), expected) == expected


@pytest.mark.parametrize("name", ALL)
def test_outcome(name):
    assert _understood(name).outcome == _expect(name).outcome


@pytest.mark.parametrize("name", LEAKY)
def test_other_models_outputs_have_the_leakage_role(name):
    roles = _understood(name).roles
    assert {column: roles.get(column) for column in _expect(name).leakage} == dict.fromkeys(
        _expect(name).leakage, "leakage"
    )


@pytest.mark.parametrize("name", ALL)
def test_ids_dates_outcomes_and_leaks_are_never_features(name):
    assert set(_expect(name).never_features) & set(_understood(name).features) == set()


@pytest.mark.parametrize("name", WITH_CATEGORIES)
def test_categories_are_categorical_or_excluded_with_a_reason(name):
    u = _understood(name)
    wrong = {
        column: u.roles.get(column)
        for column in _expect(name).categorical
        if u.roles.get(column) != "categorical" and not str(u.excluded.get(column) or "").strip()
    }
    assert wrong == {}


@pytest.mark.parametrize("name", ALL)
def test_no_column_is_silently_dropped(name):
    u = _understood(name)
    accounted = set(u.features) | set(u.excluded) | set(u.roles)
    assert [column for column in _frame(name).columns if column not in accounted] == []


@pytest.mark.parametrize("name", ALL)
def test_the_report_names_the_kind_the_key_and_every_excluded_column(name):
    u, expect = _understood(name), _expect(name)
    text = _text(u.lines())
    word = r"\btransactions?\b" if expect.kind == "transactions" else r"\bcustomers?\b"
    assert re.search(word, text, flags=re.IGNORECASE), text
    if expect.key is not None:
        assert expect.key in text, text
    assert [column for column in u.excluded if str(column) not in text] == [], text


# ------------------------------------------------------------------------------------ transaction tables


@pytest.mark.parametrize("name", COUNTABLE)
def test_customers_in_the_canonical_frame(name):
    assert _canonical(name)["customer_id"].nunique(dropna=True) == _expect(name).n_customers


@pytest.mark.parametrize("name", DAMAGED_KEY)
def test_a_card_number_ruined_by_a_spreadsheet_is_flagged(name):
    key = _expect(name).key
    flagged = re.compile(r"scientific|E\+\d|spreadsheet|excel|rounded|mangled|precision|digits", re.IGNORECASE)
    lines = _understood(name).lines()
    assert any(key in line and flagged.search(line) for line in lines), _text(lines)


@pytest.mark.parametrize("name", DATED)
def test_date_range_of_the_canonical_frame(name):
    stamps, expect = _canonical(name)["timestamp"], _expect(name)
    assert (stamps.min().normalize(), stamps.max().normalize()) == (
        expect.date_min.normalize(),
        expect.date_max.normalize(),
    )


# ------------------------------------------------------------------------------------- column order


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("name", ALL)
def test_column_order_does_not_change_the_roles(name, seed):
    from core.schema import understand

    frame, before = _frame(name), _understood(name)
    after = understand(frame[list(np.random.default_rng(seed).permutation(frame.columns))])
    assert after.roles == before.roles
    assert (after.kind, after.key, after.timestamp, after.amount, after.outcome) == (
        before.kind,
        before.key,
        before.timestamp,
        before.amount,
        before.outcome,
    )
