"""Writing a file so that it is either fully there or not changed at all."""
from __future__ import annotations

import contextlib
import os


@contextlib.contextmanager
def atomic_open(path):
    """Open a temporary file next to ``path`` for binary writing; rename it into place on
    success, delete it on any error (an existing ``path`` is then left untouched)."""
    path = os.fspath(path)
    tmp = f"{path}.tmp{os.getpid()}"
    ok = False
    try:
        with open(tmp, "wb") as f:
            yield f
        os.replace(tmp, path)
        ok = True
    finally:
        if not ok:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
