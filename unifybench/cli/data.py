"""``unifybench data ...``: write the sample benchmark, check a dataset folder.

Nothing heavy is imported at module level (the sample needs scikit-image only when it runs).
"""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``data sample`` and ``data check`` to the parser."""
    data = sub.add_parser("data", help="write the sample benchmark or check a dataset folder")
    verbs = data.add_subparsers(dest="data_command", metavar="VERB")
    data.set_defaults(func=lambda args: _usage(data))

    sample = verbs.add_parser(
        "sample",
        help="write the small smoke-test benchmark (official layout) into OUT",
        description="Write the deterministic smoke-test benchmark (3 concepts, official layout) "
        "from photos shipped with scikit-image and scikit-learn.",
    )
    sample.add_argument("out", metavar="OUT", help="folder to write (created if needed)")
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
        description="Validate a UnifyBench dataset folder: concepts found, items per task per "
        "concept, and every problem with file, field and what was expected.",
    )
    check.add_argument("root", metavar="ROOT", help="dataset folder (official layout)")
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    check.set_defaults(func=run_check)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def run_sample(args: argparse.Namespace) -> int:
    """``unifybench data sample OUT``."""
    from unifybench.data.sample import write_sample

    out = write_sample(args.out)
    print(f"wrote the UnifyBench sample benchmark (smoke-test set) to {out}")
    print(f"check it with: unifybench data check {out}")
    return 0


def run_download(args: argparse.Namespace) -> int:
    """``unifybench data download``: prints the dataset root (the folder to pass to other verbs)."""
    from unifybench.data import hub

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
    """``unifybench data check ROOT``: 0 when there is no error, 1 otherwise."""
    from unifybench.data.check import main_check

    return main_check(args.root, as_json=args.json)
