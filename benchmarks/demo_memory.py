"""The public demo's memory and start-up time: ``python benchmarks/demo_memory.py [--no-write]``.

Starts ``streamlit run streamlit_app.py`` headless on a free port and drives Debian's chromium (Playwright's
sync API) the way a demo visitor goes: open the app, click "Use sample data" on Upload, then open every page
with the sidebar links (waiting for each page's heading and for the script run to end), and finally download
the workbook from the sidebar. Meanwhile a thread reads the resident memory of the server and of any child
process every 0.1 s. It reports

- the time from ``streamlit run`` to the first rendered page (the Upload heading visible in the browser),
- the server's peak resident memory (``VmHWM`` in ``/proc/<pid>/status``; children's added when there are),
  and the memory after each step,

prints them and replaces the "Public demo" section of ``benchmarks/RESULTS.md`` (between its markers).
The budget is Community Cloud's small tier: under 1 GB for the whole journey.

``--upload FILE`` instead uploads FILE as the customer table and walks the pages that segment it (Clean,
Cluster, Profiles) and the download: the server's memory for a large file (e.g. 1,000,000 customers). It
writes its own section ("A large upload in the app").
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
RESULTS = PROJECT / "benchmarks" / "RESULTS.md"
START, END = "<!-- demo:start -->", "<!-- demo:end -->"
UPLOAD_START, UPLOAD_END = "<!-- upload:start -->", "<!-- upload:end -->"
BUDGET_MB = 1024
PAGES = ("Clean", "Cluster", "Profiles", "Recommendations", "Fraud", "Trends")
UPLOAD_PAGES = ("Clean", "Cluster", "Profiles")
TIMEOUT_MS = 600_000
CLIENT_GIVES_UP_MS = 180_000  # Streamlit's browser client drops a deferred download request after 180 s
DOWNLOAD_CLICKS = 4  # a second click waits for the running build (pages/_workbook.py) and gets its bytes
# Debian's chromium, headless and offline (see ../shared/TESTING.md); tests/conftest.py launches with these too.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _status_kib(pid: int, field_name: str) -> int:
    """One ``VmRSS`` / ``VmHWM`` value of a process in KiB (0 once it has gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def _descendants(pid: int) -> list[int]:
    """Every live descendant of a process (from /proc/<pid>/task/*/children)."""
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except (FileNotFoundError, ProcessLookupError):
                continue
            found += children
            todo += children
    return found


def sample_every(seconds: float, sample: Callable[[], None]) -> Callable[[], None]:
    """Call ``sample`` every ``seconds`` in a background thread; return the function that stops it."""
    stopping = threading.Event()

    def run() -> None:
        while not stopping.is_set():
            sample()
            time.sleep(seconds)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()

    def stop() -> None:
        stopping.set()
        thread.join()

    return stop


@dataclass
class MemoryWatch:
    """Samples the summed resident memory of a process tree in a background thread."""

    pid: int
    peak_tree_kib: int = 0
    child_hwm_kib: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._stop_sampling = sample_every(0.1, self.sample)

    def sample(self) -> None:
        children = _descendants(self.pid)
        for child in children:
            self.child_hwm_kib[child] = max(self.child_hwm_kib.get(child, 0), _status_kib(child, "VmHWM"))
        tree = _status_kib(self.pid, "VmRSS") + sum(_status_kib(c, "VmRSS") for c in children)
        self.peak_tree_kib = max(self.peak_tree_kib, tree)

    def rss_mb(self) -> float:
        return _status_kib(self.pid, "VmRSS") / 1024

    def server_hwm_mb(self) -> float:
        return _status_kib(self.pid, "VmHWM") / 1024

    def stop(self) -> None:
        self._stop_sampling()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, deadline_s: float = 90) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as reply:
                if reply.read() == b"ok":
                    return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError("streamlit was not healthy in time")


def journey(
    url: str, watch: MemoryWatch, started: float, download_dir: Path, upload: Path | None = None
) -> tuple[float, list[tuple]]:
    """Walk the app; return (seconds from `streamlit run` to the first rendered page, per-step readings)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect, sync_playwright

    steps: list[tuple[str, float, float]] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900}, accept_downloads=True)
        try:
            page.set_default_timeout(TIMEOUT_MS)
            expect.set_options(timeout=TIMEOUT_MS)
            idle = page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]')
            spinners = page.locator('[data-testid="stSpinner"]')

            def settle(name: str, mark: float) -> None:
                expect(idle).to_have_count(1)
                expect(spinners).to_have_count(0)
                expect(page.locator('[data-testid="stException"]')).to_have_count(0)
                steps.append((name, time.perf_counter() - mark, watch.rss_mb()))

            page.goto(url)
            expect(page.get_by_role("heading", name="Upload", exact=True)).to_be_visible()
            first_render = time.perf_counter() - started
            settle("Upload (first render)", started)

            mark = time.perf_counter()
            if upload is None:
                page.get_by_role("button", name="Use sample data").click()
                expect(page.locator('[data-testid="stSidebar"]').get_by_text("card_portfolio").first).to_be_visible()
                settle("Use sample data", mark)
            else:
                page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(upload))
                expect(page.locator('[data-testid="stSidebar"]').get_by_text(upload.stem).first).to_be_visible()
                settle(f"Upload {upload.name} ({upload.stat().st_size / 1e6:.0f} MB)", mark)

            nav = page.locator('[data-testid="stSidebarNav"]')
            for label in PAGES if upload is None else UPLOAD_PAGES:
                mark = time.perf_counter()
                nav.get_by_role("link", name=label, exact=True).click()
                expect(page.get_by_role("heading", name=label, exact=True)).to_be_visible()
                settle(label, mark)

            mark = time.perf_counter()
            button = page.locator('[data-testid="stSidebar"] [data-testid="stDownloadButton"] button').first
            for click in range(1, DOWNLOAD_CLICKS + 1):  # the browser gives a deferred download up after 180 s
                try:
                    with page.expect_download(timeout=CLIENT_GIVES_UP_MS + 15_000) as info:
                        button.click()
                    break
                except PlaywrightTimeout:
                    if click == DOWNLOAD_CLICKS:
                        raise
            saved = download_dir / info.value.suggested_filename
            info.value.save_as(saved)
            clicks = "" if click == 1 else f", {click} clicks: the browser gave up after 180 s"
            settle(f"Download workbook ({saved.stat().st_size / 1e6:.1f} MB{clicks})", mark)
        except Exception:
            page.screenshot(path=str(download_dir.parent / "demo_failure.png"))
            raise
        finally:
            browser.close()
    return first_render, steps


def measure(upload: Path | None = None) -> dict:
    """Run the server and the journey once (on the sample, or on an uploaded file); return the readings."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [
        *(sys.executable, "-m", "streamlit", "run", "streamlit_app.py"),
        *("--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1"),
        *("--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"),
    ]
    log = PROJECT / "benchmarks" / "_work" / "demo_server.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    download_dir = log.parent / "demo_download"
    download_dir.mkdir(exist_ok=True)
    with open(log, "wb") as fh:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=PROJECT, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        watch = MemoryWatch(proc.pid)
        try:
            _wait_healthy(url, proc)
            healthy = time.perf_counter() - started
            first_render, steps = journey(url, watch, started, download_dir, upload)
            watch.sample()
            server_hwm = watch.server_hwm_mb()
            children_hwm = sum(watch.child_hwm_kib.values()) / 1024
        finally:
            watch.stop()
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    return {
        "healthy_s": healthy,
        "first_render_s": first_render,
        "server_hwm_mb": server_hwm,
        "children_hwm_mb": children_hwm,
        "peak_mb": server_hwm + children_hwm,
        "sampled_tree_peak_mb": watch.peak_tree_kib / 1024,
        "steps": steps,
        "load": os.getloadavg(),
        "upload": upload,
    }


def render_upload(result: dict) -> str:
    """The RESULTS.md section for the largest-upload walk."""
    upload = result["upload"]
    return "\n".join(
        [
            UPLOAD_START,
            f"## A large upload in the app ({upload.name}, {upload.stat().st_size / 1e6:.0f} MB)",
            "",
            f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC by `benchmarks/demo_memory.py --upload` (load "
            f"average {', '.join(f'{v:.2f}' for v in result['load'])}): the file uploaded in the browser as the "
            "customer table, then Clean -> Cluster -> Profiles -> the workbook download, each with its defaults.",
            "",
            f"- **Peak memory of the server: {result['peak_mb']:,.0f} MB** (sampled tree RSS peak "
            f"{result['sampled_tree_peak_mb']:,.0f} MB).",
            "",
            "| step | seconds | server RSS after, MB |",
            "|---|---:|---:|",
            *(f"| {name} | {seconds:.1f} | {rss:,.0f} |" for name, seconds, rss in result["steps"]),
            UPLOAD_END,
        ]
    )


def render(result: dict) -> str:
    """The RESULTS.md section for one measurement."""
    if result.get("upload") is not None:
        return render_upload(result)
    verdict = "met" if result["peak_mb"] < BUDGET_MB else "**missed**"
    lines = [
        START,
        "## Public demo (sample data, every page, workbook download)",
        "",
        f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC by `benchmarks/demo_memory.py` (load average "
        f"{', '.join(f'{v:.2f}' for v in result['load'])}): `streamlit run streamlit_app.py` headless, Debian's "
        "chromium through Playwright: Upload -> 'Use sample data' -> Clean -> Cluster -> Profiles -> "
        "Recommendations -> Fraud -> Trends (sidebar links; each waits for its heading and for the script run to "
        "end) -> the sidebar's workbook download.",
        "",
        f"- **Peak memory of the server: {result['peak_mb']:,.0f} MB** (VmHWM of the server process "
        f"{result['server_hwm_mb']:,.0f} MB + its child processes {result['children_hwm_mb']:,.0f} MB; the "
        f"summed RSS sampled every 0.1 s peaked at {result['sampled_tree_peak_mb']:,.0f} MB): {verdict} "
        f"(< {BUDGET_MB:,} MB).",
        f"- **Time from `streamlit run` to the first rendered page: {result['first_render_s']:.1f} s** (the "
        f"health check answered after {result['healthy_s']:.1f} s; the first page then imports pandas and core).",
        "",
        "| step | seconds | server RSS after, MB |",
        "|---|---:|---:|",
        *(f"| {name} | {seconds:.1f} | {rss:,.0f} |" for name, seconds, rss in result["steps"]),
        END,
    ]
    return "\n".join(lines)


def write_section(section: str, path: Path = RESULTS) -> None:
    """Replace the section of RESULTS.md that has the same markers (or append it)."""
    start, end = section.splitlines()[0], section.splitlines()[-1]
    text = path.read_text() if path.exists() else "# Benchmark results\n"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        text = head + section + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text)


def main() -> int:
    """Measure, print, and record in RESULTS.md unless ``--no-write``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    parser.add_argument("--upload", type=Path, default=None, help="upload this customer file instead of the sample")
    args = parser.parse_args()
    section = render(measure(args.upload.resolve() if args.upload else None))
    print(section)
    if not args.no_write:
        write_section(section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
