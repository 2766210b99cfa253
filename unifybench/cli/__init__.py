"""The ``unifybench`` command line; each verb is a thin wrapper over a ``unifybench.api`` function.

Sub-command modules register their parsers; they must import nothing heavy at module level so that
``unifybench --help`` starts fast and works without torch.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from unifybench import __version__
from unifybench.errors import UnifyBenchError

# Modules under unifybench.cli that each define register(subparsers).
_COMMAND_MODULES = ("data", "run", "leaderboard")


def build_parser() -> argparse.ArgumentParser:
    import importlib

    parser = argparse.ArgumentParser(
        prog="unifybench",
        description="Evaluate personalized unified models on UnifyBench and publish leaderboards.",
    )
    parser.add_argument("--version", action="version", version=f"unifybench {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMAND_MODULES:
        importlib.import_module(f"unifybench.cli.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point. Returns the exit status: 0 success, 1 failed checks, 2 usage or data errors."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except UnifyBenchError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; finished items are kept and a re-run resumes", file=sys.stderr)
        return 130
