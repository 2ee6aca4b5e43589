"""Seeded generators for the sample customer tables: the card portfolio (CC GENERAL) and branch contacts (AllLife).

Both are synthetic and ours. The card portfolio is calibrated to the public Kaggle "CC GENERAL" file (8,950
card holders, six months of behaviour): heavy right skew, about 23% of customers with no purchases, frequencies
in [0, 1], TENURE mostly 12, about 3.5% missing ``MINIMUM_PAYMENTS``. Each customer belongs to one of six latent
behaviour groups (:data:`CUSTOMER_GROUPS`) that drive every column, so segmentation has something real to find.
The group is never written to the table; ask for it with ``return_groups=True``.

Everything is drawn column-wise with numpy (no Python loop over customers): a million customers take a few
seconds.
"""

from __future__ import annotations

from typing import Literal, overload

import numpy as np
import pandas as pd

from core.errors import DataError

CC_GENERAL_COLUMNS: tuple[str, ...] = (
    "CUST_ID",
    "BALANCE",
    "BALANCE_FREQUENCY",
    "PURCHASES",
    "ONEOFF_PURCHASES",
    "INSTALLMENTS_PURCHASES",
    "CASH_ADVANCE",
    "PURCHASES_FREQUENCY",
    "ONEOFF_PURCHASES_FREQUENCY",
    "PURCHASES_INSTALLMENTS_FREQUENCY",
    "CASH_ADVANCE_FREQUENCY",
    "CASH_ADVANCE_TRX",
    "PURCHASES_TRX",
    "CREDIT_LIMIT",
    "PAYMENTS",
    "MINIMUM_PAYMENTS",
    "PRC_FULL_PAYMENT",
    "TENURE",
)
ALLLIFE_COLUMNS: tuple[str, ...] = (
    "Sl_No",
    "Customer Key",
    "Avg_Credit_Limit",
    "Total_Credit_Cards",
    "Total_visits_bank",
    "Total_visits_online",
    "Total_calls_made",
)

# One row per latent behaviour group; every column is one parameter of the generator (read down a column to
# compare groups). "never_*" is the share of the group that never uses that kind of spending; "p_*" the mean
# monthly probability of using it otherwise; "*_month" the median amount in a month of use (scaled by limit).
_GROUPS = pd.DataFrame(
    [
        # name               share  limit never_oneoff p_oneoff oneoff_month never_inst p_inst inst_month
        #                    never_cash p_cash cash_month utilisation never_full p_full
        ("transactors", 0.19, 4500, 0.05, 0.60, 120.0, 0.05, 0.60, 75.0, 0.75, 0.10, 150.0, 0.06, 0.10, 0.70),
        ("revolvers", 0.20, 4000, 0.10, 0.30, 100.0, 0.55, 0.25, 65.0, 0.60, 0.20, 250.0, 0.75, 0.97, 0.10),
        ("cash_advance", 0.16, 3500, 0.10, 0.20, 80.0, 0.50, 0.15, 50.0, 0.00, 0.55, 420.0, 0.55, 0.95, 0.10),
        ("instalment_buyers", 0.21, 2000, 0.80, 0.12, 80.0, 0.00, 0.82, 70.0, 0.60, 0.10, 120.0, 0.20, 0.55, 0.30),
        ("dormant", 0.17, 1800, 0.92, 0.10, 60.0, 0.95, 0.10, 40.0, 0.45, 0.08, 100.0, 0.05, 0.85, 0.30),
        ("premium", 0.07, 10000, 0.00, 0.75, 250.0, 0.85, 0.30, 150.0, 0.85, 0.08, 500.0, 0.08, 0.20, 0.50),
    ],
    columns=[
        "name",
        "share",
        "limit",
        "never_oneoff",
        "p_oneoff",
        "oneoff_month",
        "never_inst",
        "p_inst",
        "inst_month",
        "never_cash",
        "p_cash",
        "cash_month",
        "utilisation",
        "never_full",
        "p_full",
    ],
).set_index("name")
CUSTOMER_GROUPS: tuple[str, ...] = tuple(_GROUPS.index)

# TENURE in CC GENERAL: 84.7% twelve months, the rest spread over 6-11.
_TENURE_VALUES = np.array([6, 7, 8, 9, 10, 11, 12])
_TENURE_SHARES = np.array([0.0228, 0.0212, 0.0219, 0.0196, 0.0264, 0.0408, 0.8473])

_ALLLIFE_GROUPS = pd.DataFrame(
    [
        # name                 size  limit_k  cards  bank  online  calls
        ("phone_first_low", 224, 12.0, 2.0, 1.0, 3.6, 7.0),
        ("branch_first_mid", 386, 34.0, 5.5, 3.5, 1.0, 2.0),
        ("online_first_premium", 50, 141.0, 8.8, 0.6, 10.9, 1.1),
    ],
    columns=["name", "size", "limit_k", "cards", "bank", "online", "calls"],
).set_index("name")
ALLLIFE_GROUPS: tuple[str, ...] = tuple(_ALLLIFE_GROUPS.index)


def _beta_around(rng: np.random.Generator, mean: np.ndarray, concentration: float) -> np.ndarray:
    """Draw one Beta value per element with the given means (clipped away from 0 and 1)."""
    mean = np.clip(mean, 0.01, 0.99)
    return rng.beta(mean * concentration, (1.0 - mean) * concentration)


def _months_used(rng: np.random.Generator, tenure: np.ndarray, never: np.ndarray, p_mean: np.ndarray) -> np.ndarray:
    """Months (0..tenure) in which a customer used one kind of spending."""
    p = _beta_around(rng, p_mean, 4.0)
    months = rng.binomial(tenure, p)
    return np.where(rng.random(tenure.size) < never, 0, months)


def _round_limit(limit: np.ndarray) -> np.ndarray:
    """Round credit limits the way banks set them: to 500 from 2,000 up, to 100 below."""
    return np.where(limit >= 2000, np.round(limit / 500) * 500, np.round(limit / 100) * 100)


@overload
def generate_customers(
    n: int = ..., *, random_state: int = ..., return_groups: Literal[False] = ...
) -> pd.DataFrame: ...
@overload
def generate_customers(
    n: int = ..., *, random_state: int = ..., return_groups: Literal[True]
) -> tuple[pd.DataFrame, pd.Series]: ...
def generate_customers(
    n: int = 8950, *, random_state: int = 0, return_groups: bool = False
) -> pd.DataFrame | tuple[pd.DataFrame, pd.Series]:
    """Generate a card portfolio in the CC GENERAL layout (one row per card holder, six months of behaviour).

    Parameters
    ----------
    n : int
        Number of customers (ids ``C10001``, ``C10002``, ...).
    random_state : int
        Seed; the same seed gives the same frame.
    return_groups : bool
        Also return each customer's latent behaviour group (one of :data:`CUSTOMER_GROUPS`).

    Returns
    -------
    pandas.DataFrame or (pandas.DataFrame, pandas.Series)
        Exactly the 18 columns of :data:`CC_GENERAL_COLUMNS`, in that order: ``CUST_ID`` (str); monetary
        columns ``BALANCE, PURCHASES, ONEOFF_PURCHASES, INSTALLMENTS_PURCHASES, CASH_ADVANCE, CREDIT_LIMIT,
        PAYMENTS, MINIMUM_PAYMENTS`` (float; ``PURCHASES = ONEOFF_PURCHASES + INSTALLMENTS_PURCHASES``);
        frequencies and ``PRC_FULL_PAYMENT`` in [0, 1]; ``CASH_ADVANCE_TRX, PURCHASES_TRX, TENURE`` (int).
        ``MINIMUM_PAYMENTS`` is missing for about 3.5% (every customer who paid nothing, and a few more) and
        ``CREDIT_LIMIT`` for one customer. With ``return_groups`` also a Series ``group`` on the same index.

    Raises
    ------
    DataError
        When ``n`` is not a positive number.

    Examples
    --------
    >>> frame = generate_customers(5)
    >>> list(frame["CUST_ID"])
    ['C10001', 'C10002', 'C10003', 'C10004', 'C10005']
    """
    if int(n) < 1:
        raise DataError("Ask for at least one customer.")
    n = int(n)
    rng = np.random.default_rng(random_state)
    groups = rng.choice(len(_GROUPS), size=n, p=_GROUPS["share"].to_numpy())
    par = {column: _GROUPS[column].to_numpy()[groups] for column in _GROUPS.columns}
    tenure = rng.choice(_TENURE_VALUES, size=n, p=_TENURE_SHARES / _TENURE_SHARES.sum())

    limit = par["limit"] * rng.lognormal(0.0, 0.55, n)
    limit = np.where(groups == CUSTOMER_GROUPS.index("premium"), np.maximum(limit, 8000), limit)
    limit = _round_limit(np.clip(limit, 300, 30000))
    scale = np.sqrt(limit / 4000.0)  # people with higher limits spend more per month

    oneoff_months = _months_used(rng, tenure, par["never_oneoff"], par["p_oneoff"])
    inst_months = _months_used(rng, tenure, par["never_inst"], par["p_inst"])
    cash_months = _months_used(rng, tenure, par["never_cash"], par["p_cash"])
    # Months with any purchase: the one-off months plus the instalment months that were not one-off months.
    overlap = rng.hypergeometric(oneoff_months, tenure - oneoff_months, np.maximum(inst_months, 1))
    overlap = np.where(inst_months > 0, np.minimum(overlap, inst_months), 0)
    purchase_months = oneoff_months + inst_months - overlap

    # Transactions: at least one per month of use, more for frequent buyers (ratio ~1.5 at the median).
    oneoff_trx = oneoff_months + rng.poisson(oneoff_months * rng.lognormal(-0.9, 1.2, n))
    inst_trx = inst_months + rng.poisson(inst_months * rng.lognormal(-0.5, 1.2, n))
    cash_trx = cash_months + rng.poisson(cash_months * rng.lognormal(-0.5, 0.8, n))

    oneoff = np.round(oneoff_months * par["oneoff_month"] * scale * rng.lognormal(0.0, 0.85, n), 2)
    inst = np.round(inst_months * par["inst_month"] * scale * rng.lognormal(0.0, 0.8, n), 2)
    purchases = np.round(oneoff + inst, 2)
    cash = np.round(cash_months * par["cash_month"] * scale * rng.lognormal(0.0, 0.8, n), 6)

    # Balance: the group's utilisation of the limit, plus what the cash advances left behind. Dormant cards
    # mostly carry small balances; about a quarter carry an old, larger one.
    utilisation = _beta_around(rng, par["utilisation"], 6.0)
    balance = limit * utilisation * rng.lognormal(0.0, 0.35, n) + 0.2 * cash
    dormant = groups == CUSTOMER_GROUPS.index("dormant")
    old_balance = np.where(rng.random(n) < 0.25, 6.0, 1.0)
    balance = np.where(dormant, rng.lognormal(4.0, 1.0, n) * old_balance, balance)
    balance = np.where(dormant & (rng.random(n) < 0.055), 0.0, np.minimum(balance, 19000.0))
    balance_months = rng.binomial(tenure, np.where(dormant, _beta_around(rng, np.full(n, 0.4), 6.0), 0.985))
    balance_frequency = np.where(balance > 0, np.maximum(balance_months, 1) / tenure, 0.0)

    # Payments: transactors clear their purchases, revolvers and cash users pay a slice of the balance.
    full_pay = _beta_around(rng, par["p_full"], 3.0)
    full_pay_months = np.where(rng.random(n) < par["never_full"], 0, rng.binomial(tenure, full_pay))
    prc_full_payment = full_pay_months / tenure
    payments = purchases * (0.4 + 0.5 * prc_full_payment) + 0.6 * cash + 0.1 * tenure / 6 * balance
    payments = (payments + 150.0 * rng.lognormal(0.0, 1.0, n)) * rng.lognormal(0.0, 0.5, n)
    pays_nothing = rng.random(n) < np.where(dormant, 0.13, 0.007)
    payments = np.round(np.where(pays_nothing, 0.0, payments), 6)

    minimum = (0.3 * balance + 110.0) * rng.lognormal(0.0, 0.5, n)
    minimum = np.where(rng.random(n) < 0.004, minimum * 15, minimum)  # a few huge minimum payments
    missing_minimum = (payments == 0) | (rng.random(n) < 0.009)
    minimum = np.round(np.where(missing_minimum, np.nan, minimum), 6)
    limit = limit.astype("float64")
    if n > 1:
        limit[rng.integers(n)] = np.nan  # one missing limit, as in the real file

    frame = pd.DataFrame(
        {
            "CUST_ID": "C" + pd.Series(np.arange(10001, 10001 + n)).astype("string"),
            "BALANCE": np.round(balance, 6),
            "BALANCE_FREQUENCY": np.round(balance_frequency, 6),
            "PURCHASES": purchases,
            "ONEOFF_PURCHASES": oneoff,
            "INSTALLMENTS_PURCHASES": inst,
            "CASH_ADVANCE": cash,
            "PURCHASES_FREQUENCY": np.round(purchase_months / tenure, 6),
            "ONEOFF_PURCHASES_FREQUENCY": np.round(oneoff_months / tenure, 6),
            "PURCHASES_INSTALLMENTS_FREQUENCY": np.round(inst_months / tenure, 6),
            "CASH_ADVANCE_FREQUENCY": np.round(cash_months / tenure, 6),
            "CASH_ADVANCE_TRX": cash_trx.astype("int64"),
            "PURCHASES_TRX": (oneoff_trx + inst_trx).astype("int64"),
            "CREDIT_LIMIT": limit,
            "PAYMENTS": payments,
            "MINIMUM_PAYMENTS": minimum,
            "PRC_FULL_PAYMENT": np.round(prc_full_payment, 6),
            "TENURE": tenure.astype("int64"),
        },
        columns=list(CC_GENERAL_COLUMNS),
    )
    if return_groups:
        return frame, pd.Series(np.asarray(CUSTOMER_GROUPS)[groups], index=frame.index, name="group")
    return frame


@overload
def generate_alllife(n: int = ..., *, random_state: int = ..., return_groups: Literal[False] = ...) -> pd.DataFrame: ...
@overload
def generate_alllife(
    n: int = ..., *, random_state: int = ..., return_groups: Literal[True]
) -> tuple[pd.DataFrame, pd.Series]: ...
def generate_alllife(
    n: int = 660, *, random_state: int = 0, return_groups: bool = False
) -> pd.DataFrame | tuple[pd.DataFrame, pd.Series]:
    """Generate bank customers in the AllLife layout, with three channel-usage groups.

    The groups (:data:`ALLLIFE_GROUPS`): low-limit phone-first customers (~35%), mid-limit branch-first
    customers (~58%) and premium high-limit online-first customers (~7%).

    Parameters
    ----------
    n : int
        Number of customers (rows).
    random_state : int
        Seed; the same seed gives the same frame.
    return_groups : bool
        Also return each customer's group.

    Returns
    -------
    pandas.DataFrame or (pandas.DataFrame, pandas.Series)
        Columns :data:`ALLLIFE_COLUMNS`: ``Sl_No`` (1..n) and ``Customer Key`` (5-digit int; a handful
        repeat, as in real exports) are identifiers; ``Avg_Credit_Limit`` (int, multiples of 1,000) and the
        four counts (int) are the features.

    Raises
    ------
    DataError
        When ``n`` is not a positive number.
    """
    if int(n) < 1:
        raise DataError("Ask for at least one customer.")
    n = int(n)
    rng = np.random.default_rng(random_state)
    sizes = np.floor(_ALLLIFE_GROUPS["size"].to_numpy() / _ALLLIFE_GROUPS["size"].sum() * n).astype(int)
    sizes[1] += n - sizes.sum()
    groups = rng.permutation(np.repeat(np.arange(len(sizes)), sizes))
    par = {column: _ALLLIFE_GROUPS[column].to_numpy()[groups] for column in _ALLLIFE_GROUPS.columns}

    limit = np.round(par["limit_k"] * rng.lognormal(0.0, 0.3, n))
    limit = np.clip(limit, 3, 200) * 1000
    cards = np.clip(rng.poisson(par["cards"] * 0.25, n) + np.round(par["cards"] * 0.75), 1, 10)
    bank = np.clip(rng.poisson(par["bank"]), 0, 5)
    online = np.clip(rng.poisson(par["online"]), 0, 15)
    calls = np.clip(rng.poisson(par["calls"]), 0, 10)

    keys = rng.choice(np.arange(10000, 100000), size=n, replace=False)
    n_repeats = min(5, n // 100)
    if n_repeats:
        positions = rng.choice(n, size=2 * n_repeats, replace=False)
        keys[positions[:n_repeats]] = keys[positions[n_repeats:]]
    frame = pd.DataFrame(
        {
            "Sl_No": np.arange(1, n + 1, dtype="int64"),
            "Customer Key": keys.astype("int64"),
            "Avg_Credit_Limit": limit.astype("int64"),
            "Total_Credit_Cards": cards.astype("int64"),
            "Total_visits_bank": bank.astype("int64"),
            "Total_visits_online": online.astype("int64"),
            "Total_calls_made": calls.astype("int64"),
        },
        columns=list(ALLLIFE_COLUMNS),
    )
    if return_groups:
        return frame, pd.Series(np.asarray(ALLLIFE_GROUPS)[groups], index=frame.index, name="group")
    return frame
