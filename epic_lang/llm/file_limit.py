"""How many sockets this process may open, for sizing connection pools.

Every connection is a file descriptor, and the common default soft limit (`ulimit -n 1024`)
is smaller than a thousand connections plus the files a program already holds. The soft limit
may be raised up to the hard limit without privileges, so we raise it first and then size
pools to what is left, keeping some descriptors back for everything else the process opens
(Python modules, the cache database, pipes of subprocesses).
"""

from __future__ import annotations

import os
from contextlib import suppress

RESERVED_FDS = 64
UNKNOWN_LIMIT = 1 << 20  # where the limit cannot be read (Windows): not the binding constraint

try:
    import resource
except ImportError:  # Windows
    resource = None  # type: ignore[assignment]


def raise_open_file_limit() -> int:
    """Raise the soft RLIMIT_NOFILE to the hard limit; the soft limit now in force."""
    if resource is None:
        return UNKNOWN_LIMIT
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and (hard == resource.RLIM_INFINITY or soft < hard):
        with suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    return UNKNOWN_LIMIT if soft == resource.RLIM_INFINITY else int(soft)


def open_fds() -> int:
    """Descriptors open now (0 where the system does not list them)."""
    for folder in ("/proc/self/fd", "/dev/fd"):
        with suppress(OSError):
            return len(os.listdir(folder))
    return 0


def connection_budget(reserve: int = RESERVED_FDS) -> int:
    """How many more sockets the process can open after raising its limit, keeping `reserve`
    descriptors for other files; at least 1."""
    return max(1, raise_open_file_limit() - open_fds() - reserve)
