"""Views over the registries: what ``unifybench ls`` prints, the metric index of docs/metrics.md,
the leaderboard's scorer lists. All of it is made from the specs, so none of it can drift.

Scorer ids are listed for every scorer spec under every runnable protocol (one per scorer-id tag)
of the benchmarks whose tasks use it; judge scorers under their preset judge models.
"""

from __future__ import annotations

from typing import Any

from unifybench.metrics import metric_registry
from unifybench.protocols import Protocol
from unifybench.scorers.registry import NOT_IN_BUILD, REGISTRY, all_scorers, get_scorer
from unifybench.tasks import all_tasks, find_task, in_task_order


def listed_protocols() -> list[Protocol]:
    """One runnable protocol per scorer-id tag, over every registered benchmark."""
    from unifybench.benchmarks import all_benchmarks

    seen: dict[str, Protocol] = {}
    for bench in all_benchmarks():
        for protocol in bench.protocols:
            if protocol.runnable:
                seen.setdefault(protocol.id_tag, protocol)
    return list(seen.values())


def scorer_uses() -> dict[str, dict[str, list[str]]]:
    """scorer-id tag -> scorer spec name -> the tasks that use it under that protocol, over the
    benchmarks offering a runnable protocol with that tag."""
    from unifybench.benchmarks import all_benchmarks

    out: dict[str, dict[str, list[str]]] = {}
    for bench in all_benchmarks():
        for protocol in bench.protocols:
            if not protocol.runnable:
                continue
            uses = out.setdefault(protocol.id_tag, {})
            for name in bench.tasks:
                task = find_task(name)
                for scorer in task.scorers_for(protocol.name) if task else ():
                    if name not in uses.setdefault(scorer, []):
                        uses[scorer].append(name)
    return out


def scorers_in_task_order() -> list[Any]:
    """Scorer specs in the order tasks list them (tasks in task order); unlisted ones last."""
    order: dict[str, int] = {}
    for task in all_tasks():
        for name in task.scorers:
            order.setdefault(name, len(order))
    return sorted(all_scorers(), key=lambda spec: order.get(spec.name, len(order)))


def scorer_rows() -> list[dict[str, Any]]:
    """One row per scorer id: id, spec, protocol, tasks, metrics, card, replaces, judge role.

    A spec is listed under a protocol only where a benchmark offering it uses the spec."""
    rows = []
    uses = scorer_uses()
    for spec in scorers_in_task_order():
        for protocol in listed_protocols():
            tasks = uses.get(protocol.id_tag, {}).get(spec.name)
            if not tasks:
                continue
            rows.append(
                {
                    "id": spec.id(protocol),
                    "spec": spec.name,
                    "protocol": protocol.name,
                    "tasks": in_task_order(tasks),
                    "metrics": list(spec.metric_names),
                    "card": spec.card_for(protocol),
                    "replaces": spec.replaces,
                    "judge_role": spec.judge_role,
                }
            )
    return rows


def list_scorers() -> list[tuple[str, str, str]]:
    """(id, tasks, description) of every scorer id (``unifybench ls scorers``); a scorer module
    that cannot be imported is listed by module with the reason."""
    rows = [(r["id"], ",".join(r["tasks"]), r["card"]) for r in scorer_rows()]
    for module, why in REGISTRY.unavailable().items():
        rows.append((module, "", f"[{NOT_IN_BUILD}: {why}]"))
    return rows


def scorer_ids_by_metric() -> dict[str, list[str]]:
    """metric name -> ids of every scorer that reports it (side figures left out)."""
    out: dict[str, list[str]] = {}
    for row in scorer_rows():
        for metric in get_scorer(row["spec"]).reported_metrics:
            out.setdefault(metric, []).append(row["id"])
    return out


def list_tasks() -> list[str]:
    """One line per task: name, capability, metrics (headline first), scorers, judge."""
    lines = []
    for t in all_tasks():
        judge = f"; {t.judge_role} judge" if t.judge_role else ""
        metrics = [t.headline, *(m for m in t.metrics if m != t.headline)]
        lines.append(
            f"{t.name:<12} {t.capability:<13} metrics {','.join(metrics)}; "
            f"scorers {','.join(t.scorers)}{judge}"
        )
    return lines


def list_benchmarks() -> list[str]:
    """One line per benchmark: name, protocols, tasks, and whether it runs here."""
    from unifybench.benchmarks import all_benchmarks

    lines = []
    for b in all_benchmarks():
        protocols = ",".join(p.name for p in b.protocols)
        how = "--data " + b.name + ":SOURCE" if b.runnable else "reported numbers only"
        lines.append(f"{b.name:<12} protocols {protocols}; tasks {','.join(b.tasks)}; {how}")
    return lines


INDEX_BEGIN = "<!-- BEGIN GENERATED scorer index: python -m unifybench.catalog -->"
INDEX_END = "<!-- END GENERATED scorer index -->"


def metrics_index_markdown() -> str:
    """The generated index of docs/metrics.md: every scorer id and every metric, from the specs."""
    lines = [
        INDEX_BEGIN,
        "",
        "| scorer id | tasks | metrics | what it computes |",
        "|---|---|---|---|",
    ]
    for row in scorer_rows():
        lines.append(
            f"| `{row['id']}` | {', '.join(row['tasks']) or '–'} | "
            f"{', '.join(row['metrics'])} | {row['card']} |"
        )
    lines += ["", "| metric | range | better | meaning |", "|---|---|---|---|"]
    for name in metric_registry().names():
        m = metric_registry().get(name)
        kind = " (side figure)" if m.side else ""
        kind += f" (unofficial stand-in for `{m.approximates}`)" if m.approximates else ""
        lines.append(f"| `{m.name}` | {m.range_text} | {m.direction} | {m.display}{kind} |")
    lines += ["", INDEX_END]
    return "\n".join(lines)


def update_metrics_doc(path: str) -> bool:
    """Rewrite the generated index of ``path`` (docs/metrics.md); True when it changed."""
    from pathlib import Path

    file = Path(path)
    text = file.read_text(encoding="utf-8")
    start, end = text.index(INDEX_BEGIN), text.index(INDEX_END) + len(INDEX_END)
    new = text[:start] + metrics_index_markdown() + text[end:]
    if new != text:
        file.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":
    import sys

    target = sys.argv[1] if len(sys.argv) > 1 else "docs/metrics.md"
    print(f"{target}: {'updated' if update_metrics_doc(target) else 'up to date'}")
