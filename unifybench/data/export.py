"""Export the understanding test items to a Hugging Face ``datasets.Dataset``.

``datasets`` is imported only here, when called (install ``unifybench[datasets]``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Literal

from unifybench.data.records import Benchmark
from unifybench.errors import ConfigError

if TYPE_CHECKING:
    import datasets

COLUMNS = ("id", "concept", "task", "question", "answer", "image")


def to_hf_dataset(
    benchmark: Benchmark,
    tasks: Iterable[str] | None = None,
    *,
    images: Literal["path", "feature"] = "path",
) -> datasets.Dataset:
    """One row per understanding item: id, concept, task, question, answer, image.

    ``tasks`` selects among the understanding tasks (default: all). ``images="path"`` stores the
    absolute image path as a string; ``images="feature"`` casts the column to ``datasets.Image()``,
    which decodes lazily on access. Rows follow concept order, then dataset order.
    """
    from unifybench.tasks import task_names

    understanding = task_names("understanding")
    wanted = tuple(understanding if tasks is None else tasks)
    unknown = [t for t in wanted if t not in understanding]
    if unknown:
        raise ConfigError(
            f"unknown understanding task(s) {', '.join(unknown)}; "
            f"expected some of {', '.join(understanding)}"
        )
    if images not in ("path", "feature"):
        raise ConfigError(f"images must be 'path' or 'feature', got {images!r}")
    try:
        import datasets
    except ImportError as err:
        raise ConfigError(
            "exporting needs the 'datasets' package: pip install 'unifybench[datasets]'"
        ) from err

    columns: dict[str, list] = {name: [] for name in COLUMNS}
    for cid in benchmark.concepts:
        for item in benchmark.understanding.get(cid, ()):
            if item.task not in wanted:
                continue
            columns["id"].append(item.id)
            columns["concept"].append(item.concept_id)
            columns["task"].append(item.task)
            columns["question"].append(item.question)
            columns["answer"].append(item.answer)
            columns["image"].append(None if item.image is None else str(item.image))
    features = datasets.Features(
        {
            **{name: datasets.Value("string") for name in COLUMNS[:-1]},
            "image": datasets.Image() if images == "feature" else datasets.Value("string"),
        }
    )
    return datasets.Dataset.from_dict(columns, features=features)
