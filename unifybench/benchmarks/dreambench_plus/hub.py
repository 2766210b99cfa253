"""Download DreamBench++ from the Hugging Face hub: the dataset repo ships one ``data.zip``.

:func:`download` wraps ``huggingface_hub.hf_hub_download`` and returns the local zip. It works
offline (``HF_HUB_OFFLINE=1``) when the file is already in the hub cache, and otherwise fails
with a message naming the repository and how to get the file.
"""

from __future__ import annotations

import re
from pathlib import Path

from unifybench.errors import DataError

REPO_TYPE = "dataset"
FILENAME = "data.zip"
_REPO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,95}/[A-Za-z0-9][A-Za-z0-9_.-]{0,95}$")
_COMMIT = re.compile(r"^[0-9a-f]{40}$")


def looks_like_repo_id(source: str) -> bool:
    """Whether ``source`` is spelled like a hub repo id (``owner/name``)."""
    return bool(_REPO_ID.match(source))


def _hint(repo_id: str, revision: str | None) -> str:
    rev = f" --revision {revision}" if revision else ""
    return (
        f"download it on a machine with network access, e.g. `hf download {repo_id} {FILENAME} "
        f"--repo-type dataset{rev} --local-dir DIR`, then pass dreambench++:DIR/{FILENAME} (or "
        "unset HF_HUB_OFFLINE if it is set and this machine has network access)"
    )


def download(
    repo_id: str,
    *,
    revision: str | None = None,
    cache_dir: str | Path | None = None,
    local_dir: str | Path | None = None,
) -> Path:
    """The release's ``data.zip`` from the hub (or the hub cache); DataError when unavailable."""
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import (
        EntryNotFoundError,
        GatedRepoError,
        HfHubHTTPError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    where = f"hub dataset repo {repo_id}" + (f" at revision {revision}" if revision else "")
    try:
        path = hf_hub_download(
            repo_id=repo_id,
            filename=FILENAME,
            repo_type=REPO_TYPE,
            revision=revision,
            cache_dir=str(cache_dir) if cache_dir is not None else None,
            local_dir=str(local_dir) if local_dir is not None else None,
        )
    except LocalEntryNotFoundError as err:
        raise DataError(
            where,
            FILENAME,
            "a copy in the hub cache or a download, but it is not cached and cannot be "
            f"downloaded here (offline or no network: {type(err).__name__}); "
            f"{_hint(repo_id, revision)}",
        ) from err
    except RevisionNotFoundError as err:
        raise DataError(where, "revision", f"an existing branch, tag or commit ({err})") from err
    except GatedRepoError as err:
        raise DataError(
            where, "", "access to the gated repo: accept its terms on the hub and set HF_TOKEN"
        ) from err
    except RepositoryNotFoundError as err:
        raise DataError(where, "", f"an existing dataset repo ({err})") from err
    except EntryNotFoundError as err:
        raise DataError(where, FILENAME, f"the release's {FILENAME} in the repo ({err})") from err
    except (HfHubHTTPError, OSError) as err:
        raise DataError(
            where, "", f"a successful download ({err}); {_hint(repo_id, revision)}"
        ) from err
    return Path(path)


def resolved_revision(path: Path, requested: str | None) -> str:
    """The commit of a hub-cache file (``.../snapshots/<commit>/data.zip``), else the request."""
    for part in (path, *path.parents):
        if part.parent.name == "snapshots" and _COMMIT.match(part.name):
            return part.name
    return requested or "main"
