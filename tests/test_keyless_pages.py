"""Transactions that name no customer still get Fraud's transaction scores and Trends for everyone.

A card-fraud extract (ULB's ``Time, V1..V28, Amount, Class``) or a transfer log whose sender repeats for almost no
row (PaySim) has no customers to segment. Before, the Fraud page's Customers tab stopped the whole page at its
segmentation guard, so the Transactions tab never appeared, and Trends stopped at the same guard: the two pages that
work without customers showed only "Customers cannot be segmented".
"""

from __future__ import annotations

import layouts
import pytest

from pages import _state as state

FILES = {
    "paysim-transfer-log": layouts.paysim_transfer_log,
    "ulb-card-fraud-extract": layouts.ulb_creditcard_fraud,
}


def _upload(app, name: str):
    layout = FILES[name]()
    app.run()
    app.switch_page("pages/1_Upload.py").run()
    app.get("file_uploader")[0].set_value((layout.filename, layout.data, "text/csv")).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _texts(elements) -> str:
    return "\n".join(e.value.replace("\\", "") for e in elements)


@pytest.mark.parametrize("name", FILES)
def test_fraud_scores_every_transaction_and_says_why_customers_are_not_scored(app, name):
    app = _upload(app, name)
    app.switch_page("pages/6_Fraud.py").run()
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error, _texts(app.error)
    assert "Customers cannot be segmented" in _texts(app.info)
    assert any(s.value.endswith("suspicious transactions") for s in app.subheader), [s.value for s in app.subheader]
    assert app.get("plotly_chart"), "the transactions' score histogram is drawn"


@pytest.mark.parametrize("name", FILES)
def test_trends_show_everyone_s_spend_without_segments(app, name):
    app = _upload(app, name)
    app.switch_page("pages/7_Trends.py").run()
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error, _texts(app.error)
    assert "Trends are shown for all transactions together" in _texts(app.info)
    assert app.get("plotly_chart"), "the spend over time is drawn"


def test_a_month_long_log_gets_daily_periods_and_its_weekly_pattern(app):
    # PaySim covers 31 days: monthly periods gave one or two points, weekly five; days give a trend and a season.
    app = _upload(app, "paysim-transfer-log")
    app.switch_page("pages/7_Trends.py").run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.radio(key="trends__freq").value == "D"
    assert not any("need at least three periods" in i.value for i in app.info)
    assert len(app.get("plotly_chart")) >= 3, "spend over time, its trend and season, and the forecast are drawn"


def test_a_monzo_export_is_one_accounts_transactions_with_its_time_of_day(app):
    """Monzo: Date and Time in two columns, an Emoji column that once keyed 10 'customers', a unique Transaction ID."""
    layout = layouts.LAYOUTS["monzo-app-export-of-one-account-with-an-emoji-column"](0)
    app.run()
    app.switch_page("pages/1_Upload.py").run()
    app.get("file_uploader")[0].set_value((layout.filename, layout.data, "text/csv")).run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.session_state[state.TRANSACTIONS].name == "monzo_export.csv"  # moved to the transactions
    columns = app.session_state[state.TX_COLUMNS]
    assert (columns.customer, columns.timestamp) == (None, ("Date", "Time"))
    assert (columns.amount, columns.debit, columns.credit) == ("Amount", None, None)  # not its Money Out / In copies
    for page in ("pages/6_Fraud.py", "pages/7_Trends.py"):
        app.switch_page(page).run()
        assert not app.exception, (page, [e.value for e in app.exception])
    stamps = app.session_state[state.TX_CANONICAL]["timestamp"]
    assert (stamps.dt.hour > 0).mean() > 0.9  # the time of day is kept: night-time checks can run
