"""Headless Chromium: screenshots of reports for people to look at (``survey screenshots``).

Uses the system's Chromium (Debian package ``chromium``); nothing is downloaded. Started with the
flags that keep it off the network.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
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
    """``html`` printed to an A4 PDF (the page's own ``@page`` and print styles), written atomically."""
    from pipeline.common.atomic import atomic_path

    with atomic_path(pdf) as tmp:
        target = Path(html).resolve().as_uri()
        run_chromium(["--no-pdf-header-footer", f"--print-to-pdf={tmp.resolve()}", target], timeout)
        if not tmp.exists() or tmp.stat().st_size == 0:
            raise RuntimeError(f"Chromium 未能打印：{html}")
    return Path(pdf)


def has_cjk_font() -> bool:
    """Whether the system has a Chinese font for the page text (plots carry their own font)."""
    fc = shutil.which("fc-list")
    if fc is None:
        return False
    return bool(subprocess.run([fc, ":lang=zh"], capture_output=True, text=True, check=False).stdout.strip())
