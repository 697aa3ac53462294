"""A file's pages held in memory (``mmap`` + ``mlock``) while the lab runs, so the machine cannot page them out.

The CI machines run DAMON's ``pageout`` scheme: a page nobody touched for about a minute may be dropped, and reading
it back from their disk took seconds under load (``/sys/kernel/mm/damon/admin/kdamonds/0``: age ≥ 12 × 5 s).
"""

from __future__ import annotations

import ctypes
import mmap
import os
from pathlib import Path

_LIBC = ctypes.CDLL(None, use_errno=True)
_LIBC.mmap.restype = ctypes.c_void_p
_LIBC.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
_LIBC.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
_LIBC.mlock.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
_MAP_FAILED = ctypes.c_void_p(-1).value


class ResidentFile:
    """``path``'s pages mapped read-only and shared (the page cache's own pages, which the file's users map too) and
    locked; ``close`` lets them go. Raises ``OSError`` when the file cannot be mapped or locked (locking needs
    root's ``CAP_IPC_LOCK`` or a ``RLIMIT_MEMLOCK`` as large as the file)."""

    def __init__(self, path: Path) -> None:
        self.size = path.stat().st_size
        descriptor = os.open(path, os.O_RDONLY)
        try:
            address = _LIBC.mmap(None, self.size, mmap.PROT_READ, mmap.MAP_SHARED, descriptor, 0)
        finally:
            os.close(descriptor)  # the mapping keeps the file
        if address in (None, _MAP_FAILED):
            raise OSError(ctypes.get_errno(), f"mmap {path}: {os.strerror(ctypes.get_errno())}")
        self._address: int | None = address
        if _LIBC.mlock(address, self.size) != 0:
            error = ctypes.get_errno()
            self.close()
            raise OSError(error, f"mlock {path} ({self.size} bytes): {os.strerror(error)}")

    def close(self) -> None:
        if self._address is not None:
            _LIBC.munmap(self._address, self.size)  # unmapping unlocks
            self._address = None
