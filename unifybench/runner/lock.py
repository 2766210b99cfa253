"""One writer per run directory: a lock file holding the writer's pid and host.

Two processes appending to the same predictions.jsonl would interleave records and duplicate
ids. A lock left behind by a killed process (its pid is gone on this host) is taken over, so a
SIGKILLed run resumes without manual clean-up.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from unifybench.errors import ConfigError

LOCK_NAME = ".lock"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


@contextmanager
def run_lock(run_dir: Path) -> Iterator[None]:
    """Hold the run directory's lock for the duration of the block (re-entrant per process)."""
    path = run_dir / LOCK_NAME
    me = f"{os.getpid()} {socket.gethostname()}"
    run_dir.mkdir(parents=True, exist_ok=True)
    if path.exists() and path.read_text(encoding="utf-8", errors="replace").strip() == me:
        yield  # already held by this process (run -> score -> aggregate)
        return
    for _ in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            holder = path.read_text(encoding="utf-8", errors="replace").split()
            pid = int(holder[0]) if holder and holder[0].isdigit() else -1
            host = holder[1] if len(holder) > 1 else ""
            if host == socket.gethostname() and not _alive(pid):
                path.unlink(missing_ok=True)  # left by a killed process
                continue
            raise ConfigError(
                f"{run_dir} is being written by process {pid} on {host or 'an unknown host'}; "
                f"wait for it, or delete {path} if that process is gone"
            ) from None
        with os.fdopen(fd, "w") as fh:
            fh.write(me)
        break
    try:
        yield
    finally:
        path.unlink(missing_ok=True)
