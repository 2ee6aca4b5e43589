"""A PaySim-style mobile-money transfer log is read as keyless transactions, never as one-row customers.

Kaggle's PaySim log (``step, type, amount, nameOrig, ..., isFraud, isFlaggedFraud``) has an hour counter for its
time, an origin name that repeats for almost no row, a fraud label and the operator's rule output. Before, it was
read as a customer table keyed by ``nameOrig``: ``step`` and the balances became features and the app segmented
one-row "customers" whose segments reproduced ``type``. The file is the seeded generator of ``layouts.py``.
"""

from __future__ import annotations

import layouts
import numpy as np
import pandas as pd
import pytest

from core import pipeline
from core.__main__ import main
from core.errors import DataError
from core.io import load_table
from core.schema import detect_layout, understand
from core.transactions import infer_transaction_columns, parse_timestamps, standardize_transactions

LAYOUT = layouts.paysim_transfer_log()


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return load_table(LAYOUT.data, LAYOUT.filename).frame


@pytest.fixture(scope="module")
def understood(frame):
    return understand(frame)


def _once_share(frame: pd.DataFrame) -> tuple[int, str]:
    """Rows whose ``nameOrig`` appears in no other row, and their share as the report writes it."""
    counts = frame["nameOrig"].map(frame["nameOrig"].value_counts())
    once = int((counts == 1).sum())
    return once, f"{once / len(frame):.1%}"


def test_it_is_a_transaction_log_with_an_hour_counter_an_amount_a_label_and_a_category(frame, understood):
    assert detect_layout(frame) == "transactions"
    assert (understood.kind, understood.key, understood.timestamp, understood.amount, understood.outcome) == (
        "transactions",
        None,
        "step",
        "amount",
        "isFraud",
    )
    columns = understood.transaction_columns
    assert (columns.customer, columns.label, columns.category) == (None, "isFraud", "type")
    assert understood.roles["step"] == "datetime" and "hours" in understood.guesses["step"].reason
    assert understood.roles["isFlaggedFraud"] == "leakage"  # the operator's rule output, never a feature
    assert understood.roles["isFraud"] == "label"


def test_read_as_customers_on_purpose_the_counter_flag_and_label_are_still_never_features(frame):
    features = set(understand(frame, kind="customers").features)
    assert not features & {"step", "isFraud", "isFlaggedFraud", "nameOrig", "nameDest"}


def test_step_is_read_as_hours_since_the_start_and_the_report_says_so_in_one_sentence(frame, understood):
    hours = pd.to_timedelta(frame["step"], unit="h")
    parsed, description = parse_timestamps(frame["step"])
    assert (parsed == layouts.PAYSIM_START + hours).all()
    assert "hours since the start" in description
    canonical, report = standardize_transactions(frame, understood.transaction_columns)
    assert canonical["timestamp"].max() - canonical["timestamp"].min() == pd.Timedelta(hours=742)
    assert "hours since the start" in report.timestamp_format
    dates = [line for line in understood.lines() if line.startswith("- Dates:")]
    assert len(dates) == 1, understood.lines()
    assert "'step'" in dates[0] and "hours since the start" in dates[0], dates
    assert "calendar start is arbitrary" in dates[0], dates
    assert "30.9 days" in dates[0], dates  # hours 1 to 743


def test_a_chunk_of_late_hours_is_still_hours_not_yymmdd_dates_nor_seconds():
    late = pd.Series(np.repeat(np.arange(101, 131), 3), name="step")  # 101..130 would parse as yymmdd 2000-01-01..
    parsed, description = parse_timestamps(late)
    assert parsed.iloc[0] == layouts.PAYSIM_START + pd.Timedelta(hours=101)
    assert "hours" in description


def test_the_report_says_why_there_is_no_customer_column(frame, understood):
    once, share = _once_share(frame)
    text = "\n".join(understood.lines(LAYOUT.filename))
    assert f"'nameOrig' appears once in {share} of rows ({once:,} of {len(frame):,})" in text, text
    assert "one account" not in text  # a mobile-money log of thousands of senders is not one account's


def test_customers_are_not_segmented_from_one_transaction_each(frame, understood):
    _, share = _once_share(frame)
    canonical = pipeline.canonical_transactions(frame, understood.transaction_columns)
    with pytest.raises(DataError) as refused:
        pipeline.customer_table(None, canonical, "transactions")
    message = str(refused.value)
    assert message.startswith("Customers cannot be segmented: 'nameOrig' appears once in " + share), message
    assert "--columns customer=" in message and "\n" not in message
    with pytest.raises(DataError, match="'nameOrig' appears once"):
        pipeline.run_segment_pipeline(None, frame, tx_columns=understood.transaction_columns, act=False)


def test_the_command_line_refuses_to_segment_in_one_line_and_writes_nothing(tmp_path, capsys):
    path, out = tmp_path / LAYOUT.filename, tmp_path / "segments.xlsx"
    path.write_bytes(LAYOUT.data)
    status = main(["segment", str(path), "--out", str(out)])
    captured = capsys.readouterr()
    assert status == 2
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "'nameOrig' appears once" in lines[0], captured.err
    assert not out.exists()


@pytest.mark.slow
def test_the_command_line_scores_the_transfers_for_fraud_against_is_fraud(tmp_path, capsys):
    path, out = tmp_path / LAYOUT.filename, tmp_path / "fraud"
    path.write_bytes(LAYOUT.data)
    assert main(["fraud", str(path), "--out", str(out)]) == 0
    stdout = capsys.readouterr().out
    assert "hours since the start" in stdout and "'nameOrig' appears once" in stdout


# ---------------------------------------------------------------------------------- other layouts unchanged


def test_transactions_whose_customers_repeat_keep_their_key():
    from core.samples import generate_transactions

    tx = generate_transactions(n_customers=60, random_state=3)
    u = understand(tx)
    assert (u.kind, u.key) == ("transactions", "customer_id")
    assert not any("appears once" in line for line in u.lines())


def test_the_ulb_card_fraud_extract_still_reads_time_as_seconds():
    ulb = layouts.ulb_creditcard_fraud(n=400)
    u = understand(load_table(ulb.data, ulb.filename).frame)
    assert (u.kind, u.key, u.timestamp, u.amount, u.outcome) == ("transactions", None, "Time", "Amount", "Class")
    dates = next(line for line in u.lines() if line.startswith("- Dates:"))
    assert "seconds since the first transaction" in dates and "hours" not in dates


def test_an_hour_counter_named_hour_is_hours_but_an_hour_of_the_day_is_a_date_part():
    rng = np.random.default_rng(5)
    n = 400
    log = pd.DataFrame(
        {"hour": np.sort(rng.integers(0, 500, n)), "amount": rng.lognormal(4, 1, n).round(2), "fraud": 0}
    )
    u = understand(log)
    assert (u.kind, u.timestamp) == ("transactions", "hour")
    assert "hours since the start" in next(line for line in u.lines() if line.startswith("- Dates:"))
    split = pd.DataFrame(
        {"Year": 2024, "Month": 3, "Day": np.sort(rng.integers(1, 29, n)), "Hour": rng.integers(0, 24, n)}
    )
    assert infer_transaction_columns(split.assign(Amount=1.0)).timestamp == ("Year", "Month", "Day", "Hour")


def test_a_step_column_that_is_not_a_running_counter_stays_a_measure():
    rng = np.random.default_rng(6)
    funnel = pd.DataFrame(
        {
            "customer_id": [f"K{i:05d}" for i in range(300)],
            "step": rng.integers(1, 60, 300),
            "balance": rng.lognormal(7, 1, 300).round(2),
        }
    )
    u = understand(funnel)
    assert u.kind == "customers" and u.roles["step"] == "feature"


# ---------------------------------------------------------------------------------------------------- the app


def test_the_cluster_page_says_in_one_sentence_why_it_cannot_segment(app):
    app.run()
    app.switch_page("pages/1_Upload.py").run()
    app.get("file_uploader")[0].set_value((LAYOUT.filename, LAYOUT.data, "text/csv")).run()
    assert not app.exception, [e.value for e in app.exception]
    report = "\n".join(text.value for text in app.text)
    assert "A transaction table" in report and "hours since the start" in report, report
    app.switch_page("pages/3_Cluster.py").run()
    assert not app.exception, [e.value for e in app.exception]
    errors = [e.value.replace("\\", "") for e in app.error]  # the page escapes Markdown (":" is written "\\:")
    assert any(e.startswith("Customers cannot be segmented: 'nameOrig' appears once") for e in errors), errors
    assert not app.get("plotly_chart"), "no segments of one-row customers are drawn"
