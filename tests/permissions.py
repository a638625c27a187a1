"""Running a child process that file permissions bind, when the tests run as root."""

from __future__ import annotations

import ctypes
import os


def as_an_ordinary_user() -> None:
    """In the child, before it runs (``preexec_fn``): as root, give up the capabilities
    that let root read and write any file (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH,
    CAP_FOWNER), so file and folder permissions bind it as they bind any other user. The
    child keeps root's user id, so it still reads the interpreter wherever it lives (under
    /root, for a pyenv Python). An ordinary user has none of them to give up."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2, 3):
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP: gone at exec
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")
