"""Which column keys the transactions to their customers, when a short card-number column could key them too.

Card issuers and processors export card numbers masked to their last four digits (PCI DSS shows at most the
first six and last four). Past a few thousand customers those four digits collide, so in any stretch of rows
they repeat more than the customer ids do, and in the first rows of a big file sorted by time most customers
appear once. A key chosen by "repeats the most" then merges unrelated customers without a word.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.samples import generate_customers, generate_transactions
from core.schema import understand
from core.transactions import customer_key, infer_transaction_columns, key_candidates, key_choice_note


def issuer_export(
    seed: int = 0, n_customers: int = 20_000, days: int = 30, per_day: float = 0.24, shape: float = 0.6
) -> tuple[pd.DataFrame, int]:
    """An issuer's transaction export sorted by time: masked card number first, then the customer id.

    Each customer has one card (16 random digits, shown as ``************1234``) and a daily rate of card use
    drawn from a gamma distribution of mean ``per_day`` (a small ``shape``: most customers pay a few times a month,
    a few every day; a large one: customers alike). Returns the frame and the true number of customers in it.
    """
    rng = np.random.default_rng(seed)
    ids = np.array([f"CU{v:08d}" for v in rng.choice(100_000_000, n_customers, replace=False)], dtype=object)
    last4 = np.array([f"************{v:04d}" for v in rng.integers(0, 10_000, n_customers)], dtype=object)
    rate = rng.gamma(shape, per_day / shape, n_customers)  # transactions per day
    counts = rng.poisson(rate * days)
    who = np.repeat(np.arange(n_customers), counts)
    seconds = rng.integers(0, days * 86_400, who.size)
    order = np.argsort(seconds, kind="stable")
    who, seconds = who[order], seconds[order]
    frame = pd.DataFrame(
        {
            "Transaction Date": (pd.Timestamp("2026-09-01") + pd.to_timedelta(seconds, "s")).strftime(
                "%Y-%m-%d %H:%M:%S"
            ),
            "Card Number": last4[who],
            "Customer ID": ids[who],
            "Merchant": rng.choice(["Tesco", "Shell", "Amazon", "Netflix", "Uber", "Zara", "IKEA"], who.size),
            "Amount": rng.lognormal(3.4, 1.0, who.size).round(2),
        }
    )
    return frame, int(np.unique(who).size)


@pytest.mark.parametrize(
    ("n_customers", "days"),
    [(20_000, 30), (30_000, 1)],
    ids=["a month of twenty thousand customers", "one day of thirty thousand customers"],
)
def test_the_customer_id_keys_an_issuer_export_not_its_colliding_last_four_digits(n_customers, days):
    frame, true_customers = issuer_export(n_customers=n_customers, days=days)
    assert frame["Card Number"].nunique() < true_customers  # the last four digits collide
    assert infer_transaction_columns(frame).customer == "Customer ID"
    u = understand(frame)
    assert (u.kind, u.key, u.n_customers) == ("transactions", "Customer ID", true_customers)


def test_only_the_first_rows_of_an_issuer_export_still_give_the_customer_id():
    frame, _ = issuer_export(n_customers=200_000, days=3, per_day=0.05, shape=4.0)
    first = frame.head(20_000)  # what python -m core score reads to infer the roles
    assert first["Customer ID"].nunique() > 0.9 * len(first)  # most customers appear once in them
    assert customer_key(first) == "Customer ID"
    assert key_choice_note(first, infer_transaction_columns(first)).startswith(
        f"'Customer ID' was taken as the customer: {first['Customer ID'].nunique():,} customers"
    )


def test_one_month_of_the_generated_portfolio_is_keyed_by_customer_id_not_card_number():
    people = generate_customers(25_000, random_state=3)
    history = generate_transactions(people, n_customers=25_000, months=1, random_state=3)
    true_customers = history["customer_id"].nunique()
    for rows in (history, history.head(20_000)):
        assert infer_transaction_columns(rows).customer == "customer_id"
    u = understand(history)
    assert (u.key, u.n_customers) == ("customer_id", true_customers)
    note = next(note for note in u.notes if "was taken as the customer" in note)
    assert f"'customer_id' was taken as the customer: {true_customers:,} customers" in note
    assert f"'card_number' could be the key too and would give {history['card_number'].nunique():,}" in note


def test_the_load_report_names_the_key_taken_when_another_column_could_key_the_rows():
    frame, true_customers = issuer_export(n_customers=5_000, days=30)
    assert key_candidates(frame) == ("Customer ID", "Card Number")
    lines = "\n".join(understand(frame).lines("export.csv"))
    assert f"{true_customers:,} customers keyed by 'Customer ID'" in lines
    assert "'Customer ID' was taken as the customer" in lines and "--columns customer=COLUMN" in lines
    chosen = understand(frame, columns={"customer": "Card Number"})
    assert chosen.key == "Card Number" and not [n for n in chosen.notes if "was taken as the customer" in n]


def test_a_card_number_paired_one_to_one_with_the_customer_needs_no_note():
    rng = np.random.default_rng(2)
    customer = rng.integers(0, 300, 3_000)
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{c:04d}" for c in customer],
            "card_number": [f"4000 0000 0000 {c:04d}" for c in customer],
            "date": pd.Timestamp("2026-01-01") + pd.to_timedelta(rng.integers(0, 90, 3_000), "D"),
            "amount": rng.gamma(2.0, 20.0, 3_000).round(2),
        }
    )
    columns = infer_transaction_columns(frame)
    assert columns.customer == "customer_id"
    assert key_choice_note(frame, columns) is None


def test_a_customer_table_with_unique_ids_beside_a_card_number_is_still_a_customer_table():
    rng = np.random.default_rng(4)
    n = 3_000
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{i:05d}" for i in range(n)],
            "card_number": [f"************{v:04d}" for v in rng.integers(0, 1_000, n)],
            "opened": (pd.Timestamp("2015-01-01") + pd.to_timedelta(rng.integers(0, 3_000, n), "D")).strftime(
                "%Y-%m-%d"
            ),
            "balance": rng.gamma(2.0, 800.0, n).round(2),
            "purchases": rng.gamma(2.0, 300.0, n).round(2),
        }
    )
    u = understand(frame)
    assert (u.kind, u.key, u.n_customers) == ("customers", "customer_id", n)
    assert "customer_id" not in key_candidates(frame)  # ids that never repeat never key transactions
