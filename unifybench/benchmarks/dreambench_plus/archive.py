"""The release's ``data.zip``: members checked, then unpacked once into UnifyBench's cache.

Every member is checked before anything is written: a relative path without ``..``, no drive,
no backslash, no symlink or other special file, no name twice, and a bounded total size. A zip
that fails is never unpacked. The unpacked copy lives in ``<cache>/dreambench_plus/<sha256[:16]>``
(``UNIFYBENCH_CACHE_DIR``), keyed by the zip's content, so a second run reuses it.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import tempfile
import zipfile
from pathlib import Path

from unifybench.benchmarks.base import cache_dir
from unifybench.data.problems import Problems
from unifybench.errors import DataError

MAX_TOTAL_BYTES = 32 * 1024**3  # the release is about 0.2 GB; anything near this is not it
_DRIVE = re.compile(r"^[A-Za-z]:")


def member_problems(zf: zipfile.ZipFile, label: str | Path, problems: Problems) -> None:
    """Report every member that must not be unpacked (see the module docstring)."""
    seen: set[str] = set()
    total = 0
    for info in zf.infolist():
        name = info.filename
        parts = name.rstrip("/").split("/")
        mode = info.external_attr >> 16
        if "\\" in name or name.startswith("/") or _DRIVE.match(name):
            problems.error(label, name, "a relative member path with / separators")
        elif any(p in ("..", "") for p in parts) or "\x00" in name:
            problems.error(label, name, "a member path without '..' or empty parts")
        elif mode and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            problems.error(label, name, "a plain file or folder (links are not unpacked)")
        elif name in seen:
            problems.error(label, name, "each member once (this name appears twice)")
        seen.add(name)
        total += info.file_size
    if total > MAX_TOTAL_BYTES:
        problems.error(label, "", f"at most {MAX_TOTAL_BYTES} bytes unpacked, got {total}")


def open_zip(path: Path) -> zipfile.ZipFile:
    """The zip file at ``path``; DataError when it is not one."""
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as err:
        raise DataError(path, "", f"a zip archive (the release's data.zip): {err}") from err


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def unpack(path: Path, target: Path | None = None) -> Path:
    """Unpack the zip at ``path`` (checked first) and return the folder it was unpacked into.

    ``target`` defaults to the cache folder of this zip's content; an existing unpacked copy is
    reused. DataError naming the zip and the member for anything that must not be unpacked.
    """
    path = Path(path)
    if target is None:
        target = cache_dir() / "dreambench_plus" / file_sha256(path)[:16]
    if (target / ".complete").is_file():
        return target
    with open_zip(path) as zf:
        member_problems(zf, path, Problems(collect=False))
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix="unpack-", dir=target.parent))
        try:
            for info in zf.infolist():
                out = tmp.joinpath(*info.filename.rstrip("/").split("/"))
                if info.is_dir():
                    out.mkdir(parents=True, exist_ok=True)
                    continue
                out.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(out, "wb") as dst:
                    shutil.copyfileobj(src, dst)
            (tmp / ".complete").write_text(path.name, encoding="utf-8")
            if target.exists():
                shutil.rmtree(target)
            os.replace(tmp, target)
        except (zipfile.BadZipFile, OSError, EOFError) as err:
            raise DataError(path, "", f"a readable zip archive: {err}") from err
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return target
