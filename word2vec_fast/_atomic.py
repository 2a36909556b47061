"""Writing a file so that it is either fully there or not changed at all."""
from __future__ import annotations

import contextlib
import os
import secrets


def open_tmp(path, buffering=-1):
    """A new file next to ``path`` (same directory, so a rename is atomic), with the
    permissions a plain open() would give it; returns ``(tmp_path, binary file)``."""
    d = os.path.dirname(os.path.abspath(path))
    for _ in range(100):
        tmp = os.path.join(d, f".{os.path.basename(path)}.{secrets.token_hex(6)}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                         0o666)
        except FileExistsError:
            continue
        return tmp, os.fdopen(fd, "wb", buffering=buffering)
    raise OSError(f"cannot create a temporary file in {d}")


@contextlib.contextmanager
def atomic_open(path, buffering=-1):
    """Open a temporary file next to ``path`` for binary writing; rename it into place on
    success, delete it on any error (an existing ``path`` is then left untouched)."""
    path = os.fspath(path)
    tmp, f = open_tmp(path, buffering=buffering)
    ok = False
    try:
        with f:
            yield f
        os.replace(tmp, path)
        ok = True
    finally:
        if not ok:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def write_all(f, data) -> None:
    """Write all of ``data`` (an unbuffered file may take less than asked)."""
    mv = memoryview(data)
    while len(mv):
        n = f.write(mv)
        mv = mv[n if n is not None else len(mv):]
