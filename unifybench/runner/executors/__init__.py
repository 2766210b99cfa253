"""Executors: where the predict stage's units of work run.

``local`` (the default) is the runner's own in-process loop; ``ray``
(:class:`.ray_executor.RayExecutor`) spreads units over a Ray cluster. Nothing heavy is imported
here: ray only when a Ray executor starts.
"""

from __future__ import annotations

import argparse
from typing import Any

from unifybench.errors import ConfigError

EXECUTORS: tuple[str, ...] = ("local", "ray")


def make_executor(
    kind: str | Any | None = "local",
    *,
    ray_address: str | None = None,
    ray_shards: int = 1,
    ray_num_cpus: int | None = None,
    ray_max_retries: int | None = None,
    ray_resources: str | dict[str, Any] | None = None,
) -> Any | None:
    """``None`` for the local executor, a :class:`RayExecutor` for ``"ray"``.

    An object that already has a ``predict`` method (an executor instance) is returned as is.
    """
    if kind is None or kind == "local":
        if ray_address or ray_resources:
            raise ConfigError("--ray-address and --ray-resources need --executor ray")
        return None
    if not isinstance(kind, str):
        if not callable(getattr(kind, "predict", None)):
            raise ConfigError(f"executor {kind!r} has no predict() method")
        return kind
    if kind != "ray":
        raise ConfigError(f"unknown executor '{kind}'; use one of {', '.join(EXECUTORS)}")
    from unifybench.runner.executors.ray_executor import DEFAULT_MAX_RETRIES, RayExecutor

    return RayExecutor(
        ray_address,
        num_cpus=ray_num_cpus,
        shards=ray_shards,
        resources=parse_resources(ray_resources),
        max_retries=DEFAULT_MAX_RETRIES if ray_max_retries is None else ray_max_retries,
    )


def parse_resources(value: str | dict[str, Any] | None) -> dict[str, Any] | None:
    """``'{"num_gpus": 1}'`` (JSON) or a dict -> dict; a ConfigError for anything else."""
    if value is None or isinstance(value, dict):
        return value
    import json

    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as err:
        raise ConfigError(f"--ray-resources: not JSON ({err.msg}): {value!r}") from err
    if not isinstance(parsed, dict):
        raise ConfigError('--ray-resources must be a JSON object such as {"num_gpus": 1}')
    return parsed


def close_executor(executor: Any | None) -> None:
    """Close an executor made by :func:`make_executor` (nothing for the local one)."""
    close = getattr(executor, "close", None)
    if callable(close):
        close()


def add_executor_options(p: argparse.ArgumentParser) -> None:
    """Add ``--executor`` and the ``--ray-*`` options."""
    g = p.add_argument_group("executor (where the method runs; see docs/scaling.md)")
    g.add_argument(
        "--executor",
        choices=EXECUTORS,
        default="local",
        help="local: in this process (default); ray: one Ray task per method x concept",
    )
    g.add_argument(
        "--ray-address",
        help="Ray cluster to use (host:6379, ray://host:10001 or auto; default $RAY_ADDRESS, "
        "else a new local cluster on 127.0.0.1)",
    )
    g.add_argument(
        "--ray-shards",
        type=int,
        default=1,
        help="split each concept into N units, each personalizing again (cheap methods only; "
        "default 1)",
    )
    g.add_argument(
        "--ray-num-cpus",
        type=int,
        help="CPUs of a new local Ray cluster (default: all; ignored with --ray-address)",
    )
    g.add_argument(
        "--ray-resources",
        metavar="JSON",
        help="resources per unit, overriding the method's own, e.g. '{\"num_gpus\": 1}'",
    )
    g.add_argument(
        "--ray-max-retries",
        type=int,
        help="retries of a unit whose worker process died (default 3)",
    )


def executor_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """The api keyword arguments of the executor options."""
    return {
        "executor": getattr(args, "executor", "local"),
        "ray_address": getattr(args, "ray_address", None),
        "ray_shards": getattr(args, "ray_shards", 1),
        "ray_num_cpus": getattr(args, "ray_num_cpus", None),
        "ray_max_retries": getattr(args, "ray_max_retries", None),
        "ray_resources": getattr(args, "ray_resources", None),
    }
