"""In a real browser, files whose headers and values are Markdown images, links and HTML make no request."""

from __future__ import annotations

import http.server
import threading

import hostile_text
import pytest
from playwright.sync_api import Page, expect

from benchmarks.load import uploader

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIMEOUT_MS = 300_000
SHOW = "els => els.map(e => (e.closest('[data-testid]')?.dataset.testid ?? '') + ': ' + e.outerHTML.slice(0, 200))"
PAGES = ("Clean", "Cluster", "Profiles", "Recommendations", "Fraud", "Trends")


class _Logged(http.server.BaseHTTPRequestHandler):
    """Records every path asked for and answers 404: a stand-in for the host a hostile file would call."""

    paths: list[str]

    def do_GET(self):
        self.server.paths.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def logging_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Logged)
    server.paths = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _settle(page: Page) -> None:
    expect(page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]')).to_have_count(1)
    expect(page.locator('[data-testid="stSpinner"]')).to_have_count(0)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


def test_no_request_leaves_the_page_for_markdown_in_the_users_files(
    page: Page, context, streamlit_server, logging_server, tmp_path
):
    page.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    base = f"http://127.0.0.1:{logging_server.server_address[1]}"
    names = hostile_text.hostile_names(base)
    customers = tmp_path / names["file"]
    customers.write_bytes(hostile_text.customers_csv(base))
    transactions = tmp_path / "transactions.csv"
    transactions.write_bytes(hostile_text.transactions_csv(base))

    page.goto(streamlit_server.url)
    expect(page.get_by_role("heading", name="Upload", exact=True)).to_be_visible()
    _settle(page)
    uploader(page, "Customer table").set_input_files(customers)
    expect(page.get_by_text(f"rows from {customers.name}", exact=False).first).to_be_visible()
    _settle(page)
    uploader(page, "Transaction table (optional)").set_input_files(transactions)
    expect(page.get_by_text("rows from transactions.csv", exact=False).first).to_be_visible()
    _settle(page)
    # the column name, shown as typed rather than as an image
    expect(page.locator('[data-testid="stSidebar"]').get_by_text(customers.name, exact=False).first).to_be_visible()
    nav = page.locator('[data-testid="stSidebarNav"]')
    for label in PAGES:
        nav.get_by_role("link", name=label, exact=True).click()
        expect(page.get_by_role("heading", name=label, exact=True)).to_be_visible()
        _settle(page)
        live = page.locator(f'img[src*="{base}"], a[href*="{base}"]')
        assert live.count() == 0, (label, live.evaluate_all(SHOW))
    nav.get_by_role("link", name="Upload", exact=True).click()
    _settle(page)

    assert logging_server.paths == [], logging_server.paths
    page.evaluate(f"fetch('{base}/control', {{mode: 'no-cors'}}).catch(() => null)")  # the server does listen
    page.wait_for_timeout(500)
    assert logging_server.paths == ["/control"]
    assert context.blocked_requests == [], context.blocked_requests
