"""The journey a person takes, in a real headless browser: sample data -> every page -> the workbook."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[1] / "test-results" / "journey"
TIMEOUT_MS = 60_000


def _wait_idle(page: Page) -> None:
    """Wait until the script run ended and no spinner or status is still running."""
    expect(page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]')).to_have_count(1)
    expect(page.locator('[data-testid="stSpinner"]')).to_have_count(0)


def _go(page: Page, label: str) -> None:
    """Navigate inside the app with the sidebar (a page.goto would start a new session)."""
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=label, exact=True).click()
    expect(page.get_by_role("heading", name=label, exact=True)).to_be_visible()
    _wait_idle(page)


def _shot(page: Page, name: str) -> None:
    """Save a screenshot of the whole page (stMain scrolls inside itself, so grow the viewport first)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": 1400, "height": min(int(height) + 100, 12_000)})
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    page.set_viewport_size({"width": 1400, "height": 900})


def _no_exception(page: Page) -> None:
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


def test_health_endpoint_answers_ok(streamlit_server):
    with urllib.request.urlopen(streamlit_server.url + "/_stcore/health", timeout=10) as reply:
        assert reply.status == 200
        assert reply.read() == b"ok"


def test_sample_journey_through_every_page(page: Page, context, streamlit_server, tmp_path):
    page.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(streamlit_server.url)
    expect(page.get_by_role("heading", name="Upload", exact=True)).to_be_visible()

    page.get_by_role("button", name="Use sample data").click()
    expect(page.get_by_text("Loaded", exact=False).first).to_be_visible()
    _wait_idle(page)
    _no_exception(page)
    expect(page.locator('[data-testid="stSidebar"]').get_by_text("card_portfolio", exact=False).first).to_be_visible()
    _shot(page, "1_upload")

    _go(page, "Clean")
    expect(page.get_by_text("applied automatically", exact=False).first).to_be_visible()
    _no_exception(page)
    _shot(page, "2_clean")

    _go(page, "Cluster")
    main = page.locator('[data-testid="stMain"]')
    expect(main.locator('[data-testid="stPlotlyChart"] .main-svg').first).to_be_visible()
    expect(page.locator('[data-testid="stSidebar"]').get_by_text("Segmented", exact=False)).to_be_visible()
    _no_exception(page)
    _shot(page, "3_cluster")

    _go(page, "Profiles")
    _no_exception(page)
    _shot(page, "4_profiles")

    _go(page, "Recommendations")
    expect(page.get_by_text("No feedback recorded yet", exact=False).first).to_be_visible()
    page.get_by_role("tab", name="Customers").click()
    page.get_by_role("button", name="Accepted").click()
    _wait_idle(page)
    expect(page.get_by_text("No feedback recorded yet", exact=False)).to_have_count(0)
    _no_exception(page)
    _shot(page, "5_recommendations")

    _go(page, "Fraud")
    page.get_by_role("button", name="Mark confirmed fraud").first.click()
    _wait_idle(page)
    expect(page.get_by_text("Precision of reviewed alerts").first).to_be_visible()
    _no_exception(page)
    _shot(page, "6_fraud")

    _go(page, "Trends")
    page.get_by_role("tab", name="Forecasts").click()
    expect(main.locator('[data-testid="stPlotlyChart"] .main-svg').filter(visible=True).first).to_be_visible()
    _no_exception(page)
    _shot(page, "7_trends")

    with page.expect_download() as download_info:
        page.locator('[data-testid="stSidebar"]').get_by_role("button", name="Download workbook (.xlsx)").click()
    download = download_info.value
    assert download.suggested_filename == "cardlens_segments.xlsx"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    workbook = openpyxl.load_workbook(path, read_only=True)
    sheets = set(workbook.sheetnames)
    assert {"README", "Summary", "Profiles", "Customers", "Metrics", "Recipe", "Run"} <= sheets
    assert {"Offers", "Feedback", "Fraud", "Trends"} <= sheets, "the Act pages' results reach the workbook"
    customers = list(workbook["Customers"].iter_rows(values_only=True))
    assert len(customers) == 8950 + 1
    feedback = list(workbook["Feedback"].iter_rows(values_only=True))
    assert len(feedback) >= 2, "the outcome recorded on the Recommendations page is in the workbook"
    fraud_values = {value for row in workbook["Fraud"].iter_rows(values_only=True) for value in row}
    assert "confirmed fraud" in fraud_values, "the review made on the Fraud page is in the workbook"

    assert context.blocked_requests == [], context.blocked_requests
