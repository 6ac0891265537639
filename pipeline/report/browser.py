"""Headless Chromium: screenshots of reports for people to look at (``survey screenshots``).

Uses the system's Chromium (Debian package ``chromium``); nothing is downloaded. Started with the
flags that keep it off the network.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from multiprocessing.util import Finalize
from pathlib import Path

from pipeline.common.lifetime import die_with_parent

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-quic", "--hide-scrollbars"]
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    return next((path for name in CANDIDATES if (path := shutil.which(name))), None)


def _profile() -> tempfile.TemporaryDirectory:
    """A fresh browser profile, removed afterwards as far as it can be: Chromium's helper processes may still
    write into it for a moment after the browser ends, which must not fail the page or the run."""
    return tempfile.TemporaryDirectory(prefix="survey-chromium-", ignore_cleanup_errors=True)


def run_chromium(args: list[str], timeout: float) -> subprocess.CompletedProcess:
    exe = find_chromium()
    if exe is None:
        raise RuntimeError("找不到 Chromium 浏览器；Debian/Ubuntu 上可用 apt-get install chromium 安装")
    with _profile() as profile:
        return subprocess.run(
            [exe, *FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            preexec_fn=die_with_parent,
        )


def screenshot(html: Path, png: Path, width: int = 1000, height: int = 2400, timeout: float = 60) -> Path:
    png = Path(png)
    png.parent.mkdir(parents=True, exist_ok=True)
    run_chromium(
        [f"--window-size={width},{height}", f"--screenshot={png.resolve()}", Path(html).resolve().as_uri()],
        timeout,
    )
    if not png.exists():
        raise RuntimeError(f"Chromium 未能生成截图：{png}")
    return png


def print_pdf(html: Path, pdf: Path, timeout: float = 120) -> Path:
    """``html`` printed to an A4 PDF (the page's own ``@page`` and print styles), written atomically — by
    this thread's warm browser (``Printer``) where Playwright can drive Chromium, otherwise by a Chromium
    started for this page."""
    from pipeline.common.atomic import atomic_path

    printer = warm_printer()
    with atomic_path(pdf) as tmp:
        target = Path(html).resolve().as_uri()
        try:
            if printer is not None:
                tmp.write_bytes(printer.pdf(target, timeout))
        except Exception:  # noqa: BLE001 - a browser in trouble is closed; this page prints on its own
            close_printer()
            printer = None
        if printer is None:
            run_chromium(["--no-pdf-header-footer", f"--print-to-pdf={tmp.resolve()}", target], timeout)
        if not tmp.exists() or tmp.stat().st_size == 0:
            raise RuntimeError(f"Chromium 未能打印：{html}")
    return Path(pdf)


class Printer:
    """One headless Chromium kept open and driven over the DevTools protocol by Playwright, printing page
    after page: the browser starts once per worker instead of once per PDF. The run starts the system's
    Chromium itself (nothing is downloaded) with a parent-death signal, as it starts every other helper, so a
    killed worker takes its browser along at once; Playwright only connects to it. Prints as
    ``--print-to-pdf`` does: A4 from the page's ``@page``, with backgrounds, no header or footer."""

    def __init__(self, executable: str, timeout: float = 30) -> None:
        from playwright.sync_api import sync_playwright

        self.pid, self.thread = os.getpid(), threading.get_ident()
        self._playwright = None
        self._profile = _profile()
        self._process = subprocess.Popen(
            [executable, *FLAGS, f"--user-data-dir={self._profile.name}", "--remote-debugging-port=0",
             "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=die_with_parent,
        )
        try:
            endpoint = _devtools_endpoint(Path(self._profile.name), self._process, timeout)
            self._playwright = sync_playwright().start()
            self._browser = self._playwright.chromium.connect_over_cdp(endpoint, timeout=timeout * 1000)
            self._page = self._browser.contexts[0].new_page()
        except Exception:
            self._end()
            raise

    def pdf(self, uri: str, timeout: float) -> bytes:
        self._page.set_default_timeout(timeout * 1000)
        self._page.goto(uri, wait_until="load")
        return self._page.pdf(prefer_css_page_size=True, print_background=True)

    def close(self) -> None:
        """Close the browser from the thread that started it (Playwright's calls belong to it); from any
        other (a Dask worker's exit) leave it: it ends with the process."""
        if self._process is None or self.pid != os.getpid() or self.thread != threading.get_ident():
            return
        self._end()

    def _end(self) -> None:
        try:
            if self._playwright is not None:
                self._playwright.stop()
        except Exception:  # noqa: BLE001 - a driver that died is stopped already
            pass
        finally:
            self._playwright = None
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
            self._profile.cleanup()


def _devtools_endpoint(profile: Path, process: subprocess.Popen, timeout: float) -> str:
    """The browser's DevTools address, from the port file Chromium writes in its profile once it listens."""
    port_file = profile / "DevToolsActivePort"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Chromium 启动后立即退出（退出码 {process.returncode}）")
        text = port_file.read_text(encoding="utf-8") if port_file.is_file() else ""
        found = re.fullmatch(r"(\d+)\s+(/devtools/browser/[0-9a-f-]{36})\s*", text)  # written whole
        if found:
            return f"ws://127.0.0.1:{found[1]}{found[2]}"
        time.sleep(0.05)
    raise RuntimeError("Chromium 未能在限定时间内启动")


_local = threading.local()


def warm_printer() -> Printer | None:
    """This thread's warm ``Printer``, started on first use; None where Playwright or Chromium is missing
    or the browser would not start (each page then gets a Chromium of its own)."""
    printer = getattr(_local, "printer", False)
    if printer and printer.pid != os.getpid():  # inherited by a forked worker: the parent's, not ours
        printer = False
    if printer is False:
        exe = find_chromium()
        printer = None
        if exe is not None and importlib.util.find_spec("playwright") is not None:
            try:
                printer = Printer(exe)
            except Exception:  # noqa: BLE001 - no warm browser: every PDF still prints, one Chromium each
                printer = None
        _local.printer = printer
        if printer is not None:
            Finalize(printer, printer.close, exitpriority=10)  # a pool's worker process closes it at exit
    return printer


def close_printer() -> None:
    """Close this thread's warm browser (a run's own thread, when its reports are done)."""
    printer = getattr(_local, "printer", None)
    _local.printer = False
    if printer:
        printer.close()


def has_cjk_font() -> bool:
    """Whether the system has a Chinese font for the page text (plots carry their own font)."""
    fc = shutil.which("fc-list")
    if fc is None:
        return False
    return bool(subprocess.run([fc, ":lang=zh"], capture_output=True, text=True, check=False).stdout.strip())
