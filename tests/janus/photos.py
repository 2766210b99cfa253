"""A concept built from real photos (scikit-image), shared by the Janus and concept-token tests."""

from __future__ import annotations

import json
from pathlib import Path


def write_photos(folder: Path, arrays, prefix: str, size: int = 48) -> tuple[Path, ...]:
    """Save ``arrays`` as ``prefix<i>.png`` (resized to ``size``) and return their paths."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, arr in enumerate(arrays):
        p = folder / f"{prefix}{i}.png"
        Image.fromarray(arr).resize((size, size)).save(p)
        paths.append(p)
    return tuple(paths)


def cat_concept(root: Path):
    """<mimi>, a cat: three training views, one negative, and a conversations.json."""
    import numpy as np
    from skimage import data

    from unifybench.data.records import Concept

    cat = data.chelsea()
    h, w = cat.shape[:2]
    views = [cat, np.ascontiguousarray(cat[:, ::-1]), cat[h // 8 :, w // 8 :]]
    train = write_photos(root / "mimi", views, "")
    (root / "mimi" / "conversations.json").write_text(
        json.dumps(
            {
                "0.png": [{"query": "What is <mimi> doing?", "answer": "<mimi> is sitting."}],
                "../escape.png": [{"query": "outside the folder", "answer": "skipped"}],
            }
        )
    )
    return Concept(
        id="mimi",
        category="animal",
        class_noun="cat",
        info="<mimi> is a tabby cat.",
        extra_info=("<mimi> sleeps all day.",),
        generation_type="live_subject",
        train_images=train,
        test_images=(),
        random_negatives=write_photos(root / "neg", [data.coffee()], "n"),
    )


def sample_pictures():
    """Three PIL images of different sizes (a face, a rocket, a cup)."""
    from PIL import Image
    from skimage import data

    return [
        Image.fromarray(data.astronaut()).resize((40, 56)),
        Image.fromarray(data.rocket()).resize((64, 48)),
        Image.fromarray(data.coffee()).resize((50, 50)),
    ]
