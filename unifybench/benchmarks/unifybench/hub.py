"""Download UnifyBench from the Hugging Face hub (dataset repo ``HankYang428/unictokens_data``).

:func:`download` wraps ``huggingface_hub.snapshot_download`` and returns the local dataset root.
It works offline (``HF_HUB_OFFLINE=1``) when the snapshot is already in the cache, and otherwise
fails with a message naming the repository and the command that downloads it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from unifybench.errors import DataError

REPO_ID = "HankYang428/unictokens_data"
REPO_TYPE = "dataset"
_REPO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,95}/[A-Za-z0-9][A-Za-z0-9_.-]{0,95}$")
_COMMIT = re.compile(r"^[0-9a-f]{40}$")
# Files every selection needs: lists, placeholder image, shared negatives, training templates.
_SHARED_PATTERNS = (
    "concepts_list.json",
    "template.json",
    "black_512x512.png",
    "random_images/*",
    "concept/train/train_images.json",
    "README.md",
    # The scripts of the release that derive test_data/ and the training files (run by the user).
    "gen_test_data.py",
    "gen_showo_training_data.py",
)


def looks_like_repo_id(source: str) -> bool:
    """Whether ``source`` is spelled like a hub repo id (``owner/name``)."""
    return bool(_REPO_ID.match(source))


def allow_patterns(concepts: Sequence[str] | None) -> list[str] | None:
    """``snapshot_download`` patterns that fetch only the given concepts (None: everything)."""
    if concepts is None:
        return None
    patterns = list(_SHARED_PATTERNS)
    for c in concepts:
        patterns += [f"concept/train/{c}/*", f"concept/test/{c}/*", f"test_data/{c}.json"]
    return patterns


def _download_hint(repo_id: str, revision: str | None) -> str:
    rev = f" --revision {revision}" if revision else ""
    return (
        f"download it on a machine with network access, e.g. `hf download {repo_id} "
        f"--repo-type dataset{rev} --local-dir DIR`, then pass DIR to unifybench (or unset "
        "HF_HUB_OFFLINE if it is set and this machine has network access)"
    )


def download(
    repo_id: str = REPO_ID,
    *,
    revision: str | None = None,
    concepts: Sequence[str] | None = None,
    cache_dir: str | Path | None = None,
    local_dir: str | Path | None = None,
    endpoint: str | None = None,
) -> Path:
    """Fetch (or find in the cache) a snapshot of the dataset repo and return its dataset root.

    ``revision`` is a branch, tag or commit; ``cache_dir`` the hub cache (default: the usual
    ``HF_HUB_CACHE``); with ``local_dir`` files are written there instead of the cache. With
    ``concepts``, only those concepts' files and the shared files are fetched. ``endpoint`` is a hub
    mirror's URL (default: ``HF_ENDPOINT`` or huggingface.co).
    """
    try:
        from huggingface_hub import snapshot_download
        from huggingface_hub.errors import (
            GatedRepoError,
            HfHubHTTPError,
            LocalEntryNotFoundError,
            RepositoryNotFoundError,
            RevisionNotFoundError,
        )
    except ImportError as err:  # pragma: no cover - huggingface_hub is a core dependency
        raise DataError(
            repo_id, "", "huggingface_hub installed (pip install huggingface_hub)"
        ) from err

    where = f"hub dataset repo {repo_id}" + (f" at revision {revision}" if revision else "")
    try:
        path = snapshot_download(
            repo_id=repo_id,
            repo_type=REPO_TYPE,
            revision=revision,
            cache_dir=str(cache_dir) if cache_dir is not None else None,
            local_dir=str(local_dir) if local_dir is not None else None,
            allow_patterns=allow_patterns(concepts),
            endpoint=endpoint,
        )
    except LocalEntryNotFoundError as err:
        raise DataError(
            where,
            "",
            "a copy in the hub cache or a download, but it is not cached and cannot be "
            f"downloaded here (offline or no network: {type(err).__name__}); "
            f"{_download_hint(repo_id, revision)}",
        ) from err
    except RevisionNotFoundError as err:
        raise DataError(where, "revision", f"an existing branch, tag or commit ({err})") from err
    except GatedRepoError as err:
        raise DataError(
            where, "", "access to the gated repo: accept its terms on the hub and set HF_TOKEN"
        ) from err
    except RepositoryNotFoundError as err:
        raise DataError(where, "", f"an existing dataset repo ({err})") from err
    except (HfHubHTTPError, OSError) as err:
        raise DataError(
            where, "", f"a successful download ({err}); {_download_hint(repo_id, revision)}"
        ) from err
    return find_root(Path(path), repo_id)


def find_root(path: Path, label: str = "") -> Path:
    """The folder holding concepts_list.json: ``path`` itself or a folder one level below it."""
    if (path / "concepts_list.json").is_file():
        return path
    below = sorted(p.parent for p in path.glob("*/concepts_list.json"))
    if len(below) == 1:
        return below[0]
    raise DataError(
        label or path,
        "",
        f"a UnifyBench dataset (concepts_list.json) in {path} or one folder below it",
    )


def resolved_revision(root: Path, requested: str | None) -> str:
    """The commit of a hub-cache snapshot (``.../snapshots/<commit>/``), else what was asked for."""
    for part in (root, *root.parents):
        if part.parent.name == "snapshots" and _COMMIT.match(part.name):
            return part.name
    return requested or "main"
