"""A crowd on the public demo: ``python benchmarks/load.py [--sessions 8] [--no-write]`` (run by hand).

Drives real browser sessions (Debian's chromium through Playwright's async API: one browser, one context per
visitor) through Upload ("Use sample data") -> Clean -> Cluster -> Profiles -> Recommendations -> Fraud, and
records how long each page takes to settle (heading shown, script run ended, no spinner) for

- one visitor alone on a fresh server (cold: the first visitor computes everything),
- one visitor alone again on that server (warm: what the shared, content-keyed caches leave to do),
- N visitors at once on another fresh server (cold: they arrive together and share the work),

and the server's peak resident memory for each. It prints a table and replaces the "Eight visitors at once"
section of ``benchmarks/RESULTS.md`` (between its markers). ``walk`` is also what the concurrency test in
``tests/test_concurrency.py`` drives, with each session uploading its own file.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.demo_memory import CHROMIUM_ARGS, MemoryWatch, _descendants, _free_port, _wait_healthy, sample_every

PROJECT = Path(__file__).resolve().parents[1]
RESULTS = PROJECT / "benchmarks" / "RESULTS.md"
START, END = "<!-- load:start -->", "<!-- load:end -->"
SAMPLE_PAGES = ("Clean", "Cluster", "Profiles", "Recommendations", "Fraud")
LOADED = "Upload"
TIMEOUT_MS = 900_000


@dataclass
class Visit:
    """What one browser session saw: seconds for each page to settle, the workbook it downloaded, errors."""

    name: str
    seconds: dict[str, float] = field(default_factory=dict)
    browser_cpu: dict[str, float] = field(default_factory=dict)  # chromium + Playwright CPU s per page (when probed)
    workbook: Path | None = None
    exceptions: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # the pages' own error messages (a step that failed)


def uploader(page, label: str):
    """The file input of the Upload page's uploader labelled ``label`` ("Customer table", "Transaction table")."""
    box = page.locator('[data-testid="stFileUploader"]').filter(has=page.get_by_text(label, exact=True))
    return box.locator('[data-testid="stFileUploaderDropzoneInput"]')


async def walk(
    browser,
    url: str,
    name: str,
    *,
    upload: Path | None = None,
    pages: tuple[str, ...] = SAMPLE_PAGES,
    download_dir: Path | None = None,
    timeout_ms: int = TIMEOUT_MS,
    cpu_probe=None,
) -> Visit:
    """One visitor: load the sample (or ``upload`` as the customer table), open ``pages`` in order with the
    sidebar, and download the workbook into ``download_dir`` when given. Never raises on an exception box:
    its text is recorded in ``Visit.exceptions``.
    """
    from playwright.async_api import expect

    visit = Visit(name)
    context = await browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    page = await context.new_page()
    page.set_default_timeout(timeout_ms)
    idle = page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]')
    spinners = page.locator('[data-testid="stSpinner"]')
    boxes = page.locator('[data-testid="stException"]')
    errors = page.locator('[data-testid="stAlertContentError"]')
    sidebar = page.locator('[data-testid="stSidebar"]')

    def heading(label: str):
        # A CSS query, not get_by_role: Playwright polls this while the page settles, and a role query computes
        # the accessibility tree of the whole page each time, browser CPU that grows with the wait in a crowd.
        return page.locator("h1").filter(has_text=re.compile(rf"^{re.escape(label)}$"))

    cpu_mark = [cpu_probe() if cpu_probe else 0.0]

    async def settle(label: str, mark: float) -> None:
        await expect(idle).to_have_count(1, timeout=timeout_ms)
        await expect(spinners).to_have_count(0, timeout=timeout_ms)
        visit.seconds[label] = time.perf_counter() - mark
        if cpu_probe:
            now = cpu_probe()
            visit.browser_cpu[label], cpu_mark[0] = now - cpu_mark[0], now
        print(f"{name}: {label} settled in {visit.seconds[label]:.1f} s", file=sys.stderr, flush=True)
        if await boxes.count():
            visit.exceptions += [f"{label}: {text[:300]}" for text in await boxes.all_inner_texts()]
        if await errors.count():
            visit.errors += [f"{label}: {text[:300]}" for text in await errors.all_inner_texts()]

    try:
        await page.goto(url)
        await expect(heading("Upload")).to_be_visible(timeout=timeout_ms)
        mark = time.perf_counter()
        if upload is None:
            await page.get_by_role("button", name="Use sample data").click()
            await expect(sidebar.get_by_text("card_portfolio").first).to_be_visible(timeout=timeout_ms)
        else:
            # The customer uploader by its label, once the page has settled: taking the first of the page's two
            # uploaders while it still drew them now and then put the file in the transaction uploader.
            await expect(idle).to_have_count(1, timeout=timeout_ms)
            await uploader(page, "Customer table").set_input_files(str(upload))
            await expect(sidebar.get_by_text(upload.stem).first).to_be_visible(timeout=timeout_ms)
        await settle(LOADED, mark)
        nav = page.locator('[data-testid="stSidebarNav"]')
        for label in pages:
            mark = time.perf_counter()
            await nav.get_by_role("link", name=label, exact=True).click()
            await expect(heading(label)).to_be_visible(timeout=timeout_ms)
            await settle(label, mark)
        if download_dir is not None:
            button = sidebar.locator('[data-testid="stDownloadButton"] button').first
            if not await button.count():  # say what the visitor saw instead of timing out on a missing button
                raise AssertionError(
                    f"{name} has no workbook download after {', '.join(visit.seconds)}; the sidebar shows "
                    f"{await sidebar.inner_text()!r}; the pages' errors: {visit.errors}"
                )
            visit.workbook = download_dir / f"{name}.xlsx"
            for attempt in range(3):  # chromium cancels a download now and then on a loaded machine: ask again
                async with page.expect_download(timeout=timeout_ms) as info:
                    await button.click()
                download = await info.value
                try:
                    await download.save_as(visit.workbook)
                    break
                except Exception as error:  # playwright's Error: "Download.save_as: canceled"
                    if "canceled" not in str(error) or attempt == 2:
                        raise
    finally:
        await context.close()
    return visit


async def crowd(url: str, sessions: int, *, uploads: list[Path] | None = None, **kwargs) -> list[Visit]:
    """``sessions`` visitors at once in one browser (one context each); ``uploads[i]`` is visitor i's file."""
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"), args=CHROMIUM_ARGS
        )
        try:
            return list(
                await asyncio.gather(
                    *(
                        walk(browser, url, f"visitor{i + 1}", upload=uploads[i] if uploads else None, **kwargs)
                        for i in range(sessions)
                    )
                )
            )
        finally:
            await browser.close()


SERVER_LOG = Path(tempfile.gettempdir()) / "cardlens_load_server.log"  # read it when an exception box was seen


def serve(run_log: Path | None = None) -> tuple[subprocess.Popen, str, MemoryWatch]:
    """Start a server on a free port; with ``run_log`` the app writes each script run's page and seconds there."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none"]  # fmt: skip
    with open(SERVER_LOG, "ab") as log:
        env = {**os.environ, "CARDLENS_RUN_LOG": str(run_log)} if run_log else None
        proc = subprocess.Popen(
            cmd, cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
    _wait_healthy(url, proc)
    return proc, url, MemoryWatch(proc.pid)


def server_cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) the server process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, summed over its cores (``/proc/stat``)."""
    ticks = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = ticks[3] + ticks[4]  # idle and iowait
    return (sum(ticks) - idle) / os.sysconf("SC_CLK_TCK"), sum(ticks) / os.sysconf("SC_CLK_TCK")


class BrowserCPU:
    """CPU seconds used by this process's descendants other than the server: Playwright's driver and every
    chromium process (browser, renderers, GPU, network), sampled twice a second so that processes which exit
    before the end still count. (``os.times()``'s children figures miss them: chromium's processes are not
    reaped by a process that has exited and been reaped itself.)"""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.seconds: dict[int, float] = {}
        self._stop_sampling = sample_every(0.5, self.sample)

    def sample(self) -> None:
        skip = {self.server_pid, *_descendants(self.server_pid)}
        for pid in _descendants(os.getpid()):
            if pid not in skip:
                try:
                    self.seconds[pid] = max(self.seconds.get(pid, 0.0), server_cpu_seconds(pid))
                except (FileNotFoundError, ProcessLookupError):
                    continue

    def total(self) -> float:
        """CPU seconds so far (sampled now)."""
        self.sample()
        return sum(self.seconds.values())

    def stop(self) -> float:
        self._stop_sampling()
        return self.total()


def stop(proc: subprocess.Popen, watch: MemoryWatch, cpu: dict | None = None) -> float:
    """Stop the server; return its peak resident memory in MB (and put its CPU seconds in ``cpu["server"]``)."""
    watch.sample()
    peak = max(watch.peak_tree_kib / 1024, watch.server_hwm_mb())
    if cpu is not None:
        cpu["server"] = server_cpu_seconds(proc.pid)
    watch.stop()
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    return peak


def server_seconds(run_log: Path) -> dict[str, float]:
    """Seconds the server spent running each page's script, summed over the runs in ``run_log`` (then emptied)."""
    seconds: dict[str, float] = {}
    for line in run_log.read_text().splitlines() if run_log.exists() else []:
        page, wall, _ = line.split("\t")
        seconds[page] = seconds.get(page, 0.0) + float(wall)
    run_log.write_text("")
    return seconds


def measure(sessions: int) -> dict:
    readings: dict = {"sessions": sessions, "load_before": os.getloadavg()}
    SERVER_LOG.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        run_log = Path(tmp) / "runs.log"
        proc, url, watch = serve(run_log)
        try:
            alone_cpu = BrowserCPU(proc.pid)
            probe = alone_cpu.total
            readings["cold"] = asyncio.run(crowd(url, 1, download_dir=Path(tmp), cpu_probe=probe))[0]
            alone_cpu.stop()
            readings["cold_server_s"] = server_seconds(run_log)
            readings["warm"] = asyncio.run(crowd(url, 1, download_dir=Path(tmp)))[0]
            readings["warm_server_s"] = server_seconds(run_log)
        finally:
            readings["alone_peak_mb"] = stop(proc, watch)
        proc, url, watch = serve(run_log)
        server_before, machine_before = server_cpu_seconds(proc.pid), machine_busy_seconds()
        started, browsers, cpu = time.perf_counter(), BrowserCPU(proc.pid), {}
        try:
            readings["crowd"] = asyncio.run(crowd(url, sessions, download_dir=Path(tmp)))
        finally:
            readings["crowd_wall_s"] = time.perf_counter() - started
            readings["crowd_browser_cpu_s"] = browsers.stop()
            busy, total = (after - before for after, before in zip(machine_busy_seconds(), machine_before, strict=True))
            readings["crowd_machine_busy"] = busy / total if total else float("nan")
            readings["crowd_machine_busy_s"] = busy
            readings["crowd_peak_mb"] = stop(proc, watch, cpu)
        readings["crowd_server_cpu_s"] = cpu["server"] - server_before
        readings["crowd_server_s"] = {page: s / sessions for page, s in server_seconds(run_log).items()}
    return readings


def table(readings: dict) -> str:
    n = readings["sessions"]
    cold, warm, visits = readings["cold"], readings["warm"], readings["crowd"]
    lines = [
        f"| page | alone, cold (s) | alone, warm (s) | {n} at once: median (s) | {n} at once: slowest (s) "
        f"| slowest / alone cold | server's script runs: alone cold / {n} at once, mean (s) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    runs_alone, runs_crowd = readings.get("cold_server_s", {}), readings.get("crowd_server_s", {})
    for label in (LOADED, *SAMPLE_PAGES):
        times = [v.seconds[label] for v in visits if label in v.seconds]
        nan = float("nan")
        slowest, median = (max(times), statistics.median(times)) if times else (nan, nan)
        alone = cold.seconds.get(label, nan)
        shown = "Upload (Use sample data)" if label == LOADED else label
        lines.append(
            f"| {shown} | {alone:.1f} | {warm.seconds.get(label, nan):.1f} | {median:.1f} | {slowest:.1f} "
            f"| {slowest / alone:.1f}x | {runs_alone.get(label, nan):.1f} / {runs_crowd.get(label, nan):.1f} |"
        )
    total_alone = sum(cold.seconds.values())
    totals = [sum(v.seconds.values()) for v in visits]
    lines.append(
        f"| **whole walk** | {total_alone:.1f} | {sum(warm.seconds.values()):.1f} | {statistics.median(totals):.1f} "
        f"| {max(totals):.1f} | {max(totals) / total_alone:.1f}x "
        f"| {sum(runs_alone.values()):.1f} / {sum(runs_crowd.values()):.1f} |"
    )
    exceptions = [text for v in [cold, warm, *visits] for text in v.exceptions]
    lines += [
        "",
        f"Server peak resident memory: {readings['alone_peak_mb']:.0f} MB for the two lone visitors, "
        f"{readings['crowd_peak_mb']:.0f} MB for {n} at once (wall time of the crowd: "
        f"{readings['crowd_wall_s']:.0f} s, workbook downloads included). Exception boxes seen: "
        f"{len(exceptions)}{': ' + '; '.join(exceptions) if exceptions else ''}.",
    ]
    if cold.browser_cpu:
        walk_cpu = sum(cold.browser_cpu.values())
        per_page = ", ".join(f"{label} {seconds:.1f}" for label, seconds in cold.browser_cpu.items())
        cores = os.cpu_count() or 1
        lines += [
            "",
            f"The browser's own CPU for the lone cold walk, per page (s): {per_page}; {walk_cpu:.0f} s in all. "
            f"{n} such walks need {n * walk_cpu:.0f} s of browser CPU, at least {n * walk_cpu / cores:.0f} s of "
            f"wall on {cores} cores before the server does anything: "
            f"{n * walk_cpu / cores / total_alone:.1f}x the lone walk, when the browsers share the server's cores.",
        ]
    if "crowd_server_cpu_s" in readings:
        lines += [
            "",
            f"CPU used during the crowd: the server {readings['crowd_server_cpu_s']:.0f} s, the {n} browsers "
            f"(Playwright and chromium on the same {os.cpu_count()} cores, drawing every chart) "
            f"{readings['crowd_browser_cpu_s']:.0f} s; the machine's cores were busy "
            f"{readings['crowd_machine_busy']:.0%} of the crowd's wall time ({readings['crowd_machine_busy_s']:.0f} "
            "CPU seconds in all, other work included).",
        ]
    return "\n".join(lines)


def write(body: str, load_before: tuple[float, float, float]) -> None:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = (
        f"{START}\n## Eight visitors at once on the sample (`benchmarks/load.py`)\n\n"
        f"Run {stamp} on this {os.cpu_count()}-core machine (load average before the run, 1/5/15 min: "
        f"{', '.join(f'{x:.2f}' for x in load_before)}; the browsers run on the same cores). Each "
        "visitor: Use sample data -> Clean -> Cluster -> Profiles -> Recommendations -> Fraud -> workbook. "
        "A page has settled when its heading shows, the script run has ended and no spinner is left.\n\n"
        f"{body}\n{END}"
    )
    text = RESULTS.read_text()
    if START in text and END in text:
        text = text[: text.index(START)] + section + text[text.index(END) + len(END) :]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    RESULTS.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = parser.parse_args()
    readings = measure(args.sessions)
    body = table(readings)
    print(body)
    if not args.no_write:
        write(body, readings["load_before"])


if __name__ == "__main__":
    main()
