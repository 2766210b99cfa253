"""``unifybench validate`` and ``unifybench leaderboard build|schema``.

Each command is a thin wrapper over a plain function: :func:`validate_paths`,
:func:`leaderboard.build.build_site` and :func:`write_json_schema`.
"""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``validate`` and ``leaderboard`` to the parser."""
    p = sub.add_parser(
        "validate",
        help="check submission files against the schema and the leaderboard schema",
        description="Check submission files (folders: every *.json). Exit 1 on any problem.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="submission files or folders")
    p.add_argument(
        "--schema",
        default=None,
        help="also check this leaderboard schema.yaml loads (validity itself comes from the "
        "task, metric and benchmark specs)",
    )
    p.set_defaults(func=_validate)

    lb = sub.add_parser("leaderboard", help="build the static leaderboard site")
    lb_sub = lb.add_subparsers(dest="leaderboard_command", metavar="ACTION")
    b = lb_sub.add_parser(
        "build",
        help="render submissions into a static, self-contained site",
        description="Validate every submission, then write the static site to SITE.",
    )
    b.add_argument(
        "submissions",
        nargs="*",
        default=["submissions"],
        metavar="SUBMISSIONS",
        help="submission files or folders (default: submissions/)",
    )
    b.add_argument("-o", "--output", required=True, metavar="SITE", help="output folder")
    b.add_argument(
        "--schema", default=None, help="leaderboard schema.yaml (default: the shipped one)"
    )
    b.set_defaults(func=_build)

    s = lb_sub.add_parser("schema", help="write the submission JSON Schema")
    s.add_argument("-o", "--output", default="docs/submission.schema.json", metavar="FILE")
    s.set_defaults(func=_schema)
    lb.set_defaults(func=lambda args: (lb.print_help(), 2)[1])


def _validate(args: argparse.Namespace) -> int:
    from unifybench.submission.validate import expand_paths, validate_paths

    if args.schema:
        from leaderboard.schema import load_schema

        load_schema(args.schema)
    problems = validate_paths(args.paths)
    bad = {p.file for p in problems}
    for path in expand_paths(args.paths):
        if str(path) not in bad:
            print(f"OK {path}")
    for problem in problems:
        print(f"PROBLEM {problem}")
    if problems:
        print(f"{len(problems)} problem(s) in {len(bad)} file(s)", file=sys.stderr)
        return 1
    return 0


def _build(args: argparse.Namespace) -> int:
    from leaderboard.build import build_site

    report = build_site(args.submissions, args.output, schema_path=args.schema)
    print(
        f"built {report.out_dir}: {report.n_submissions} submissions on {report.n_boards} boards, "
        f"{report.n_pages} pages"
    )
    return 0


def _schema(args: argparse.Namespace) -> int:
    from unifybench.submission.jsonschema import write_json_schema

    print(f"wrote {write_json_schema(args.output)}")
    return 0
