"""Helpers for tests that compare the legacy scorers with recorded reference outputs.

The fixtures under ``tests/fixtures/reference/legacy/`` were recorded by running the published
scoring code (see the README there); these helpers read them and rebuild the same inputs for the
project's code: a dataset folder in the official layout, judge configs against the loopback
server.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

LEGACY = Path(__file__).resolve().parents[1] / "fixtures" / "reference" / "legacy"
TEXT_TEMPLATE = LEGACY / "templates" / "published-text.json"
VISION_TEMPLATE = LEGACY / "templates" / "published-vision.json"


def load(name: str) -> Any:
    """A recorded fixture file (JSON; NaN and Infinity as Python's json writes them)."""
    return json.loads((LEGACY / name).read_text(encoding="utf-8"))


def write_dataset(root: Path, concepts: dict[str, dict[str, Any]]) -> Path:
    """A dataset folder in the official layout holding the given concepts.

    ``concepts[cid]`` may give ``info`` (info.json as a dict), ``test_items`` (test_data list)
    and ``t2i_conditions``; defaults make a minimal valid concept.
    """
    from PIL import Image

    root.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (8, 8)).save(root / "black_512x512.png")
    (root / "concepts_list.json").write_text(json.dumps(list(concepts)))
    train = root / "concept" / "train"
    train.mkdir(parents=True, exist_ok=True)
    (train / "train_images.json").write_text(json.dumps({c: [] for c in concepts}))
    (root / "test_data").mkdir(exist_ok=True)
    for cid, spec in concepts.items():
        info = spec.get("info") or {"info": f"<{cid}> is a thing."}
        info = {"class": "thing", "generation_type": "object", **info}
        (train / cid).mkdir(exist_ok=True)
        (train / cid / "info.json").write_text(json.dumps(info))
        test = root / "concept" / "test" / cid
        test.mkdir(parents=True, exist_ok=True)
        conditions = spec.get("t2i_conditions") or [f"A photo of <{cid}>."]
        (test / "t2i_conditions.json").write_text(json.dumps(conditions))
        items = spec.get("test_items", [])
        (root / "test_data" / f"{cid}.json").write_text(json.dumps(items))
    return root


def user_text(body: dict[str, Any]) -> str:
    """The text of a chat request's last user message (string or first content part)."""
    content = body["messages"][-1]["content"]
    return content if isinstance(content, str) else content[0]["text"]


def image_grey(body: dict[str, Any]) -> int:
    """Mean grey level of the image a vision request carries."""
    from PIL import Image

    url = body["messages"][-1]["content"][1]["image_url"]["url"]
    with Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))) as img:
        return round(sum(img.convert("L").tobytes()) / (img.width * img.height))


def worst(pairs: Iterable[tuple[float, float]], label: str = "") -> float:
    """Largest absolute difference over (ours, reference) pairs (NaN pairs must agree).

    With a label, prints ``REFERENCE <label>: worst |ours - published| = ... over N values``
    (shown by ``pytest -s``; the fixture README gives the command that collects them).
    """
    import math

    out, n = 0.0, 0
    for ours, ref in pairs:
        n += 1
        if math.isnan(ref) or math.isnan(ours):
            assert math.isnan(ref) and math.isnan(ours), (ours, ref)
            continue
        out = max(out, abs(ours - ref))
    if label:
        print(f"REFERENCE {label}: worst |ours - published| = {out:.3g} over {n} values")
    return out
