"""CLIP-I / CLIP-T: batched, cached scoring equals a direct per-image open_clip computation.

The model is a tiny randomly initialised open_clip CLIP built from a config dict (no weights can
be downloaded here); its values mean nothing, only the equality of computations is tested.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
open_clip = pytest.importorskip("open_clip")

from PIL import Image  # noqa: E402
from torchvision.transforms import InterpolationMode  # noqa: E402
from torchvision.transforms import functional as TF  # noqa: E402

from tests.scorers.conftest import json_roundtrip, make_concept, make_prompt  # noqa: E402
from unifybench.errors import ScorerUnavailable  # noqa: E402
from unifybench.scorers.base import Score, ScoringInput  # noqa: E402
from unifybench.scorers.clip import (  # noqa: E402
    OPENAI_MEAN,
    OPENAI_STD,
    ClipEncoder,
    ClipImageScorer,
    ClipTextScorer,
    tiny_model_config,
)


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    """Real photos (skimage) at small, non-square sizes: 4 references, 6 'generated' images."""
    from skimage import data

    root = tmp_path_factory.mktemp("clip_images")
    photos = [data.astronaut(), data.coffee(), data.chelsea(), data.rocket(), data.camera()]
    rng = np.random.default_rng(0)
    paths = []
    for i in range(10):
        arr = photos[i % len(photos)]
        if arr.ndim == 2:
            arr = np.stack([arr] * 3, axis=-1)
        img = Image.fromarray(arr).resize((96 + 8 * i, 80 + 4 * (i % 3)))
        if i >= 5:  # perturb so every file differs
            noisy = np.asarray(img).astype(int) + rng.integers(-20, 20, size=(1, 1, 3))
            img = Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))
        path = root / f"{i}.png"
        img.save(path)
        paths.append(path)
    return {"refs": paths[:4], "gen": paths[4:]}


@pytest.fixture(scope="module")
def encoder() -> ClipEncoder:
    return ClipEncoder(model_config=tiny_model_config(), seed=0)


def direct_embed(model: torch.nn.Module, path: Path, protocol: str, preprocess) -> torch.Tensor:
    """One image through the model, preprocessing written out step by step (no caching)."""
    img = Image.open(path).convert("RGB")
    if protocol == "v2":
        x = preprocess(img)
    else:
        img = TF.center_crop(TF.resize(img, 512, InterpolationMode.BICUBIC), [512, 512])
        x = TF.to_tensor(img)
        x = (x + 1.0) / 2.0  # the published Normalize(mean=-1, std=2)
        x = TF.resize(x, 224, InterpolationMode.BICUBIC, antialias=True)
        x = TF.center_crop(x, [224, 224])
        x = TF.normalize(x, OPENAI_MEAN, OPENAI_STD)
    with torch.no_grad():
        f = model.encode_image(x.unsqueeze(0))[0]
    return f / f.norm()


def direct_text(model: torch.nn.Module, tokenizer, text: str) -> torch.Tensor:
    with torch.no_grad():
        f = model.encode_text(tokenizer([text]))[0]
    return f / f.norm()


@pytest.mark.parametrize("protocol", ["legacy", "v2"])
def test_batched_cached_equals_direct(encoder: ClipEncoder, images, protocol: str) -> None:
    concept = make_concept(train_images=tuple(images["refs"]))
    prompts = [make_prompt("t2i", 0, text="a dog on the beach"), make_prompt("t2i", 1)]
    gen = images["gen"]
    inputs = [
        ScoringInput(item=prompts[0], concept=concept, images=tuple(gen[:4])),
        ScoringInput(item=prompts[1], concept=concept, images=tuple(gen[4:])),
    ]
    clip_i = ClipImageScorer(protocol, encoder=encoder)
    clip_t = ClipTextScorer(protocol, encoder=encoder)
    assert clip_i.id == f"clip_i/{encoder.implementation}/{protocol}@1"
    got_i, got_t = clip_i.score(inputs), clip_t.score(inputs)

    model, pre = encoder.model, encoder.preprocess
    refs = [direct_embed(model, p, protocol, pre) for p in images["refs"]]
    for inp, si, st in zip(inputs, got_i, got_t, strict=True):
        text = direct_text(model, encoder.tokenizer, inp.item.clip_text)
        exp_i, exp_t = [], []
        for path in inp.images:
            g = direct_embed(model, path, protocol, pre)
            exp_i.append(float(np.mean([float(g @ r) for r in refs])))
            exp_t.append(float(g @ text))
        assert si.metadata["per_image"] == pytest.approx(exp_i, abs=1e-5)
        assert st.metadata["per_image"] == pytest.approx(exp_t, abs=1e-5)
        assert si.value == pytest.approx(np.mean(exp_i), abs=1e-5)
        assert st.value == pytest.approx(np.mean(exp_t), abs=1e-5)
        assert si.metadata["n_images"] == len(inp.images)
    # aggregate pools images (4 + 2), not prompt means
    pooled = [v for s in got_i for v in s.metadata["per_image"]]
    assert clip_i.aggregate(got_i)["clip_i"] == pytest.approx(np.mean(pooled), abs=1e-9)
    weight = {"_pool_weight"} if protocol == "legacy" else set()
    assert set(clip_t.aggregate(got_t)) == {"clip_t"} | weight


def test_legacy_differs_from_v2(encoder: ClipEncoder, images) -> None:
    a, _ = encoder.encode_image_files(images["gen"], "legacy")
    b, _ = encoder.encode_image_files(images["gen"], "v2")
    # same image, different pixel pipeline: embeddings move by much more than float noise
    assert float((a - b).norm(dim=1).min()) > 1e-3
    la = ClipEncoder(model_config=tiny_model_config(), seed=0).transform("legacy")
    x = la(Image.open(images["gen"][0]).convert("RGB"))
    # the quirk: after CLIP's normalisation nothing maps back below 0.5 in pixel space
    pix = x * torch.tensor(OPENAI_STD)[:, None, None] + torch.tensor(OPENAI_MEAN)[:, None, None]
    assert float(pix.min()) >= 0.5 - 0.02


def test_each_file_encoded_once(images) -> None:
    enc = ClipEncoder(model_config=tiny_model_config(), seed=0)
    counted: list[int] = []
    original = enc.model.encode_image

    def counting(x, *a, **kw):
        counted.append(x.shape[0])
        return original(x, *a, **kw)

    enc.model.encode_image = counting  # type: ignore[method-assign]
    enc.batch_size = 4
    concept = make_concept(train_images=tuple(images["refs"]))
    inputs = [
        ScoringInput(item=make_prompt("t2i", i), concept=concept, images=(images["gen"][i],))
        for i in range(6)
    ]
    clip_i = ClipImageScorer("legacy", encoder=enc)
    clip_t = ClipTextScorer("legacy", encoder=enc)
    clip_i.score(inputs)
    assert sum(counted) == 10  # 6 generated + 4 references, each once
    assert max(counted) <= 4  # batches of batch_size
    n_first = len(counted)
    clip_i.score(inputs)
    clip_t.score(inputs)
    assert len(counted) == n_first  # all cached: CLIP-T reuses CLIP-I's image embeddings


def test_unreadable_image_is_unscored_not_dropped(encoder: ClipEncoder, images, tmp_path) -> None:
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"not an image")
    concept = make_concept(train_images=tuple(images["refs"]))
    inp = ScoringInput(item=make_prompt("t2i"), concept=concept, images=(images["gen"][0], bad))
    (s,) = ClipImageScorer("v2", encoder=encoder).score([inp])
    assert s.metadata["n_images"] == 2
    assert not math.isnan(s.metadata["per_image"][0])
    assert math.isnan(s.metadata["per_image"][1])
    assert s.value == pytest.approx(s.metadata["per_image"][0])
    assert "broken.png" in s.explanation
    (empty,) = ClipTextScorer("v2", encoder=encoder).score(
        [ScoringInput(item=make_prompt("t2i"), concept=concept, images=())]
    )
    assert math.isnan(empty.value)
    agg = ClipImageScorer("v2", encoder=encoder).aggregate([s, Score(math.nan)])
    assert agg["clip_i"] == pytest.approx(s.metadata["per_image"][0])
    stored = ClipImageScorer("v2", encoder=encoder).aggregate(json_roundtrip([s, empty]))
    assert stored == agg


def test_hub_weights_offline_raise_quickly(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))  # no cached weights
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf" / "hub"))
    start = time.monotonic()
    with pytest.raises(ScorerUnavailable) as err:
        ClipImageScorer("legacy")
    assert time.monotonic() - start < 30
    msg = str(err.value)
    assert "timm/vit_base_patch32_clip_224.openai" in msg
    assert "HF_HUB_OFFLINE" in msg and "clip_weights" in msg


def test_local_weights_file_errors_are_clear(tmp_path) -> None:
    with pytest.raises(ScorerUnavailable, match="not found"):
        ClipEncoder(weights=tmp_path / "missing.bin")
    corrupt = tmp_path / "corrupt.bin"
    corrupt.write_bytes(b"\x00" * 64)
    with pytest.raises(ScorerUnavailable, match=r"corrupt\.bin"):
        ClipEncoder(weights=corrupt)


def test_changed_file_is_re_encoded(encoder: ClipEncoder, images, tmp_path) -> None:
    import os

    path = tmp_path / "gen.png"
    Image.open(images["gen"][0]).save(path)
    first, _ = encoder.encode_image_files([path], "v2")
    Image.open(images["gen"][1]).save(path)
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    second, _ = encoder.encode_image_files([path], "v2")
    direct, _ = encoder.encode_image_files([images["gen"][1]], "v2")
    assert float((first - second).norm()) > 1e-3
    assert torch.allclose(second, direct)


def test_legacy_transform_equals_published_composition(encoder: ClipEncoder, images) -> None:
    """The published code composed: its 512 transform, Normalize(-1, 2), then CLIP preprocess
    transforms [:2] (resize, crop) and [4:] (normalise), skipping [2:4] (to RGB, to tensor)."""
    from torchvision import transforms as T

    pre = encoder.preprocess
    published = T.Compose(
        [T.Normalize(mean=[-1.0, -1.0, -1.0], std=[2.0, 2.0, 2.0])]
        + list(pre.transforms[:2])
        + list(pre.transforms[4:])
    )
    to512 = T.Compose(
        [T.Resize(512, interpolation=T.InterpolationMode.BICUBIC), T.CenterCrop((512, 512))]
    )
    for path in images["refs"]:
        img = Image.open(path).convert("RGB")
        expected = published(T.ToTensor()(to512(img)).unsqueeze(0))[0]
        assert torch.allclose(encoder.transform("legacy")(img), expected, atol=1e-6)
