"""Which running process owns a temporary file or a lock: the process id and a tag of the host, so that a
later run can tell the leftovers of a killed run (safe to remove) from files another run is still writing."""
from __future__ import annotations

import hashlib
import os
import socket

HOST_TAG = hashlib.sha1(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:8]


def owner_tag() -> str:
    """``<pid>-<host tag>`` of this process."""
    return f"{os.getpid()}-{HOST_TAG}"


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` of this host runs; True when that cannot be told (then nothing is removed)."""
    try:
        import psutil
        return psutil.pid_exists(pid)
    except ImportError:
        pass
    if os.name != "posix":
        return True                 # os.kill(pid, 0) would send CTRL_C_EVENT on Windows
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True                 # e.g. another user's process
    return True


def owner_gone(pid: int, host: str) -> bool:
    """Whether the owner (``pid`` on the host tagged ``host``) has certainly stopped."""
    return host == HOST_TAG and pid != os.getpid() and not process_alive(pid)
