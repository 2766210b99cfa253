"""Dependencies point one way, task names live in the specs, no code compares protocol names.

Every Python file of the library, the leaderboard and the methods is parsed (AST); imports at any
depth count, lazy ones inside functions included.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("unifybench", "leaderboard", "methods")

# module prefix -> prefixes it must never import (the arrow points down the list of layers:
# specs < data < judges < scorers < benchmarks < runner < api < demo < cli, with the submission
# model and the leaderboard beside them).
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "unifybench.registry": ("unifybench.",),
    "unifybench.errors": ("unifybench.",),
    "unifybench.protocols": ("unifybench.data", "unifybench.scorers", "unifybench.judges",
                             "unifybench.runner", "unifybench.benchmarks", "unifybench.api"),
    "unifybench.metrics": ("unifybench.data", "unifybench.scorers", "unifybench.judges",
                           "unifybench.runner", "unifybench.benchmarks", "unifybench.api"),
    "unifybench.tasks": ("unifybench.data", "unifybench.scorers", "unifybench.judges",
                         "unifybench.runner", "unifybench.benchmarks", "unifybench.api"),
    "unifybench.pretrained": ("unifybench.judges", "unifybench.scorers", "unifybench.runner"),
    "unifybench.data": ("unifybench.scorers", "unifybench.judges", "unifybench.runner",
                        "unifybench.benchmarks", "unifybench.api", "unifybench.demo",
                        "unifybench.cli", "unifybench.catalog", "unifybench.submission"),
    "unifybench.judges": ("unifybench.scorers", "unifybench.runner", "unifybench.benchmarks",
                          "unifybench.api", "unifybench.demo", "unifybench.cli",
                          "unifybench.catalog"),
    "unifybench.scorers": ("unifybench.runner", "unifybench.benchmarks", "unifybench.api",
                           "unifybench.demo", "unifybench.cli", "unifybench.catalog",
                           "unifybench.submission.rules", "unifybench.submission.validate"),
    "unifybench.benchmarks": ("unifybench.scorers", "unifybench.judges", "unifybench.runner",
                              "unifybench.api", "unifybench.demo", "unifybench.cli",
                              "unifybench.catalog"),
    "unifybench.submission": ("leaderboard", "unifybench.runner", "unifybench.api",
                              "unifybench.demo", "unifybench.cli", "unifybench.scorers",
                              "unifybench.judges"),
    "unifybench.runner": ("unifybench.api", "unifybench.demo", "unifybench.cli", "leaderboard"),
    "unifybench.api": ("unifybench.demo", "unifybench.cli", "leaderboard"),
    "unifybench.demo": ("unifybench.cli",),
    "unifybench": ("methods",),
    "leaderboard": ("unifybench.runner", "unifybench.api", "unifybench.demo", "unifybench.cli",
                    "methods"),
    # Methods use records, errors, the method protocol and shared models; never evaluator code.
    "methods": ("unifybench.judges", "unifybench.scorers", "unifybench.runner", "unifybench.api",
                "unifybench.demo", "unifybench.cli", "unifybench.catalog",
                "unifybench.submission", "unifybench.benchmarks", "leaderboard"),
}  # fmt: skip
# Imports of another method's package that remain, each with its reason (the methods' owners move
# the shared part to a neutral package, then the entry goes).
KNOWN_CROSS_METHOD = {
    # concept-tokens trains Show-o rows with UniCTokens' loss functions (ConceptTrainer); that
    # trainer also holds UniCTokens' stages, checkpoints and prompts, so moving it is its owners'.
    ("methods.concept_tokens", "methods.unictokens.trainer"),
}


def _method_packages() -> set[str]:
    """``methods.<x>`` of every registered built-in method: the packages that are methods. Other
    packages and modules of methods/ (common, the Show-o and Janus backbones, batching, noise)
    are shared and any method may import them."""
    from unifybench.method import METHODS

    out = set()
    for name in METHODS.names():
        source = METHODS.source_of(name) or ""
        if source.startswith("methods."):
            out.add(".".join(source.split(":")[0].split(".")[:2]))
    return out


# Where concrete tasks may be named: the task specs and the benchmark adapters (which map their
# files onto tasks).
TASK_SPEC_PLACES = ("unifybench/tasks/", "unifybench/benchmarks/")


def _modules() -> list[tuple[str, Path]]:
    out = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).with_suffix("")
            parts = list(rel.parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out.append((".".join(parts), path))
    return out


def _imports(path: Path, module: str) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = module.split(".")
                is_package = path.name == "__init__.py"
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            found.append(name)
            found += [f"{name}.{alias.name}" for alias in node.names]
    return found


def _matches(name: str, prefix: str) -> bool:
    return name == prefix.rstrip(".") or name.startswith(
        prefix if prefix.endswith(".") else prefix + "."
    )


def _rules_for(module: str) -> list[str]:
    return [
        bad
        for owner, forbidden in FORBIDDEN.items()
        if _matches(module, owner)
        for bad in forbidden
    ]


def test_imports_point_one_way() -> None:
    violations = []
    for module, path in _modules():
        rules = _rules_for(module)
        for name in _imports(path, module):
            for bad in rules:
                if _matches(name, bad) and not _matches(name, module.split(".")[0] + ".errors"):
                    violations.append(f"{path.relative_to(ROOT)} imports {name} (rule: no {bad})")
    assert not violations, "\n".join(sorted(set(violations)))


def test_methods_import_no_other_method() -> None:
    methods = _method_packages()
    assert {"methods.unictokens", "methods.profile_retrieval"} <= methods
    violations = []
    for module, path in _modules():
        if not module.startswith("methods.") or module.count(".") < 1:
            continue
        own = ".".join(module.split(".")[:2])
        for name in _imports(path, module):
            target = ".".join(name.split(".")[:2])
            if target == own or target not in methods:
                continue
            if any(own == a and _matches(name, b) for a, b in KNOWN_CROSS_METHOD):
                continue
            violations.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not violations, "\n".join(sorted(set(violations)))


def _task_names() -> set[str]:
    from unifybench.tasks import task_names

    return set(task_names())


def test_no_library_module_outside_the_specs_names_a_task() -> None:
    tasks = _task_names()
    violations = []
    for package in ("unifybench", "leaderboard"):
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel.startswith(TASK_SPEC_PLACES):
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            # A scorer id's first part (ScorerSpec family=...) is an id, not a task, even where
            # it is spelled like one ("rec/substring/legacy@1").
            id_parts = {
                id(kw.value)
                for node in ast.walk(tree)
                if isinstance(node, ast.keyword) and node.arg == "family"
                for kw in [node]
            }
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Constant)
                    and node.value in tasks
                    and id(node) not in id_parts
                ):
                    violations.append(f"{rel}:{node.lineno} names task {node.value!r}")
    assert not violations, "\n".join(violations)


def _protocol_names() -> set[str]:
    from unifybench.benchmarks import known_protocols

    return set(known_protocols())


def _compares_protocol_name(node: ast.Compare, names: set[str]) -> bool:
    operands = [node.left, *node.comparators]
    for operand in operands:
        if isinstance(operand, ast.Constant) and operand.value in names:
            return True
        if isinstance(operand, (ast.Tuple, ast.List, ast.Set)) and any(
            isinstance(e, ast.Constant) and e.value in names for e in operand.elts
        ):
            return True
    return False


@pytest.mark.parametrize("package", PACKAGES)
def test_no_code_compares_protocol_names(package: str) -> None:
    names = _protocol_names()
    violations = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Compare) and _compares_protocol_name(node, names):
                violations.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not violations, "protocol names compared (read a Protocol flag):\n" + "\n".join(
        violations
    )
