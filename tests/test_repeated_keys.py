"""Every page on real-shaped files with repeated keys, blank keys, and transactions whose ids match no customer.

Issue 17: the real AllLife export has 5 repeated ``Customer Key`` values, and the Recommendations page crashed
on it (``InvalidIndexError`` in ``category_suggestions``). Each case below uploads small seeded files the way a
user does, walks every page, and checks that no page raises and that the workbook still builds.
"""

from __future__ import annotations

import io
from types import SimpleNamespace

import numpy as np
import openpyxl
import pandas as pd
import pytest

from core.recommend import category_suggestions
from core.samples import generate_alllife
from pages import _state as state
from pages import _workbook

PAGES = {
    "Upload": "pages/1_Upload.py",
    "Clean": "pages/2_Clean.py",
    "Cluster": "pages/3_Cluster.py",
    "Profiles": "pages/4_Profiles.py",
    "Recommendations": "pages/5_Recommendations.py",
    "Fraud": "pages/6_Fraud.py",
    "Trends": "pages/7_Trends.py",
}
CATEGORIES = ("groceries", "fuel", "travel", "dining", "online retail", "utilities")


# ---- seeded generators of real-shaped files ----------------------------------------------------------------


def alllife_with_repeated_keys(n: int = 240, repeats: int = 5, random_state: int = 0) -> pd.DataFrame:
    """AllLife-shaped customers in which exactly ``repeats`` keys appear twice (as in the real export)."""
    frame = generate_alllife(n, random_state=random_state)
    rng = np.random.default_rng(random_state)
    keys = rng.choice(np.arange(10_000, 100_000), size=n, replace=False)
    keys[n - repeats :] = keys[:repeats]
    frame["Customer Key"] = keys
    return frame


def alllife_with_blank_keys(n: int = 240, blanks: int = 12, random_state: int = 1) -> pd.DataFrame:
    """AllLife-shaped customers in which ``blanks`` rows have no ``Customer Key`` (and 5 keys repeat)."""
    frame = alllife_with_repeated_keys(n, random_state=random_state)
    rng = np.random.default_rng(random_state)
    keys = frame["Customer Key"].astype("Int64")
    keys.iloc[rng.choice(n, size=blanks, replace=False)] = pd.NA
    frame["Customer Key"] = keys
    return frame


def transactions_for(keys: pd.Series, per_customer: int = 12, random_state: int = 2) -> pd.DataFrame:
    """Card transactions over 2025 for the given customer keys (missing keys get none)."""
    rng = np.random.default_rng(random_state)
    ids = pd.Series(keys).dropna().drop_duplicates().to_numpy()
    customer = np.repeat(ids, per_customer)
    n = len(customer)
    seconds = rng.integers(0, 365 * 24 * 3600, n)
    frame = pd.DataFrame(
        {
            "transaction_id": [f"T{i:07d}" for i in range(1, n + 1)],
            "timestamp": (pd.Timestamp("2025-01-01") + pd.to_timedelta(seconds, unit="s")).strftime(
                "%Y-%m-%d %H:%M:%S"
            ),
            "customer_id": customer,
            "merchant": rng.choice([f"Shop {i}" for i in range(30)], n),
            "category": rng.choice(CATEGORIES, n),
            "channel": rng.choice(["online", "in-store", "ATM"], n),
            "amount": np.round(rng.lognormal(3.5, 0.9, n), 2),
            "is_fraud": (rng.random(n) < 0.01).astype(int),
        }
    )
    return frame.sort_values("timestamp", ignore_index=True)


def transactions_matching_none(random_state: int = 3) -> pd.DataFrame:
    """Transactions whose customer ids (``U000001`` ...) match none of the AllLife keys."""
    keys = pd.Series([f"U{i:06d}" for i in range(1, 81)])
    return transactions_for(keys, random_state=random_state)


def csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode()


def test_generators_make_what_they_promise():
    repeated = alllife_with_repeated_keys()
    assert repeated["Customer Key"].duplicated().sum() == 5
    blank = alllife_with_blank_keys()
    assert blank["Customer Key"].isna().sum() == 12
    assert set(transactions_matching_none()["customer_id"]).isdisjoint(map(str, repeated["Customer Key"]))


# ---- the crash itself ---------------------------------------------------------------------------------------


def test_category_suggestions_take_the_first_segment_of_a_repeated_key_and_ignore_blank_keys():
    # key 1 repeats (segment 0 first, then 1); a blank key and a transaction without a customer belong to nobody
    segment_by_customer = pd.Series([0, 1, 0, 1, 1], index=pd.Index([1, 1, 2, None, 3], dtype="object"))
    tx = pd.DataFrame({"customer_id": ["1", "2", "2", "3", "3", None], "category": ["a", "b", "b", "c", "c", "c"]})
    got = category_suggestions(tx, segment_by_customer, "1")
    # segment 0 = customers 1 and 2: a 1/3, b 2/3 of its transactions; overall (5 with a customer) b = 2/5
    expected = pd.DataFrame(
        {"category": ["b"], "lift": [(2 / 3) / 0.4], "segment_share": [2 / 3], "overall_share": [0.4]}
    )
    pd.testing.assert_frame_equal(got, expected)
    assert category_suggestions(tx, segment_by_customer, None).empty


# ---- every page on those files ----------------------------------------------------------------------------

CASES = {
    "repeated keys + their transactions": lambda: (
        alllife_with_repeated_keys(),
        transactions_for(alllife_with_repeated_keys()["Customer Key"]),
    ),
    "blank keys + their transactions": lambda: (
        alllife_with_blank_keys(),
        transactions_for(alllife_with_blank_keys()["Customer Key"]),
    ),
    "repeated keys + transactions matching none": lambda: (alllife_with_repeated_keys(), transactions_matching_none()),
}


def problems(app) -> list[str]:
    """Each exception the page raised, as its last traceback lines (the message is redacted in the UI)."""
    return [f"{e.value} at " + " | ".join(line.strip() for line in e.stack_trace[-4:]) for e in app.exception]


def workbook_of(app, monkeypatch) -> openpyxl.Workbook:
    """Build the workbook the sidebar button would download, from the AppTest session."""
    monkeypatch.setattr(_workbook, "st", SimpleNamespace(session_state=app.session_state))
    export = _workbook.workbook_bytes(_workbook.collect_state(), memo={})
    return openpyxl.load_workbook(io.BytesIO(export.data))


@pytest.fixture
def error_details():
    """Show tracebacks in AppTest (the deployment's config hides them from users)."""
    from streamlit import config

    before = config.get_option("client.showErrorDetails")
    config.set_option("client.showErrorDetails", "full")
    yield
    config.set_option("client.showErrorDetails", before)


@pytest.mark.usefixtures("error_details")
@pytest.mark.parametrize("case", list(CASES))
def test_every_page_runs_and_the_workbook_builds(app, monkeypatch, case):
    customers, transactions = CASES[case]()
    app.run()
    app.switch_page(PAGES["Upload"]).run()
    app.get("file_uploader")[0].set_value(("alllife.csv", csv(customers), "text/csv")).run()
    app.get("file_uploader")[1].set_value(("transactions.csv", csv(transactions), "text/csv")).run()
    results = {"Upload": problems(app)}
    assert app.session_state[state.DATASET].name == "alllife.csv"
    assert app.session_state[state.TRANSACTIONS].name == "transactions.csv"
    for page, path in list(PAGES.items())[1:]:
        app.switch_page(path).run()
        results[page] = problems(app)
        if page == "Recommendations" and not results[page]:
            repeated = str(customers["Customer Key"][customers["Customer Key"].duplicated()].iloc[0])
            app.text_input(key="recs__query").set_value(repeated).run()
            results[page] = problems(app)
    assert results == {page: [] for page in PAGES}, results
    assert app.session_state[state.SEGMENTATION] is not None
    book = workbook_of(app, monkeypatch)
    assert {"README", "Run", "Customers"} <= set(book.sheetnames), book.sheetnames
    assert book["Customers"].max_row == len(customers) + 1, "every uploaded row, repeated or blank key, is kept"
