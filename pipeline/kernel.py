"""Kernel manager for report runs: IPC transport instead of TCP.

With TCP, jupyter_client picks a free port, releases it, and the kernel binds it later; parallel
runs can race for the same port (papermill #511), and ipykernel warns about unencrypted TCP on every
run. IPC sockets are files in a private temporary directory, so they cannot collide.

The kernel's own stdout/stderr (start-up and shutdown chatter) goes to the file named by the
environment variable ``SURVEY_KERNEL_LOG`` (the unit's log), not to the console.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from traitlets import default

KERNEL_LOG_ENV = "SURVEY_KERNEL_LOG"


class IPCKernelManager(AsyncKernelManager):
    """An AsyncKernelManager whose sockets are IPC files in a private temporary directory."""

    @default("transport")
    def _default_transport(self) -> str:
        return "ipc"

    @default("ip")
    def _default_ip(self) -> str:
        directory = tempfile.mkdtemp(prefix="survey-kernel-")
        return os.path.join(directory, "kernel")

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            shutil.rmtree(os.path.dirname(self.ip), ignore_errors=True)

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        log_path = os.environ.get(KERNEL_LOG_ENV)
        if log_path and "stderr" not in kw:
            with open(log_path, "ab") as log:  # Popen duplicates the descriptor
                kw["stdout"] = kw["stderr"] = log
                await super()._async_launch_kernel(kernel_cmd, **kw)
        else:
            await super()._async_launch_kernel(kernel_cmd, **kw)
