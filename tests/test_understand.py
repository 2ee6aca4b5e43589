"""Understanding a file nobody here wrote: roles from values, table kind, overrides, guards, card masking.

The layouts themselves (public churn tables, bank exports, card transaction files) are in test_layouts.py;
these tests pin the rules one at a time on small literal frames.
"""

import numpy as np
import pandas as pd
import pytest

from core.cards import is_card_column, luhn_valid, mask_card_numbers, mask_card_text, new_mask_key
from core.errors import DataError
from core.guards import outcome_by_segment, positive_outcome, segment_warnings
from core.io import load_table
from core.schema import guess_roles, infer_roles, spreadsheet_mangled, understand
from core.transactions import (
    assemble_timestamps,
    customer_key,
    date_part_columns,
    infer_transaction_columns,
    integer_date_format,
    parse_timestamps,
    standardize_transactions,
)

RNG = np.random.default_rng(7)


def _transactions(n: int = 400, keys: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    days = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 180, n), "D")
    return pd.DataFrame(
        {
            "card_type": rng.choice(["Visa", "Mastercard", "Amex", "Discover"], n),
            "user_id": rng.integers(1000, 1000 + keys, n),
            "transaction_date": days.strftime("%Y-%m-%d"),
            "amount": rng.gamma(2.0, 30.0, n).round(2),
        }
    )


def test_a_user_keyed_file_is_a_transaction_table_keyed_by_user_not_by_card_type():
    u = understand(_transactions())
    assert (u.kind, u.key, u.timestamp, u.amount) == ("transactions", "user_id", "transaction_date", "amount")
    assert u.n_customers == 40
    assert u.features == ()


def test_a_handful_of_small_card_indexes_is_not_a_customer_key():
    frame = _transactions()
    frame = frame.rename(columns={"user_id": "User"}).assign(Card=np.arange(len(frame)) % 4)
    assert customer_key(frame) == "User"


def test_yymmdd_and_yyyymmdd_integers_are_dates_and_never_features():
    assert integer_date_format(pd.Series([930101, 931231, 980615])) == "%y%m%d"
    assert integer_date_format(pd.Series([20240131, 20231201])) == "%Y%m%d"
    assert integer_date_format(pd.Series([20241331])) is None  # month 13
    parsed, description = parse_timestamps(pd.Series([930101, 980615]))
    assert parsed.tolist() == [pd.Timestamp("1993-01-01"), pd.Timestamp("1998-06-15")]
    assert "yymmdd" in description
    opened = (pd.Timestamp("1993-01-01") + pd.to_timedelta(np.arange(60) * 11, "D")).strftime("%y%m%d").astype(int)
    table = pd.DataFrame({"client_no": range(100, 160), "opened": opened, "x": RNG.random(60)})
    u = understand(table)
    assert u.roles["opened"] == "datetime"
    assert "opened" not in u.features


def test_a_date_split_over_year_month_day_and_time_is_one_timestamp():
    frame = pd.DataFrame(
        {"Year": [2019, 2019, 2020], "Month": [9, 12, 2], "Day": [1, 31, 29], "Time": ["06:21", "23:59", "00:00"]}
    )
    assert date_part_columns(frame) == ("Year", "Month", "Day", "Time")
    stamps = assemble_timestamps(frame, ("Year", "Month", "Day", "Time"))
    assert stamps.tolist() == [
        pd.Timestamp("2019-09-01 06:21"),
        pd.Timestamp("2019-12-31 23:59"),
        pd.Timestamp("2020-02-29 00:00"),
    ]
    roles = infer_roles(frame.assign(Amount=[1.0, 2.0, 3.0]))
    assert [roles[c] for c in ("Year", "Month", "Day", "Time")] == ["datetime"] * 4


def test_day_first_dotted_dates_in_a_german_export_are_dates_not_numbers():
    csv = "Buchungsdatum;Konto;Betrag\n" + "".join(
        f"{day:02d}.03.2024;DE{(day % 5):04d};-{day},50\n" for day in range(1, 29)
    )
    frame = load_table(csv.encode("latin-1"), "umsaetze.csv").frame
    u = understand(frame)
    assert (u.kind, u.timestamp, u.amount, u.key) == ("transactions", "Buchungsdatum", "Betrag", "Konto")
    assert u.date_range == (pd.Timestamp("2024-03-01"), pd.Timestamp("2024-03-28"))


def test_a_statement_with_money_in_and_money_out_gets_one_signed_amount():
    frame = pd.DataFrame(
        {
            "Account": ["A-1001", "A-1001", "A-1002", "A-1002"] * 5,
            "Date": ["01/02/2024", "02/02/2024", "03/02/2024", "13/02/2024"] * 5,
            "Money In": [None, 100.0, None, None] * 5,
            "Money Out": [25.5, None, 10.0, 4.0] * 5,
        }
    )
    columns = infer_transaction_columns(frame)
    assert (columns.customer, columns.debit, columns.credit, columns.amount) == (
        "Account",
        "Money Out",
        "Money In",
        None,
    )
    canonical, _ = standardize_transactions(frame, columns)
    assert sorted(canonical["amount"].unique().tolist()) == [-100.0, 4.0, 10.0, 25.5]
    assert canonical["timestamp"].max() == pd.Timestamp("2024-02-13")  # day first


def test_ids_outcomes_and_leaked_scores_never_become_features():
    n = 300
    churned = RNG.random(n) < 0.2
    table = pd.DataFrame(
        {
            "CLIENTNUM": RNG.choice(np.arange(700_000_000, 800_000_000), n, replace=False),
            "Attrition_Flag": np.where(churned, "Attrited Customer", "Existing Customer"),
            "Gender": RNG.choice(["M", "F"], n),
            "EDUCATION": RNG.integers(1, 7, n),
            "Credit_Limit": RNG.gamma(2, 4000, n).round(0),
            "Total_Trans_Ct": RNG.integers(10, 139, n),
            "Naive_Bayes_Classifier_Attrition_Flag_1": np.where(churned, 0.99, 0.01) + RNG.normal(0, 0.001, n),
            "churn_propensity_v2": np.where(churned, 0.9, 0.1) + RNG.normal(0, 0.01, n),
            "months_since_attrition_call": np.where(churned, 1.0, 30.0) + RNG.normal(0, 0.1, n),
        }
    )
    u = understand(table)
    assert u.kind == "customers" and u.key == "CLIENTNUM" and u.outcome == "Attrition_Flag"
    assert u.roles["EDUCATION"] == "categorical"
    assert u.roles["Gender"] == "categorical"
    for column in ("Naive_Bayes_Classifier_Attrition_Flag_1", "churn_propensity_v2", "months_since_attrition_call"):
        assert u.roles[column] == "leakage", column
        assert column in u.excluded
    assert set(u.features) == {"Credit_Limit", "Total_Trans_Ct", "Gender", "EDUCATION"}  # categories take part
    report = "\n".join(u.lines("churn.csv"))
    assert "AUC" in u.excluded["months_since_attrition_call"]
    for column in ("CLIENTNUM", "Attrition_Flag", "churn_propensity_v2"):
        assert column in report


def test_the_user_can_say_which_column_is_what_and_exclude_columns():
    frame = _transactions().rename(columns={"user_id": "who", "transaction_date": "when", "amount": "how_much"})
    u = understand(frame, columns={"customer": "who", "timestamp": "when", "amount": "how_much"})
    assert (u.kind, u.key, u.timestamp, u.amount) == ("transactions", "who", "when", "how_much")
    customers = pd.DataFrame({"cid": range(50), "spend": RNG.random(50), "noise": RNG.random(50)})
    u = understand(customers, columns={"id": "cid"}, exclude=["noise"])
    assert u.key == "cid" and u.features == ("spend",)
    with pytest.raises(DataError, match="'nope'"):
        understand(customers, columns={"customer": "nope"})
    with pytest.raises(DataError, match="Unknown role"):
        understand(customers, columns={"colour": "spend"})
    with pytest.raises(DataError, match="Cannot exclude"):
        understand(customers, exclude=["missing"])


def test_card_numbers_turned_into_scientific_notation_are_flagged_not_trusted():
    assert spreadsheet_mangled(pd.Series(["2.29E+15", "4.12E+15", "3.56E+15"]))
    assert not spreadsheet_mangled(pd.Series([4111111111111111.0, 4012888888881881.0]))
    n = 120
    frame = pd.DataFrame(
        {
            "cc_num": RNG.choice(["2.29E+15", "4.12E+15", "3.56E+15", "6.01E+15"], n),
            "trans_date_trans_time": (pd.Timestamp("2020-01-01") + pd.to_timedelta(np.arange(n), "h")).astype(str),
            "amt": RNG.gamma(2, 20, n).round(2),
        }
    )
    u = understand(load_table(frame.to_csv(index=False).encode(), "fraud.csv").frame)
    assert u.kind == "transactions" and u.key == "cc_num"
    assert any("scientific notation" in line for line in u.lines())


def test_roles_do_not_depend_on_column_order():
    frame = _transactions()
    shuffled = frame[list(reversed(frame.columns))]
    assert guess_roles(frame) == {c: guess_roles(shuffled)[c] for c in frame.columns}
    assert understand(shuffled).key == understand(frame).key


def test_segments_that_reproduce_the_outcome_are_called_out():
    n = 200
    outcome = np.where(np.arange(n) % 4 == 0, "Attrited", "Existing")
    table = pd.DataFrame({"Attrition_Flag": outcome, "spend": np.arange(n, dtype=float)})
    labels = (outcome == "Attrited").astype(int)
    warnings = segment_warnings(table, labels, {"Attrition_Flag": "label", "spend": "amount"}, silhouette=0.1)
    assert any("nearly reproduce 'Attrition_Flag'" in w for w in warnings)
    assert any("Weak structure" in w for w in warnings)
    independent = np.arange(n) % 3
    assert segment_warnings(table, independent, {"Attrition_Flag": "label"}, silhouette=0.6) == []


def test_a_feature_that_determines_the_outcome_is_called_out():
    n = 200
    churned = np.arange(n) % 5 == 0
    table = pd.DataFrame({"churn": churned.astype(int), "score_like": churned * 10.0 + RNG.random(n)})
    warnings = segment_warnings(table, np.arange(n) % 2, {"churn": "label"}, features=["score_like"])
    assert any("'score_like' almost determines the outcome" in w for w in warnings)


def test_outcome_rate_per_segment_reads_as_a_sentence():
    table = pd.DataFrame({"Attrition_Flag": ["Attrited"] * 4 + ["Existing"] * 16})
    labels = [1, 1, 1, 0] + [0] * 13 + [1, 1, 1]
    rates, lines = outcome_by_segment(table, labels, "Attrition_Flag", {0: "Steady", 1: "Leavers"})
    assert rates.set_index("segment")["outcome_rate"].round(3).to_dict() == {0: 0.071, 1: 0.5}
    assert lines[0] == "Attrition_Flag = Attrited: 50% in Leavers vs 20% overall"
    assert positive_outcome(pd.Series([0, 1, 1]))[1] == "1"


def test_masking_looks_at_the_whole_column_not_its_first_rows():
    short = [str(60416207185 + i) for i in range(1500)]  # 11-digit "cards" sort first
    cards = ["4111111111111111", "5500000000000004", "4012888888881881", "378282246310005"] * 500
    column = pd.Series(short + cards, name="cc_num")
    assert is_card_column(column, "cc_num")
    masked, columns = mask_card_numbers(column.to_frame(), key=b"k")
    assert columns == ["cc_num"]
    assert not masked["cc_num"].str.contains(r"\d{8}", regex=True).any()


def test_card_numbers_inside_free_text_are_masked():
    notes = pd.Series(["card 4509 9220 3327 2157 disputed", "order 20240131-77", None])
    masked, count = mask_card_text(notes, key=b"k")
    assert count == (1 if luhn_valid("4509922033272157") else 0)
    if count:
        assert "4509 9220" not in masked[0] and masked[0].startswith("card ************2157-")
    assert masked[1] == "order 20240131-77"


def test_two_sessions_get_different_tokens_for_the_same_card():
    frame = pd.DataFrame({"pan": ["4111111111111111", "5500000000000004"]})
    first, _ = mask_card_numbers(frame, key=new_mask_key())
    second, _ = mask_card_numbers(frame, key=new_mask_key())
    assert first["pan"].str[:16].tolist() == second["pan"].str[:16].tolist()
    assert first["pan"].tolist() != second["pan"].tolist()
    again, _ = mask_card_numbers(frame, key=b"same")
    assert again["pan"].tolist() == mask_card_numbers(frame, key=b"same")[0]["pan"].tolist()


def test_a_customer_table_whose_key_repeats_a_lot_says_how_to_read_it_as_transactions():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {"user_id": rng.integers(0, 50, 500), "when": rng.integers(0, 10**6, 500), "x": rng.random(500)}
    )
    u = understand(frame)
    assert u.kind == "customers"
    assert any("--kind transactions --columns timestamp=COLUMN,amount=COLUMN." in line for line in u.lines())
    assert any(
        "set 'Read this file as' to Transaction table and pick its date column and amount column" in line
        for line in u.lines()
    )
    assert not [line for line in understand(frame, kind="customers").lines() if "--kind" in line]


def test_bank_marketing_outcome_is_y_not_the_customers_credit_default():
    """UCI bank-full: `default` (has credit in default, yes/no) comes before the campaign's outcome `y`."""
    rng = np.random.default_rng(3)
    n = 600
    duration = rng.integers(0, 3000, n) // rng.integers(1, 8, n)
    table = pd.DataFrame(
        {
            "age": rng.integers(18, 95, n),
            "job": rng.choice(["management", "technician", "blue-collar", "retired", "admin."], n),
            "default": rng.choice(["no", "yes"], n, p=[0.98, 0.02]),
            "balance": np.round(rng.normal(1300, 3000, n)).astype(int),
            "housing": rng.choice(["yes", "no"], n),
            "duration": duration,
            "campaign": rng.geometric(0.4, n),
            "y": np.where(rng.random(n) < 1 / (1 + np.exp(-(duration - 600) / 120)), "yes", "no"),
        }
    )
    assert understand(table).outcome == "y"


def test_home_credit_flags_are_facts_about_the_applicant_not_outcomes():
    """Home Credit application_record: FLAG_OWN_CAR (Y/N), FLAG_MOBIL (always 1), FLAG_WORK_PHONE (0/1) ..."""
    rng = np.random.default_rng(5)
    n = 500
    table = pd.DataFrame(
        {
            "ID": rng.choice(np.arange(5_008_804, 5_150_000), n, replace=False),
            "CODE_GENDER": rng.choice(["F", "M"], n),
            "FLAG_OWN_CAR": rng.choice(["Y", "N"], n),
            "FLAG_OWN_REALTY": rng.choice(["Y", "N"], n),
            "AMT_INCOME_TOTAL": rng.lognormal(12, 0.5, n).round(-3),
            "FLAG_MOBIL": np.ones(n, dtype=int),
            "FLAG_WORK_PHONE": rng.integers(0, 2, n),
            "CNT_FAM_MEMBERS": rng.integers(1, 6, n).astype(float),
        }
    )
    u = understand(table)
    assert u.outcome is None
    assert not [column for column, role in u.roles.items() if column.startswith("FLAG_") and role == "label"]


def test_a_code_standing_apart_from_a_number_column_is_pointed_out_in_the_report():
    """Home Credit's DAYS_EMPLOYED (365243 for pensioners) and bank-full's pdays (-1: never contacted)."""
    rng = np.random.default_rng(11)
    n = 800
    pensioner = rng.random(n) < 0.17
    never = rng.random(n) < 0.8
    table = pd.DataFrame(
        {
            "ID": np.arange(5_008_804, 5_008_804 + n),
            "AMT_INCOME_TOTAL": rng.lognormal(12, 0.5, n).round(-3),
            "DAYS_BIRTH": -rng.integers(7_500, 25_000, n),
            "DAYS_EMPLOYED": np.where(pensioner, 365_243, -rng.integers(20, 15_000, n)),
            "pdays": np.where(never, -1, rng.integers(1, 871, n)),
            "balance": np.round(rng.normal(1300, 3000, n)).astype(int),  # negatives are real: no code
        }
    )
    lines = "\n".join(understand(table).lines("application_record.csv"))
    assert f"'DAYS_EMPLOYED' holds 365,243 in {int(pensioner.sum()):,} of the rows read" in lines
    assert f"'pdays' holds -1 in {int(never.sum()):,} of the rows read" in lines
    assert "'balance' holds" not in lines and "'DAYS_BIRTH' holds" not in lines


def test_a_spending_file_with_a_row_index_and_no_customer_is_read_as_keyless_transactions():
    """Kaggle's "Credit Card Transactions in India": index, City, Date (13-Dec-14), Card Type, Exp Type, Gender,
    Amount. The row index is not a customer id: before, it keyed 5,000 one-row "customers"."""
    rng = np.random.default_rng(4)
    n = 600
    cities = ["Bengaluru, India", "Greater Mumbai, India", "Delhi, India", "Hyderabad, India", "Surat, India"]
    dates = pd.Timestamp("2013-10-04") + pd.to_timedelta(rng.integers(0, 600, n), unit="D")
    table = pd.DataFrame(
        {
            "index": range(n),
            "City": rng.choice(cities, n),
            "Date": dates.strftime("%d-%b-%y"),
            "Card Type": rng.choice(["Silver", "Signature", "Platinum", "Gold"], n),
            "Exp Type": rng.choice(["Bills", "Food", "Fuel", "Entertainment", "Grocery", "Travel"], n),
            "Gender": rng.choice(["F", "M"], n, p=[0.53, 0.47]),
            "Amount": rng.integers(1005, 998077, n),
        }
    )
    u = understand(load_table(table.to_csv(index=False).encode(), "india_cc.csv").frame)
    assert (u.kind, u.key, u.timestamp, u.amount) == ("transactions", None, "Date", "Amount")


def test_a_column_named_id_keys_a_monthly_status_history_even_though_it_repeats():
    """Home Credit credit_record.csv: ID, MONTHS_BALANCE (0 to -60), STATUS; every ID over many months. Before,
    ID (repeating) was a segmentation feature and MONTHS_BALANCE an amount: segments "High id" and "Low id"."""
    rng = np.random.default_rng(8)
    ids = rng.choice(np.arange(5_001_711, 5_150_487), 150, replace=False)
    months = rng.integers(1, 40, ids.size)
    table = pd.DataFrame(
        {
            "ID": np.repeat(ids, months),
            "MONTHS_BALANCE": np.concatenate([-np.arange(m) for m in months]),
            "STATUS": rng.choice(["0", "1", "2", "C", "X"], int(months.sum()), p=[0.4, 0.05, 0.01, 0.42, 0.12]),
        }
    )
    u = understand(table)
    assert u.key == "ID" and u.roles["ID"] == "id"
    assert u.roles["MONTHS_BALANCE"] != "amount"
    assert u.roles["MONTHS_BALANCE"] == "datetime"
    # a month of a customer per row, not a transaction: the advice is the latest month, or merging the months
    assert any(note.startswith("each row is a month of a customer (the key 'ID' repeats") for note in u.notes)


def test_a_credits_duration_stays_a_feature_only_a_marketing_calls_length_leaks():
    """Statlog German credit: 'duration' is the credit's term in months, known before the outcome 'class'."""
    rng = np.random.default_rng(4)
    n = 300
    credit = pd.DataFrame(
        {
            "duration": rng.choice([6, 12, 18, 24, 36, 48], n),
            "credit_amount": rng.lognormal(8, 0.7, n).round(),
            "age": rng.integers(19, 75, n),
            "class": rng.choice(["good", "bad"], n, p=[0.7, 0.3]),
        }
    )
    assert understand(credit).roles["duration"] != "leakage"
    calls = credit.assign(campaign=rng.integers(1, 5, n), pdays=999, contact="cellular")
    assert understand(calls).roles["duration"] == "leakage"
