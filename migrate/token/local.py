"""Reading a small local file a person names (a secret, a JWKS) without trusting what it is: only a
regular file, opened without blocking (a fifo must not hang the command), read up to a cap (a
/dev/zero or /proc file must not fill memory)."""

from __future__ import annotations

import errno
import os
import stat


class NotReadable(Exception):
    """One line: why the file cannot be used (never its content)."""


def read_small(path: str, limit: int, what: str = "the file") -> bytes:
    shown = path if len(path) <= 120 else path[:80] + "…" + path[-30:]
    if os.path.realpath(path).startswith(("/proc/", "/sys/")):  # "regular" files that never end or block
        raise NotReadable(f"cannot read {shown}: it is a system file, not {what}")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # what opening a Unix socket says
            raise NotReadable(f"cannot read {shown}: it is a socket, not a regular file") from None
        raise NotReadable(f"cannot read {shown}: {exc.strerror}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = ("a directory" if stat.S_ISDIR(mode) else "a fifo" if stat.S_ISFIFO(mode)
                    else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
                    else "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
            raise NotReadable(f"cannot read {shown}: it is {kind}, not a regular file")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(65536, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except BlockingIOError:
        raise NotReadable(f"cannot read {shown} without waiting") from None
    except OSError as exc:
        raise NotReadable(f"cannot read {shown}: {exc.strerror}") from None
    finally:
        os.close(fd)
    if size > limit:
        raise NotReadable(f"cannot read {shown}: it is larger than {limit:,} bytes, far more than {what} ever is")
    return b"".join(chunks)
