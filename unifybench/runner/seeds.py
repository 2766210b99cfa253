"""Per-item seeds: a pure function of (run seed, item id); resuming or sharding changes nothing."""

from __future__ import annotations

import hashlib
import random
import sys


def item_seed(run_seed: int, item_id: str) -> int:
    """A 31-bit seed for one item, derived with SHA-256 from the run seed and the item id.

    31 bits so that every library accepts it (numpy wants < 2**32, some C code wants a signed int).
    """
    digest = hashlib.sha256(f"{run_seed}:{item_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


def seed_globals(seed: int) -> None:
    """Seed the global generators a method might use without being asked (random, numpy, torch).

    numpy and torch are seeded only when the method has already imported them: the runner never
    imports them itself. Cost: about 6 us per item for random + numpy (bench/runner_overhead.py);
    a method that only uses the seeds it is given can opt out with ``seed_global_rngs = False``.
    """
    random.seed(seed)
    np = sys.modules.get("numpy")
    if np is not None:
        np.random.seed(seed)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(seed)


def legacy_flip(seed: int) -> bool:
    """Whether the legacy protocol flips a test image: published defect 1, seeded here.

    The published transform draws twice (a coin, then ``RandomHorizontalFlip`` at its default
    p=0.5), so an image is flipped with probability 0.25 (arctanxarc/UniCTokens ``pdata.py``,
    ``image_transform``).
    """
    coin = random.Random(seed)
    return coin.random() < 0.5 and coin.random() < 0.5
