"""Seeded generators of files laid out like real public datasets and bank exports (issue 13).

The product is silently wrong on files it has never seen. Each generator here reproduces how a real public
dataset or bank export is *laid out* (column names, value formats, quoting, encodings, title lines, repeated and
missing keys, outcome and model-score columns), written from the public descriptions of those files with our
own seeded random values: no third-party record is copied. The one exception is Kaggle CC GENERAL, which is
read at run time from ``../shared/datasets`` (it is never copied into the project).

Every generator is ``name(seed=0, n=...) -> Layout``. ``Layout.data`` is the file as a user would upload it
and ``Layout.expect`` is what a careful human analyst would say about it, computed from the generator's own
ground truth (never from the product's output).

Sources checked (public descriptions, read through the project's search tool):

- Kaggle "Credit Card customers" (BankChurners.csv): 10,127 rows x 23 columns, the column list and the two
  ``Naive_Bayes_Classifier_...`` columns that most notebooks drop before modelling.
- UCI "default of credit card clients" (Kaggle's UCI_Credit_Card.csv): ID, LIMIT_BAL, SEX 1/2, EDUCATION 1-4
  (0, 5, 6 undocumented), MARRIAGE 1-3 (0 undocumented), PAY_0, PAY_2..PAY_6 (-2..8), BILL_AMT1-6, PAY_AMT1-6,
  ``default.payment.next.month``.
- IBM TabFormer ``card_transaction.v1.csv`` / ``credit_card_transactions-ibm_v2.csv``: User, Card, Year, Month,
  Day, Time, Amount ("$" text), Use Chip, Merchant Name, Merchant City, Merchant State, Zip (float), MCC,
  Errors?, Is Fraud? ("Yes"/"No").
- PKDD'99 (Berka) ``trans``: trans_id;account_id;date (YYMMDD);type;operation;amount;balance;k_symbol;bank;account.
- Sparkasse CSV-CAMT export (Auftragskonto;Buchungstag;Valutadatum;...;Betrag;Waehrung;Info) and the DKB
  Girokonto export (metadata lines, then Buchungsdatum;Wertstellung;Status;Zahlungspflichtige*r;
  Zahlungsempfänger*in;Verwendungszweck;Umsatztyp;IBAN;Betrag (€);Gläubiger-ID;Mandatsreferenz;Kundenreferenz).
- Sparkov / Kaggle fraudTrain.csv: unnamed index, trans_date_trans_time, cc_num, merchant ("fraud_" prefix),
  category, amt, first, last, gender, street, city, state, zip, lat, long, city_pop, job, dob, trans_num,
  unix_time, merch_lat, merch_long, is_fraud; Excel keeps only 15 significant digits of a number and shows long
  numbers in scientific notation, which is what ruins ``cc_num`` after a round trip through a spreadsheet.
- AllLife Bank ``Credit Card Customer Data.xlsx``: 660 rows x 7 columns (Sl_No, Customer Key, Avg_Credit_Limit,
  Total_Credit_Cards, Total_visits_bank, Total_visits_online, Total_calls_made), five Customer Key values repeat.
- Mall_Customers.csv: CustomerID, Gender, Age, Annual Income (k$), Spending Score (1-100); 200 rows.
- UK statements: Lloyds (Transaction Date,Transaction Type,Sort Code,Account Number,Transaction Description,
  Debit Amount,Credit Amount,Balance; the sort code exported as ``'30-91-74``), Barclays (Number, Date, Account,
  Amount, Subcategory, Memo) and "Money In"/"Money Out" statements with an Account column.
- ULB/Worldline ``creditcard.csv``: Time (seconds since the first transaction), V1..V28 (PCA), Amount, Class.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

SHARED_DATASETS = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
CC_GENERAL = SHARED_DATASETS / "cc_general.csv"


@dataclass(frozen=True)
class Expect:
    """What a careful human analyst would say about a file.

    ``timestamp`` is a tuple when the date is split over several columns (year, month, day, time);
    ``amount`` is a ``(debit, credit)`` tuple when money out and money in are separate columns.
    ``n_customers`` is the true number of distinct customers after dropping rows without a key (``None`` when
    the file has no way to tell customers apart). ``key_damaged`` marks a key that a spreadsheet has ruined.
    ``money_in`` is the number of transactions that bring money in (refunds, payments, credits), whatever sign
    the file writes them with (``None``: not recorded); ``date_only`` marks a file whose dates carry no time of
    day.
    """

    kind: str
    key: str | None
    timestamp: str | tuple[str, ...] | None
    amount: str | tuple[str, str] | None
    outcome: str | None
    leakage: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()
    categorical: tuple[str, ...] = ()
    never_features: tuple[str, ...] = ()
    n_customers: int | None = None
    date_min: pd.Timestamp | None = None
    date_max: pd.Timestamp | None = None
    key_damaged: bool = False
    money_in: int | None = None
    date_only: bool = False


@dataclass(frozen=True)
class Layout:
    """A file as a user would upload it, and what it really contains."""

    name: str
    data: bytes
    filename: str
    expect: Expect
    source: str = ""


def _expect(
    kind: str,
    *,
    key: str | None,
    timestamp: str | tuple[str, ...] | None = None,
    amount: str | tuple[str, str] | None = None,
    outcome: str | None = None,
    leakage: tuple[str, ...] = (),
    ids: tuple[str, ...] = (),
    categorical: tuple[str, ...] = (),
    also_never: tuple[str, ...] = (),
    n_customers: int | None = None,
    dates: pd.Series | None = None,
    key_damaged: bool = False,
    money_in: int | None = None,
    date_only: bool = False,
) -> Expect:
    """Build an Expect whose ``never_features`` are the ids, dates, outcome, leaked columns and ``also_never``."""
    stamps = (timestamp,) if isinstance(timestamp, str) else tuple(timestamp or ())
    never = (*ids, *stamps, *((outcome,) if outcome else ()), *leakage, *also_never)
    date_min = date_max = None
    if dates is not None and len(dates):
        date_min, date_max = pd.Timestamp(dates.min()), pd.Timestamp(dates.max())
    return Expect(
        kind=kind,
        key=key,
        timestamp=timestamp,
        amount=amount,
        outcome=outcome,
        leakage=leakage,
        ids=ids,
        categorical=categorical,
        never_features=tuple(dict.fromkeys(never)),
        n_customers=n_customers,
        date_min=date_min,
        date_max=date_max,
        key_damaged=key_damaged,
        money_in=money_in,
        date_only=date_only,
    )


# ----------------------------------------------------------------------------------------------- helpers


def _text_csv(
    frame: pd.DataFrame,
    *,
    sep: str = ",",
    quoting: int = csv.QUOTE_MINIMAL,
    encoding: str = "utf-8",
    bom: bool = False,
    preamble: tuple[str, ...] = (),
    line_end: str = "\n",
) -> bytes:
    text = frame.to_csv(sep=sep, index=False, quoting=quoting, lineterminator=line_end)
    text = "".join(line + line_end for line in preamble) + text
    data = text.encode(encoding)
    return codecs.BOM_UTF8 + data if bom else data


def _xlsx(
    frame: pd.DataFrame, sheet: str = "Sheet1", *, title: tuple[str, ...] = (), footer: tuple[list, ...] = ()
) -> bytes:
    """The frame as an Excel workbook; ``title`` lines (a string, or a list of cells) above the header and
    ``footer`` rows below the data."""
    from openpyxl import Workbook

    book = Workbook()
    table = book.active
    table.title = sheet
    for line in title:
        table.append(line if isinstance(line, list) else [line])
    table.append([str(column) for column in frame.columns])
    for row in frame.itertuples(index=False):
        table.append([None if pd.isna(value) else value.item() if hasattr(value, "item") else value for value in row])
    for row in footer:
        table.append(row)
    book.properties.creator = "CardLens tests"
    book.properties.created = book.properties.modified = datetime(2024, 1, 1)
    buffer = io.BytesIO()
    book.save(buffer)
    # openpyxl stamps the save time into docProps/core.xml and the zip entries: pin both (same seed, same bytes)
    stable = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(stable, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "docProps/core.xml":
                content = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2024-01-01T00:00:00Z", content)
            target.writestr(zipfile.ZipInfo(item.filename, date_time=(2024, 1, 1, 0, 0, 0)), content)
    return stable.getvalue()


def _unique_ints(rng: np.random.Generator, low: int, high: int, n: int) -> np.ndarray:
    """``n`` distinct integers in [low, high), in random order, without materialising the range."""
    chosen: dict[int, None] = {}
    while len(chosen) < n:
        for value in rng.integers(low, high, size=2 * (n - len(chosen)) + 8):
            chosen.setdefault(int(value), None)
            if len(chosen) == n:
                break
    return np.fromiter(chosen, dtype="int64", count=n)


def _moments(rng: np.random.Generator, start: str, end: str, n: int, unit: str = "s") -> pd.Series:
    """``n`` random moments between two dates (inclusive of the start, exclusive of the end)."""
    first, last = pd.Timestamp(start), pd.Timestamp(end)
    span = int((last - first) / pd.Timedelta(1, unit=unit))
    return pd.Series(first + pd.to_timedelta(rng.integers(0, span, size=n), unit=unit))


def _digits(rng: np.random.Generator, count: int) -> str:
    return "".join(str(digit) for digit in rng.integers(0, 10, size=count))


def _iban(rng: np.random.Generator, bank_code: str | None = None) -> str:
    """A German IBAN with valid check digits (random bank code and account number)."""
    bban = (bank_code or _digits(rng, 8)) + _digits(rng, 10)
    check = 98 - int(bban + "131400") % 97  # "DE" -> 13 14, then "00"
    return f"DE{check:02d}{bban}"


def _round_sig(values: np.ndarray, digits: int) -> np.ndarray:
    return np.array([float(f"{value:.{digits}g}") for value in values])


def _running_balance(frame: pd.DataFrame, account: str, signed: pd.Series, opening: np.ndarray) -> pd.Series:
    """Balance after each row, per account, in chronological order of the frame."""
    openings = pd.Series(opening, index=pd.unique(frame[account]))
    return (signed.groupby(frame[account]).cumsum() + frame[account].map(openings)).round(2)


# ----------------------------------------------------------------------------------------- 1. BankChurners

NB_PREFIX = (
    "Naive_Bayes_Classifier_Attrition_Flag_Card_Category_Contacts_Count_12_mon_Dependent_count_"
    "Education_Level_Months_Inactive_12_mon_"
)


def bank_churners(seed: int = 0, n: int = 2_000) -> Layout:
    """Kaggle BankChurners (real file: 10,127 rows); the naive-Bayes columns near-determine Attrition_Flag."""
    rng = np.random.default_rng(seed)
    attrited = rng.random(n) < 0.16
    gender = np.where(rng.random(n) < 0.53, "F", "M")
    men_income = ["Less than $40K", "$40K - $60K", "$60K - $80K", "$80K - $120K", "$120K +", "Unknown"]
    women_income = ["Less than $40K", "$40K - $60K", "Unknown"]
    income = np.where(
        gender == "M",
        rng.choice(men_income, size=n, p=[0.13, 0.15, 0.28, 0.29, 0.13, 0.02]),
        rng.choice(women_income, size=n, p=[0.62, 0.2, 0.18]),
    )
    limit_scale = pd.Series(income).map(
        {"Less than $40K": 3_500, "$40K - $60K": 5_500, "$60K - $80K": 10_000, "$80K - $120K": 15_000}
    )
    limit_scale = limit_scale.fillna(20_000).where(pd.Series(income) != "Unknown", 8_000).to_numpy()
    credit_limit = np.clip(limit_scale * rng.lognormal(0, 0.6, size=n), 1_438.3, 34_516.0).round(1)
    revolving = np.where(rng.random(n) < np.where(attrited, 0.55, 0.2), 0, rng.integers(400, 2_518, size=n))
    revolving = np.minimum(revolving, credit_limit.astype("int64"))
    trans_ct = np.clip(rng.normal(np.where(attrited, 45, 69), np.where(attrited, 14, 22)), 10, 139).round()
    trans_amt = np.clip(trans_ct * rng.normal(np.where(attrited, 68, 62), 14), 510, 18_484).round()
    says_attrited = attrited ^ (rng.random(n) < 0.003)  # the leaked score is right 99.7% of the time
    nb_attrited = _round_sig(
        np.where(says_attrited, rng.uniform(0.9936, 0.99958, size=n), rng.uniform(1.2e-5, 6.1e-4, size=n)), 5
    )
    frame = pd.DataFrame(
        {
            "CLIENTNUM": _unique_ints(rng, 708_082_083, 828_343_084, n),
            "Attrition_Flag": np.where(attrited, "Attrited Customer", "Existing Customer"),
            "Customer_Age": np.clip(rng.normal(46.3, 8.0, size=n).round(), 26, 73).astype("int64"),
            "Gender": gender,
            "Dependent_count": rng.choice(6, size=n, p=[0.09, 0.18, 0.26, 0.27, 0.15, 0.05]),
            "Education_Level": rng.choice(
                ["Graduate", "High School", "Unknown", "Uneducated", "College", "Post-Graduate", "Doctorate"],
                size=n,
                p=[0.31, 0.2, 0.15, 0.15, 0.1, 0.05, 0.04],
            ),
            "Marital_Status": rng.choice(
                ["Married", "Single", "Unknown", "Divorced"], size=n, p=[0.46, 0.39, 0.08, 0.07]
            ),
            "Income_Category": income,
            "Card_Category": rng.choice(["Blue", "Silver", "Gold", "Platinum"], size=n, p=[0.932, 0.055, 0.011, 0.002]),
            "Months_on_book": np.clip(rng.normal(36, 8, size=n).round(), 13, 56).astype("int64"),
            "Total_Relationship_Count": rng.integers(1, 7, size=n),
            "Months_Inactive_12_mon": rng.choice(7, size=n, p=[0.003, 0.22, 0.32, 0.38, 0.043, 0.018, 0.016]),
            "Contacts_Count_12_mon": rng.choice(7, size=n, p=[0.04, 0.15, 0.32, 0.33, 0.14, 0.017, 0.003]),
            "Credit_Limit": credit_limit,
            "Total_Revolving_Bal": revolving,
            "Avg_Open_To_Buy": (credit_limit - revolving).round(1),
            "Total_Amt_Chng_Q4_Q1": np.clip(rng.normal(0.76, 0.22, size=n), 0, 3.397).round(3),
            "Total_Trans_Amt": trans_amt.astype("int64"),
            "Total_Trans_Ct": trans_ct.astype("int64"),
            "Total_Ct_Chng_Q4_Q1": np.clip(rng.normal(np.where(attrited, 0.55, 0.74), 0.2), 0, 3.714).round(3),
            "Avg_Utilization_Ratio": (revolving / credit_limit).round(3),
            NB_PREFIX + "1": nb_attrited,
            NB_PREFIX + "2": _round_sig(1 - nb_attrited, 5),
        }
    )
    leaked = (NB_PREFIX + "1", NB_PREFIX + "2")
    return Layout(
        name="kaggle-bankchurners-with-leaked-naive-bayes-scores",
        data=_text_csv(frame, quoting=csv.QUOTE_NONNUMERIC),
        filename="BankChurners.csv",
        expect=_expect(
            "customers",
            key="CLIENTNUM",
            outcome="Attrition_Flag",
            leakage=leaked,
            ids=("CLIENTNUM",),
            categorical=("Gender", "Education_Level", "Marital_Status", "Income_Category", "Card_Category"),
            n_customers=n,
        ),
        source="Kaggle 'Credit Card customers' (BankChurners.csv, sakshigoyal7): 23 columns incl. 2 naive-Bayes scores",
    )


# ------------------------------------------------------------------------------ 2. UCI Taiwan credit default


def _uci_default_frame(seed: int, n: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    risk = rng.normal(size=n)
    limit = np.clip(np.round(np.exp(rng.normal(11.8, 0.75, size=n)) / 10_000) * 10_000, 10_000, 1_000_000)
    frame = pd.DataFrame(
        {
            "ID": np.arange(1, n + 1),
            "LIMIT_BAL": limit.astype("float64"),
            "SEX": rng.choice([1, 2], size=n, p=[0.4, 0.6]),
            "EDUCATION": rng.choice(7, size=n, p=[0.0005, 0.353, 0.4675, 0.164, 0.004, 0.0094, 0.0016]),
            "MARRIAGE": rng.choice(4, size=n, p=[0.002, 0.455, 0.532, 0.011]),
            "AGE": np.clip(rng.normal(35.5, 9.2, size=n).round(), 21, 79).astype("int64"),
        }
    )
    for month in ("PAY_0", "PAY_2", "PAY_3", "PAY_4", "PAY_5", "PAY_6"):
        status = np.round(risk * 1.1 + rng.normal(0, 0.9, size=n)).astype("int64")
        paid_early = np.where(rng.random(n) < 0.5, -1, -2)
        frame[month] = np.where(status < 0, paid_early, np.clip(status, 0, 8))
    usage = np.clip(rng.beta(0.8, 1.6, size=n) + 0.1 * risk, 0, 1.05)
    for month in range(1, 7):
        frame[f"BILL_AMT{month}"] = (limit * usage * rng.uniform(0.85, 1.1, size=n)).round().astype("float64")
    for month in range(1, 7):
        paid = frame[f"BILL_AMT{month}"] * rng.uniform(0, 0.25, size=n) * (rng.random(n) > 0.2)
        frame[f"PAY_AMT{month}"] = paid.round().astype("float64")
    default = rng.random(n) < 1 / (1 + np.exp(-(-1.5 + 0.9 * risk + 0.35 * frame["PAY_0"].clip(lower=0))))
    frame["default.payment.next.month"] = default.astype("int64")
    return frame


def _uci_expect(outcome: str, n: int) -> Expect:
    return _expect(
        "customers", key="ID", outcome=outcome, ids=("ID",), categorical=("SEX", "EDUCATION", "MARRIAGE"), n_customers=n
    )


def uci_credit_default(seed: int = 0, n: int = 2_000) -> Layout:
    """UCI 'default of credit card clients' as Kaggle's UCI_Credit_Card.csv (integer-coded categories)."""
    frame = _uci_default_frame(seed, n)
    return Layout(
        name="uci-taiwan-credit-default-with-integer-coded-categories",
        data=_text_csv(frame),
        filename="UCI_Credit_Card.csv",
        expect=_uci_expect("default.payment.next.month", n),
        source="UCI 'default of credit card clients' (Yeh & Lien 2009) as Kaggle UCI_Credit_Card.csv, 30,000 x 25",
    )


def uci_credit_default_xls(seed: int = 0, n: int = 2_000) -> Layout:
    """UCI's own 'default of credit card clients.xls' (as .xlsx): a row numbering the variables (X1 .. X23, Y)
    above the header of names, the outcome named 'default payment next month'."""
    frame = _uci_default_frame(seed, n).rename(columns={"default.payment.next.month": "default payment next month"})
    codes = [None, *[f"X{i}" for i in range(1, 24)], "Y"]
    return Layout(
        name="uci-default-of-credit-card-clients-xls-with-a-row-of-variable-codes",
        data=_xlsx(frame, "Data", title=(codes,)),
        filename="default of credit card clients.xlsx",
        expect=_uci_expect("default payment next month", n),
        source="UCI Machine Learning Repository, default of credit card clients.xls: 30,000 x 25 below a row X1..Y",
    )


# ------------------------------------------------------------------------------------------ 3. IBM TabFormer

_US_PLACES = (
    ("La Verne", "CA", 91750),
    ("Monterey Park", "CA", 91754),
    ("Mira Loma", "CA", 91752),
    ("Houston", "TX", 77002),
    ("Austin", "TX", 78701),
    ("Orlando", "FL", 32801),
    ("Miami", "FL", 33101),
    ("Brooklyn", "NY", 11201),
    ("Buffalo", "NY", 14201),
    ("Chicago", "IL", 60601),
    ("Columbus", "OH", 43004),
    ("Seattle", "WA", 98101),
    ("Phoenix", "AZ", 85001),
    ("Denver", "CO", 80201),
    ("Atlanta", "GA", 30301),
)
_ABROAD = (("Rome", "Italy"), ("Cancun", "Mexico"), ("Tokyo", "Japan"), ("Paris", "France"))


def ibm_tabformer(seed: int = 0, n: int = 2_000) -> Layout:
    """IBM TabFormer card transactions: repeated User/Card, date split over Year/Month/Day/Time, "$" amounts."""
    rng = np.random.default_rng(seed)
    n_users = max(5, n // 75)
    cards_per_user = rng.integers(1, 6, size=n_users)
    user = rng.integers(0, n_users, size=n)
    card = (rng.random(n) * cards_per_user[user]).astype("int64")
    when = _moments(rng, "2015-01-01", "2020-01-01", n, unit="min")
    order = np.lexsort((when.to_numpy(), card, user))
    user, card, when = user[order], card[order], when.iloc[order].reset_index(drop=True)
    n_merchants = 250
    merchant_ids = rng.integers(-(2**62), 2**62, size=n_merchants, dtype=np.int64) * 2
    merchant_online = rng.random(n_merchants) < 0.15
    merchant_abroad = ~merchant_online & (rng.random(n_merchants) < 0.03)
    merchant_place = rng.integers(0, len(_US_PLACES), size=n_merchants)
    merchant_abroad_place = rng.integers(0, len(_ABROAD), size=n_merchants)
    merchant_mcc = rng.choice(
        [5411, 5812, 5541, 5912, 5300, 4829, 5311, 5499, 7538, 5814, 4121, 5651], size=n_merchants
    )
    merchant = rng.integers(0, n_merchants, size=n)
    places = []  # (city, state, zip) per merchant: online merchants have none, foreign ones no zip
    for m in range(n_merchants):
        if merchant_online[m]:
            places.append(("ONLINE", None, np.nan))
        elif merchant_abroad[m]:
            places.append((*_ABROAD[merchant_abroad_place[m]], np.nan))
        else:
            city, state, zip_code = _US_PLACES[merchant_place[m]]
            places.append((city, state, float(zip_code)))
    chip = np.where(rng.random(n) < 0.55, "Chip Transaction", "Swipe Transaction")
    use_chip = np.where(merchant_online[merchant], "Online Transaction", chip)
    amount = rng.lognormal(3.6, 1.1, size=n).round(2)
    amount = np.where(rng.random(n) < 0.02, -np.maximum(amount.round(0), 1.0), amount)
    errors = np.where(
        rng.random(n) < 0.016,
        rng.choice(
            ["Insufficient Balance", "Bad PIN", "Technical Glitch", "Bad CVV", "Bad PIN,Insufficient Balance"], n
        ),
        None,
    )
    fraud = rng.random(n) < 0.003
    fraud[rng.choice(n, size=3, replace=False)] = True
    frame = pd.DataFrame(
        {
            "User": user,
            "Card": card,
            "Year": when.dt.year,
            "Month": when.dt.month,
            "Day": when.dt.day,
            "Time": when.dt.strftime("%H:%M"),
            "Amount": [f"${value:.2f}" for value in amount],
            "Use Chip": use_chip,
            "Merchant Name": merchant_ids[merchant],
            "Merchant City": [places[m][0] for m in merchant],
            "Merchant State": [places[m][1] for m in merchant],
            "Zip": [places[m][2] for m in merchant],
            "MCC": merchant_mcc[merchant],
            "Errors?": errors,
            "Is Fraud?": np.where(fraud, "Yes", "No"),
        }
    )
    return Layout(
        name="ibm-tabformer-transactions-with-date-split-over-four-columns",
        data=_text_csv(frame),
        filename="card_transaction.v1.csv",
        expect=_expect(
            "transactions",
            key="User",
            timestamp=("Year", "Month", "Day", "Time"),
            amount="Amount",
            outcome="Is Fraud?",
            ids=("User", "Card", "Merchant Name"),
            categorical=("Use Chip", "Merchant City", "Merchant State", "Zip", "MCC", "Errors?"),
            n_customers=int(pd.unique(user).size),
            dates=when,
        ),
        source="IBM TabFormer synthetic card transactions (card_transaction.v1.csv, 24M rows, 2,000 users)",
    )


# ------------------------------------------------------------------------------------------- 4. Czech Berka

_BERKA_KINDS = (  # type, operation, k_symbol, has partner bank, share, typical amount
    ("PRIJEM", "VKLAD", "", False, 0.14, 9_000.0),
    ("PRIJEM", "PREVOD Z UCTU", "", True, 0.05, 12_000.0),
    ("PRIJEM", "PREVOD Z UCTU", "DUCHOD", True, 0.02, 8_000.0),
    ("PRIJEM", "", "UROK", False, 0.17, 150.0),
    ("VYDAJ", "VYBER", "", False, 0.3, 4_000.0),
    ("VYDAJ", "PREVOD NA UCET", "SIPO", True, 0.08, 3_000.0),
    ("VYDAJ", "PREVOD NA UCET", "POJISTNE", True, 0.03, 1_500.0),
    ("VYDAJ", "PREVOD NA UCET", "UVER", True, 0.03, 4_500.0),
    ("VYDAJ", "PREVOD NA UCET", "", True, 0.06, 2_500.0),
    ("VYDAJ", "VYBER", "SLUZBY", False, 0.07, 14.6),
    ("VYDAJ", "VYBER KARTOU", "", False, 0.04, 2_000.0),
    ("VYBER", "VYBER", "", False, 0.01, 5_000.0),
)
_BERKA_BANKS = ("AB", "CD", "EF", "GH", "IJ", "KL", "MN", "OP", "QR", "ST", "UV", "WX", "YZ")


def berka_transactions(seed: int = 0, n: int = 2_000) -> Layout:
    """PKDD'99 Berka ``trans``: semicolon-separated, dates as integers YYMMDD, Czech type/operation codes."""
    rng = np.random.default_rng(seed)
    n_accounts = max(5, n // 50)
    accounts = _unique_ints(rng, 1, 11_383, n_accounts)
    opened = _moments(rng, "1993-01-01", "1997-07-01", n_accounts, unit="D")
    account = rng.integers(0, n_accounts, size=n)
    account[:n_accounts] = np.arange(n_accounts)  # every account has at least its opening deposit
    first_of_account = np.zeros(n, dtype=bool)
    first_of_account[:n_accounts] = True
    days_open = (pd.Timestamp("1998-12-31") - opened).dt.days.to_numpy()
    offset = np.where(first_of_account, 0, (rng.random(n) * (days_open[account] + 1)).astype("int64"))
    day = opened.to_numpy()[account] + pd.to_timedelta(offset, unit="D").to_numpy()
    shares = np.array([kind[4] for kind in _BERKA_KINDS])
    kind = np.where(first_of_account, 0, rng.choice(len(_BERKA_KINDS), size=n, p=shares / shares.sum()))
    typical = np.array([entry[5] for entry in _BERKA_KINDS])[kind]
    amount = np.where(typical == 14.6, 14.6, (typical * rng.lognormal(0, 0.6, size=n)).round(0))
    with_partner = np.array([entry[3] for entry in _BERKA_KINDS])[kind]
    frame = pd.DataFrame(
        {
            "account_id": accounts[account],
            "day": day,
            "type": [_BERKA_KINDS[k][0] for k in kind],
            "operation": [_BERKA_KINDS[k][1] for k in kind],
            "amount": amount.astype("float64"),
            "k_symbol": [_BERKA_KINDS[k][2] for k in kind],
            "bank": np.where(with_partner, rng.choice(_BERKA_BANKS, size=n), ""),
            "account": pd.array(np.where(with_partner, rng.integers(10_000, 99_999_999, size=n), 0), dtype="Int64"),
        }
    )
    frame.loc[~with_partner, "account"] = pd.NA
    frame = frame.sort_values(["day", "account_id"], kind="stable").reset_index(drop=True)
    signed = frame["amount"].where(frame["type"] == "PRIJEM", -frame["amount"])
    frame["balance"] = _running_balance(frame, "account_id", signed, np.zeros(n_accounts)).astype("float64")
    frame.insert(0, "trans_id", np.cumsum(rng.integers(1, 400, size=n)) + 1)
    frame.insert(2, "date", frame.pop("day").dt.strftime("%y%m%d").astype("int64"))
    frame = frame[
        ["trans_id", "account_id", "date", "type", "operation", "amount", "balance", "k_symbol", "bank", "account"]
    ]
    dates = pd.to_datetime(frame["date"].astype(str), format="%y%m%d")
    return Layout(
        name="czech-berka-bank-transactions-with-yymmdd-integer-dates",
        data=_text_csv(frame, sep=";"),
        filename="trans.csv",
        expect=_expect(
            "transactions",
            key="account_id",
            timestamp="date",
            amount="amount",
            ids=("trans_id", "account_id", "account"),
            categorical=("type", "operation", "k_symbol", "bank"),
            n_customers=n_accounts,
            dates=dates,
            date_only=True,
        ),
        source="PKDD'99 Discovery Challenge financial data (Berka), trans table: 1,056,320 rows, 4,500 accounts",
    )


# ------------------------------------------------------------------------------------- 5. German exports

_DE_PAYEES = (
    ("KARTENZAHLUNG", "REWE Markt GmbH", -45.0),
    ("KARTENZAHLUNG", "Bäckerei Schäfer", -8.0),
    ("KARTENZAHLUNG", "dm-drogerie markt", -22.0),
    ("KARTENZAHLUNG", "Aral Tankstelle Köln", -65.0),
    ("LASTSCHRIFT", "Stadtwerke Münster GmbH", -95.0),
    ("LASTSCHRIFT", "Deutsche Telekom AG", -40.0),
    ("LASTSCHRIFT", "Allianz Versicherungs-AG", -120.0),
    ("DAUERAUFTRAG", "Hausverwaltung Köhler", -1_150.0),
    ("ONLINE-UEBERWEISUNG", "Jürgen Weiß", -300.0),
    ("GELDAUTOMAT", "Sparkasse Geldautomat", -200.0),
    ("GUTSCHRIFT", "Müller & Söhne GmbH Lohn/Gehalt", 3_250.0),
    ("GUTSCHRIFT", "Finanzamt Düsseldorf-Süd", 480.0),
    ("ENTGELTABSCHLUSS", "", -9.9),
)


def _german_amount(value: float, thousands: bool) -> str:
    text = f"{value:,.2f}" if thousands else f"{value:.2f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def _german_rows(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    kind = rng.integers(0, len(_DE_PAYEES), size=n)
    base = np.array([entry[2] for entry in _DE_PAYEES])[kind]
    amount = np.where(np.abs(base) >= 300, base * rng.uniform(0.98, 1.02, size=n), base * rng.lognormal(0, 0.5, size=n))
    return kind, amount.round(2)


def sparkasse_camt(seed: int = 0, n: int = 800) -> Layout:
    """Sparkasse CSV-CAMT export of several own accounts: Latin-1, all fields quoted, dd.mm.yy, decimal comma."""
    rng = np.random.default_rng(seed)
    owners = [_iban(rng, "37050198") for _ in range(max(2, n // 200))]
    owner = rng.integers(0, len(owners), size=n)
    booked = _moments(rng, "2023-01-02", "2024-01-01", n, unit="D")
    frame = pd.DataFrame({"owner": owner, "booked": booked}).sort_values(["owner", "booked"], kind="stable")
    owner, booked = frame["owner"].to_numpy(), frame["booked"].reset_index(drop=True)
    kind, amount = _german_rows(rng, n)
    debit_note = np.array([_DE_PAYEES[k][0] == "LASTSCHRIFT" for k in kind])
    payee = np.array([_DE_PAYEES[k][1] for k in kind])
    counterparty_iban = np.array([_iban(rng) if name else "" for name in payee])
    purpose = [
        f"{_DE_PAYEES[k][0].title()} {day:%d.%m} {_DE_PAYEES[k][1][:12]}".strip()
        for k, day in zip(kind, booked, strict=True)
    ]
    rows = pd.DataFrame(
        {
            "Auftragskonto": np.array(owners)[owner],
            "Buchungstag": booked.dt.strftime("%d.%m.%y"),
            "Valutadatum": (booked + pd.to_timedelta(rng.integers(0, 3, size=n), unit="D")).dt.strftime("%d.%m.%y"),
            "Buchungstext": [_DE_PAYEES[k][0] for k in kind],
            "Verwendungszweck": purpose,
            "Glaeubiger ID": np.where(
                debit_note, "DE98ZZZ0" + pd.Series(rng.integers(10**9, 10**10, size=n)).astype(str), ""
            ),
            "Mandatsreferenz": np.where(
                debit_note, "MR" + pd.Series(rng.integers(10**7, 10**8, size=n)).astype(str), ""
            ),
            "Kundenreferenz (End-to-End)": np.where(debit_note, "NOTPROVIDED", ""),
            "Sammlerreferenz": "",
            "Lastschrift Ursprungsbetrag": "",
            "Auslagenersatz Ruecklastschrift": "",
            "Beguenstigter/Zahlungspflichtiger": payee,
            "Kontonummer/IBAN": counterparty_iban,
            "BIC (SWIFT-Code)": np.where(
                counterparty_iban != "", rng.choice(["COLSDE33XXX", "WELADED1MST", "DEUTDEDBXXX"], n), ""
            ),
            "Betrag": [_german_amount(value, thousands=False) for value in amount],
            "Waehrung": "EUR",
            "Info": "Umsatz gebucht",
        }
    )
    return Layout(
        name="german-sparkasse-camt-export-of-several-accounts",
        data=_text_csv(rows, sep=";", quoting=csv.QUOTE_ALL, encoding="latin-1"),
        filename="20240102-umsatz.CSV",
        expect=_expect(
            "transactions",
            key="Auftragskonto",
            timestamp="Buchungstag",
            amount="Betrag",
            ids=(
                "Auftragskonto",
                "Glaeubiger ID",
                "Mandatsreferenz",
                "Kundenreferenz (End-to-End)",
                "Kontonummer/IBAN",
                "BIC (SWIFT-Code)",
            ),
            categorical=("Buchungstext", "Waehrung"),
            also_never=("Valutadatum",),
            n_customers=len(set(np.array(owners)[owner])),
            dates=booked,
            money_in=int((amount > 0).sum()),
            date_only=True,
        ),
        source="Sparkasse online banking 'CSV-CAMT' export (17 columns, Auftragskonto first), several accounts",
    )


def dkb_giro(seed: int = 0, n: int = 400) -> Layout:
    """DKB Girokonto export of one account: UTF-8 with BOM, metadata lines, dd.mm.yy, "-1.234,56" amounts."""
    rng = np.random.default_rng(seed)
    holder = "Max Mustermann"
    own_iban = _iban(rng, "12030000")
    booked = _moments(rng, "2024-01-01", "2024-04-01", n, unit="D").sort_values(ascending=False).reset_index(drop=True)
    kind, amount = _german_rows(rng, n)
    payee = np.array([_DE_PAYEES[k][1] or "DKB AG" for k in kind])
    incoming = amount > 0
    debit_note = np.array([_DE_PAYEES[k][0] == "LASTSCHRIFT" for k in kind])
    rows = pd.DataFrame(
        {
            "Buchungsdatum": booked.dt.strftime("%d.%m.%y"),
            "Wertstellung": booked.dt.strftime("%d.%m.%y"),
            "Status": "Gebucht",
            "Zahlungspflichtige*r": np.where(incoming, payee, holder),
            "Zahlungsempfänger*in": np.where(incoming, holder, payee),
            "Verwendungszweck": [
                f"{_DE_PAYEES[k][0].title()} {day:%d.%m.%Y}" for k, day in zip(kind, booked, strict=True)
            ],
            "Umsatztyp": np.where(incoming, "Eingang", "Ausgang"),
            "IBAN": [_iban(rng) for _ in range(n)],
            "Betrag (€)": [_german_amount(value, thousands=True) for value in amount],
            "Gläubiger-ID": np.where(
                debit_note, "DE71ZZZ0" + pd.Series(rng.integers(10**9, 10**10, size=n)).astype(str), ""
            ),
            "Mandatsreferenz": np.where(
                debit_note, "M-" + pd.Series(rng.integers(10**6, 10**7, size=n)).astype(str), ""
            ),
            "Kundenreferenz": "",
        }
    )
    balance = _german_amount(float(rng.uniform(500, 9_000)), thousands=True)
    spaced_iban = " ".join(own_iban[i : i + 4] for i in range(0, len(own_iban), 4))
    preamble = (
        f'"Girokonto";"{spaced_iban}"',
        '""',
        f'"Zeitraum:";"{booked.min():%d.%m.%Y} - {booked.max():%d.%m.%Y}"',
        f'"Kontostand vom {booked.max():%d.%m.%Y}:";"{balance} €"',
        '""',
    )
    return Layout(
        name="german-dkb-giro-export-of-one-account-with-title-lines",
        data=_text_csv(rows, sep=";", quoting=csv.QUOTE_ALL, bom=True, preamble=preamble),
        filename="01-04-2024_Umsatzliste_Girokonto_DE.csv",
        expect=_expect(
            "transactions",
            key=None,
            timestamp="Buchungsdatum",
            amount="Betrag (€)",
            ids=("IBAN", "Gläubiger-ID", "Mandatsreferenz", "Kundenreferenz"),
            categorical=("Status", "Umsatztyp"),
            also_never=("Wertstellung",),
            n_customers=1,
            dates=booked,
            money_in=int((amount > 0).sum()),
            date_only=True,
        ),
        source="DKB Girokonto CSV export (2023+ layout): metadata lines, then 12 quoted columns; one account",
    )


_DE_CARD_CATEGORIES = ("Lebensmittel", "Tanken", "Reisen", "Online", "Restaurant", "Bargeld")


def german_card_rows(seed: int = 0, n: int = 1_500, n_customers: int = 120) -> pd.DataFrame:
    """The truth behind :func:`german_card_export`: customer number, booking day, category and signed amount.

    Card payments are money out (negative, log-normal around 33 €); about 5% of rows are credits to the card
    (positive, around 1,100 €: refunds and payments onto the card account).
    """
    rng = np.random.default_rng(seed)
    customers = np.array([f"{v:08d}" for v in _unique_ints(rng, 1_000_000, 99_999_999, n_customers)])
    who = rng.integers(0, n_customers, size=n)
    day = pd.Series(pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 182, size=n), unit="D"))
    category = rng.choice(_DE_CARD_CATEGORIES, size=n)
    credit = rng.random(n) < 0.05
    amount = np.where(credit, rng.lognormal(7.0, 0.5, size=n), -rng.lognormal(3.5, 1.1, size=n)).round(2)
    return pd.DataFrame(
        {
            "customer": customers[who],
            "day": day,
            "category": category,
            "amount": amount,
            "reference": rng.integers(1_000, 10_000, size=n),
        }
    )


def german_card_export(seed: int = 0, n: int = 1_500) -> Layout:
    """German card-transaction export in Excel: title block, Kundennummer, dd.mm.yyyy dates, "-1.234,56 €" amounts.

    Money out is negative (as on every German statement), the dates have no time of day, and a "Summe" totals row
    closes the sheet.
    """
    truth = german_card_rows(seed, n)
    purpose = np.where(truth["amount"] < 0, "KARTENZAHLUNG", "GUTSCHRIFT")
    frame = pd.DataFrame(
        {
            "Kundennummer": truth["customer"],
            "Buchungsdatum": truth["day"].dt.strftime("%d.%m.%Y"),
            "Verwendungszweck": [
                f"{word} {category.upper()} {ref}"
                for word, category, ref in zip(purpose, truth["category"], truth["reference"], strict=True)
            ],
            "Kategorie": truth["category"],
            "Betrag": [_german_amount(value, thousands=True) + " €" for value in truth["amount"]],
        }
    )
    total = _german_amount(float(truth["amount"].sum()), thousands=True) + " €"
    title = (
        "Sparkasse Musterstadt – Kartenumsätze",
        f"Zeitraum: {truth['day'].min():%d.%m.%Y} - {truth['day'].max():%d.%m.%Y}",
        f"Erstellt am {truth['day'].max() + pd.Timedelta(days=1):%d.%m.%Y}",
    )
    return Layout(
        name="german-card-export-xlsx-with-kundennummer-negative-spending-and-date-only",
        data=_xlsx(frame, "Umsätze", title=title, footer=(["Summe", "", "", "", total],)),
        filename="Kartenumsaetze.xlsx",
        expect=_expect(
            "transactions",
            key="Kundennummer",
            timestamp="Buchungsdatum",
            amount="Betrag",
            ids=("Kundennummer",),
            categorical=("Kategorie",),
            n_customers=int(truth["customer"].nunique()),
            dates=truth["day"],
            money_in=int((truth["amount"] > 0).sum()),
            date_only=True,
        ),
        source="a German bank's card-transaction export saved as .xlsx (title block, Kundennummer, Summe row)",
    )


# ------------------------------------------------------------------------------- 6. Sparkov through Excel

_SPARKOV_CATEGORIES = (
    "gas_transport",
    "grocery_pos",
    "home",
    "shopping_pos",
    "kids_pets",
    "shopping_net",
    "entertainment",
    "food_dining",
    "personal_care",
    "health_fitness",
    "misc_pos",
    "misc_net",
    "grocery_net",
    "travel",
)
_FIRST = ("Jennifer", "Michael", "Ashley", "Christopher", "Jessica", "Matthew", "Amanda", "Joshua", "Sarah", "David")
_LAST = ("Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez")
_JOBS = ("Mechanical engineer", "Sales professional, IT", "Naval architect", "Film/video editor", "Surveyor, land")
_STATES = ("PA", "NY", "TX", "CA", "OH", "MI", "IL", "AL", "MO", "MN")


def _excel_scientific(number: int) -> str:
    """What a 16-digit number becomes when a spreadsheet shows it in a narrow General cell and saves as CSV."""
    return f"{float(number):.2E}".replace("E+0", "E+")


def sparkov_card_numbers_mangled_by_excel(seed: int = 0, n: int = 1_500) -> Layout:
    """Sparkov fraudTrain.csv opened and re-saved in Excel: cc_num became "2.29E+15" text, dates m/d/yyyy h:mm."""
    rng = np.random.default_rng(seed)
    holders = 60
    prefixes = rng.choice(["229", "460", "676", "350", "501"], size=holders)
    lengths = np.where(prefixes == "501", 12, 16)
    cards = np.array([int(p + _digits(rng, int(length) - 3)) for p, length in zip(prefixes, lengths, strict=True)])
    mangled = np.array([_excel_scientific(card) for card in cards])
    assert len(set(mangled)) < len(set(cards.tolist())), "the spreadsheet must collapse cardholders"
    holder = rng.integers(0, holders, size=n)
    holder[:holders] = np.arange(holders)
    when = _moments(rng, "2019-01-01", "2021-01-01", n).sort_values().reset_index(drop=True)
    holder = holder[rng.permutation(n)]
    lat = rng.uniform(30, 47, size=holders).round(4)
    lon = rng.uniform(-120, -75, size=holders).round(4)
    born = _moments(rng, "1940-01-01", "2002-01-01", holders, unit="D")
    surnames = ("Kirlin", "Heller", "Kuhn", "Lind", "Bins", "Rippin", "Kub", "Mann", "Schumm", "Ziemann")
    merchants = np.array(
        [f"fraud_{rng.choice(surnames)}{rng.choice([' LLC', ' Inc', '-' + rng.choice(surnames)])}" for _ in range(120)]
    )
    category = rng.choice(_SPARKOV_CATEGORIES, size=n)
    fraud = rng.random(n) < 0.006
    fraud[rng.choice(n, size=3, replace=False)] = True
    amt = np.where(fraud, rng.uniform(200, 1_200, size=n), rng.lognormal(3.8, 1.0, size=n)).round(2)
    frame = pd.DataFrame(
        {
            "": np.arange(n),
            "trans_date_trans_time": [f"{t.month}/{t.day}/{t.year} {t.hour}:{t.minute:02d}" for t in when],
            "cc_num": mangled[holder],
            "merchant": rng.choice(merchants, size=n),
            "category": category,
            "amt": amt,
            "first": np.array(_FIRST)[holder % len(_FIRST)],
            "last": np.array(_LAST)[(holder // len(_FIRST)) % len(_LAST)],
            "gender": np.where(holder % 2 == 0, "F", "M"),
            "street": [f"{100 + h * 37} {_LAST[h % len(_LAST)]} Street" for h in holder],
            "city": [f"Town {h:02d}" for h in holder],
            "state": np.array(_STATES)[holder % len(_STATES)],
            "zip": 10_000 + holder * 1_361,
            "lat": lat[holder],
            "long": lon[holder],
            "city_pop": (1_000 + holder * 4_211) % 250_000 + 100,
            "job": np.array(_JOBS)[holder % len(_JOBS)],
            "dob": [f"{d.month}/{d.day}/{d.year}" for d in born.iloc[holder]],
            "trans_num": [f"{a:016x}{b:016x}" for a, b in rng.integers(0, 2**62, size=(n, 2))],
            "unix_time": (when - pd.Timestamp("1970-01-01")).dt.total_seconds().astype("int64") - 220_000_000,
            "merch_lat": (lat[holder] + rng.uniform(-1, 1, size=n)).round(6),
            "merch_long": (lon[holder] + rng.uniform(-1, 1, size=n)).round(6),
            "is_fraud": fraud.astype("int64"),
        }
    )
    return Layout(
        name="sparkov-transactions-whose-card-numbers-excel-turned-into-2.29E+15",
        data=_text_csv(frame, line_end="\r\n"),
        filename="fraudTrain.csv",
        expect=_expect(
            "transactions",
            key="cc_num",
            timestamp="trans_date_trans_time",
            amount="amt",
            outcome="is_fraud",
            ids=("Unnamed: 0", "cc_num", "trans_num"),
            categorical=("category", "gender", "state"),
            also_never=("first", "last", "street", "dob", "unix_time"),
            n_customers=holders,
            dates=when,
            key_damaged=True,
        ),
        source="Sparkov-simulated fraudTrain.csv (Kaggle kartik2112), 23 columns, after a save from Excel",
    )


# ------------------------------------------------------------------------------ 7. user_id with card_type


def user_keyed_with_card_type(seed: int = 0, n: int = 10_000) -> Layout:
    """Transactions keyed by user_id (about 300 users) with a four-valued card_type that is *not* the key."""
    rng = np.random.default_rng(seed)
    n_users = 300
    users = _unique_ints(rng, 10_000, 100_000, n_users)
    main_card = rng.choice(["Visa", "Mastercard", "Amex", "Discover"], size=n_users, p=[0.45, 0.35, 0.12, 0.08])
    user = rng.integers(0, n_users, size=n)
    user[:n_users] = np.arange(n_users)
    user = user[rng.permutation(n)]
    card_type = np.where(
        rng.random(n) < 0.93, main_card[user], rng.choice(["Visa", "Mastercard", "Amex", "Discover"], n)
    )
    day = _moments(rng, "2023-01-01", "2024-07-01", n, unit="D")
    frame = pd.DataFrame(
        {
            "transaction_id": [f"T{i:07d}" for i in range(1, n + 1)],
            "user_id": users[user],
            "card_type": card_type,
            "transaction_date": day.dt.strftime("%Y-%m-%d"),
            "amount": rng.lognormal(3.7, 0.9, size=n).round(2),
            "merchant_category": rng.choice(
                ["Groceries", "Restaurants", "Fuel", "Travel", "Online Retail", "Utilities", "Entertainment", "Health"],
                n,
            ),
        }
    )
    return Layout(
        name="transactions-keyed-by-user-id-with-four-card-types",
        data=_text_csv(frame),
        filename="transactions.csv",
        expect=_expect(
            "transactions",
            key="user_id",
            timestamp="transaction_date",
            amount="amount",
            ids=("transaction_id", "user_id"),
            categorical=("card_type", "merchant_category"),
            n_customers=n_users,
            dates=day,
            date_only=True,
        ),
        source="generic card-transaction export keyed by user_id (the layout of many Kaggle/tutorial datasets)",
    )


# -------------------------------------------------------------------- 8. other key names, gaps and repeats

_KEY_FORMATS: dict[str, Callable[[np.random.Generator, int], list]] = {
    "client_id": lambda rng, k: [f"CL{v:06d}" for v in _unique_ints(rng, 1, 999_999, k)],
    "holder_id": lambda rng, k: _unique_ints(rng, 10_000, 999_999, k).tolist(),
    "member_id": lambda rng, k: [f"M-{v:05d}" for v in _unique_ints(rng, 1, 99_999, k)],
    "account_number": lambda rng, k: [f"{v:010d}" for v in _unique_ints(rng, 10_000_000, 99_999_999, k)],
}


def keyed_with_gaps_and_repeats(seed: int = 0, n: int = 1_500, key: str = "client_id") -> Layout:
    """Transactions keyed by ``key``: about 3% of rows have no key, about 4% are repeated exactly."""
    rng = np.random.default_rng(seed)
    n_customers = max(10, n // 12)
    keys = _KEY_FORMATS[key](rng, n_customers)
    customer = rng.integers(0, n_customers, size=n)
    customer[:n_customers] = np.arange(n_customers)
    customer = customer[rng.permutation(n)]
    when = _moments(rng, "2022-03-01", "2023-03-01", n)
    keyless = rng.random(n) < 0.03
    keyless &= ~np.isin(np.arange(n), [int(np.argmin(when)), int(np.argmax(when))])
    # rows without a key fall inside the keyed rows' date range (so the range does not depend on dropping them)
    keyed_times = when[~keyless].to_numpy()
    when = when.where(~keyless, pd.Series(rng.choice(keyed_times, size=n)))
    frame = pd.DataFrame(
        {
            key: pd.Series([keys[c] for c in customer], dtype="object").where(~keyless, None),
            "txn_date": when.dt.strftime("%Y-%m-%d %H:%M:%S"),
            "amount": rng.lognormal(3.5, 1.0, size=n).round(2),
            "merchant": rng.choice(["Tesco", "Shell", "Amazon", "Netflix", "Uber", "Zara", "IKEA", "Starbucks"], n),
            "category": rng.choice(["grocery", "fuel", "online", "subscription", "transport", "fashion", "home"], n),
        }
    )
    repeats = rng.choice(n, size=max(1, n * 4 // 100), replace=False)
    frame = pd.concat([frame, frame.iloc[repeats]]).sort_values("txn_date", kind="stable").reset_index(drop=True)
    keyed = frame[key].notna()
    return Layout(
        name=f"transactions-keyed-by-{key.replace('_', '-')}-with-missing-keys-and-repeated-rows",
        data=_text_csv(frame),
        filename=f"export_by_{key}.csv",
        expect=_expect(
            "transactions",
            key=key,
            timestamp="txn_date",
            amount="amount",
            ids=(key,),
            categorical=("merchant", "category"),
            n_customers=int(frame.loc[keyed, key].nunique()),
            dates=pd.to_datetime(frame.loc[keyed, "txn_date"]),
        ),
        source=f"a bank's transaction export keyed by {key}, with blank keys and overlapping (repeated) rows",
    )


# ----------------------------------------------------------------------------------------------- 9. AllLife


def alllife_customers(seed: int = 0, n: int = 660) -> Layout:
    """AllLife Bank 'Credit Card Customer Data.xlsx': Sl_No, Customer Key (five keys repeat), five behaviours."""
    rng = np.random.default_rng(seed)
    segment = rng.choice(3, size=n, p=[0.585, 0.34, 0.075])
    low = np.array([[5, 4, 2, 0, 0], [3, 1, 0, 1, 4], [84, 5, 0, 6, 0]])  # limit (k), cards, bank, online, calls
    high = np.array([[100, 7, 5, 4, 4], [50, 4, 2, 5, 10], [200, 10, 1, 15, 3]])
    draws = np.stack([rng.integers(low[segment, j], high[segment, j] + 1) for j in range(5)], axis=1)
    keys = _unique_ints(rng, 11_265, 99_844, n)
    repeated = rng.choice(n, size=10, replace=False)
    keys[repeated[:5]] = keys[repeated[5:]]  # five customers appear twice, with different figures
    frame = pd.DataFrame(
        {
            "Sl_No": np.arange(1, n + 1),
            "Customer Key": keys,
            "Avg_Credit_Limit": draws[:, 0] * 1_000,
            "Total_Credit_Cards": draws[:, 1],
            "Total_visits_bank": draws[:, 2],
            "Total_visits_online": draws[:, 3],
            "Total_calls_made": draws[:, 4],
        }
    )
    return Layout(
        name="alllife-bank-customers-xlsx-with-five-repeated-keys",
        data=_xlsx(frame),
        filename="Credit Card Customer Data.xlsx",
        expect=_expect(
            "customers",
            key="Customer Key",
            ids=("Sl_No", "Customer Key"),
            n_customers=int(pd.unique(keys).size),
        ),
        source="AllLife Bank 'Credit Card Customer Data.xlsx' (Great Learning case study), 660 x 7",
    )


# ------------------------------------------------------------------------------------------ 10. CC GENERAL


def cc_general(seed: int = 0, n: int | None = None) -> Layout:
    """The real Kaggle CC GENERAL file, read from ../shared/datasets (all rows, or ``n`` sampled with ``seed``)."""
    raw = CC_GENERAL.read_bytes()  # FileNotFoundError when the shared folder is absent: callers skip
    lines = raw.decode("utf-8").splitlines()
    header, body = lines[0], lines[1:]
    if n is not None and n < len(body):
        chosen = np.sort(np.random.default_rng(seed).choice(len(body), size=n, replace=False))
        body = [body[i] for i in chosen]
        raw = ("\n".join([header, *body]) + "\n").encode("utf-8")
    ids = {row[0] for row in csv.reader(body) if row and row[0]}
    return Layout(
        name="kaggle-cc-general-customers",
        data=raw,
        filename="CC GENERAL.csv",
        expect=_expect("customers", key="CUST_ID", ids=("CUST_ID",), n_customers=len(ids)),
        source="Kaggle 'Credit Card Dataset for Clustering' (CC GENERAL), 8,950 x 18, read from ../shared/datasets",
    )


# ------------------------------------------------------------------------------------------- 11. Mall


def mall_customers(seed: int = 0, n: int = 200) -> Layout:
    """Kaggle Mall_Customers.csv: CustomerID 1..n, Gender, Age, Annual Income (k$), Spending Score (1-100)."""
    rng = np.random.default_rng(seed)
    income = np.sort(rng.integers(15, 138, size=n))
    centre = np.where((income < 40) | (income > 70), rng.choice([20, 80], size=n), 50)
    frame = pd.DataFrame(
        {
            "CustomerID": np.arange(1, n + 1),
            "Gender": np.where(rng.random(n) < 0.56, "Female", "Male"),
            "Age": rng.integers(18, 71, size=n),
            "Annual Income (k$)": income,
            "Spending Score (1-100)": np.clip(rng.normal(centre, 9).round(), 1, 99).astype("int64"),
        }
    )
    return Layout(
        name="kaggle-mall-customers",
        data=_text_csv(frame),
        filename="Mall_Customers.csv",
        expect=_expect("customers", key="CustomerID", ids=("CustomerID",), categorical=("Gender",), n_customers=n),
        source="Kaggle 'Mall Customer Segmentation Data' (Mall_Customers.csv, vjchoudhary7), 200 x 5",
    )


# ------------------------------------------------------------------------------------------ 12. UK statements

_UK_ITEMS = (  # type code, description, typical signed amount
    ("DEB", "TESCO STORES 3217", -35.0),
    ("DEB", "SAINSBURYS S/MKT", -28.0),
    ("DEB", "TFL TRAVEL CH", -7.5),
    ("DEB", "AMAZON.CO.UK*2K4", -19.0),
    ("DD", "COUNCIL TAX", -145.0),
    ("DD", "BRITISH GAS", -78.0),
    ("SO", "RENT FLAT 2", -950.0),
    ("FPO", "J SMITH", -60.0),
    ("CPT", "CASH NOTEMC 12MAR", -50.0),
    ("BGC", "SALARY ACME LTD", 2_450.0),
    ("FPI", "HMRC REFUND", 210.0),
    ("CHG", "ACCOUNT FEE", -3.0),
)


def _uk_transactions(rng: np.random.Generator, n: int, n_accounts: int, start: str, end: str) -> pd.DataFrame:
    account = rng.integers(0, n_accounts, size=n)
    account[:n_accounts] = np.arange(n_accounts)
    item = rng.integers(0, len(_UK_ITEMS), size=n)
    base = np.array([entry[2] for entry in _UK_ITEMS])[item]
    amount = np.where(np.abs(base) >= 900, base, base * rng.lognormal(0, 0.5, size=n)).round(2)
    frame = pd.DataFrame(
        {"account": account, "when": _moments(rng, start, end, n, unit="D"), "item": item, "amount": amount}
    )
    frame = frame.sort_values(["account", "when"], kind="stable").reset_index(drop=True)
    frame["balance"] = _running_balance(frame, "account", frame["amount"], rng.uniform(200, 5_000, size=n_accounts))
    # banks list newest first within each account
    return frame.sort_values(["account", "when"], ascending=[True, False], kind="stable").reset_index(drop=True)


def _money(values: pd.Series) -> list[str]:
    return ["" if value == 0 else f"{value:.2f}" for value in values]


def uk_money_in_out_statement(seed: int = 0, n: int = 900) -> Layout:
    """UK statement of several accounts: Account, Date dd/mm/yyyy, Description, Money In, Money Out, Balance."""
    rng = np.random.default_rng(seed)
    n_accounts = 8
    sort_codes = [f"{rng.integers(10, 99)}-{rng.integers(10, 99)}-{rng.integers(10, 99)}" for _ in range(n_accounts)]
    numbers = _unique_ints(rng, 10_000_000, 99_999_999, n_accounts)
    labels = np.array([f"{code} {number}" for code, number in zip(sort_codes, numbers, strict=True)])
    tx = _uk_transactions(rng, n, n_accounts, "2024-01-01", "2024-07-01")
    frame = pd.DataFrame(
        {
            "Account": labels[tx["account"]],
            "Date": tx["when"].dt.strftime("%d/%m/%Y"),
            "Type": [_UK_ITEMS[i][0] for i in tx["item"]],
            "Description": [_UK_ITEMS[i][1] for i in tx["item"]],
            "Money In": _money(tx["amount"].clip(lower=0)),
            "Money Out": _money(-tx["amount"].clip(upper=0)),
            "Balance": tx["balance"].map("{:.2f}".format),
        }
    )
    return Layout(
        name="uk-statement-with-money-in-and-money-out-for-several-accounts",
        data=_text_csv(frame),
        filename="statement.csv",
        expect=_expect(
            "transactions",
            key="Account",
            timestamp="Date",
            amount=("Money Out", "Money In"),
            ids=("Account",),
            categorical=("Type",),
            n_customers=n_accounts,
            dates=tx["when"],
            date_only=True,
        ),
        source="UK current-account statement export (Date/Type/Description/Money In/Money Out/Balance) + Account",
    )


def lloyds_statement(seed: int = 0, n: int = 700) -> Layout:
    """Lloyds CSV export of several accounts: "'30-91-74" sort codes, debit and credit in separate columns."""
    rng = np.random.default_rng(seed)
    n_accounts = 6
    sort_codes = np.array([f"'{rng.integers(30, 31)}-{rng.integers(10, 99)}-{rng.integers(10, 99)}" for _ in range(2)])
    numbers = np.array([f"{v:08d}" for v in _unique_ints(rng, 100_000, 99_999_999, n_accounts)])
    branch = rng.integers(0, 2, size=n_accounts)
    tx = _uk_transactions(rng, n, n_accounts, "2024-02-01", "2024-08-29")
    frame = pd.DataFrame(
        {
            "Transaction Date": tx["when"].dt.strftime("%d/%m/%Y"),
            "Transaction Type": [_UK_ITEMS[i][0] for i in tx["item"]],
            "Sort Code": sort_codes[branch[tx["account"]]],
            "Account Number": numbers[tx["account"]],
            "Transaction Description": [_UK_ITEMS[i][1] for i in tx["item"]],
            "Debit Amount": _money(-tx["amount"].clip(upper=0)),
            "Credit Amount": _money(tx["amount"].clip(lower=0)),
            "Balance": tx["balance"].map("{:.2f}".format),
        }
    )
    return Layout(
        name="uk-lloyds-export-with-sort-code-and-account-number",
        data=_text_csv(frame, line_end="\r\n"),
        filename="lloyds_transactions.csv",
        expect=_expect(
            "transactions",
            key="Account Number",
            timestamp="Transaction Date",
            amount=("Debit Amount", "Credit Amount"),
            ids=("Sort Code", "Account Number"),
            categorical=("Transaction Type",),
            n_customers=n_accounts,
            dates=tx["when"],
            date_only=True,
        ),
        source="Lloyds Bank CSV export (8 columns, per-row Sort Code and Account Number), several accounts",
    )


def barclays_statement(seed: int = 0, n: int = 700) -> Layout:
    """Barclays CSV export: Number (cheque numbers, mostly empty), Date, Account, signed Amount, Subcategory, Memo."""
    rng = np.random.default_rng(seed)
    n_accounts = 5
    labels = np.array(
        [
            f"20-{rng.integers(10, 99)}-{rng.integers(10, 99)} {v}"
            for v in _unique_ints(rng, 10_000_000, 99_999_999, n_accounts)
        ]
    )
    tx = _uk_transactions(rng, n, n_accounts, "2023-10-01", "2024-04-01")
    subcategory = {"DEB": "Debit", "DD": "Direct Debit", "SO": "Standing Order", "FPO": "Funds Transfer"}
    subcategory |= {"CPT": "Cash Machine", "BGC": "Counter Credit", "FPI": "Funds Transfer", "CHG": "Charges"}
    cheque = np.where(rng.random(n) < 0.01, rng.integers(100_000, 999_999, size=n).astype(str), "")
    frame = pd.DataFrame(
        {
            "Number": cheque,
            "Date": tx["when"].dt.strftime("%d/%m/%Y"),
            "Account": labels[tx["account"]],
            "Amount": tx["amount"].map("{:.2f}".format),
            "Subcategory": [subcategory[_UK_ITEMS[i][0]] for i in tx["item"]],
            "Memo": [f"{_UK_ITEMS[i][1]:<24}ON {d:%d %b}   BCC" for i, d in zip(tx["item"], tx["when"], strict=True)],
        }
    )
    return Layout(
        name="uk-barclays-export-with-account-column-and-signed-amounts",
        data=_text_csv(frame),
        filename="data.csv",
        expect=_expect(
            "transactions",
            key="Account",
            timestamp="Date",
            amount="Amount",
            ids=("Number", "Account"),
            categorical=("Subcategory",),
            n_customers=n_accounts,
            dates=tx["when"],
            money_in=int((frame.drop_duplicates()["Amount"].astype(float) > 0).sum()),  # exact repeats drop
            date_only=True,
        ),
        source="Barclays online-banking CSV export (Number, Date, Account, Amount, Subcategory, Memo)",
    )


# ---------------------------------------------------------------------------------- 13. ULB creditcard.csv


def ulb_creditcard_fraud(seed: int = 0, n: int = 2_000) -> Layout:
    """ULB creditcard.csv: Time in seconds since the first row, V1..V28, Amount, quoted Class; no customer key."""
    rng = np.random.default_rng(seed)
    fraud = np.zeros(n, dtype=bool)
    fraud[rng.choice(n, size=max(5, n // 100), replace=False)] = True  # real: 0.17%; more here to judge
    time = np.sort(rng.uniform(0, 172_792, size=n).round())
    time[0] = 0.0
    scale = np.linspace(1.9, 0.3, 28)  # PCA components: decreasing variance
    components = rng.normal(size=(n, 28)) * scale * np.where(fraud, 2.0, 1.0)[:, None]
    # fraud shows in several components at once (as V4, V10, V12, V14, V17 do in the real file), none alone
    # separating the classes perfectly: a single component is a strong feature, not another model's output
    for j, shift in ((3, 1.2), (9, -1.1), (11, -1.2), (13, -1.3), (16, -1.0)):
        components[fraud, j] += shift * scale[j] * np.sqrt(2)
    frame = pd.DataFrame({"Time": time})
    for j in range(28):
        frame[f"V{j + 1}"] = components[:, j]
    frame["Amount"] = rng.lognormal(np.where(fraud, 3.4, 3.0), np.where(fraud, 1.8, 1.4)).round(2)
    frame["Class"] = np.where(fraud, "1", "0")
    text = frame.to_csv(index=False, quoting=csv.QUOTE_NONNUMERIC, float_format="%.15g", lineterminator="\n")
    return Layout(
        name="ulb-creditcard-fraud-with-pca-features-and-no-customer-key",
        data=text.encode("utf-8"),
        filename="creditcard.csv",
        expect=_expect(
            "transactions",
            key=None,
            timestamp="Time",
            amount="Amount",
            outcome="Class",
            n_customers=None,
        ),
        source="ULB/Worldline 'Credit Card Fraud Detection' (creditcard.csv), 284,807 x 31, Sept 2013",
    )


# ------------------------------------------------------------------ 14. sentinel dates and a coded segment


def customers_with_sentinel_dates(seed: int = 0, n: int = 1_500) -> Layout:
    """Customer table with customer_since, closed_date '9999-12-31' for open accounts, segment_code 1..5, region."""
    rng = np.random.default_rng(seed)
    since = _moments(rng, "2005-01-01", "2024-01-01", n, unit="D")
    closed = since + pd.to_timedelta(rng.integers(90, 3_000, size=n), unit="D")
    is_closed = (rng.random(n) < 0.18) & (closed < pd.Timestamp("2024-06-30"))
    segment = rng.choice([1, 2, 3, 4, 5], size=n, p=[0.3, 0.25, 0.2, 0.15, 0.1])
    limit = (segment * 2_000 * rng.lognormal(0, 0.4, size=n)).round(-2)
    frame = pd.DataFrame(
        {
            "customer_id": [f"CU{v:07d}" for v in _unique_ints(rng, 1, 9_999_999, n)],
            "customer_since": since.dt.strftime("%Y-%m-%d"),
            "closed_date": np.where(is_closed, closed.dt.strftime("%Y-%m-%d"), "9999-12-31"),
            "segment_code": segment,
            "region": rng.choice(["North", "South", "East", "West", "Central"], size=n),
            "credit_limit": limit,
            "balance": (limit * rng.beta(1.2, 3, size=n)).round(2),
            "purchases_12m": rng.lognormal(7.5, 1.0, size=n).round(2),
            "cash_advance_12m": np.where(rng.random(n) < 0.3, rng.lognormal(6, 1, size=n), 0).round(2),
            "payments_12m": rng.lognormal(7.6, 0.9, size=n).round(2),
            "transactions_12m": rng.poisson(60, size=n),
        }
    )
    return Layout(
        name="customer-table-with-9999-12-31-close-dates-and-an-integer-segment-code",
        data=_text_csv(frame),
        filename="customers.csv",
        expect=_expect(
            "customers",
            key="customer_id",
            ids=("customer_id",),
            categorical=("segment_code", "region"),
            also_never=("customer_since", "closed_date"),
            n_customers=n,
        ),
        source="a bank's customer master extract: open accounts carry the 9999-12-31 'high date' sentinel",
    )


# ------------------------------------------------------------------- 15. PaySim mobile-money transfer log

PAYSIM_TYPES = ("CASH_OUT", "PAYMENT", "CASH_IN", "TRANSFER", "DEBIT")
PAYSIM_SHARES = (0.352, 0.338, 0.22, 0.084, 0.006)  # the real log's mix of 6,362,620 rows
PAYSIM_START = pd.Timestamp("1970-01-01")  # no calendar: step 0 read as this (any start would do)


def paysim_transfer_log(seed: int = 0, n: int = 3_000) -> Layout:
    """Kaggle PaySim: hour ``step`` 1..743 (sorted), ``type``, ``amount``, origin and destination names (``C...``,
    ``M...`` for merchants) with their balances before and after, ``isFraud`` and the operator's ``isFlaggedFraud``.

    The origin name repeats for almost no row (the real log: 6,353,307 names in 6,362,620 rows), so it cannot group
    transactions into customers; a few destination names receive many transfers. Fraud happens only in TRANSFER
    and CASH_OUT, and empties the origin account; the flag is the operator's rule (a fraudulent transfer above
    200,000), i.e. another rule's output, never a feature.
    """
    rng = np.random.default_rng(seed)
    kind = rng.choice(np.array(PAYSIM_TYPES), size=n, p=PAYSIM_SHARES)
    hours = np.arange(1, 744)
    busy = np.where(hours % 24 < 7, 0.15, 1.0) * np.where(hours > 400, 0.4, 1.0)  # quiet nights, a busy first half
    step = np.sort(rng.choice(hours, size=n, p=busy / busy.sum()))
    step[0] = 1
    small = np.isin(kind, ["PAYMENT", "DEBIT"])
    amount = np.where(small, rng.lognormal(8.6, 1.0, size=n), rng.lognormal(11.7, 1.1, size=n)).round(2)
    old_orig = np.where(rng.random(n) < 0.33, 0.0, rng.lognormal(10.5, 1.8, size=n)).round(2)
    fraud = np.isin(kind, ["TRANSFER", "CASH_OUT"]) & (rng.random(n) < 0.015)
    fraud[np.flatnonzero(kind == "TRANSFER")[:1]] = True  # at least one fraudulent transfer whatever the seed
    old_orig = np.where(fraud, rng.lognormal(12.5, 1.2, size=n).round(2), old_orig)
    amount = np.where(fraud, old_orig, amount)  # fraud empties the origin account
    new_orig = np.where(kind == "CASH_IN", old_orig + amount, np.maximum(old_orig - amount, 0.0)).round(2)
    origin = [f"C{v}" for v in _unique_ints(rng, 10_000_000, 2_000_000_000, n)]
    for i in rng.choice(np.arange(1, n), size=max(2, n // 1_000), replace=False):
        origin[i] = origin[int(rng.integers(0, i))]  # the rare origin seen twice
    destination = [
        (f"M{v}" if s else f"C{v}") for v, s in zip(_unique_ints(rng, 10_000_000, 2_000_000_000, n), small, strict=True)
    ]
    popular = [name for name in destination if name.startswith("C")][: max(3, n // 300)]
    for i in np.flatnonzero(~small & (rng.random(n) < 0.06)):
        destination[i] = popular[int(rng.integers(0, len(popular)))]  # a few cash-out agents receive many
    merchant = np.array([name.startswith("M") for name in destination])
    old_dest = np.where(merchant | (rng.random(n) < 0.4), 0.0, rng.lognormal(12, 1.5, size=n)).round(2)
    moves_in = np.where(kind == "CASH_IN", -amount, amount)
    new_dest = np.where(merchant, 0.0, np.maximum(old_dest + moves_in, 0.0)).round(2)
    flagged = fraud & (kind == "TRANSFER") & (amount > 200_000)
    flagged[np.flatnonzero(fraud & (kind == "TRANSFER"))[:1]] = True  # the rule fired at least once
    frame = pd.DataFrame(
        {
            "step": step,
            "type": kind,
            "amount": amount,
            "nameOrig": origin,
            "oldbalanceOrg": old_orig,
            "newbalanceOrig": new_orig,
            "nameDest": destination,
            "oldbalanceDest": old_dest,
            "newbalanceDest": new_dest,
            "isFraud": fraud.astype(int),
            "isFlaggedFraud": flagged.astype(int),
        }
    )
    return Layout(
        name="paysim-mobile-money-transfer-log-with-hour-steps-and-one-row-origins",
        data=_text_csv(frame),
        filename="PS_20174392719_1491204439457_log.csv",
        expect=_expect(
            "transactions",
            key=None,
            timestamp="step",
            amount="amount",
            outcome="isFraud",
            leakage=("isFlaggedFraud",),
            ids=("nameOrig", "nameDest"),
            categorical=("type",),
            n_customers=None,
            dates=pd.Series(PAYSIM_START + pd.to_timedelta(step, unit="h")),
        ),
        source="Kaggle 'Synthetic Financial Datasets For Fraud Detection' (PaySim), 6,362,620 x 11, 743 hourly steps",
    )


# ------------------------------------------------------------------------------------------------ registry


# ------------------------------------------------------------------------------------ 14. monthly panels


def _monthly_spans(rng: np.random.Generator, owners: int, low: int, high: int) -> tuple[np.ndarray, np.ndarray]:
    """Consecutive months for each owner, ending 0-12 months ago: (each row's owner, its month), newest first."""
    length = rng.integers(low, high + 1, owners)
    latest = -rng.integers(0, 13, owners)
    owner = np.repeat(np.arange(owners), length)
    back = np.concatenate([np.arange(n) for n in length])  # 0 for each run's newest month
    return owner, latest[owner] - back


def home_credit_card_balance(seed: int = 0, n: int = 300) -> Layout:
    """Home Credit ``credit_card_balance.csv``: a row per card per month, keyed by the client (SK_ID_CURR).

    SK_ID_PREV is the card (a previous credit), MONTHS_BALANCE the month relative to the application (-1 the
    latest); some clients hold two cards; drawing counts and amounts are blank in some months, as in the real file.
    """
    rng = np.random.default_rng(seed)
    clients = _unique_ints(rng, 100_002, 456_256, n)
    cards_of = np.where(rng.random(n) < 0.2, 2, 1)
    card_client = np.repeat(clients, cards_of)
    card_ids = 1_000_000 + np.cumsum(rng.integers(1, 900, len(card_client)))
    card, month = _monthly_spans(rng, len(card_client), 6, 36)
    month = month - 1  # Home Credit's freshest month is -1
    rows = len(card)
    limit = rng.choice([22_500.0, 45_000.0, 90_000.0, 135_000.0, 270_000.0], len(card_client))[card]
    use = rng.beta(1.2, 2.5, len(card_client))[card]
    balance = np.round(limit * np.clip(use + rng.normal(0, 0.05, rows), 0, 1.05), 3)
    atm_count = rng.poisson(1.5 * use)
    pos_count = rng.poisson(3.0 * (1 - use))
    atm = atm_count * rng.choice([4_500.0, 9_000.0, 22_500.0], rows)
    pos = np.round(pos_count * rng.gamma(2.0, 3_000.0, rows), 2)
    blank = rng.random(rows) < 0.2
    status = np.where(rng.random(rows) < 0.96, "Active", rng.choice(["Completed", "Signed", "Demand"], rows))
    frame = pd.DataFrame(
        {
            "SK_ID_PREV": card_ids[card],
            "SK_ID_CURR": card_client[card],
            "MONTHS_BALANCE": month,
            "AMT_BALANCE": balance,
            "AMT_CREDIT_LIMIT_ACTUAL": limit.astype("int64"),
            "AMT_DRAWINGS_ATM_CURRENT": np.where(blank, np.nan, atm),
            "AMT_DRAWINGS_CURRENT": atm + pos,
            "AMT_DRAWINGS_POS_CURRENT": np.where(blank, np.nan, pos),
            "AMT_PAYMENT_TOTAL_CURRENT": np.round(balance * rng.uniform(0.02, 0.3, rows), 2),
            "CNT_DRAWINGS_ATM_CURRENT": np.where(blank, np.nan, atm_count),
            "CNT_DRAWINGS_CURRENT": atm_count + pos_count,
            "CNT_DRAWINGS_POS_CURRENT": np.where(blank, np.nan, pos_count),
            "NAME_CONTRACT_STATUS": status,
            "SK_DPD": np.where(rng.random(rows) < 0.95, 0, rng.integers(1, 120, rows)),
        }
    )
    frame = frame.iloc[rng.permutation(rows)].reset_index(drop=True)  # the real file is in no particular order
    return Layout(
        name="home-credit-card-balance-monthly-panel-with-two-ids",
        data=_text_csv(frame),
        filename="credit_card_balance.csv",
        expect=_expect(
            "customers",
            key="SK_ID_CURR",
            ids=("SK_ID_PREV", "SK_ID_CURR"),
            also_never=("MONTHS_BALANCE",),
            categorical=("NAME_CONTRACT_STATUS",),
            n_customers=n,
        ),
        source="Home Credit Default Risk (Kaggle), credit_card_balance.csv: 3,840,312 rows, 103,558 clients",
    )


def credit_approval_record(seed: int = 0, n: int = 400) -> Layout:
    """Kaggle 'Credit Card Approval Prediction' ``credit_record.csv``: ID, MONTHS_BALANCE (0 the latest), STATUS.

    A row per client per month, newest month first within each client, as the real file; STATUS is 0-5 (months
    past due, in bands), C (paid off that month) or X (no loan that month).
    """
    rng = np.random.default_rng(seed)
    ids = np.sort(_unique_ints(rng, 5_001_711, 5_150_488, n))
    owner, month = _monthly_spans(rng, n, 3, 40)
    late = rng.random(n) < 0.3
    status = np.where(rng.random(len(owner)) < 0.5, "C", np.where(rng.random(len(owner)) < 0.5, "0", "X"))
    overdue = late[owner] & (rng.random(len(owner)) < 0.2)
    status = np.where(overdue, rng.choice(["1", "2", "3", "4", "5"], len(owner), p=[0.6, 0.2, 0.1, 0.05, 0.05]), status)
    frame = pd.DataFrame({"ID": ids[owner], "MONTHS_BALANCE": month, "STATUS": status})
    return Layout(
        name="credit-approval-record-monthly-status-newest-first",
        data=_text_csv(frame),
        filename="credit_record.csv",
        expect=_expect(
            "customers", key="ID", ids=("ID",), also_never=("MONTHS_BALANCE",), categorical=("STATUS",), n_customers=n
        ),
        source="Credit Card Approval Prediction (Kaggle), credit_record.csv: 1,048,575 rows, 45,985 clients",
    )


# ---------------------------------------------------------------------------------- 15. a marketing campaign


def uci_bank_marketing(seed: int = 0, n: int = 2_000) -> Layout:
    """UCI 'bank-additional-full.csv': semicolon-separated, text quoted, 'unknown' levels, pdays 999 for never
    contacted, the call's ``duration`` (which the outcome ``y`` follows: a call of 0 seconds is always a no)."""
    rng = np.random.default_rng(seed)
    age = np.clip(rng.normal(40, 10, n).round(), 18, 95).astype("int64")
    duration = np.round(rng.lognormal(5.3, 0.8, n)).astype("int64")
    duration[rng.random(n) < 0.01] = 0
    contacted_before = rng.random(n) < 0.04
    rate = rng.choice([1.1, 1.4, -0.1, -1.8, -2.9], n)
    chance = 1 / (1 + np.exp(-(duration - 600) / 150)) * 0.8 + 0.05 * contacted_before
    y = np.where((duration > 0) & (rng.random(n) < chance), "yes", "no")
    frame = pd.DataFrame(
        {
            "age": age,
            "job": rng.choice(
                ["admin.", "blue-collar", "technician", "services", "management", "retired", "unknown"], n
            ),
            "marital": rng.choice(["married", "single", "divorced", "unknown"], n, p=[0.6, 0.28, 0.11, 0.01]),
            "education": rng.choice(
                ["university.degree", "high.school", "basic.9y", "professional.course", "unknown"], n
            ),
            "default": rng.choice(["no", "unknown", "yes"], n, p=[0.79, 0.2, 0.01]),
            "housing": rng.choice(["yes", "no", "unknown"], n, p=[0.52, 0.45, 0.03]),
            "loan": rng.choice(["no", "yes", "unknown"], n, p=[0.82, 0.15, 0.03]),
            "contact": rng.choice(["cellular", "telephone"], n, p=[0.64, 0.36]),
            "month": rng.choice(["may", "jul", "aug", "jun", "nov", "apr"], n),
            "day_of_week": rng.choice(["mon", "tue", "wed", "thu", "fri"], n),
            "duration": duration,
            "campaign": rng.geometric(0.4, n),
            "pdays": np.where(contacted_before, rng.integers(0, 27, n), 999),
            "previous": np.where(contacted_before, rng.integers(1, 4, n), 0),
            "poutcome": np.where(contacted_before, rng.choice(["failure", "success"], n), "nonexistent"),
            "emp.var.rate": rate,
            "cons.price.idx": np.round(93.5 + rate * 0.3, 3),
            "euribor3m": np.round(4.0 + rate * 0.9, 3),
            "y": y,
        }
    )
    return Layout(
        name="uci-bank-marketing-calls-with-duration-and-pdays-999",
        data=_text_csv(frame, sep=";", quoting=csv.QUOTE_NONNUMERIC),
        filename="bank-additional-full.csv",
        expect=_expect(
            "customers",
            key=None,
            outcome="y",
            leakage=("duration",),
            also_never=("month", "day_of_week", "emp.var.rate", "cons.price.idx", "euribor3m"),
        ),
        source="UCI Bank Marketing (Moro et al. 2014), bank-additional-full.csv: 41,188 calls x 21",
    )


# ------------------------------------------------------------------------------------- 16. credit scoring


def give_me_some_credit(seed: int = 0, n: int = 3_000) -> Layout:
    """Kaggle 'Give Me Some Credit' ``cs-training.csv``: an unnamed row index, SeriousDlqin2yrs (the outcome),
    "NA" incomes and dependents, and 96 / 98 in the three past-due counts of a few rows (codes, not counts)."""
    rng = np.random.default_rng(seed)
    risk = rng.normal(size=n)
    late = [np.clip(rng.poisson(np.exp(risk - 1.8)), 0, 13) for _ in range(3)]
    coded = rng.random(n) < 0.006
    code = np.where(rng.random(n) < 0.8, 98, 96)
    income = np.round(rng.lognormal(8.6, 0.6, n))
    frame = pd.DataFrame(
        {
            "SeriousDlqin2yrs": (rng.random(n) < 1 / (1 + np.exp(-(risk * 1.3 - 2.8)))).astype("int64"),
            "RevolvingUtilizationOfUnsecuredLines": np.round(rng.beta(0.7, 1.5, n) * (1 + 0.2 * (risk > 1)), 6),
            "age": np.clip(rng.normal(52, 15, n).round(), 21, 103).astype("int64"),
            "NumberOfTime30-59DaysPastDueNotWorse": np.where(coded, code, late[0]),
            "DebtRatio": np.round(rng.lognormal(-1.0, 0.9, n), 6),
            "MonthlyIncome": pd.array(np.where(rng.random(n) < 0.2, np.nan, income)).astype("Float64"),
            "NumberOfOpenCreditLinesAndLoans": rng.poisson(8, n),
            "NumberOfTimes90DaysLate": np.where(coded, code, late[1]),
            "NumberRealEstateLoansOrLines": rng.poisson(1, n),
            "NumberOfTime60-89DaysPastDueNotWorse": np.where(coded, code, late[2]),
            "NumberOfDependents": pd.array(np.where(rng.random(n) < 0.03, np.nan, rng.poisson(0.8, n))).astype(
                "Float64"
            ),
        },
        index=pd.RangeIndex(1, n + 1),
    )
    text = frame.to_csv(index=True, na_rep="NA")  # the unnamed first column, as the real file
    return Layout(
        name="give-me-some-credit-with-an-unnamed-index-and-96-98-past-due-codes",
        data=text.encode(),
        filename="cs-training.csv",
        expect=_expect("customers", key="Unnamed: 0", outcome="SeriousDlqin2yrs", ids=("Unnamed: 0",), n_customers=n),
        source="Kaggle 'Give Me Some Credit' (2011), cs-training.csv: 150,000 x 12",
    )


def german_credit(seed: int = 0, n: int = 1_000) -> Layout:
    """Statlog German credit as Kaggle's ``german_credit_data.csv``: an unnamed index, Job coded 0-3, accounts left
    empty, and the outcome ``Risk`` (good / bad)."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "Age": rng.integers(19, 76, n),
            "Sex": rng.choice(["male", "female"], n, p=[0.69, 0.31]),
            "Job": rng.choice(4, n, p=[0.02, 0.2, 0.63, 0.15]),
            "Housing": rng.choice(["own", "rent", "free"], n, p=[0.71, 0.18, 0.11]),
            "Saving accounts": rng.choice(
                ["little", "moderate", "quite rich", "rich", None], n, p=[0.6, 0.1, 0.06, 0.05, 0.19]
            ),
            "Checking account": rng.choice(["little", "moderate", "rich", None], n, p=[0.27, 0.27, 0.06, 0.4]),
            "Credit amount": np.round(rng.lognormal(7.8, 0.75, n)).astype("int64"),
            "Duration": rng.choice([6, 12, 18, 24, 36, 48], n),
            "Purpose": rng.choice(["radio/TV", "car", "furniture/equipment", "business", "education"], n),
            "Risk": rng.choice(["good", "bad"], n, p=[0.7, 0.3]),
        }
    )
    return Layout(
        name="statlog-german-credit-with-an-unnamed-index-and-risk-good-or-bad",
        data=frame.to_csv(index=True).encode(),
        filename="german_credit_data.csv",
        expect=_expect(
            "customers",
            key="Unnamed: 0",
            outcome="Risk",
            ids=("Unnamed: 0",),
            categorical=("Sex", "Job", "Housing", "Purpose"),
            n_customers=n,
        ),
        source="Statlog (German Credit Data), Kaggle german_credit_data.csv: 1,000 x 10 plus an index",
    )


def french_card_statement(seed: int = 0, n: int = 1_500) -> Layout:
    """A French bank's card statement: cp1252, semicolons, decimal commas, dd/mm/yyyy, title lines, split Débit /
    Crédit, and the card written "XXXX XXXX XXXX 1234" for each of 8 cards."""
    rng = np.random.default_rng(seed)
    cards = [f"XXXX XXXX XXXX {rng.integers(1000, 9999)}" for _ in range(8)]
    days = pd.Timestamp("2023-01-01") + pd.to_timedelta(np.sort(rng.integers(0, 365, n)), unit="D")
    shops = ["CB CARREFOUR MARKET", "CB DÉCATHLON", "CB FNAC", "CB RETRAIT DAB", "CB SNCF", "CB PHARMACIE"]
    refund = rng.random(n) < 0.04
    amount = np.round(rng.lognormal(3.4, 0.9, n), 2)
    money = [f"{value:.2f}".replace(".", ",") for value in amount]
    frame = pd.DataFrame(
        {
            "Date opération": days.strftime("%d/%m/%Y"),
            "Libellé": np.where(refund, "AVOIR CB FNAC", rng.choice(shops, n)),
            "Débit": np.where(refund, "", money),
            "Crédit": np.where(refund, money, ""),
            "Numéro de carte": rng.choice(cards, n),
        }
    )
    return Layout(
        name="french-card-statement-cp1252-with-accented-headers-and-masked-cards",
        data=_text_csv(
            frame,
            sep=";",
            encoding="cp1252",
            preamble=("Relevé des opérations carte", "Compte courant n° 00012345678", ""),
        ),
        filename="releve_carte.csv",
        expect=_expect(
            "transactions",
            key="Numéro de carte",
            timestamp="Date opération",
            amount=("Débit", "Crédit"),
            n_customers=8,
            dates=pd.Series(days),
            date_only=True,
        ),
        source="A French bank's card-statement export (layout of BNP / Société Générale CSV downloads)",
    )


# --------------------------------------------------------------------------- 17. one person's app and bank exports


def monzo_export(seed: int = 0, n: int = 800) -> Layout:
    """A Monzo app CSV export of one person's account: a unique Transaction ID, dd/mm/yyyy dates with the time of
    day in a separate Time column, an Emoji column (blank on transfers and salary), signed amounts with Money Out /
    Money In beside them."""
    rng = np.random.default_rng(seed)
    shops = [("Pret A Manger", "eating_out", "\u2615"), ("Tesco", "groceries", "\U0001f6d2"),
             ("TfL", "transport", "\U0001f687"), ("Spotify", "entertainment", "\U0001f3a7"),
             ("Deliveroo", "eating_out", "\U0001f354"), ("Boots", "shopping", "\U0001f48a")]  # fmt: skip
    days = pd.Timestamp("2023-04-01") + pd.to_timedelta(np.sort(rng.integers(0, 365, n)), unit="D")
    clock = rng.integers(0, [24, 60, 60], (n, 3))
    moments = days + pd.to_timedelta(clock @ np.array([3_600, 60, 1]), unit="s")
    kind = rng.choice(["card", "salary", "transfer"], n, p=[0.88, 0.03, 0.09])
    shop = rng.integers(0, len(shops), n)
    amount = np.where(kind == "salary", 2_650.0, -np.round(rng.lognormal(2.6, 0.9, n), 2))
    amount = np.where(kind == "transfer", np.round(rng.choice([-1, 1], n) * rng.lognormal(4, 0.7, n), 2), amount)
    frame = pd.DataFrame(
        {
            "Transaction ID": [f"tx_0000{rng.integers(10**11, 10**12):x}" for _ in range(n)],
            "Date": days.strftime("%d/%m/%Y"),
            "Time": [f"{h:02d}:{m:02d}:{sec:02d}" for h, m, sec in clock],
            "Type": np.select([kind == "card", kind == "salary"], ["Card payment", "Faster payment"], "Faster payment"),
            "Name": np.where(
                kind == "card", [shops[i][0] for i in shop], np.where(kind == "salary", "ACME LTD", "J Smith")
            ),
            "Emoji": np.where(kind == "card", [shops[i][2] for i in shop], ""),
            "Category": np.where(
                kind == "card", [shops[i][1] for i in shop], np.where(kind == "salary", "income", "transfers")
            ),
            "Amount": amount,
            "Currency": "GBP",
            "Money Out": np.where(amount < 0, -amount, np.nan),
            "Money In": np.where(amount > 0, amount, np.nan),
        }
    )
    return Layout(
        name="monzo-app-export-of-one-account-with-an-emoji-column",
        data=_text_csv(frame),
        filename="monzo_export.csv",
        expect=_expect(
            "transactions",
            key=None,
            timestamp=("Date", "Time"),
            amount="Amount",
            ids=("Transaction ID",),
            also_never=("Emoji",),
            dates=pd.Series(moments),
            date_only=False,
            money_in=int((amount > 0).sum()),  # salary and transfers in, all Faster payments,
        ),
        source="Monzo (UK) app: Account > Export transactions > CSV",
    )


def intesa_movements(seed: int = 0, n: int = 600) -> Layout:
    """An Italian bank's account movements as .xlsx (the layout of Intesa Sanpaolo's 'Lista Movimenti'): title and
    summary rows, then Data contabile, Data valuta, Descrizione, Accrediti (money in), Addebiti (money out, as
    negative numbers)."""
    rng = np.random.default_rng(seed)
    days = pd.Timestamp("2024-01-02") + pd.to_timedelta(np.sort(rng.integers(0, 363, n)), unit="D")
    salary = rng.random(n) < 0.02
    transfer_in = ~salary & (rng.random(n) < 0.12)
    credit = salary | transfer_in
    amount = np.where(salary, 3_024.0, np.round(rng.lognormal(3.5, 1.0, n), 2))
    spending = rng.choice(["Pagamento POS Esselunga", "Pagamento POS Caffè della Città", "Prelievo Bancomat"], n)
    words = np.where(salary, "Stipendio ACME SPA", np.where(transfer_in, "Accredito Bonifico Istantaneo", spending))
    frame = pd.DataFrame(
        {
            "Data contabile": days.to_pydatetime(),
            "Data valuta": days.to_pydatetime(),
            "Descrizione": words,
            "Accrediti": np.where(credit, amount, np.nan),
            "Addebiti": np.where(credit, np.nan, -amount),
        }
    )
    title = ("Lista Movimenti", ["Intestatario", "MARIO ROSSI"], ["IBAN", "IT60X0542811101000000123456"],
             ["Periodo", "01/01/2024 - 31/12/2024"], "")  # fmt: skip
    return Layout(
        name="italian-account-movements-xlsx-with-accrediti-and-addebiti",
        data=_xlsx(frame, "Lista Movimenti", title=title),
        filename="Movimenti_Conto.xlsx",
        expect=_expect(
            "transactions",
            key=None,
            timestamp="Data contabile",
            amount=("Addebiti", "Accrediti"),
            dates=pd.Series(days),
            date_only=True,
            money_in=int(credit.sum()),
        ),
        source="An Italian bank's account export (the layout of Intesa Sanpaolo's Lista Movimenti .xlsx)",
    )


LAYOUTS: dict[str, Callable[..., Layout]] = {
    "kaggle-bankchurners-with-leaked-naive-bayes-scores": bank_churners,
    "uci-taiwan-credit-default-with-integer-coded-categories": uci_credit_default,
    "uci-default-of-credit-card-clients-xls-with-a-row-of-variable-codes": uci_credit_default_xls,
    "ibm-tabformer-transactions-with-date-split-over-four-columns": ibm_tabformer,
    "czech-berka-bank-transactions-with-yymmdd-integer-dates": berka_transactions,
    "german-sparkasse-camt-export-of-several-accounts": sparkasse_camt,
    "german-dkb-giro-export-of-one-account-with-title-lines": dkb_giro,
    "german-card-export-xlsx-with-kundennummer-negative-spending-and-date-only": german_card_export,
    "sparkov-transactions-whose-card-numbers-excel-turned-into-2.29E+15": sparkov_card_numbers_mangled_by_excel,
    "transactions-keyed-by-user-id-with-four-card-types": user_keyed_with_card_type,
    **{
        f"transactions-keyed-by-{key.replace('_', '-')}-with-missing-keys-and-repeated-rows": partial(
            keyed_with_gaps_and_repeats, key=key
        )
        for key in ("client_id", "holder_id", "member_id", "account_number")
    },
    "alllife-bank-customers-xlsx-with-five-repeated-keys": alllife_customers,
    "kaggle-cc-general-customers": cc_general,
    "kaggle-mall-customers": mall_customers,
    "uk-statement-with-money-in-and-money-out-for-several-accounts": uk_money_in_out_statement,
    "uk-lloyds-export-with-sort-code-and-account-number": lloyds_statement,
    "uk-barclays-export-with-account-column-and-signed-amounts": barclays_statement,
    "ulb-creditcard-fraud-with-pca-features-and-no-customer-key": ulb_creditcard_fraud,
    "customer-table-with-9999-12-31-close-dates-and-an-integer-segment-code": customers_with_sentinel_dates,
    "paysim-mobile-money-transfer-log-with-hour-steps-and-one-row-origins": paysim_transfer_log,
    "home-credit-card-balance-monthly-panel-with-two-ids": home_credit_card_balance,
    "credit-approval-record-monthly-status-newest-first": credit_approval_record,
    "uci-bank-marketing-calls-with-duration-and-pdays-999": uci_bank_marketing,
    "give-me-some-credit-with-an-unnamed-index-and-96-98-past-due-codes": give_me_some_credit,
    "statlog-german-credit-with-an-unnamed-index-and-risk-good-or-bad": german_credit,
    "french-card-statement-cp1252-with-accented-headers-and-masked-cards": french_card_statement,
    "monzo-app-export-of-one-account-with-an-emoji-column": monzo_export,
    "italian-account-movements-xlsx-with-accrediti-and-addebiti": intesa_movements,
}
"""English name -> ``generator(seed)``; each generator's ``Layout.name`` equals its key here."""
