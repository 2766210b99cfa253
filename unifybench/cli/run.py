"""Run verbs: ``run``, ``predict``, ``score``, ``aggregate``, ``ls``, ``demo``.

Each is a thin wrapper over the function of the same name in :mod:`unifybench.api` (``demo``:
:func:`unifybench.demo.run_demo`). Nothing heavy is imported at module level (``unifybench
--help`` must not import torch or pandas).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from unifybench.errors import ConfigError

_NAME_START = re.compile(r"\s*[A-Za-z_][\w.-]*=")


def split_pairs(text: str) -> list[str]:
    """``"backbone=janus,config=tiny"`` -> ``["backbone=janus", "config=tiny"]``.

    A comma starts a new pair only when ``name=`` follows it and it stands outside JSON
    brackets (``[]``, ``{}``) and double-quoted strings. So ``prompt=a,b`` is one value,
    ``sizes=[1,2],n=3`` two pairs; a value that itself holds ``,name=`` is written as a JSON
    string: ``note="x,y=1"``.
    """
    parts, depth, quoted, escaped, start = [], 0, False, False, 0
    for i, ch in enumerate(text):
        if quoted:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                quoted = False
            continue
        if ch == '"':
            quoted = True
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth = max(0, depth - 1)
        elif ch == "," and depth == 0 and _NAME_START.match(text, i + 1):
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def parse_params(pairs: list[str] | None) -> dict[str, Any]:
    """``["steps=50", "a=x,b=2"]`` -> ``{"steps": 50, "a": "x", "b": 2}`` (JSON-parsed values).

    Each ``--param`` holds one pair or several separated by commas (:func:`split_pairs` says
    which commas separate); a key given twice keeps its last value.
    """
    params: dict[str, Any] = {}
    for given in pairs or []:
        for pair in split_pairs(given):
            key, sep, raw = pair.partition("=")
            if not sep or not key.strip():
                raise ConfigError(f"--param expects key=value[,key=value...], got '{given}'")
            try:
                params[key.strip()] = json.loads(raw)
            except json.JSONDecodeError:
                params[key.strip()] = raw
    return params


def _add_data_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--data",
        metavar="[NAME:]SOURCE",
        help="UnifyBench dataset folder or hub repo id; NAME:SOURCE for another benchmark "
        "(`unifybench ls benchmarks`), NAME: for its sample set (default: UnifyBench's sample "
        "set, written on demand into the cache directory)",
    )
    p.add_argument("--concepts", help="comma-separated concept ids (default: all)")
    p.add_argument(
        "--tasks",
        help="comma-separated tasks of the benchmark (`unifybench ls tasks`; default: all the "
        "method can do)",
    )


def _add_predict_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--method",
        action="append",
        required=True,
        help="method name (repeatable), or package.module:Class",
    )
    p.add_argument(
        "--param",
        action="append",
        metavar="KEY=VALUE[,KEY=VALUE]",
        help="method parameters (repeatable); VALUE is parsed as JSON when it can be; a comma "
        "starts a new pair only before NAME= outside JSON brackets and quotes (prompt=a,b is one "
        "value; write a value holding ',name=' as a JSON string)",
    )
    p.add_argument(
        "--batch-size",
        type=int,
        metavar="N",
        help="items per batched method call (answer_batch / generate_batch) for methods that "
        "have them; default: the method's own (1 for methods without batch hooks). Never "
        "changes a prediction",
    )
    _add_data_options(p)
    p.add_argument("--out", default="runs", help="runs directory (default: runs)")
    p.add_argument("--run-name", help="run directory name (default: the method name)")
    p.add_argument("--seed", type=int, default=0, help="run seed; item seeds derive from it")
    p.add_argument(
        "--images-per-prompt",
        type=int,
        help="images per generation prompt (default: the benchmark's, 4)",
    )
    p.add_argument(
        "--retry-errors",
        action="store_true",
        help="retry items whose stored prediction is an error (default: keep them)",
    )
    p.add_argument(
        "--protocol",
        default=None,
        help="a protocol of the benchmark (UnifyBench: legacy reproduces the published scripts, "
        "defects included; v2, the default, is fixed)",
    )
    from unifybench.runner.executors import add_executor_options

    add_executor_options(p)


def _add_scoring_options(p: argparse.ArgumentParser, *, with_protocol: bool) -> None:
    if with_protocol:
        p.add_argument(
            "--protocol",
            help="scorer variants: a protocol of the run's benchmark (default: the run's)",
        )
    g = p.add_argument_group("judges and scorer weights")
    g.add_argument("--judge-base-url", help="OpenAI-compatible base URL of the judges")
    g.add_argument("--judge-model", help="text judge model (default: the official deepseek-chat)")
    g.add_argument("--judge-key-env", help="environment variable holding the judge API key")
    g.add_argument("--vision-judge-model", help="vision judge model (default: the official gpt-4o)")
    g.add_argument(
        "--offline-judge",
        action="store_true",
        help="MiniLM embedding judge instead of the API judge (metric judge_minilm)",
    )
    g.add_argument("--clip-weights", help="local CLIP weights (default: download OpenAI ViT-B/32)")
    g.add_argument("--face-backend", choices=("arcface", "dlib"), default="arcface")
    g.add_argument("--face-model-dir", help="folder with the antelopev2 ONNX files")
    g.add_argument("--device", default="cpu", help="torch device for scorers (cpu, cuda, ...)")


def _scoring_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    kwargs = {
        name: getattr(args, name)
        for name in (
            "judge_base_url",
            "judge_model",
            "judge_key_env",
            "vision_judge_model",
            "offline_judge",
            "clip_weights",
            "face_backend",
            "face_model_dir",
            "device",
        )
    }
    if getattr(args, "protocol", None):
        kwargs["protocol"] = args.protocol
    return kwargs


def register(sub: argparse._SubParsersAction) -> None:
    """Add the run verbs to the parser."""
    p = sub.add_parser("run", help="predict, score and aggregate (resumes an existing run)")
    _add_predict_options(p)
    _add_scoring_options(p, with_protocol=False)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("predict", help="only ask the method (resumes an existing run)")
    _add_predict_options(p)
    p.set_defaults(func=cmd_predict)

    p = sub.add_parser("score", help="score a run's saved predictions (never calls the method)")
    p.add_argument("run_dir", type=Path, metavar="RUN")
    p.add_argument("--data", help="dataset location, if it moved since the run")
    _add_scoring_options(p, with_protocol=True)
    p.add_argument("--no-aggregate", action="store_true", help="do not recompute result.json")
    p.set_defaults(func=cmd_score)

    p = sub.add_parser("aggregate", help="recompute result.json from a run's scores alone")
    p.add_argument("run_dir", type=Path, metavar="RUN")
    p.set_defaults(func=cmd_aggregate)

    from unifybench.runner.listing import KINDS

    p = sub.add_parser("ls", help="list methods, benchmarks, tasks, scorers, metrics and judges")
    p.add_argument("kind", nargs="?", choices=KINDS)
    p.set_defaults(func=cmd_ls)

    p = sub.add_parser("demo", help="sample sets + CPU baselines + every offline scorer + board")
    p.add_argument("--out", type=Path, default=Path("runs/demo"), help="default: runs/demo")
    p.add_argument(
        "--images-per-prompt",
        type=int,
        default=None,
        help="images per prompt (default: 2, to keep the demo short; the benchmark uses 4)",
    )
    p.add_argument("--protocol", default=None, help="default: each benchmark's default")
    p.add_argument("--methods", help="comma-separated methods (default: the CPU baselines)")
    p.add_argument(
        "--benchmarks", help="comma-separated benchmarks (default: every runnable benchmark)"
    )
    p.add_argument("--judge-base-url", help="OpenAI-compatible base URL of the judges")
    p.add_argument("--judge-key-env", help="environment variable holding the judge API key")
    p.add_argument("--clip-weights", help="local CLIP weights (default: download ViT-B/32)")
    p.add_argument("--face-model-dir", help="folder with the antelopev2 ONNX files")
    p.set_defaults(func=cmd_demo)


def _predict_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """Keyword arguments of ``api.predict`` / ``api.run`` shared by the run and predict verbs."""
    from unifybench.runner.executors import executor_kwargs

    return {
        **executor_kwargs(args),
        "params": parse_params(args.param),
        "data": args.data,
        "concepts": args.concepts,
        "tasks": args.tasks,
        "out": args.out,
        "run_name": args.run_name,
        "seed": args.seed,
        "images_per_prompt": args.images_per_prompt,
        "retry_errors": args.retry_errors,
        "protocol": args.protocol,
        "batch_size": args.batch_size,
    }


def cmd_run(args: argparse.Namespace) -> int:
    from unifybench import api

    # protocol comes with the predict options; the scoring options add everything else
    scoring = {k: v for k, v in _scoring_kwargs(args).items() if k != "protocol"}
    outcomes = api.run(args.method, **_predict_kwargs(args), **scoring, summary=True)
    for outcome in outcomes:
        print(f"result: {outcome.run_dir / 'result.json'}")
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    from unifybench import api

    outcomes = api.predict(args.method, **_predict_kwargs(args))
    status = 0
    for o in outcomes:
        s = o.predict
        assert s is not None
        print(
            f"{o.method}: {s.ok} predicted, {s.errors} errors, {s.skipped} already done "
            f"of {s.planned} -> {o.run_dir}"
        )
        for concept, message in s.personalize_errors.items():
            print(f"  {concept}: {message}", file=sys.stderr)
    return status


def cmd_score(args: argparse.Namespace) -> int:
    from unifybench import api

    s = api.score(args.run_dir, data=args.data, **_scoring_kwargs(args))
    print(f"scored {s.scored} (item, scorer) pairs, {s.errors} errors, {s.skipped} already done")
    if not args.no_aggregate:
        _print_result(api.aggregate(args.run_dir), args.run_dir)
    return 0


def cmd_aggregate(args: argparse.Namespace) -> int:
    from unifybench import api

    _print_result(api.aggregate(args.run_dir), args.run_dir)
    return 0


def _print_result(result: Any, run_dir: Path) -> None:
    from unifybench.runner.summary import print_summary

    print_summary(result, title=f"{result.method.name}: {run_dir}")
    print(f"result: {run_dir / 'result.json'}")


def cmd_ls(args: argparse.Namespace) -> int:
    from unifybench import api

    for kind, names in api.ls(args.kind).items():
        print(f"{kind}:")
        for name in names:
            print(f"  {name}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from unifybench.demo import run_demo

    kwargs: dict[str, Any] = {"protocol": args.protocol}
    if args.images_per_prompt is not None:
        kwargs["images_per_prompt"] = args.images_per_prompt
    if args.methods:
        kwargs["methods"] = [m.strip() for m in args.methods.split(",") if m.strip()]
    if args.benchmarks:
        kwargs["benchmarks"] = [b.strip() for b in args.benchmarks.split(",") if b.strip()]
    if args.judge_base_url:
        kwargs["judge_base_url"] = args.judge_base_url
    if args.judge_key_env:
        kwargs["judge_key_env"] = args.judge_key_env
    if args.clip_weights:
        kwargs["clip_weights"] = args.clip_weights
    if args.face_model_dir:
        kwargs["face_model_dir"] = args.face_model_dir
    run_demo(args.out, **kwargs)
    return 0
