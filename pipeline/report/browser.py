"""Headless Chromium: screenshots of reports for people to look at (``survey screenshots``).

Uses the system's Chromium (Debian package ``chromium``); nothing is downloaded. Started with the
flags that keep it off the network.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import tempfile
import threading
from multiprocessing.util import Finalize
from pathlib import Path

from pipeline.common.lifetime import die_with_parent

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-quic", "--hide-scrollbars"]
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    return next((path for name in CANDIDATES if (path := shutil.which(name))), None)


def run_chromium(args: list[str], timeout: float) -> subprocess.CompletedProcess:
    exe = find_chromium()
    if exe is None:
        raise RuntimeError("找不到 Chromium 浏览器；Debian/Ubuntu 上可用 apt-get install chromium 安装")
    with tempfile.TemporaryDirectory(prefix="survey-chromium-") as profile:
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
    """One headless Chromium kept open and driven over the DevTools protocol by Playwright (launched with
    the system's Chromium: nothing is downloaded), printing page after page: the browser starts once per
    worker instead of once per PDF. Prints as ``--print-to-pdf`` does: A4 from the page's ``@page``, with
    backgrounds, no header or footer."""

    def __init__(self, executable: str) -> None:
        from playwright.sync_api import sync_playwright

        self.pid, self.thread = os.getpid(), threading.get_ident()
        self._playwright = sync_playwright().start()
        try:
            self._browser = self._playwright.chromium.launch(
                executable_path=executable, args=[f for f in FLAGS if f != "--headless"])
            self._page = self._browser.new_page()
        except Exception:
            self._playwright.stop()
            raise

    def pdf(self, uri: str, timeout: float) -> bytes:
        self._page.set_default_timeout(timeout * 1000)
        self._page.goto(uri, wait_until="load")
        return self._page.pdf(prefer_css_page_size=True, print_background=True)

    def close(self) -> None:
        """Close the browser from the thread that started it (Playwright's calls belong to it); from any
        other (a Dask worker's exit) leave it: its driver ends with the process, the browser with it."""
        if self._playwright is None or self.pid != os.getpid() or self.thread != threading.get_ident():
            return
        try:
            self._browser.close()
        except Exception:  # noqa: BLE001 - a browser that died is closed already
            pass
        finally:
            self._playwright.stop()
            self._playwright = None


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
