"""``unifybench data ...``: write a benchmark's sample set, check a source, download UnifyBench.

A source is addressed like ``--data``: a bare folder means UnifyBench, ``NAME:FOLDER`` another
benchmark. Nothing heavy is imported at module level (a sample needs scikit-image only when it
runs).
"""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``data sample``, ``data check`` and ``data download`` to the parser."""
    data = sub.add_parser("data", help="write a sample set, check a dataset, download UnifyBench")
    verbs = data.add_subparsers(dest="data_command", metavar="VERB")
    data.set_defaults(func=lambda args: _usage(data))

    sample = verbs.add_parser(
        "sample",
        help="write a benchmark's small smoke-test set (its own layout) into OUT",
        description="Write the deterministic smoke-test set of a benchmark (UnifyBench: 3 "
        "concepts, official layout, from photos shipped with scikit-image and scikit-learn).",
    )
    sample.add_argument("out", metavar="OUT", help="folder to write (created if needed)")
    sample.add_argument(
        "--benchmark",
        default="unifybench",
        help="which benchmark's sample set (`unifybench ls benchmarks`; default: unifybench)",
    )
    sample.set_defaults(func=run_sample)

    download = verbs.add_parser(
        "download",
        help="download UnifyBench from the Hugging Face hub and print its local folder",
        description="Download the dataset repo (default HankYang428/unictokens_data) with "
        "huggingface_hub; works offline when the snapshot is already cached.",
    )
    download.add_argument("--repo", default=None, help="hub dataset repo id")
    download.add_argument("--revision", default=None, help="branch, tag or commit")
    download.add_argument("--concepts", nargs="+", default=None, help="only these concepts")
    download.add_argument("--cache-dir", default=None, help="hub cache folder")
    download.add_argument("--local-dir", default=None, help="write the files here instead")
    download.set_defaults(func=run_download)

    check = verbs.add_parser(
        "check",
        help="validate a dataset folder and print a report (exit 1 on any error)",
        description="Validate a dataset: concepts found, items per task per concept, and every "
        "problem with file, field and what was expected. ROOT is a UnifyBench folder or "
        "NAME:FOLDER for another benchmark.",
    )
    check.add_argument("root", metavar="[NAME:]ROOT", help="dataset folder")
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    check.set_defaults(func=run_check)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def run_sample(args: argparse.Namespace) -> int:
    """``unifybench data sample OUT [--benchmark NAME]``."""
    from unifybench.benchmarks import DEFAULT, adapter, get_benchmark

    spec = get_benchmark(args.benchmark)
    out = adapter(spec.name).write_sample(args.out)
    print(f"wrote the {spec.display} sample set (smoke-test set) to {out}")
    where = str(out) if spec.name == DEFAULT else f"{spec.name}:{out}"
    print(f"check it with: unifybench data check {where}")
    return 0


def run_download(args: argparse.Namespace) -> int:
    """``unifybench data download``: prints the dataset root (the folder to pass to other verbs)."""
    from unifybench.benchmarks.unifybench import hub

    root = hub.download(
        args.repo or hub.REPO_ID,
        revision=args.revision,
        concepts=args.concepts,
        cache_dir=args.cache_dir,
        local_dir=args.local_dir,
    )
    print(root)
    return 0


def run_check(args: argparse.Namespace) -> int:
    """``unifybench data check [NAME:]ROOT``: 0 when there is no error, 1 otherwise."""
    import json

    from unifybench.benchmarks import split_data

    spec, source = split_data(args.root)
    report = spec.make_adapter().check(source or args.root)
    print(json.dumps(report.to_dict(), indent=2) if args.json else report.format())
    return 0 if report.ok else 1
