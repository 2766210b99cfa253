"""Run the Ray side of these tests in a network namespace that has only loopback.

As root, ``unshare -n`` gives a fresh network namespace; ``ip link set lo up`` brings up its only
interface, so Ray (and anything else) can reach 127.0.0.1 and nothing more. When the test process
is already in such a namespace (``.ci/run`` runs the whole suite under ``unshare -n``), the
subprocess runs directly. Otherwise (not root, no ``unshare``/``ip``) the Ray tests are skipped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def interfaces() -> list[str]:
    """Network interfaces of this process's namespace (``/proc/net/dev`` follows the namespace;
    ``/sys/class/net`` shows the namespace sysfs was mounted in)."""
    try:
        lines = Path("/proc/net/dev").read_text().splitlines()[2:]
    except OSError:
        return []
    return sorted(line.split(":", 1)[0].strip() for line in lines if ":" in line)


def loopback_only() -> bool:
    """True when this process's network namespace has no interface but ``lo``."""
    return interfaces() == ["lo"]


def isolation_prefix() -> list[str] | None:
    """Command prefix that runs a command with loopback only; None when that is impossible."""
    if loopback_only():
        return []
    if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("ip"):
        return None
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True)
    if probe.returncode != 0:
        return None
    return ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "sh"]


def ray_env(cache: Path, ray_tmp: Path) -> dict[str, str]:
    """Environment of the isolated subprocess: offline, Ray token auth off. (Workers find the repo's
    code through the executor's runtime_env, which the tests thereby check.)"""
    env = dict(os.environ)
    env.update(
        {
            "RAY_AUTH_MODE": "disabled",
            "HF_HUB_OFFLINE": "1",
            "UNIFYBENCH_CACHE_DIR": str(cache),
            "RAY_USAGE_STATS_ENABLED": "0",
            # Ray's sessions, logs and sockets go here (short: a socket path has ~107 bytes).
            "RAY_TMPDIR": str(ray_tmp),
        }
    )
    return env


@pytest.fixture(scope="session")
def run_isolated(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[[Sequence[str], float], subprocess.CompletedProcess[str]]]:
    """``run_isolated(argv, timeout)``: run argv (cwd = repo root) with loopback-only networking."""
    prefix = isolation_prefix()
    if prefix is None:
        pytest.skip(
            "Ray tests need a loopback-only network namespace: run as root with unshare and ip "
            "(util-linux, iproute2), or inside `unshare -n` with lo up"
        )
    ray_tmp = Path(tempfile.mkdtemp(prefix="ubray-", dir="/tmp"))
    env = ray_env(tmp_path_factory.mktemp("ray_cache"), ray_tmp)

    def run(argv: Sequence[str], timeout: float) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*prefix, *argv], cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout
        )

    yield run
    shutil.rmtree(ray_tmp, ignore_errors=True)
