"""A DreamBench++ folder in the release's shape, with invented content (sources: docs/data.md).

``images/<category>/<NN>.jpg`` with ``captions/<category>/<NN>.txt`` at the same relative path;
the four category folders; a caption is the subject name on line 1 then 9 prompts, each naming
the subject; subject names may have spaces and hyphens (the published resume code special-cases
``cotton-top_tamarin``, ``t-shirt``, ``ukiyo-e``); files end with a newline.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

ENTRIES = {
    "live_subject/animal/00": "kitten",
    "live_subject/animal/01": "cotton-top tamarin",
    "live_subject/human/00": "girl",
    "object/00": "t-shirt",
    "object/01": "piggy bank",
    "style/00": "ukiyo-e",
}


def prompts(subject: str) -> list[str]:
    return [f"a {subject} {where}" for where in (
        "on a beach", "in a kitchen", "in the snow", "under a tree",
        "as an oil painting", "in watercolour", "as a pencil sketch",
        "flying through space", "made of glass",
    )]  # fmt: skip


def write_image(path: Path, seed: int) -> None:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (48, 32), (seed * 40 % 256, 90, 160)).save(path, format="JPEG")


def write_release(root: Path) -> Path:
    for i, (rel, subject) in enumerate(ENTRIES.items()):
        write_image(root / "images" / f"{rel}.jpg", i)
        caption = root / "captions" / f"{rel}.txt"
        caption.parent.mkdir(parents=True, exist_ok=True)
        caption.write_text("\n".join([subject, *prompts(subject)]) + "\n", encoding="utf-8")
    return root


def zip_folder(folder: Path, out: Path, top: str = "data") -> Path:
    """The folder as a zip whose members start with ``top/`` (as the release's data.zip)."""
    with zipfile.ZipFile(out, "w") as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, f"{top}/{path.relative_to(folder).as_posix()}")
    return out
