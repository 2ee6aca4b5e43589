"""Column roles on both seed layouts and transactions, card masking, and the column profile."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core import schema
from core.cards import luhn_valid, mask_card_numbers
from core.io import load_table, read_path
from core.schema import (
    AMOUNT,
    CARD,
    CATEGORICAL,
    DATETIME,
    FEATURE,
    ID,
    LABEL,
    ROLE_LABELS,
    ROLES,
    TEXT,
    column_profile,
    detect_layout,
    feature_columns,
    id_column,
    infer_roles,
)
from core.transactions import infer_transaction_columns


def alllife_frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 660
    keys = rng.choice(np.arange(11_265, 99_843), size=n, replace=False)
    keys[:5] = keys[5:10]  # the real file repeats five keys
    return pd.DataFrame(
        {
            "Sl_No": np.arange(1, n + 1),
            "Customer Key": keys,
            "Avg_Credit_Limit": rng.choice([3_000, 10_000, 50_000, 100_000], size=n),
            "Total_Credit_Cards": rng.integers(1, 11, size=n),
            "Total_visits_bank": rng.integers(0, 6, size=n),
            "Total_visits_online": rng.integers(0, 16, size=n),
            "Total_calls_made": rng.integers(0, 11, size=n),
        }
    )


def test_roles_are_string_constants_with_plain_labels():
    assert ROLES == ("id", "feature", "amount", "categorical", "datetime", "label", "leakage", "card", "text")
    assert set(ROLE_LABELS) == set(ROLES)
    assert all(" " in label or label[0].isupper() for label in ROLE_LABELS.values())


def test_alllife_layout_has_two_ids_and_no_id_is_a_feature():
    frame = alllife_frame()
    roles = infer_roles(frame)
    assert roles == {
        "Sl_No": ID,
        "Customer Key": ID,
        "Avg_Credit_Limit": AMOUNT,
        "Total_Credit_Cards": FEATURE,
        "Total_visits_bank": FEATURE,
        "Total_visits_online": FEATURE,
        "Total_calls_made": FEATURE,
    }
    assert id_column(roles) == "Customer Key"
    assert feature_columns(roles) == [
        "Avg_Credit_Limit",
        "Total_Credit_Cards",
        "Total_visits_bank",
        "Total_visits_online",
        "Total_calls_made",
    ]
    assert detect_layout(frame) == "alllife"


def test_alllife_loaded_from_csv_reports_its_repeated_keys():
    loaded = load_table(alllife_frame().to_csv(index=False).encode(), "alllife.csv")
    assert loaded.report.id_column == "Customer Key"
    assert loaded.report.duplicate_ids == 5


def test_cc_general_roles(cc_general_path):
    frame = read_path(cc_general_path).frame
    roles = infer_roles(frame)
    assert roles["CUST_ID"] == ID
    assert id_column(roles) == "CUST_ID"
    assert "CUST_ID" not in feature_columns(roles)
    assert len(feature_columns(roles)) == 17
    assert {column for column, role in roles.items() if role == AMOUNT} == {
        "BALANCE",
        "PURCHASES",
        "ONEOFF_PURCHASES",
        "INSTALLMENTS_PURCHASES",
        "CASH_ADVANCE",
        "CREDIT_LIMIT",
        "PAYMENTS",
        "MINIMUM_PAYMENTS",
    }
    assert roles["TENURE"] == roles["PURCHASES_FREQUENCY"] == roles["PRC_FULL_PAYMENT"] == FEATURE
    assert detect_layout(frame) == "cc_general"


def test_sparkov_transactions_load_masked_with_their_roles(sparkov_path):
    loaded = read_path(sparkov_path)
    frame = loaded.frame
    assert frame.shape == (15000, 24)
    assert loaded.report.masked_columns == ("cc_num",)
    assert frame["cc_num"].str.fullmatch(r"\*{12}\d{4}-[0-9a-f]{6}").all()
    assert frame["cc_num"].iloc[0].startswith("************6219-")
    # the keyed token keeps distinct cards distinct: 913 cards, far fewer distinct last-four endings
    assert frame["cc_num"].nunique() == 913
    columns = infer_transaction_columns(frame)
    assert (columns.customer, columns.timestamp, columns.amount, columns.category, columns.label) == (
        "cc_num",
        "trans_date_trans_time",
        "amt",
        "category",
        "is_fraud",
    )
    roles = infer_roles(frame)
    assert roles["cc_num"] == CARD
    assert roles["is_fraud"] == LABEL
    assert roles["trans_date_trans_time"] == roles["dob"] == DATETIME
    assert roles["amt"] == AMOUNT
    assert roles["category"] == CATEGORICAL
    assert roles["Unnamed: 0"] == ID
    assert detect_layout(frame) == "transactions"


def test_generic_roles_from_contents():
    frame = pd.DataFrame(
        {
            "customer_id": ["A1", "A1", "B2", "C3"],
            "opened": ["2024-01-02", "2024-02-03", "2023-12-31", "2024-05-06"],
            "segment": ["gold", "gold", "silver", "gold"],
            "churned": [0, 1, 0, 0],
            "score": [0.1, 0.5, 0.7, 0.2],
            "note": ["called about a fee", "asked for a higher limit", "moved house", "new card"],
        }
    )
    assert infer_roles(frame) == {
        "customer_id": ID,
        "opened": DATETIME,
        "segment": CATEGORICAL,
        "churned": LABEL,
        "score": FEATURE,
        "note": CATEGORICAL,
    }
    assert detect_layout(frame) == "generic"


def test_free_text_with_many_distinct_values_is_text():
    frame = pd.DataFrame({"comment": [f"comment number {i} about things" for i in range(200)]})
    assert infer_roles(frame) == {"comment": TEXT}


def test_row_number_column_is_an_id_even_without_an_id_name():
    frame = pd.DataFrame({"n": np.arange(1, 101), "x": np.linspace(0, 1, 100)})
    assert infer_roles(frame)["n"] == ID


@pytest.mark.parametrize(
    ("number", "valid"),
    [("4111111111111111", True), ("5500000000000004", True), ("340000000000009", True), ("4111111111111112", False)],
    ids=["visa test number", "mastercard test number", "amex test number", "wrong check digit"],
)
def test_luhn(number, valid):
    assert luhn_valid(number) is valid


def test_masking_keeps_last_four_digits_and_masks_every_value_of_a_card_column():
    frame = pd.DataFrame(
        {
            "card": ["4111-1111-1111-1111", "5500 0000 0000 0004", "12345", None],
            "amount": [1.0, 2.0, 3.0, 4.0],
        }
    )
    masked, columns = mask_card_numbers(frame)
    assert columns == ["card"]
    assert masked["card"].iloc[:3].str[:16].tolist() == ["************1111", "************0004", "************2345"]
    assert pd.isna(masked["card"].iloc[3])
    assert frame["card"].iloc[0] == "4111-1111-1111-1111", "the input is not modified"


def test_integer_card_numbers_are_masked_but_ordinary_ids_are_not():
    frame = pd.DataFrame({"pan": [4111111111111111, 5500000000000004], "customer": [10001, 10002]})
    masked, columns = mask_card_numbers(frame)
    assert columns == ["pan"]
    assert masked["pan"].str[:16].tolist() == ["************1111", "************0004"]
    assert masked["customer"].tolist() == [10001, 10002]


def test_numbers_failing_luhn_are_not_masked():
    frame = pd.DataFrame({"account": ["4111111111111112", "4111111111111113", "4111111111111114"]})
    assert mask_card_numbers(frame)[1] == []


def test_column_profile_literal_values():
    frame = pd.DataFrame(
        {
            "id": ["a", "b", "c", "d"],
            "x": [1.0, 2.0, np.nan, 10.0],
            "n": [1, 1, 2, 3],
            "when": pd.to_datetime(["2024-01-01", "2024-01-02", None, "2024-01-04"]),
        }
    )
    profile = column_profile(frame)
    assert profile.columns.tolist() == [
        "column",
        "type",
        "missing %",
        "distinct",
        "min",
        "median",
        "max",
        "distribution",
    ]
    assert profile["column"].tolist() == ["id", "x", "n", "when"]
    assert profile["type"].tolist() == ["text", "number", "whole number", "date / time"]
    assert profile["missing %"].tolist() == [0.0, 25.0, 0.0, 25.0]
    assert profile["distinct"].tolist() == [4, 3, 3, 3]
    assert profile.loc[1, ["min", "median", "max"]].tolist() == [1.0, 2.0, 10.0]
    assert np.isnan(profile.loc[0, "min"])
    assert profile.loc[0, "distribution"] == [1, 1, 1, 1]
    histogram = profile.loc[1, "distribution"]
    assert len(histogram) == 20 and sum(histogram) == 3 and histogram[0] == 1 and histogram[-1] == 1
    assert sum(profile.loc[3, "distribution"]) == 3
    assert schema.column_profile is column_profile


def test_column_profile_of_empty_and_all_missing_columns():
    profile = column_profile(pd.DataFrame({"empty": [np.nan, np.nan]}))
    assert profile.loc[0, "missing %"] == 100.0
    assert profile.loc[0, "distribution"] == []


def test_masked_cards_keep_a_keyed_token_that_separates_equal_endings():
    frame = pd.DataFrame({"pan": ["4111111111111111", "4012888888881881", "4111111111111111", "5555555555554444"]})
    masked, _ = mask_card_numbers(frame)
    values = masked["pan"].tolist()
    assert values[0] == values[2], "the same card keeps the same token"
    assert len(set(values)) == 3
    assert not any("411111111111" in value for value in values)
