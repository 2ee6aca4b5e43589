"""The bundled sample data, written by our own seeded generators (never third-party data).

* ``card_portfolio.csv`` - card holders in the CC GENERAL layout (:func:`generate_customers`);
* ``card_transactions.csv`` - two years of transactions for some of them (:func:`generate_transactions`);
* ``branch_contacts.csv`` - bank customers in the AllLife layout (:func:`generate_alllife`).

Regenerate them with ``python -m core.samples [DIRECTORY]`` (default ``sample_data``).
"""

from __future__ import annotations

from core.samples._customers import (
    ALLLIFE_COLUMNS,
    ALLLIFE_GROUPS,
    CC_GENERAL_COLUMNS,
    CUSTOMER_GROUPS,
    generate_alllife,
    generate_customers,
)
from core.samples._files import SAMPLES, SampleInfo, sample_path, write_samples
from core.samples._transactions import CATEGORIES, generate_transactions

__all__ = [
    "ALLLIFE_COLUMNS",
    "ALLLIFE_GROUPS",
    "CATEGORIES",
    "CC_GENERAL_COLUMNS",
    "CUSTOMER_GROUPS",
    "SAMPLES",
    "SampleInfo",
    "generate_alllife",
    "generate_customers",
    "generate_transactions",
    "sample_path",
    "write_samples",
]
