"""Child processes that die with their parent: report workers, their kernels and the browser printing PDFs
are ended by the kernel (Linux's parent-death signal) when the process that started them dies, even by
``kill -9``, so a killed run leaves nothing behind that holds files or the survey's lock."""

from __future__ import annotations

import ctypes
import ctypes.util
import signal
import sys

PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Ask the kernel to send this process SIGKILL when its parent dies (Linux; elsewhere nothing).

    Safe as a ``preexec_fn`` and as a process pool's initializer."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # no prctl: a platform without it keeps the old behaviour
        pass
