"""Money in is not a refund: bill payments to a card, salary and transfers in are left out of spend.

Card statement exports carry the card's bill payments as credits ("AUTOPAY PAYMENT - THANK YOU"; Chase's ``Type``
column says Payment; Capital One's Category says Payment/Credit) and bank account exports carry salary and
transfers in ("Lohn/Gehalt", "Gutschrift", "Überweisung"). Read as refunds, a bill payment made a customer who pays
in full look like a non-spender, and a salary made a month's spend negative and filled the fraud alerts. Returns
(money back from a merchant) are still netted from spend.

Each generator below writes a public export layout, seeded, with the truth of every row beside it:

- Chase credit card: ``Transaction Date,Post Date,Description,Category,Type,Amount,Memo``; sales negative,
  payments and returns positive; one card per file;
- American Express: ``Date,Description,Card Member,Account #,Amount``; charges positive, payments and credits
  negative;
- Capital One: ``Transaction Date,Posted Date,Card No.,Description,Category,Debit,Credit``: charges in Debit,
  payments and returns in Credit, both positive;
- a German current-account export: ``Auftragskonto;Buchungstag;Buchungstext;Verwendungszweck;Betrag`` with
  decimal commas, spending negative, salary, transfers in and merchant refunds positive.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
import pytest

from core.features import customer_features
from core.fraud import score_transaction_file, score_transactions
from core.io import load_table
from core.schema import understand
from core.transactions import infer_transaction_columns, standardize_transactions
from core.trends import aggregate

PURCHASE, RETURN, PAYMENT, SALARY, TRANSFER = "purchase", "return", "payment", "salary", "transfer"
MONEY_IN_KINDS = (PAYMENT, SALARY, TRANSFER)


@dataclass(frozen=True)
class Export:
    """A file as a bank writes it, and per row of it: customer, day, kind and the spend (positive = money out)."""

    name: str
    data: bytes
    filename: str
    truth: pd.DataFrame  # customer, day, kind, spend; aligned with the file's rows


def _days(rng: np.random.Generator, n: int, start: str = "2024-01-01", days: int = 181) -> pd.Series:
    return pd.Series(pd.Timestamp(start) + pd.to_timedelta(rng.integers(0, days, size=n), unit="D"))


def _card_rows(rng: np.random.Generator, customers: list[str], months: int = 6) -> pd.DataFrame:
    """Purchases, a few returns, and one bill payment per customer and month paying the month's balance."""
    rows = []
    for customer in customers:
        for month in range(months):
            start = pd.Timestamp("2024-01-01") + pd.DateOffset(months=month)
            n = int(rng.integers(4, 12))
            spend = rng.lognormal(3.3, 0.8, size=n).round(2)
            for day, value in zip(rng.integers(0, 27, size=n), spend, strict=True):
                rows.append((customer, start + pd.Timedelta(days=int(day)), PURCHASE, float(value)))
            if rng.random() < 0.35:  # a return of part of one purchase
                back = round(float(spend[0]) * float(rng.uniform(0.3, 1.0)), 2)
                rows.append((customer, start + pd.Timedelta(days=int(rng.integers(0, 27))), RETURN, -back))
            paid = round(float(spend.sum()) * float(rng.uniform(0.9, 1.0)), 2)  # pays (nearly) in full
            rows.append((customer, start + pd.Timedelta(days=27), PAYMENT, -paid))
    truth = pd.DataFrame(rows, columns=["customer", "day", "kind", "spend"])
    return truth.sort_values(["customer", "day"], kind="stable").reset_index(drop=True)


_MERCHANTS = (
    ("WHOLEFDS MKT 10234", "Groceries"),
    ("SHELL OIL 57442", "Gas"),
    ("AMAZON MKTPL*2K4LL", "Shopping"),
    ("STARBUCKS STORE 0815", "Food & Drink"),
    ("UNITED 0162334", "Travel"),
    ("TARGET 00028", "Shopping"),
)


def chase_card(seed: int = 0) -> Export:
    """Chase credit card activity download of one card (no card column: one account)."""
    rng = np.random.default_rng(seed)
    truth = _card_rows(rng, ["card"])
    merchant = rng.integers(0, len(_MERCHANTS), size=len(truth))
    kind = truth["kind"].to_numpy()
    description = np.where(
        kind == PAYMENT,
        rng.choice(["AUTOMATIC PAYMENT - THANK", "Payment Thank You-Mobile", "Payment Thank You - Web"], len(truth)),
        [_MERCHANTS[m][0] for m in merchant],
    )
    frame = pd.DataFrame(
        {
            "Transaction Date": truth["day"].dt.strftime("%m/%d/%Y"),
            "Post Date": (truth["day"] + pd.Timedelta(days=1)).dt.strftime("%m/%d/%Y"),
            "Description": description,
            "Category": np.where(kind == PAYMENT, "", [_MERCHANTS[m][1] for m in merchant]),
            "Type": np.select([kind == PAYMENT, kind == RETURN], ["Payment", "Return"], "Sale"),
            "Amount": (-truth["spend"]).map("{:.2f}".format),  # Chase: sales negative, credits positive
            "Memo": "",
        }
    )
    frame = frame.iloc[::-1].reset_index(drop=True)  # newest first, as downloaded
    return Export("chase", frame.to_csv(index=False).encode(), "Chase1234_Activity.CSV", _reversed(truth))


def _reversed(truth: pd.DataFrame) -> pd.DataFrame:
    return truth.iloc[::-1].reset_index(drop=True)


def amex_card(seed: int = 0) -> Export:
    """American Express activity of several card members: charges positive, payments and credits negative."""
    rng = np.random.default_rng(seed)
    members = [f"MEMBER {i}" for i in range(12)]
    truth = _card_rows(rng, members)
    accounts = {member: f"-{31000 + 7 * i}" for i, member in enumerate(members)}
    merchant = rng.integers(0, len(_MERCHANTS), size=len(truth))
    kind = truth["kind"].to_numpy()
    description = np.where(
        kind == PAYMENT,
        rng.choice(
            ["AUTOPAY PAYMENT - THANK YOU", "ONLINE PAYMENT - THANK YOU", "MOBILE PAYMENT - THANK YOU"], len(truth)
        ),
        [_MERCHANTS[m][0] for m in merchant],
    )
    frame = pd.DataFrame(
        {
            "Date": truth["day"].dt.strftime("%m/%d/%Y"),
            "Description": description,
            "Card Member": truth["customer"],
            "Account #": truth["customer"].map(accounts),
            "Amount": truth["spend"].map("{:.2f}".format),  # Amex: charges positive, credits negative
        }
    )
    truth = truth.assign(customer=truth["customer"].map(accounts))
    return Export("amex", frame.to_csv(index=False).encode(), "activity.csv", truth)


def capital_one_card(seed: int = 0) -> Export:
    """Capital One download of several cards: charges in Debit, payments and returns in Credit."""
    rng = np.random.default_rng(seed)
    cards = [str(v) for v in rng.choice(np.arange(1000, 9999), size=10, replace=False)]
    truth = _card_rows(rng, cards)
    merchant = rng.integers(0, len(_MERCHANTS), size=len(truth))
    kind = truth["kind"].to_numpy()
    payment = kind == PAYMENT
    frame = pd.DataFrame(
        {
            "Transaction Date": truth["day"].dt.strftime("%Y-%m-%d"),
            "Posted Date": (truth["day"] + pd.Timedelta(days=1)).dt.strftime("%Y-%m-%d"),
            "Card No.": truth["customer"],
            "Description": np.where(
                payment,
                rng.choice(["CAPITAL ONE MOBILE PYMT", "CAPITAL ONE AUTOPAY PYMT"], len(truth)),
                [_MERCHANTS[m][0] for m in merchant],
            ),
            "Category": np.where(payment, "Payment/Credit", [_MERCHANTS[m][1] for m in merchant]),
            "Debit": [f"{v:.2f}" if v > 0 else "" for v in truth["spend"]],
            "Credit": [f"{-v:.2f}" if v < 0 else "" for v in truth["spend"]],
        }
    )
    return Export("capital-one", frame.to_csv(index=False).encode(), "2024-06-30_transaction_download.csv", truth)


_DE_SPEND = (
    ("KARTENZAHLUNG", "REWE SAGT DANKE 4711", 45.0),
    ("KARTENZAHLUNG", "ARAL STATION 0815", 60.0),
    ("KARTENZAHLUNG", "ZALANDO SE", 70.0),
    ("LASTSCHRIFT", "Stadtwerke Abschlag", 95.0),
    ("LASTSCHRIFT", "Telekom Deutschland GmbH", 40.0),
    ("DAUERAUFTRAG", "Miete Wohnung", 900.0),
)


def _german_amount(value: float) -> str:
    text = f"{value:,.2f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def german_account(seed: int = 0) -> Export:
    """German current-account export of several accounts: spending negative, salary and credits positive."""
    rng = np.random.default_rng(seed)
    accounts = [f"DE{v:020d}" for v in rng.choice(10**9, size=8, replace=False)]
    rows = []
    for account in accounts:
        salary = float(rng.uniform(2_200, 4_800))
        for month in range(6):
            start = pd.Timestamp("2024-01-01") + pd.DateOffset(months=month)
            rows.append((account, start + pd.Timedelta(days=int(rng.integers(25, 28))), SALARY, -salary, 0))
            for _ in range(int(rng.integers(8, 16))):
                item = int(rng.integers(0, len(_DE_SPEND)))
                value = _DE_SPEND[item][2] * float(rng.uniform(0.97, 1.03) if item == 5 else rng.lognormal(0, 0.5))
                rows.append((account, start + pd.Timedelta(days=int(rng.integers(0, 28))), PURCHASE, value, item))
            if rng.random() < 0.5:
                rows.append(
                    (
                        account,
                        start + pd.Timedelta(days=int(rng.integers(0, 28))),
                        TRANSFER,
                        -float(rng.uniform(20, 400)),
                        0,
                    )
                )
            if rng.random() < 0.3:
                rows.append(
                    (
                        account,
                        start + pd.Timedelta(days=int(rng.integers(0, 28))),
                        RETURN,
                        -float(rng.uniform(15, 60)),
                        2,
                    )
                )
    truth = pd.DataFrame(rows, columns=["customer", "day", "kind", "spend", "item"])
    truth["spend"] = truth["spend"].round(2)
    truth = truth.sort_values(["customer", "day"], kind="stable").reset_index(drop=True)
    kind = truth["kind"].to_numpy()
    text = np.select(
        [kind == SALARY, kind == TRANSFER, kind == RETURN],
        ["GUTSCHRIFT", "GUTSCHR. UEBERWEISUNG", "GUTSCHRIFT"],
        [_DE_SPEND[i][0] for i in truth["item"]],
    )
    text = np.where((kind == SALARY) & (rng.random(len(truth)) < 0.5), "LOHN, GEHALT, RENTE", text)
    purpose = np.select(
        [kind == SALARY, kind == TRANSFER, kind == RETURN],
        [
            "Gehalt " + truth["day"].dt.strftime("%m/%Y") + " Muster GmbH",
            "Max Mustermann Danke fuers Essen",
            "Erstattung Retoure ZALANDO SE",
        ],
        [_DE_SPEND[i][1] for i in truth["item"]],
    )
    frame = pd.DataFrame(
        {
            "Auftragskonto": truth["customer"],
            "Buchungstag": truth["day"].dt.strftime("%d.%m.%y"),
            "Buchungstext": text,
            "Verwendungszweck": purpose,
            "Betrag": [_german_amount(-v) for v in truth["spend"]],  # money out negative
            "Waehrung": "EUR",
        }
    )
    data = frame.to_csv(index=False, sep=";").encode("latin-1")
    return Export("german-account", data, "umsatz.CSV", truth.drop(columns="item"))


EXPORTS = {"chase": chase_card, "amex": amex_card, "capital-one": capital_one_card, "german-account": german_account}
CUSTOMER_KEY = {"chase": None, "amex": "Account #", "capital-one": "Card No.", "german-account": "Auftragskonto"}


@cache
def _export(name: str) -> Export:
    return EXPORTS[name](0)


@cache
def _frame(name: str) -> pd.DataFrame:
    export = _export(name)
    return load_table(export.data, export.filename).frame


@cache
def _standardized(name: str):
    frame = _frame(name)
    return standardize_transactions(frame, infer_transaction_columns(frame))


def _truth(name: str) -> pd.DataFrame:
    truth = _export(name).truth
    if CUSTOMER_KEY[name] is None:
        return truth.assign(customer="(one account)")
    return truth.assign(customer=truth["customer"].astype(str))


# ------------------------------------------------------------------------------------ reading the layouts


@pytest.mark.parametrize("name", EXPORTS)
def test_the_layout_is_read_as_transactions_keyed_by_its_card_or_account(name):
    columns = infer_transaction_columns(_frame(name))
    assert columns.customer == CUSTOMER_KEY[name]
    canonical, _ = _standardized(name)
    assert len(canonical) == len(_export(name).truth)


def test_capital_ones_debit_and_credit_columns_read_as_one_signed_amount():
    frame = _frame("capital-one")
    columns = infer_transaction_columns(frame)
    assert (columns.amount, columns.debit, columns.credit) == (None, "Debit", "Credit")
    canonical, report = _standardized("capital-one")
    debit = pd.to_numeric(frame["Debit"], errors="coerce").fillna(0.0)
    credit = pd.to_numeric(frame["Credit"], errors="coerce").fillna(0.0)
    by_row = canonical.set_index("row").sort_index()["amount"]
    assert np.allclose(by_row.to_numpy(), (debit - credit).to_numpy())
    assert np.allclose(by_row.to_numpy(), _truth("capital-one")["spend"].to_numpy())
    assert any("'Debit'" in note and "'Credit'" in note and "one signed amount" in note for note in report.notes)
    lines = "\n".join(understand(frame).lines())
    assert "money out 'Debit' minus money in 'Credit'" in lines


@pytest.mark.parametrize("name", EXPORTS)
def test_exactly_the_payments_salary_and_transfers_are_money_in(name):
    canonical, report = _standardized(name)
    truth = _truth(name).iloc[canonical["row"].to_numpy()].reset_index(drop=True)
    expected = truth["kind"].isin(MONEY_IN_KINDS).to_numpy()
    assert canonical["is_money_in"].to_numpy().tolist() == expected.tolist()
    assert report.money_in == int(expected.sum())
    # a refund is money back from a merchant: still a credit, never money in
    assert (canonical.loc[truth["kind"].eq(RETURN).to_numpy(), "amount"] < 0).all()


# ---------------------------------------------------------------------------------------- customer features


def _expected_features(name: str) -> pd.DataFrame:
    truth = _truth(name)
    spent = truth.loc[truth["kind"] == PURCHASE].groupby("customer")["spend"]
    returned = truth.loc[truth["kind"] == RETURN].groupby("customer")["spend"]
    customers = sorted(truth["customer"].unique())
    return pd.DataFrame(
        {
            "frequency": spent.size().reindex(customers, fill_value=0),
            "purchases": spent.sum().reindex(customers, fill_value=0.0),
            "returns": -returned.sum().reindex(customers, fill_value=0.0),
            "refund_count": returned.size().reindex(customers, fill_value=0),
        }
    )


@pytest.mark.parametrize("name", EXPORTS)
def test_a_customer_who_pays_the_bill_has_spend_equal_to_purchases_minus_returns(name):
    features = customer_features(_standardized(name)[0]).set_index("customer_id")
    expected = _expected_features(name).reindex(features.index)
    assert np.allclose(features["monetary"], expected["purchases"] - expected["returns"])
    assert features["frequency"].tolist() == expected["frequency"].tolist()
    assert features["refund_count"].tolist() == expected["refund_count"].tolist()
    assert np.allclose(features["avg_ticket"], expected["purchases"] / expected["frequency"])
    assert (features["monetary"] > 0).all()  # nobody who pays in full or earns a salary is a non-spender


def test_salary_counts_neither_as_spend_nor_as_activity_share():
    features = customer_features(_standardized("german-account")[0])
    truth = _truth("german-account")
    purchases = truth.loc[truth["kind"] == PURCHASE, "spend"]
    assert features["monetary"].sum() == pytest.approx(
        purchases.sum() - (-truth.loc[truth["kind"] == RETURN, "spend"].sum())
    )
    cat = features.filter(like="cat_")
    assert cat.empty or ((cat >= 0) & (cat <= 1)).all().all()


# ------------------------------------------------------------------------------------------------- trends


@pytest.mark.parametrize("name", EXPORTS)
def test_monthly_spend_in_trends_is_purchases_minus_returns(name):
    canonical, _ = _standardized(name)
    long = aggregate(canonical, freq="MS", metrics=["spend", "transactions", "avg_ticket"], complete_periods_only=False)
    overall = long.loc[long["segment"] == "All customers"].pivot(index="period", columns="metric", values="value")
    truth = _truth(name)
    truth = truth.assign(period=truth["day"].dt.to_period("M").dt.start_time)
    kept = truth.loc[truth["kind"].isin([PURCHASE, RETURN])]
    spend = kept.groupby("period")["spend"].sum().reindex(overall.index, fill_value=0.0)
    count = truth.loc[truth["kind"] == PURCHASE].groupby("period").size().reindex(overall.index, fill_value=0)
    assert np.allclose(overall["spend"], spend)
    assert overall["transactions"].tolist() == count.astype(float).tolist()
    assert (overall["spend"] > 0).all()  # a salary month is never a month of negative spend


# -------------------------------------------------------------------------------------------------- fraud


@pytest.mark.parametrize("name", EXPORTS)
def test_money_in_is_never_a_fraud_alert(name):
    canonical, _ = _standardized(name)
    scored = score_transactions(canonical, budget=100)
    money_in = canonical["is_money_in"].to_numpy()
    assert scored["flagged"].sum() == min(100, int((~money_in).sum()))
    assert not scored.loc[money_in, "flagged"].any()
    assert scored.loc[money_in, "score"].isna().all()
    assert scored.loc[~money_in, "score"].notna().all()
    assert scored.loc[money_in, "reasons"].str.startswith("not scored: money in").all()
    assert any("money in" in note for note in scored.attrs["notes"])


def test_the_fraud_score_of_spending_ignores_the_salary_rows():
    """Money-in rows neither get a score nor shape the history spending is compared with."""
    canonical, _ = _standardized("german-account")
    spending = canonical.loc[~canonical["is_money_in"]].drop(columns="is_money_in")
    alone = score_transactions(spending, budget=50)
    mixed = score_transactions(canonical, budget=50).loc[spending.index]
    pd.testing.assert_series_equal(mixed["score"], alone["score"])
    assert mixed["flagged"].tolist() == alone["flagged"].tolist()


def test_a_scored_file_says_why_the_salary_rows_were_not_scored():
    frame = _frame("german-account")
    out = score_transaction_file(frame, infer_transaction_columns(frame), budget=40)
    truth = _truth("german-account")
    salary = truth["kind"].isin(MONEY_IN_KINDS).to_numpy()
    assert out.loc[salary, "reasons"].str.startswith("not scored: money in").all()
    assert not out.loc[salary, "flagged"].any() and out["flagged"].sum() == 40


# ------------------------------------------------------------------------------------------------- report

_SENTENCE = re.compile(r"(\d[\d,]*) of the (\d[\d,]*) credits were read as money in")


@pytest.mark.parametrize(
    ("name", "how"),
    [
        ("chase", ["'Type'", "Payment"]),
        ("amex", ["'Description'", "PAYMENT - THANK YOU"]),
        ("capital-one", ["'Category'", "Payment/Credit"]),
        ("german-account", ["'Buchungstext'", "GUTSCHR. UEBERWEISUNG"]),
    ],
)
def test_the_load_report_says_how_many_rows_are_money_in_and_how_they_were_recognised(name, how):
    truth = _truth(name)
    money_in = int(truth["kind"].isin(MONEY_IN_KINDS).sum())
    credits = int((truth["spend"] < 0).sum())
    for text in ("\n".join(understand(_frame(name)).lines()), "\n".join(_standardized(name)[1].notes)):
        sentences = [line for line in text.splitlines() if _SENTENCE.search(line)]
        assert len(sentences) == 1, text
        found = _SENTENCE.search(sentences[0])
        assert (int(found[1].replace(",", "")), int(found[2].replace(",", ""))) == (money_in, credits)
        for words in how:
            assert words in sentences[0]
        assert "refund" in sentences[0]


def test_a_file_without_money_in_says_nothing_about_it():
    frame = pd.DataFrame(
        {
            "customer_id": ["a", "b"] * 4,
            "date": pd.date_range("2024-01-01", periods=8, freq="D"),
            "amount": [25.0, 12.5, -12.5, 80.0, 3.2, -7.0, 19.99, 4.0],
            "merchant": ["Shop", "Cafe", "Shop", "Air", "Cafe", "Shop", "Air", "Cafe"],
        }
    )
    canonical, report = standardize_transactions(frame, infer_transaction_columns(frame))
    assert not canonical["is_money_in"].any() and report.money_in == 0
    assert not any("money in" in note for note in report.notes)
    assert not any(_SENTENCE.search(line) for line in understand(frame).lines())


def test_the_words_are_data_another_language_is_a_row(tmp_path, monkeypatch):
    import pyarrow as pa
    import pyarrow.compute as pc

    from core import money_in
    from core.transactions import TransactionColumns

    table = money_in.vocabulary()
    assert {"kind", "match", "pattern", "language", "example"} <= set(table.columns)
    assert {"money_in", "refund"} == set(table["kind"]) and {"value", "words"} == set(table["match"])
    for pattern in table["pattern"]:  # every row is an RE2 expression (as pyarrow runs them)
        pc.match_substring_regex(pa.array(["x"]), pattern, ignore_case=True)
    rows = pd.DataFrame({"Opis": ["WYNAGRODZENIE ZA MARZEC", "ZWROT TOWARU"], "Typ": ["", ""]})
    columns = TransactionColumns(description="Opis")
    assert money_in.read_money_in(rows, columns, [True, True]).mask.tolist() == [False, False]
    polish = tmp_path / "money_in_words.csv"
    extra = "money_in,words,\\bwynagrodzenie\\b,pl,WYNAGRODZENIE ZA MARZEC\n"
    polish.write_text(money_in._WORDS_CSV.read_text(encoding="utf-8") + extra, encoding="utf-8")
    monkeypatch.setattr(money_in, "_WORDS_CSV", polish)
    money_in.vocabulary.cache_clear()
    money_in._patterns.cache_clear()
    try:
        assert money_in.read_money_in(rows, columns, [True, True]).mask.tolist() == [True, False]
    finally:
        money_in.vocabulary.cache_clear()
        money_in._patterns.cache_clear()


def test_a_bare_gutschrift_in_free_text_stays_a_refund():
    """'Gutschrift' in a purpose text only says that money came back (a merchant's credit note)."""
    frame = pd.DataFrame(
        {
            "Kundennummer": ["1001", "1002"] * 5,
            "Buchungsdatum": [f"{d:02d}.03.2024" for d in range(1, 11)],
            "Verwendungszweck": ["KARTENZAHLUNG REWE"] * 8 + ["GUTSCHRIFT LEBENSMITTEL 4711"] * 2,
            "Betrag": ["-12,50"] * 8 + ["30,00"] * 2,
        }
    )
    canonical, _ = standardize_transactions(frame, infer_transaction_columns(frame))
    assert int(canonical["is_refund"].sum()) == 2 and not canonical["is_money_in"].any()


def test_the_sample_transactions_have_no_money_in():
    from core.samples import sample_path

    frame = pd.read_csv(sample_path("card_transactions"))
    canonical, report = standardize_transactions(frame, infer_transaction_columns(frame))
    assert report.money_in == 0 and canonical["is_refund"].sum() > 0


def test_export_bytes_round_trip():
    """The generators are seeded: the same seed writes the same bytes."""
    for make in EXPORTS.values():
        assert make(3).data == make(3).data
    assert pd.read_csv(io.BytesIO(chase_card(0).data)).columns.tolist() == [
        "Transaction Date",
        "Post Date",
        "Description",
        "Category",
        "Type",
        "Amount",
        "Memo",
    ]
