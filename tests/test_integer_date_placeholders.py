"""Whole-number dates holding "no date" placeholders, and customer-shaped files that are really transactions.

Bank extracts write dates as ``yyyymmdd`` integers and an open account's end date as ``99991231`` (or ``0`` for
"never"): such columns are dates, the placeholders are missing and reported, like ``9999-12-31`` text already
is. A file whose key repeats a lot but whose date is unreadable is read as a customer table, and the report
says how to read it as transactions instead: on the Upload page ("Read this file as") or with ``--kind``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import schema
from core.io import load_table
from core.transactions import integer_date_placeholders, parse_timestamps
from pages import _state as state

UPLOAD = "pages/1_Upload.py"


def customer_master(seed: int = 0, n: int = 1_200) -> tuple[bytes, pd.DataFrame]:
    """A core-banking customer extract: yyyymmdd integer dates, 99991231 for open accounts, 0 for never reviewed."""
    rng = np.random.default_rng(seed)
    since = pd.Timestamp("2004-01-01") + pd.to_timedelta(rng.integers(0, 7_000, n), unit="D")
    closed = since + pd.to_timedelta(rng.integers(90, 3_000, n), unit="D")
    is_closed = (rng.random(n) < 0.2) & (closed < pd.Timestamp("2024-06-30"))
    reviewed = rng.random(n) < 0.7
    limit = (rng.choice([1, 2, 3, 5, 8], n) * 1_000 * rng.lognormal(0, 0.3, n)).round(-2)
    frame = pd.DataFrame(
        {
            "customer_no": rng.choice(np.arange(10_000_000, 99_999_999), n, replace=False),
            "open_date": since.strftime("%Y%m%d").astype(int),
            "close_date": np.where(is_closed, closed.strftime("%Y%m%d").astype(int), 99991231),
            "last_review_date": np.where(reviewed, (since + pd.Timedelta(days=60)).strftime("%Y%m%d").astype(int), 0),
            "credit_limit": limit,
            "balance": (limit * rng.beta(1.5, 3, n)).round(2),
            "purchases_12m": rng.lognormal(7, 1, n).round(2),
            "transactions_12m": rng.poisson(50, n),
        }
    )
    return frame.to_csv(index=False).encode(), frame


def postings_with_unreadable_dates(seed: int = 1, n: int = 900) -> bytes:
    """A card-postings export keyed by card holder whose posting day is written '+D123' (days since the cycle)."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "holder_id": rng.choice([f"H{i:05d}" for i in range(40)], n),
            "posted": [f"+D{d}" for d in rng.integers(0, 365, n)],
            "value": rng.lognormal(3.4, 0.9, n).round(2),
            "mcc": rng.choice([5411, 5541, 5812, 4111, 5999], n),
        }
    )
    return frame.to_csv(index=False).encode()


@pytest.fixture(scope="module")
def master():
    data, truth = customer_master()
    return load_table(data, "customers.csv").frame, truth


def test_placeholders_are_counted_and_the_columns_still_read_as_whole_number_dates(master):
    frame, truth = master
    open_accounts = int((truth["close_date"] == 99991231).sum())
    assert integer_date_placeholders(frame["close_date"]) == (open_accounts, "99991231")
    never = int((truth["last_review_date"] == 0).sum())
    assert integer_date_placeholders(frame["last_review_date"]) == (never, "0")
    assert integer_date_placeholders(frame["open_date"]) is None
    parsed, how = parse_timestamps(frame["close_date"])
    assert how == "whole numbers written yyyymmdd"
    assert int(parsed.isna().sum()) == open_accounts
    assert parsed.max() < pd.Timestamp("2025-01-01")


def test_the_role_report_keeps_them_out_of_the_features_and_says_they_are_missing(master):
    frame, truth = master
    understood = schema.understand(frame)
    assert understood.kind == "customers" and understood.key == "customer_no"
    roles = understood.roles
    assert {roles[c] for c in ("open_date", "close_date", "last_review_date")} == {"datetime"}
    assert set(understood.features) == {"credit_limit", "balance", "purchases_12m", "transactions_12m"}
    open_accounts = int((truth["close_date"] == 99991231).sum())
    never = int((truth["last_review_date"] == 0).sum())
    lines = understood.lines("customers.csv")
    assert (
        f"- Note: {open_accounts:,} values were placeholders for no date in 'close_date', e.g. 99991231; "
        "treated as missing."
    ) in lines
    assert (
        f"- Note: {never:,} values were placeholders for no date in 'last_review_date', e.g. 0; treated as missing."
        in (lines)
    )
    assert not [line for line in lines if "'open_date'" in line and "placeholder" in line]


def test_a_transaction_file_whose_posting_date_is_sometimes_0_reads_as_transactions():
    rng = np.random.default_rng(3)
    n = 600
    days = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 366, n), unit="D")
    booked = np.where(rng.random(n) < 0.05, 0, days.strftime("%Y%m%d").astype(int))
    frame = pd.DataFrame(
        {"account_id": rng.choice([f"A{i:03d}" for i in range(30)], n), "booking_date": booked, "amount": rng.random(n)}
    )
    understood = schema.understand(load_table(frame.to_csv(index=False).encode(), "postings.csv").frame)
    assert (understood.kind, understood.timestamp) == ("transactions", "booking_date")
    first, last = understood.date_range
    assert pd.Timestamp("2024-01-01") <= first and last <= pd.Timestamp("2024-12-31")
    assert any(
        f"{int((booked == 0).sum()):,} values were placeholders for no date in 'booking_date'" in line
        for line in (understood.lines())
    )


def test_a_customer_shaped_file_with_a_key_that_repeats_says_how_to_read_it_as_transactions():
    frame = load_table(postings_with_unreadable_dates(), "postings.csv").frame
    understood = schema.understand(frame)
    assert understood.kind == "customers" and understood.key == "holder_id"
    note = next(line for line in understood.lines() if "repeats a lot" in line)
    assert "on the Upload page set 'Read this file as' to Transaction table and pick its date column there" in note
    assert note.endswith("or on the command line add --kind transactions --columns timestamp=COLUMN.")


def test_the_upload_page_reads_such_a_file_as_transactions_when_asked(app):
    app.run()
    app.switch_page(UPLOAD).run()
    app.get("file_uploader")[0].set_value(("postings.csv", postings_with_unreadable_dates(), "text/csv")).run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.session_state[state.DATASET].name == "postings.csv"
    app.radio(key="upload__customers_kind").set_value("transactions").run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.session_state[state.DATASET] is None
    assert app.session_state[state.TRANSACTIONS].name == "postings.csv"
    assert app.session_state[state.TX_COLUMNS].customer == "holder_id"
    assert any(w.value.startswith("Pick a column for: Date / time") for w in app.warning)
    assert any("postings.csv is now read as the transaction table." in i.value for i in app.info)
    assert app.radio(key="upload__transactions_kind").value == "transactions"


@pytest.mark.slow  # about 5 s on the shared machine
@settings(max_examples=40, deadline=None)
@given(
    days=st.lists(st.integers(0, 40_000), min_size=1, max_size=40),
    placeholders=st.lists(st.sampled_from([99991231, 99999999, 0, 10101]), max_size=20),
    order=st.randoms(use_true_random=False),
)
def test_placeholders_are_missing_and_every_real_date_is_read(days, placeholders, order):
    dates = (pd.Timestamp("1950-01-01") + pd.to_timedelta(days, unit="D")).strftime("%Y%m%d").astype(int).tolist()
    values = dates + placeholders
    order.shuffle(values)
    column = pd.Series(values)
    parsed, how = parse_timestamps(column)
    assert how == "whole numbers written yyyymmdd"
    assert parsed.isna().tolist() == [value in (99991231, 99999999, 0, 10101) for value in values]
    expected = (len(placeholders), str(next(v for v in values if v in placeholders))) if placeholders else None
    assert integer_date_placeholders(column) == expected


@pytest.mark.parametrize(
    "values",
    [[0, 0, 150, 2_000], [0, 99991231], [0, 0, 125.5, 300.0], [20240131, 20241301]],
    ids=["counts with zeros", "placeholders only", "amounts with zeros", "a month 13"],
)
def test_numbers_that_are_not_dates_stay_numbers(values):
    assert integer_date_placeholders(pd.Series(values)) is None
    assert parse_timestamps(pd.Series(values))[1] != "whole numbers written yyyymmdd"


def _mistype(values: pd.Series, share: float, seed: int) -> tuple[pd.Series, np.ndarray]:
    """Drop the last digit of about ``share`` of the values, as a hand-keyed ``930115`` becomes ``93011``."""
    rng = np.random.default_rng(seed)
    hit = rng.random(len(values)) < share
    return values.where(~hit, values // 10), hit


def test_a_few_mistyped_whole_number_dates_are_unreadable_dates_not_a_reason_to_read_all_as_1970():
    from layouts import LAYOUTS

    from core.transactions import infer_transaction_columns, standardize_transactions

    layout = LAYOUTS["czech-berka-bank-transactions-with-yymmdd-integer-dates"](0)
    frame = load_table(layout.data, layout.filename).frame
    written = frame["date"]
    frame["date"], hit = _mistype(written, 0.01, seed=5)
    assert 0 < hit.sum() < 0.02 * len(frame)
    understood = schema.understand(frame)
    assert (understood.kind, understood.timestamp) == ("transactions", "date")
    canonical, report = standardize_transactions(frame, infer_transaction_columns(frame))
    assert report.timestamp_format == "whole numbers written yymmdd"
    assert report.bad_timestamps_dropped == int(hit.sum())
    truth = pd.to_datetime(written[~hit].astype("str").str.zfill(6), format="%y%m%d")
    assert canonical["timestamp"].min() == truth.min() and canonical["timestamp"].max() == truth.max()


def test_a_customer_date_column_with_a_mistyped_value_stays_a_date_and_out_of_the_features(master):
    frame, _ = master
    frame = frame.copy()
    frame["open_date"], hit = _mistype(frame["open_date"], 0.02, seed=6)
    assert hit.any()
    understood = schema.understand(frame)
    assert understood.roles["open_date"] == "datetime"
    assert "open_date" not in understood.features
    parsed, how = parse_timestamps(frame["open_date"])
    assert how == "whole numbers written yyyymmdd" and int(parsed.isna().sum()) == int(hit.sum())


@pytest.mark.parametrize("mistyped", [0.2, 0.5])
def test_a_column_mostly_not_dates_is_not_read_as_dates(mistyped):
    values, _ = _mistype(
        pd.Series(pd.date_range("2020-01-01", periods=400).strftime("%Y%m%d").astype(int)), mistyped, 7
    )
    assert parse_timestamps(values.rename("date"))[1] != "whole numbers written yyyymmdd"


@pytest.mark.parametrize("unit, scale", [("s", 1), ("ms", 1_000)])
def test_a_transaction_log_dated_in_unix_time_reads_as_transactions_not_as_customers(unit, scale):
    rng = np.random.default_rng(9)
    n = 1_500
    moments = np.sort(rng.integers(1_700_000_000, 1_730_000_000, n))
    frame = pd.DataFrame(
        {
            "account": [f"A{i}" for i in rng.integers(0, 200, n)],
            "timestamp": moments * scale,
            "amount": np.round(rng.gamma(2.0, 30.0, n), 2),
        }
    )
    understood = schema.understand(load_table(frame.to_csv(index=False).encode(), "events.csv").frame)
    assert (understood.kind, understood.key, understood.timestamp) == ("transactions", "account", "timestamp")
    first, last = understood.date_range
    assert (first, last) == tuple(pd.to_datetime([moments.min(), moments.max()], unit="s"))
    assert parse_timestamps(frame["timestamp"])[1] == f"Unix time ({unit})"
