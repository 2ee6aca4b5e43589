"""Files whose headers and values carry Markdown images, links, raw HTML and LaTeX aimed at a local server.

Shared by the AppTest walk (tests/test_user_text.py) and the real-browser check that no request reaches
that server (tests/test_browser_user_text.py).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

N_CUSTOMERS = 240
# (?<!\\) = not escaped: what would render as an image, a link or an HTML tag if shown as Markdown.
# A bare URL (escaped colon or not) is linked automatically by GitHub-flavoured Markdown.
UNESCAPED = re.compile(r"(?<!\\)!(?<!\\)\[|(?<!\\)\]\(|(?<!\\)<img|(?<!\\)\$x|https?\\?://|www\.", re.IGNORECASE)


def hostile_names(base: str) -> dict[str, str]:
    """Column names and values, each pointing at ``base`` (a logging server's URL)."""
    return {
        "image": f"![x]({base}/hdr.png)",
        "link": f"[click here]({base}/link)",
        "html": f'<img src="{base}/raw.png">',
        "latex": "$x^2$ spend",
        "value_image": f"![v]({base}/value.png)",
        "value_html": f"<img src={base}/value_raw.png>",
        "category_image": f"![c]({base}/category.png)",
        "segment_name": f"![n]({base}/name.png) <img src={base}/name_raw.png> $x$",
        "file": f"![f]({base.split('//', 1)[1].replace('/', '_')}) <img src=x> $x$.csv",
    }


def customers_csv(base: str, random_state: int = 0) -> bytes:
    """A customer table: an id, four behaviour columns named like attacks, and a categorical of attacks."""
    names = hostile_names(base)
    rng = np.random.default_rng(random_state)
    groups = rng.integers(0, 3, N_CUSTOMERS)
    frame = pd.DataFrame(
        {
            "customer_id": [f"H{i:04d}" for i in range(N_CUSTOMERS)],
            names["image"]: rng.gamma(2.0, 500.0, N_CUSTOMERS) * (1 + groups),
            names["link"]: rng.uniform(0, 1, N_CUSTOMERS) + groups * 0.3,
            names["html"]: rng.poisson(3 + 4 * groups),
            names["latex"]: rng.gamma(1.5, 200.0, N_CUSTOMERS) * (3 - groups),
            "plan": np.array([names["value_image"], names["value_html"], "$x$ plan"])[groups],
        }
    )
    return frame.to_csv(index=False).encode()


def transactions_csv(base: str, random_state: int = 0) -> bytes:
    """Transactions of the same customers over a year, their categories named like attacks."""
    names = hostile_names(base)
    rng = np.random.default_rng(random_state)
    rows = 6 * N_CUSTOMERS
    start = pd.Timestamp("2025-01-01")
    frame = pd.DataFrame(
        {
            "customer_id": [f"H{i % N_CUSTOMERS:04d}" for i in range(rows)],
            "date": (start + pd.to_timedelta(rng.integers(0, 365, rows), unit="D")).strftime("%Y-%m-%d"),
            "amount": rng.gamma(2.0, 40.0, rows).round(2),
            "category": rng.choice([names["category_image"], names["value_html"], "$x$ food", "grocery"], rows),
        }
    )
    return frame.to_csv(index=False).encode()
