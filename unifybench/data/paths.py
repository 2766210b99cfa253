"""Image paths of the official dataset: re-rooting foreign paths, keeping reads inside the root.

The official ``test_data/<c>.json`` files hold absolute paths of the authors' machine
(``/home/.../unictokens_data/concept/test/bo/0.png``). :func:`reroot` keeps the part that starts
at a known top-level name of the layout and joins it under the local dataset root; whatever then
resolves (symlinks included) outside the root is rejected.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from unifybench.errors import DataError

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".bmp"})

# Top-level names of the layout and what may follow them, so that a foreign prefix that happens
# to contain one of these words (``/data/concept/ub/concept/test/...``) is not taken for the root.
_ANCHORS: dict[str, Callable[[Sequence[str]], bool]] = {
    "concept": lambda rest: len(rest) >= 2 and rest[0] in ("train", "test"),
    "random_images": lambda rest: len(rest) == 1,
    "test_data": lambda rest: len(rest) == 1,
    "black_512x512.png": lambda rest: len(rest) == 0,
}
TOP_LEVEL_NAMES: tuple[str, ...] = tuple(_ANCHORS)
_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:/")


class RootGuard:
    """Checks that paths stay inside a dataset root (and, for a hub cache snapshot, its blobs).

    A snapshot of the Hugging Face cache (``.../datasets--owner--name/snapshots/<rev>/``) is a tree
    of symlinks into the sibling ``blobs/`` folder; those targets are allowed too, nothing else is.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(os.path.abspath(root))
        real = os.path.realpath(self.root)
        self._allowed = [real]
        for folder in (Path(real), *Path(real).parents):  # the root may lie below the snapshot
            if folder.parent.name == "snapshots" and (folder.parent.parent / "blobs").is_dir():
                self._allowed.append(os.path.realpath(folder.parent.parent / "blobs"))
                break
        self._dirs: dict[str, str] = {}  # realpath of each folder seen, so a file costs one lstat
        self.rerooted: dict[str, Path] = {}  # raw path -> checked local path (items share images)

    def realpath(self, path: str | Path) -> str:
        """``os.path.realpath`` of a normalised path, caching the folders' resolution."""
        parent, name = os.path.split(os.fspath(path))
        real_parent = self._dirs.get(parent)
        if real_parent is None:
            real_parent = self._dirs[parent] = os.path.realpath(parent)
        candidate = os.path.join(real_parent, name)
        return os.path.realpath(candidate) if os.path.islink(candidate) else candidate

    def inside(self, path: str | Path) -> bool:
        """Whether ``path`` resolves (following symlinks) to a place inside the allowed roots."""
        real = self.realpath(path)
        return any(real == base or real.startswith(base + os.sep) for base in self._allowed)

    def check(self, path: str | Path, *, file: str | Path, field: str, raw: str) -> Path:
        """Return ``path`` if it stays inside the root, else raise DataError (file and field)."""
        if not self.inside(path):
            raise DataError(
                file,
                field,
                f"a path inside the dataset root {self.root}; {raw!r} resolves to "
                f"{self.realpath(path)}",
            )
        return Path(path)


def split_layout_path(raw: str) -> list[str] | None:
    """The components of ``raw`` from the first known top-level name on (None if none)."""
    parts = [p for p in raw.replace("\\", "/").split("/") if p not in ("", ".")]
    for k, part in enumerate(parts):
        rule = _ANCHORS.get(part)
        if rule is not None and rule(parts[k + 1 :]):
            return parts[k:]
    return None


def reroot(raw: str, guard: RootGuard, *, file: str | Path, field: str) -> Path:
    """Map an image path from a dataset file to a path under the local root.

    Absolute (foreign) paths must contain a known top-level name (``concept/``,
    ``random_images/``, ``test_data/``, ``black_512x512.png``); relative paths without one are
    taken relative to the root.
    """
    if not isinstance(raw, str) or not raw.strip():
        raise DataError(file, field, f"an image path (a non-empty string), got {raw!r}")
    hit = guard.rerooted.get(raw)
    if hit is not None:
        return hit
    rel = split_layout_path(raw)
    if rel is None:
        text = raw.replace("\\", "/")
        if text.startswith("/") or _WINDOWS_DRIVE.match(text):
            names = ", ".join(f"{n}/" if "." not in n else n for n in TOP_LEVEL_NAMES)
            raise DataError(file, field, f"an image path that contains one of {names}; got {raw!r}")
        rel = [p for p in text.split("/") if p not in ("", ".")]
    candidate = os.path.normpath(os.path.join(guard.root, *rel))
    checked = guard.rerooted[raw] = guard.check(candidate, file=file, field=field, raw=raw)
    return checked


def join_inside(base: Path, name: str, guard: RootGuard, *, file: str | Path, field: str) -> Path:
    """``base / name`` for a file name read from a dataset file, refused if it leaves the root."""
    if not isinstance(name, str) or not name.strip():
        raise DataError(file, field, f"a file name (a non-empty string), got {name!r}")
    candidate = os.path.normpath(os.path.join(base, name))
    return guard.check(candidate, file=file, field=field, raw=name)


def _natural_key(path: Path) -> tuple[int, int, str]:
    stem = path.stem
    return (0, int(stem), path.name) if stem.isdigit() else (1, 0, path.name)


def list_images(folder: Path) -> tuple[Path, ...]:
    """Image files directly in ``folder`` (none if it does not exist), in numeric order."""
    try:
        with os.scandir(folder) as entries:
            found = [
                Path(e.path)
                for e in entries
                if os.path.splitext(e.name)[1].lower() in IMAGE_SUFFIXES and not e.is_dir()
            ]
    except (FileNotFoundError, NotADirectoryError):
        return ()
    return tuple(sorted(found, key=_natural_key))
