"""Kernels for report runs: IPC transport, quiet logs, and one warm kernel per worker.

With TCP, jupyter_client picks a free port, releases it, and the kernel binds it later; parallel
runs can race for the same port (papermill #511), and ipykernel warns about unencrypted TCP on every
run. IPC sockets are files in a private temporary directory, so they cannot collide.

The kernel's own stdout/stderr (start-up and shutdown chatter) goes to the file named by the
environment variable ``SURVEY_KERNEL_LOG`` (the unit's log), not to the console.

``WarmKernel`` keeps one kernel per worker thread across reports: starting a kernel and importing
pandas/matplotlib/seaborn costs more than rendering a report from precomputed results. Before each
report the user namespace is cleared (``%reset -f``); after any failure the kernel is discarded and
a fresh one is started, so one report's trouble cannot leak into the next.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from typing import Any

from jupyter_client.manager import KernelManager
from traitlets import default

from pipeline.common.lifetime import die_with_parent

KERNEL_LOG_ENV = "SURVEY_KERNEL_LOG"
MAX_REPORTS_PER_KERNEL = 200  # restart now and then to bound memory growth


class IPCKernelManager(KernelManager):
    """IPC sockets in a private temporary directory; kernel output to the log ``SURVEY_KERNEL_LOG`` names."""

    @default("transport")
    def _default_transport(self) -> str:
        return "ipc"

    @default("ip")
    def _default_ip(self) -> str:
        directory = tempfile.mkdtemp(prefix="survey-kernel-")
        return os.path.join(directory, "kernel")

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        kw.setdefault("preexec_fn", die_with_parent)  # a worker killed with kill -9 takes its kernel along
        log_path = os.environ.get(KERNEL_LOG_ENV)
        if log_path and "stderr" not in kw:
            with open(log_path, "ab") as log:  # Popen duplicates the descriptor
                kw["stdout"] = kw["stderr"] = log
                await super()._async_launch_kernel(kernel_cmd, **kw)
        else:
            await super()._async_launch_kernel(kernel_cmd, **kw)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            shutil.rmtree(os.path.dirname(self.ip), ignore_errors=True)


class WarmKernel:
    """One kernel per thread, reused across notebooks until it fails or has served enough reports."""

    _local = threading.local()

    def __init__(self, cwd: str, kernel_name: str = "python3") -> None:
        self.cwd = cwd
        self.kernel_name = kernel_name

    def get(self) -> tuple[KernelManager, Any]:
        state = getattr(self._local, "state", None)
        if state is not None and (not state["km"].is_alive() or state["served"] >= MAX_REPORTS_PER_KERNEL):
            self.discard()
            state = None
        if state is None:
            km = IPCKernelManager(kernel_name=self.kernel_name)
            km.start_kernel(cwd=self.cwd, env={**os.environ, "PYDEVD_DISABLE_FILE_VALIDATION": "1"})
            kc = km.client()
            kc.start_channels()
            kc.wait_for_ready(timeout=60)
            state = {"km": km, "kc": kc, "served": 0}
            self._local.state = state
        else:  # a clean namespace for the next report; imported modules stay warm
            state["kc"].execute_interactive(
                "get_ipython().run_line_magic('reset', '-f')", silent=True, timeout=60
            )
        state["served"] += 1
        return state["km"], state["kc"]

    def discard(self) -> None:
        state = getattr(self._local, "state", None)
        self._local.state = None
        if state is None:
            return
        try:
            state["kc"].stop_channels()
            state["km"].shutdown_kernel(now=True)
        except Exception:  # noqa: BLE001 - a dead kernel may fail to shut down; it is gone either way
            pass
