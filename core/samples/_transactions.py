"""Seeded generator for the sample card transactions, driven by the card portfolio's customers.

Each customer's monthly number of purchases and cash withdrawals comes from their portfolio row
(``PURCHASES_TRX``, ``CASH_ADVANCE_TRX`` per month of ``TENURE``), the average ticket from their spend per
transaction, and the category mix from their behaviour group (transactors buy groceries and fuel, instalment
buyers electronics and online, cash-advance users withdraw at ATMs, dormant cards pay a subscription now and
then). On top: yearly seasonality (a December peak, summer travel), per-group trends (instalment buyers
growing, cash-advance users declining, the online share rising for everyone) and a small labelled share of
injected fraud (card-testing bursts of tiny online charges within minutes, large night-time charges in a
category new to the customer).

Everything is drawn with numpy over (customer, month, category) cells, so a million rows take seconds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.errors import DataError
from core.samples._customers import CUSTOMER_GROUPS, generate_customers

MONTHS_END = pd.Timestamp("2026-10-31 23:59:59")

# Purchase categories. "factor" scales the customer's average ticket; "sigma" is the spread of amounts;
# "online" the share bought online at the start of the period; the six weights are the category mix of each
# behaviour group (columns in the order of CUSTOMER_GROUPS); "refunds" marks categories where refunds happen.
_CATEGORIES = pd.DataFrame(
    [
        # category        factor sigma online  trans  revol  cash  instal dormant premium refunds
        ("grocery", 0.6, 0.5, 0.08, 9.0, 7.0, 8.0, 4.0, 2.0, 4.0, False),
        ("fuel", 0.5, 0.35, 0.02, 6.0, 5.0, 6.0, 3.0, 1.0, 2.0, False),
        ("dining", 0.45, 0.6, 0.15, 6.0, 5.0, 4.0, 2.0, 1.0, 7.0, False),
        ("travel", 3.5, 0.8, 0.65, 2.0, 1.5, 0.5, 1.0, 0.5, 6.0, True),
        ("online retail", 1.0, 0.8, 1.0, 5.0, 4.0, 2.0, 8.0, 1.5, 4.0, True),
        ("electronics", 2.5, 0.7, 0.45, 1.5, 2.0, 0.5, 6.0, 0.2, 3.0, True),
        ("apparel", 1.1, 0.6, 0.35, 3.0, 3.0, 1.5, 4.0, 0.3, 4.0, True),
        ("home & garden", 1.4, 0.7, 0.25, 2.0, 2.0, 1.0, 4.0, 0.3, 2.0, True),
        ("health", 0.7, 0.6, 0.1, 2.0, 2.0, 1.5, 1.5, 1.0, 1.5, False),
        ("entertainment", 0.6, 0.6, 0.5, 3.0, 3.0, 1.5, 2.0, 0.5, 3.0, False),
        ("utilities", 1.2, 0.4, 0.8, 2.0, 2.0, 1.5, 2.0, 2.5, 1.0, False),
        ("subscriptions", 0.2, 0.3, 1.0, 2.0, 1.5, 0.5, 2.0, 4.0, 2.0, False),
    ],
    columns=["category", "factor", "sigma", "online", *CUSTOMER_GROUPS, "refunds"],
).set_index("category")
CASH_CATEGORY = "cash withdrawal (ATM)"
CATEGORIES: tuple[str, ...] = (*_CATEGORIES.index, CASH_CATEGORY)

_MERCHANTS: dict[str, tuple[str, ...]] = {
    "grocery": ("FreshCart Market", "Green Basket", "Corner Grocer", "Harvest Foods", "DailyMart"),
    "fuel": ("Northway Fuel", "QuickFill", "Petro Plus", "RoadStar Gas"),
    "dining": ("Olive & Thyme", "Burger Barn", "Sakura Sushi", "Cafe Lumen", "Pizza Piazza", "Noodle House"),
    "travel": ("SkyHigh Airlines", "BlueWave Hotels", "RailLink", "GlobeTrotter Travel", "CityCab"),
    "online retail": ("ShopSphere", "ParcelPoint", "MegaMart Online", "Bazaar Net"),
    "electronics": ("Volt Electronics", "PixelPoint", "GadgetHub"),
    "apparel": ("Threadline", "UrbanWear", "Sole Society"),
    "home & garden": ("HomeNest", "GreenThumb Garden", "BuildIt Depot"),
    "health": ("CarePlus Pharmacy", "Vital Clinic", "BrightSmile Dental"),
    "entertainment": ("StarScreen Cinemas", "ArenaTix", "GameVault"),
    "utilities": ("City Power & Light", "AquaServe Water", "ConnectTel"),
    "subscriptions": ("StreamBox", "TuneCloud", "NewsDaily Digital", "FitApp Premium"),
    CASH_CATEGORY: ("CardLens Bank ATM", "Interbank ATM", "Airport ATM"),
}

# Calendar-month multipliers (January first): how busy the month is, and extra pull of some categories.
_MONTH_ACTIVITY = np.array([0.85, 0.85, 0.95, 0.97, 1.0, 1.05, 1.1, 1.08, 0.95, 0.98, 1.12, 1.45])
_CATEGORY_SEASON = {
    "travel": [0.8, 0.8, 0.9, 1.0, 1.1, 1.8, 2.4, 2.0, 1.0, 0.9, 0.8, 1.5],
    "electronics": [0.8, 0.8, 0.9, 0.9, 0.9, 0.9, 0.9, 1.0, 1.0, 1.0, 1.6, 2.0],
    "apparel": [1.0, 0.8, 1.0, 1.0, 1.0, 1.0, 1.0, 1.1, 1.1, 1.0, 1.3, 1.6],
    "home & garden": [0.8, 0.8, 1.1, 1.4, 1.4, 1.3, 1.0, 1.0, 0.9, 0.9, 0.9, 1.0],
    "entertainment": [0.9, 0.9, 1.0, 1.0, 1.0, 1.0, 1.1, 1.1, 1.0, 1.0, 1.0, 1.3],
}
# Change of each group's activity over the whole period (log scale): instalment buyers grow, cash-advance
# users decline. The online share rises by _ONLINE_TREND for everyone.
_GROUP_TREND = {"transactors": 0.1, "cash_advance": -0.45, "instalment_buyers": 0.4, "premium": 0.15}
_ONLINE_TREND = 0.12
# Hour-of-day weights per channel (0-23): shops by day, online into the evening, ATMs by day.
_HOURS = {
    "in-store": [1, 0.5, 0.3, 0.2, 0.3, 1, 3, 6, 8, 9, 10, 12, 14, 12, 10, 10, 11, 13, 14, 12, 9, 6, 4, 2],
    "online": [4, 2.5, 1.5, 1, 1, 1.5, 3, 5, 6, 7, 8, 9, 10, 9, 8, 8, 9, 10, 12, 14, 15, 14, 11, 7],
    "ATM": [1, 0.5, 0.3, 0.3, 0.3, 1, 3, 6, 8, 9, 10, 11, 12, 11, 10, 10, 11, 12, 12, 10, 8, 5, 3, 2],
}
_CHANNELS = ("online", "in-store", "ATM")
_FRAUD_SHARE = 0.007
_FRAUD_PRONE = ("online retail", "electronics", "travel", "entertainment", "subscriptions")
_REQUIRED = ("CUST_ID", "PURCHASES", "PURCHASES_TRX", "CASH_ADVANCE", "CASH_ADVANCE_TRX", "TENURE")


def _profile_groups(customers: pd.DataFrame) -> np.ndarray:
    """Place customers of any CC GENERAL table into a behaviour group by simple rules on their profile."""

    def column(name: str, default: float) -> np.ndarray:
        if name not in customers:
            return np.full(len(customers), default)
        return pd.to_numeric(customers[name], errors="coerce").fillna(default).to_numpy(dtype="float64")

    purchases, cash = column("PURCHASES", 0.0), column("CASH_ADVANCE", 0.0)
    conditions = [
        (column("PURCHASES_FREQUENCY", 0.0) < 0.1) & (column("CASH_ADVANCE_FREQUENCY", 0.0) < 0.1),
        (cash > purchases) & (column("CASH_ADVANCE_FREQUENCY", 0.0) >= 0.2),
        (column("CREDIT_LIMIT", 0.0) >= 10000)
        & (column("ONEOFF_PURCHASES", 0.0) >= column("INSTALLMENTS_PURCHASES", 0.0)),
        column("INSTALLMENTS_PURCHASES", 0.0) > column("ONEOFF_PURCHASES", 0.0),
        column("PRC_FULL_PAYMENT", 0.0) >= 0.25,
    ]
    names = ["dormant", "cash_advance", "premium", "instalment_buyers", "transactors"]
    return np.select(conditions, [CUSTOMER_GROUPS.index(name) for name in names], CUSTOMER_GROUPS.index("revolvers"))


def _pick(rng: np.random.Generator, weights: np.ndarray, size: int) -> np.ndarray:
    """Draw ``size`` indices with the given (unnormalised) weights."""
    return rng.choice(len(weights), size=size, p=np.asarray(weights, dtype="float64") / np.sum(weights))


def _as_text(values: np.ndarray, codes: np.ndarray) -> pd.Series:
    """Look up ``values[codes]`` and return it as a text Series (fast for millions of rows)."""
    return pd.Series(np.asarray(values, dtype=object)[codes], dtype="string")


def _select_customers(
    customers: pd.DataFrame | None, n_customers: int, rng: np.random.Generator, random_state: int
) -> tuple[pd.DataFrame, np.ndarray]:
    if customers is None:
        portfolio, groups = generate_customers(max(8950, n_customers), random_state=random_state, return_groups=True)
        codes = pd.Categorical(groups, categories=list(CUSTOMER_GROUPS)).codes.astype("int64")
    else:
        missing = [name for name in _REQUIRED if name not in customers.columns]
        if missing:
            raise DataError(
                "To generate transactions for your customers the table needs the CC GENERAL columns "
                + ", ".join(missing)
                + "."
            )
        portfolio, codes = customers, _profile_groups(customers)
    if len(portfolio) == 0:
        raise DataError("The customer table has no rows.")
    chosen = np.sort(rng.choice(len(portfolio), size=min(n_customers, len(portfolio)), replace=False))
    return portfolio.iloc[chosen].reset_index(drop=True), codes[chosen]


def _timestamps_text(seconds: np.ndarray) -> pd.Series:
    """Format Unix seconds as 'YYYY-MM-DD HH:MM:SS' without a Python loop."""
    text = np.datetime_as_string(seconds.astype("datetime64[s]"), unit="s").astype("S19")
    raw = text.view(np.uint8).reshape(-1, 19).copy()
    raw[:, 10] = ord(" ")
    return pd.Series(raw.view("S19").ravel().astype("U19"), dtype="string")


def generate_transactions(
    customers: pd.DataFrame | None = None,
    *,
    n_customers: int = 1500,
    months: int = 24,
    random_state: int = 0,
) -> pd.DataFrame:
    """Generate card transactions for a sample of the portfolio's customers over the months up to 2026-10-31.

    Parameters
    ----------
    customers : pandas.DataFrame, optional
        A card portfolio in the CC GENERAL layout (at least ``CUST_ID, PURCHASES, PURCHASES_TRX,
        CASH_ADVANCE, CASH_ADVANCE_TRX, TENURE``). Default: :func:`generate_customers` with the same
        ``random_state`` and ``max(8950, n_customers)`` customers, so the ids match the bundled portfolio.
        Not modified.
    n_customers : int
        How many customers (drawn without replacement from ``customers``) get transactions. About 33 rows
        per customer are produced over 24 months; 30,000 customers give about a million rows.
    months : int
        Length of the period in months, ending 2026-10-31 (customers whose ``TENURE`` is shorter than 12
        months opened their account that many months before the end).
    random_state : int
        Seed; the same seed and input give the same frame.

    Returns
    -------
    pandas.DataFrame
        One row per transaction, sorted by time: ``transaction_id`` (``T00000001`` ...), ``timestamp`` (text,
        ``YYYY-MM-DD HH:MM:SS``), ``customer_id`` (the ``CUST_ID``), ``card_number`` (masked, last 4 digits),
        ``merchant``, ``category`` (one of :data:`CATEGORIES`), ``channel`` (``online``, ``in-store``,
        ``ATM``), ``amount`` (2 decimals; negative = refund), ``is_fraud`` (0/1, about 0.7% of rows).

    Raises
    ------
    DataError
        When ``customers`` lacks the needed columns or has no rows, or the sizes are not positive.
    """
    if int(n_customers) < 1 or int(months) < 1:
        raise DataError("Ask for at least one customer and one month of transactions.")
    rng = np.random.default_rng(random_state)
    people, groups = _select_customers(customers, int(n_customers), rng, random_state)
    n, n_months = len(people), int(months)
    cats = _CATEGORIES
    n_cats = len(cats)

    first_month = pd.Timestamp(MONTHS_END.year, MONTHS_END.month, 1) - pd.DateOffset(months=n_months - 1)
    month_starts = pd.date_range(first_month, periods=n_months + 1, freq="MS")
    start_seconds = month_starts.to_numpy().astype("datetime64[s]").astype("int64")
    month_seconds = np.diff(start_seconds)
    calendar = month_starts.month.to_numpy()[:-1] - 1
    progress = np.arange(n_months) / max(n_months - 1, 1)

    def numbers(name: str) -> np.ndarray:
        return pd.to_numeric(people[name], errors="coerce").fillna(0).clip(lower=0).to_numpy(dtype="float64")

    tenure = np.clip(numbers("TENURE"), 1, 12)
    purchase_rate = np.clip(numbers("PURCHASES_TRX") / tenure, 0, 60)
    cash_rate = np.clip(numbers("CASH_ADVANCE_TRX") / tenure, 0, 30)
    ticket = np.clip(numbers("PURCHASES") / np.maximum(numbers("PURCHASES_TRX"), 1), 5, 1500)
    ticket = np.where(numbers("PURCHASES_TRX") > 0, ticket, 40.0)
    cash_ticket = np.clip(numbers("CASH_ADVANCE") / np.maximum(numbers("CASH_ADVANCE_TRX"), 1), 20, 3000)
    active = np.arange(n_months)[None, :] >= np.where(tenure < 12, n_months - tenure, 0)[:, None]

    trend = np.array([_GROUP_TREND.get(name, 0.0) for name in CUSTOMER_GROUPS])[groups][:, None] * progress
    intensity = _MONTH_ACTIVITY[calendar][None, :] * np.exp(trend) * active
    purchases = rng.poisson(purchase_rate[:, None] * intensity)
    cash = rng.poisson(cash_rate[:, None] * intensity)

    # Each customer's own category mix: the group's, perturbed, with some categories never used.
    preference = cats[list(CUSTOMER_GROUPS)].to_numpy(dtype="float64").T[groups] * rng.gamma(1.5, 1 / 1.5, (n, n_cats))
    unused = rng.random((n, n_cats)) < 0.3
    unused[np.arange(n), preference.argmax(axis=1)] = False
    preference = np.where(unused, 0.0, preference)
    season = np.ones((12, n_cats))
    for name, factors in _CATEGORY_SEASON.items():
        season[:, cats.index.get_loc(name)] = factors
    cell_p = preference[:, None, :] * season[calendar][None, :, :]
    cell_p /= cell_p.sum(axis=2, keepdims=True)
    per_category = rng.multinomial(purchases, cell_p)  # (customer, month, category)

    cell = np.repeat(np.arange(per_category.size), per_category.ravel())
    customer = cell // (n_months * n_cats)
    month = (cell // n_cats) % n_months
    category = cell % n_cats
    cash_cell = np.repeat(np.arange(cash.size), cash.ravel())
    customer = np.concatenate([customer, cash_cell // n_months])
    month = np.concatenate([month, cash_cell % n_months])
    category = np.concatenate([category, np.full(cash_cell.size, n_cats)])
    is_cash = category == n_cats
    rows = customer.size

    online_share = np.append(cats["online"].to_numpy(), 0.0)[category] + _ONLINE_TREND * progress[month]
    online = ~is_cash & (rng.random(rows) < online_share)
    channel = np.where(is_cash, 2, np.where(online, 0, 1))
    hour_cdf = {name: np.cumsum(w) / np.sum(w) for name, w in _HOURS.items()}
    hours = np.empty(rows, dtype="int64")
    for code, name in enumerate(_CHANNELS):
        chosen = channel == code
        hours[chosen] = np.searchsorted(hour_cdf[name], rng.random(int(chosen.sum())), side="right")
    seconds = (
        start_seconds[month]
        + np.floor(rng.random(rows) * (month_seconds[month] // 86400)).astype("int64") * 86400
        + np.minimum(hours, 23) * 3600
        + rng.integers(0, 3600, rows)
    )

    factor = np.append(cats["factor"].to_numpy(), 1.0)[category]
    sigma = np.append(cats["sigma"].to_numpy(), 0.4)[category]
    amount = np.where(is_cash, cash_ticket[customer], ticket[customer] * factor)
    amount = amount * rng.lognormal(0.0, sigma) * np.where(calendar[month] == 11, 1.1, 1.0)
    amount = np.where(is_cash, np.maximum(np.round(amount / 20) * 20, 20), np.maximum(np.round(amount, 2), 1.0))
    refundable = np.append(cats["refunds"].to_numpy(dtype=bool), False)[category]
    amount = np.where(refundable & (rng.random(rows) < 0.02), -amount, amount)

    f_customer, f_seconds, f_category, f_amount = _fraud(rng, n, preference, start_seconds, active, rows)
    customer = np.concatenate([customer, f_customer])
    seconds = np.concatenate([seconds, f_seconds])
    category = np.concatenate([category, f_category])
    channel = np.concatenate([channel, np.zeros(f_customer.size, dtype=channel.dtype)])
    amount = np.concatenate([amount, f_amount])
    fraud = np.concatenate([np.zeros(rows, dtype="int64"), np.ones(f_customer.size, dtype="int64")])

    order = np.lexsort((customer, seconds))
    customer, seconds, category = customer[order], seconds[order], category[order]
    channel, amount, fraud = channel[order], amount[order], fraud[order]

    merchant_names = [name for cat in CATEGORIES for name in _MERCHANTS[cat]]
    offsets = np.cumsum([0] + [len(_MERCHANTS[cat]) for cat in CATEGORIES])
    sizes = np.diff(offsets)
    # Favourite merchants first: a skewed pick within the category's list.
    merchant = offsets[category] + np.floor(rng.random(customer.size) ** 1.6 * sizes[category]).astype("int64")
    card_digits = rng.integers(0, 10000, n)
    cards = np.array([f"************{d:04d}" for d in card_digits], dtype=object)
    return pd.DataFrame(
        {
            "transaction_id": "T" + pd.Series(np.arange(1, customer.size + 1)).astype("string").str.zfill(8),
            "timestamp": _timestamps_text(seconds),
            "customer_id": _as_text(people["CUST_ID"].astype("string").to_numpy(dtype=object), customer),
            "card_number": _as_text(cards, customer),
            "merchant": _as_text(np.array(merchant_names, dtype=object), merchant),
            "category": _as_text(np.array(CATEGORIES, dtype=object), category),
            "channel": _as_text(np.array(_CHANNELS, dtype=object), channel),
            "amount": np.round(amount, 2),
            "is_fraud": fraud,
        }
    )


def _fraud(
    rng: np.random.Generator,
    n: int,
    preference: np.ndarray,
    start_seconds: np.ndarray,
    active: np.ndarray,
    legit_rows: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Injected fraud events: (customer, Unix second, category code, amount) per fraudulent row.

    Two patterns: card testing (3-8 tiny online charges minutes apart, usually at night, then one or two large
    ones) and a large night-time online charge, both in a category the customer has never used.
    """
    testing = 0.55
    mean_rows = testing * (5.5 + 1.5) + (1 - testing) * 1.5
    events = max(1, round(_FRAUD_SHARE * legit_rows / mean_rows))
    victim = rng.choice(n, size=events, replace=events > n)
    is_testing = rng.random(events) < testing
    n_small = np.where(is_testing, rng.integers(3, 9, events), 0)
    n_big = rng.integers(1, 3, events)

    # A category the victim never used, among those fraudsters like (electronics when all were used).
    prone = np.array([_CATEGORIES.index.get_loc(name) for name in _FRAUD_PRONE])
    unused = preference[victim][:, prone] == 0
    scores = np.where(unused, rng.random((events, prone.size)), -1.0)
    category = np.where(unused.any(axis=1), prone[scores.argmax(axis=1)], _CATEGORIES.index.get_loc("electronics"))

    # Start: a random day in the victim's active months, at night (00-05) for most events.
    first_active = active[victim].argmax(axis=1)
    span = start_seconds[-1] - start_seconds[first_active] - 86400
    day_start = start_seconds[first_active] + (rng.random(events) * span // 86400).astype("int64") * 86400
    hour = np.where(rng.random(events) < 0.75, rng.integers(0, 5, events), rng.integers(8, 22, events))
    start = day_start + hour * 3600 + rng.integers(0, 3600, events)

    size = n_small + n_big
    event = np.repeat(np.arange(events), size)
    position = np.arange(event.size) - np.repeat(np.cumsum(size) - size, size)
    small = position < n_small[event]
    gaps = np.where(small | (position == 0), rng.integers(20, 240, event.size), rng.integers(300, 2400, event.size))
    gaps = np.where(position == 0, 0, gaps)
    elapsed = np.cumsum(gaps)
    seconds = start[event] + elapsed - elapsed[np.cumsum(size) - size][event]
    amount = np.where(small, rng.uniform(0.5, 9.99, event.size), rng.uniform(350, 2500, event.size))
    return victim[event], seconds, category[event], np.round(amount, 2)
