"""The Ray executor: a run's units of work (method x concept) as Ray tasks on any Ray cluster.

Design (see docs/scaling.md):

* **One task per unit.** A unit is one concept of one method (:mod:`.units`): personalize once, then
  that concept's answers and generations. Each task asks Ray for the method's declared resources
  (class attribute ``resources``, e.g. ``{"num_cpus": 4, "num_gpus": 1}``; default one CPU).
* **The method travels pickled** (cloudpickle, once per run, through the object store). A CPU
  worker process keeps the last method it unpickled, keyed by the pickle's SHA-256, so a model a
  method loads lazily stays loaded across the units that the same worker runs. Units that ask for
  GPUs run in a fresh process each (Ray's default for GPU tasks), so each sees only its own GPUs.
* **One writer.** Tasks are Ray streaming generators: they yield one message per item and the
  driver appends each record to ``predictions.jsonl`` through the runner's :class:`JsonlWriter` as
  it arrives. Workers never write records (they do write generated images, under the run folder,
  which must therefore be on storage every node sees at the same path). The driver drops any record
  whose id it has already written, so an id is never recorded twice.
* **Faults.** A worker process that dies mid-unit makes Ray retry the task (``max_retries``). A
  retried unit yields the same number of messages; Ray discards those at positions the driver
  already received, and the retried unit skips (without predicting) the items it finds in
  ``predictions.jsonl``. Records already written are kept. A unit that fails more than
  ``max_retries`` times gets error records for its unwritten items (re-run with ``--retry-errors``).
* **Same numbers as the local executor.** Per-item seeds depend only on the run seed and the item
  id, and each item goes through the same code as in the local loop. When every unit has finished,
  the driver rewrites ``predictions.jsonl`` once (atomically) in plan order, so scoring reads
  records in the same order as after a local run (float sums are then bit-identical too).
"""

from __future__ import annotations

import gc
import hashlib
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from unifybench.errors import ConfigError
from unifybench.runner.executors.units import (
    PERSONALIZATION,
    RECORD,
    SKIP,
    Unit,
    plan_units,
    run_unit,
    unit_items,
)
from unifybench.runner.jsonl import JsonlWriter, read_records, rewrite
from unifybench.runner.layout import RunLayout

if TYPE_CHECKING:
    from collections.abc import Iterator

    from unifybench.data.records import Benchmark
    from unifybench.runner.config import RunConfig
    from unifybench.runner.plan import PlanItem
    from unifybench.runner.predict import PredictSummary

DEFAULT_RESOURCES: dict[str, Any] = {"num_cpus": 1}
RESOURCE_KEYS = frozenset({"num_cpus", "num_gpus", "memory", "resources", "accelerator_type"})
DEFAULT_MAX_RETRIES = 3
LOOPBACK = "127.0.0.1"


def method_resources(method: Any, override: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The Ray resources one unit of ``method`` needs: its ``resources`` attribute, else 1 CPU,
    updated by ``override`` (``--ray-resources``).

    Allowed keys: num_cpus, num_gpus, memory (bytes), resources (custom), accelerator_type.
    A missing num_cpus means 1.
    """
    declared = getattr(method, "resources", None)
    if declared is None and not override:
        return dict(DEFAULT_RESOURCES)
    if declared is not None and not isinstance(declared, Mapping):
        raise ConfigError(
            f"method {type(method).__name__}: resources must be a dict such as "
            f"{{'num_cpus': 1, 'num_gpus': 1}}, got {type(declared).__name__}"
        )
    if override is not None and not isinstance(override, Mapping):
        raise ConfigError(f"--ray-resources must be a JSON object, got {override!r}")
    declared = {**(declared or {}), **(override or {})}
    unknown = set(declared) - RESOURCE_KEYS
    if unknown:
        raise ConfigError(
            f"method {type(method).__name__}: unknown resource key(s) "
            f"{', '.join(sorted(unknown))}; known: {', '.join(sorted(RESOURCE_KEYS))}"
        )
    for key in ("num_cpus", "num_gpus"):
        value = declared.get(key)
        if value is not None and (not isinstance(value, (int, float)) or value < 0):
            raise ConfigError(
                f"method {type(method).__name__}: resources[{key!r}] must be a number >= 0"
            )
    return {**DEFAULT_RESOURCES, **dict(declared)}


def code_root() -> Path:
    """The folder that holds the ``unifybench`` package this driver runs (and ``methods/`` in a
    checkout)."""
    import unifybench

    return Path(unifybench.__file__).resolve().parents[1]


def worker_pythonpath() -> str:
    """PYTHONPATH for Ray workers: this driver's code root first, then the node's own PYTHONPATH.

    Workers then import the same unifybench (and ``methods``) as the driver, wherever Ray starts
    them; on other nodes the path must exist (shared filesystem) or the same version be installed.
    """
    return f"{code_root()}{os.pathsep}${{PYTHONPATH}}"


# --- worker side --------------------------------------------------------------------------------

_WORKER_METHOD: dict[str, Any] = {}


def _worker_method(key: str, blob: bytes) -> Any:
    """The method for ``key``, unpickled once per worker process (the previous one is dropped)."""
    method = _WORKER_METHOD.get(key)
    if method is None:
        if _WORKER_METHOD:
            _WORKER_METHOD.clear()
            gc.collect()
            torch = sys.modules.get("torch")
            if torch is not None and torch.cuda.is_available():
                torch.cuda.empty_cache()
        from ray import cloudpickle

        method = cloudpickle.loads(blob)
        _WORKER_METHOD[key] = method
    return method


def _done_ids(run_dir: Path, unit: Unit) -> frozenset[str]:
    """Ids of the unit's items already recorded (by an earlier attempt of this unit)."""
    wanted = {p.id for p in unit.items}
    path = RunLayout(run_dir).predictions
    return frozenset(r["id"] for r in read_records(path) if r.get("id") in wanted)


def unit_task(
    method_key: str,
    method_blob: bytes,
    concept: Any,
    unit: Unit,
    items: dict[str, Any],
    run_dir: str,
    config: RunConfig,
) -> Iterator[dict[str, Any]]:
    """Body of the Ray task for one unit (a generator: Ray streams its messages to the driver)."""
    method = _worker_method(method_key, method_blob)
    root = Path(run_dir)
    yield from run_unit(method, concept, unit, items, root, config, _done_ids(root, unit))


def gpu_unit_task(
    method_key: str,
    method_blob: bytes,
    concept: Any,
    unit: Unit,
    items: dict[str, Any],
    run_dir: str,
    config: RunConfig,
) -> Iterator[dict[str, Any]]:
    """:func:`unit_task` for units that ask for GPUs (run in a fresh worker process each)."""
    yield from unit_task(method_key, method_blob, concept, unit, items, run_dir, config)


# --- driver side --------------------------------------------------------------------------------


class RayExecutor:
    """Runs a run's units as Ray tasks; use as a context manager (or call :meth:`close`).

    ``address``: a running cluster (``ray://host:10001``, ``host:6379`` or ``auto``); default
    $RAY_ADDRESS, else a new local cluster bound to 127.0.0.1 with ``num_cpus``/``num_gpus``
    (default: what the machine has). ``max_retries``: retries of a unit whose worker died.
    ``shards``: split each concept's items into that many units (each personalizes again: only
    for methods whose personalization is cheap; default 1 = personalize once per concept).
    ``resources``: overrides the method's declared resources per unit (e.g. ``{"num_gpus": 1}``).
    ``init_kwargs``: more ``ray.init`` arguments (e.g. ``runtime_env``).
    """

    name = "ray"

    def __init__(
        self,
        address: str | None = None,
        *,
        num_cpus: int | None = None,
        num_gpus: int | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        shards: int = 1,
        resources: dict[str, Any] | None = None,
        init_kwargs: dict[str, Any] | None = None,
    ) -> None:
        if shards < 1:
            raise ConfigError(f"--ray-shards must be >= 1, got {shards}")
        if max_retries < 0:
            raise ConfigError(f"max_retries must be >= 0, got {max_retries}")
        self.address = address or os.environ.get("RAY_ADDRESS") or None
        self.num_cpus = num_cpus
        self.num_gpus = num_gpus
        self.max_retries = max_retries
        self.shards = shards
        self.resources = resources
        self.init_kwargs = dict(init_kwargs or {})
        self.dropped_duplicates = 0
        self._started = False
        self._remote: dict[bool, Any] = {}

    # -- cluster -------------------------------------------------------------------------------

    def start(self) -> None:
        """Connect to the cluster (or start a local one); reuses an already initialised Ray."""
        try:
            import ray
        except ImportError as err:  # pragma: no cover - ray is a declared dependency
            raise ConfigError("--executor ray needs the ray package (pip install 'ray')") from err
        if ray.is_initialized():
            return
        kwargs: dict[str, Any] = {"include_dashboard": False, **self.init_kwargs}
        kwargs.setdefault("runtime_env", {"env_vars": {"PYTHONPATH": worker_pythonpath()}})
        if self.address:
            ray.init(address=self.address, **kwargs)
        else:
            # A private cluster for this process: loopback only, nothing listens elsewhere.
            kwargs.setdefault("_node_ip_address", LOOPBACK)
            ray.init(num_cpus=self.num_cpus, num_gpus=self.num_gpus, **kwargs)
        self._started = True

    def close(self) -> None:
        """Shut down the Ray connection (and the local cluster) if this executor started it."""
        if self._started:
            import ray

            ray.shutdown()
            self._started = False

    def __enter__(self) -> RayExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _task(self, gpu: bool) -> Any:
        """The remote unit function. CPU units reuse worker processes (max_calls=0), so a method
        stays loaded; GPU units get a fresh process each (max_calls=1, Ray's default for GPU
        tasks): a process that initialised CUDA cannot follow a new CUDA_VISIBLE_DEVICES."""
        import ray

        if gpu not in self._remote:
            self._remote[gpu] = (
                ray.remote(max_calls=1)(gpu_unit_task)
                if gpu
                else ray.remote(max_calls=0)(unit_task)
            )
        return self._remote[gpu]

    # -- the predict stage -----------------------------------------------------------------------

    def predict(
        self,
        method: Any,
        benchmark: Benchmark,
        run_dir: Path,
        config: RunConfig,
        by_concept: dict[str, list[PlanItem]],
        summary: PredictSummary,
        bar: Any,
    ) -> dict[str, Any]:
        """Predict the pending items (``by_concept``) on Ray; returns the personalization info.

        Called by :func:`unifybench.runner.predict.run_predictions` in place of its local loop;
        updates ``summary`` and ``bar`` as records arrive.
        """
        import ray
        from ray import cloudpickle

        from unifybench.runner.predict import _item_index

        self.start()
        run_dir = Path(run_dir).resolve()
        layout = RunLayout(run_dir)
        resources = method_resources(method, self.resources)
        blob = cloudpickle.dumps(method)
        key = hashlib.sha256(blob).hexdigest()
        blob_ref = ray.put(blob)
        index = _item_index(benchmark)
        units = plan_units(by_concept, self.shards)
        self._check_feasible(resources, config.method)
        task = self._task(bool(resources.get("num_gpus")))
        streams: dict[Any, Unit] = {}
        for unit in units:
            stream = task.options(
                **resources,
                max_retries=self.max_retries,
                retry_exceptions=False,
                name=f"unifybench {config.method} {unit.key}",
            ).remote(
                key,
                blob_ref,
                benchmark.concepts[unit.concept],
                unit,
                unit_items(unit, index),
                str(run_dir),
                config,
            )
            streams[stream] = unit

        personalization: dict[str, Any] = {}
        written: set[str] = set()
        try:
            self._collect(streams, layout, config, summary, bar, personalization, written)
        except BaseException:
            # Ctrl-C or a driver error: stop the units still running (records written are kept).
            for stream in streams:
                ray.cancel(stream, force=True)
            raise
        _sort_predictions(run_dir)
        if self.dropped_duplicates:
            print(
                f"ray: dropped {self.dropped_duplicates} duplicate record(s) from retried units",
                file=sys.stderr,
            )
        return personalization

    def _check_feasible(self, resources: dict[str, Any], method: str) -> None:
        """A ConfigError when no node of a private local cluster can ever run one unit (Ray would
        wait forever); on a remote cluster (which may autoscale) only a warning."""
        import ray

        wanted = {"CPU": resources.get("num_cpus", 1), "GPU": resources.get("num_gpus", 0)}
        wanted.update(resources.get("resources") or {})
        nodes = [n.get("Resources", {}) for n in ray.nodes() if n.get("Alive")]
        if any(all(node.get(k, 0) >= v for k, v in wanted.items() if v) for node in nodes):
            return
        largest = ", ".join(
            f"{k}={max((n.get(k, 0) for n in nodes), default=0):g}" for k in wanted if wanted[k]
        )
        need = ", ".join(f"{k}={v:g}" for k, v in wanted.items() if v)
        text = f"method {method} asks for {need} per unit; the largest node has {largest}"
        if not self.address:
            raise ConfigError(
                f"{text}. Start the local cluster with more (--ray-num-cpus; GPUs are detected) "
                "or use a cluster that has them (--ray-address)"
            )
        print(f"warning: {text}; units wait until the cluster provides it", file=sys.stderr)

    def _collect(
        self,
        streams: dict[Any, Unit],
        layout: RunLayout,
        config: RunConfig,
        summary: PredictSummary,
        bar: Any,
        personalization: dict[str, Any],
        written: set[str],
    ) -> None:
        """Write the units' records as they arrive, until every unit has ended."""
        import ray

        from unifybench.runner.predict import make_record

        with JsonlWriter(layout.predictions) as writer, JsonlWriter(layout.personalization) as log:

            def write(record: dict[str, Any]) -> None:
                if record["id"] in written:
                    self.dropped_duplicates += 1
                    return
                writer.write(record)
                written.add(record["id"])
                if record["status"] == "ok":
                    summary.ok += 1
                else:
                    summary.errors += 1
                bar.update(1)

            def fail(unit: Unit, reason: str) -> None:
                message = f"ray: unit {unit.key} {reason}"
                for p in unit.items:
                    if p.id not in written:
                        write(make_record(p, config, "error", error=message))

            while streams:
                ready, _ = ray.wait(list(streams), num_returns=1)
                for stream in ready:
                    unit = streams[stream]
                    try:
                        ref = next(stream)
                    except StopIteration:
                        del streams[stream]
                        if any(p.id not in written for p in unit.items):
                            fail(unit, "ended without a record for every item")
                        continue
                    try:
                        message = ray.get(ref)
                    except ray.exceptions.RayTaskError as err:  # raised outside run_unit's guard
                        del streams[stream]
                        fail(unit, f"raised {_short(getattr(err, 'cause', None) or err)}")
                        continue
                    except ray.exceptions.RayError as err:  # worker or node lost, retries spent
                        del streams[stream]
                        fail(unit, f"failed after {self.max_retries} retries: {_short(err)}")
                        continue
                    kind = message["kind"]
                    if kind == RECORD:
                        write(message["record"])
                    elif kind == SKIP:
                        if message["id"] not in written:  # recorded before this run started
                            written.add(message["id"])
                            bar.update(1)
                    elif kind == PERSONALIZATION and message["info"] is not None:
                        info = message["info"]
                        if info.get("status") == "error":
                            summary.personalize_errors[unit.concept] = info["error"]
                        log.write({"concept": unit.concept, **info})
                        if unit.concept not in personalization or info.get("status") == "error":
                            personalization[unit.concept] = info


def _short(err: BaseException) -> str:
    text = f"{type(err).__name__}: {err}".strip().splitlines()
    return text[0][:500] if text else type(err).__name__


def _sort_predictions(run_dir: Path) -> None:
    """Rewrite ``predictions.jsonl`` in plan order (records not in the plan go last, in order)."""
    from unifybench.runner.plan import read_plan

    layout = RunLayout(run_dir)
    order = {p.id: k for k, p in enumerate(read_plan(layout.plan))}
    records = read_records(layout.predictions)
    ranked = sorted(
        enumerate(records), key=lambda kr: (order.get(kr[1].get("id"), len(order)), kr[0])
    )
    if [k for k, _ in ranked] != list(range(len(records))):
        rewrite(layout.predictions, [r for _, r in ranked])
