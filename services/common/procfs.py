"""What the local stack needs to know about other processes, read from Linux's /proc (no extra package).

Used by `zhifa up` to recognise what a previous run left behind, to name who holds a port, and to make sure
nothing it started outlives it.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterable, Iterator
from pathlib import Path

PROC = Path("/proc")


def alive(pid: int) -> bool:
    """The process exists and is not a zombie (an exited process nobody reaped yet)."""
    if not PROC.is_dir():  # not Linux: existence is all we can tell
        return exists(pid)
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return False
    # The state follows the command name, which is in parentheses and may itself contain ") ".
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def exists(pid: int) -> bool:
    """The process id is taken, even by a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def cmdline(pid: int) -> list[str]:
    """The process's arguments, or [] when it is gone or unreadable."""
    try:
        raw = (PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def describe(pid: int) -> str:
    """A short name for messages: the program and its first arguments."""
    args = cmdline(pid)
    if not args:
        return f"pid {pid}"
    shown = " ".join([Path(args[0]).name, *args[1:4]])
    return shown if len(shown) <= 80 else shown[:77] + "..."


def pids() -> Iterator[int]:
    if not PROC.is_dir():
        return
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            yield int(entry.name)


def carrying(name: str, value: str) -> list[int]:
    """Processes whose environment has ``name=value`` (inherited by everything a process starts)."""
    needle = f"{name}={value}".encode()
    found = []
    for pid in pids():
        with contextlib.suppress(OSError):
            if needle in (PROC / str(pid) / "environ").read_bytes().split(b"\0") and alive(pid):
                found.append(pid)
    return found


def _listening_inodes(port: int) -> set[str]:
    inodes: set[str] = set()
    for table in ("tcp", "tcp6"):
        try:
            lines = (PROC / "net" / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 9 and fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    return inodes


def port_owner(port: int) -> int | None:
    """The process listening on a TCP port, when /proc lets us see it (another user's process may not)."""
    inodes = _listening_inodes(port)
    if not inodes:
        return None
    targets = {f"socket:[{inode}]" for inode in inodes}
    for pid in pids():
        with contextlib.suppress(OSError):
            for fd in (PROC / str(pid) / "fd").iterdir():
                with contextlib.suppress(OSError):
                    if os.readlink(fd) in targets:
                        return pid
    return None


def kill_all(pids_: Iterable[int], sig: int = signal.SIGKILL) -> None:
    for pid in pids_:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)


def ppid(pid: int) -> int | None:
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def children(pid: int) -> list[int]:
    return [p for p in pids() if ppid(p) == pid]
