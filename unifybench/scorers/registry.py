"""Which scorers a run uses: :func:`build_scorers` for the runner, :func:`list_scorers` for ``ls``.

Heavy scorers (CLIP, faces) import their packages when built, and judge-based scorers are imported
from their own modules only when a judge is given, so importing this module stays light.
A scorer whose weights or package cannot be had raises ScorerUnavailable at construction; here
that becomes a *skipped* entry ``(name, reason)`` that the runner reports. Nothing is ever
substituted under another scorer's id.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from unifybench.data.records import ALL_TASKS
from unifybench.errors import ConfigError, ScorerUnavailable
from unifybench.scorers.base import PROTOCOLS, Scorer

FACE_BACKENDS = ("arcface", "dlib")
NOT_IN_BUILD = "not available in this build"


def _judge_scorer(module: str, cls: str) -> Any:
    """A judge scorer class, imported lazily (its module may not exist in every build)."""
    import importlib

    return getattr(importlib.import_module(module), cls)


def build_scorers(
    protocol: str,
    tasks: Iterable[str],
    *,
    text_judge: Any = None,
    vision_judge: Any = None,
    clip_weights: str | Path | None = None,
    face_backend: str = "arcface",
    face_model_dir: str | Path | None = None,
    device: str = "cpu",
    seed: int = 0,
) -> tuple[list[Scorer], list[tuple[str, str]]]:
    """The scorers that score ``tasks`` under ``protocol``, and those skipped with the reason.

    - rec: recognition; choice: choice accuracy; vqa/text_only: character BLEU, plus the text
      judge when ``text_judge`` is given; t2i: CLIP-I and CLIP-T sharing one model;
      face: ArcFace (``face_backend="arcface"``) or the dlib alternative (``"dlib"``);
      knowledge: the vision judge when ``vision_judge`` is given.
    - ConfigError for an unknown protocol, task or face backend (a mistake, not a skip).
    """
    from unifybench.scorers.bleu import BleuScorer
    from unifybench.scorers.recognition import ChoiceScorer, RecognitionScorer

    if protocol not in PROTOCOLS:
        raise ConfigError(f"unknown protocol {protocol!r}; expected one of {PROTOCOLS}")
    wanted = list(dict.fromkeys(tasks))
    unknown = [t for t in wanted if t not in ALL_TASKS]
    if unknown:
        raise ConfigError(f"unknown task(s) {unknown}; expected some of {list(ALL_TASKS)}")
    if face_backend not in FACE_BACKENDS:
        raise ConfigError(f"unknown face backend {face_backend!r}; expected one of {FACE_BACKENDS}")

    scorers: list[Scorer] = []
    skipped: list[tuple[str, str]] = []

    if "rec" in wanted:
        scorers.append(RecognitionScorer(protocol))
    if "choice" in wanted:
        scorers.append(ChoiceScorer(protocol))
    text_tasks = [t for t in wanted if t in ("vqa", "text_only")]
    if text_tasks:
        scorers.append(BleuScorer(protocol))
        name = f"judge[{','.join(text_tasks)}]"
        if text_judge is None:
            skipped.append((name, "no text judge configured"))
        else:
            try:
                cls = _judge_scorer("unifybench.scorers.judged", "TextJudgeScorer")
                scorers.append(cls(text_judge, protocol))
            except ImportError as e:
                skipped.append((name, f"{NOT_IN_BUILD} ({e})"))
            except ScorerUnavailable as e:
                skipped.append((name, str(e)))
    if "t2i" in wanted:
        from unifybench.scorers.clip import OPENAI_IMPLEMENTATION

        try:
            from unifybench.scorers.clip import ClipEncoder, ClipImageScorer, ClipTextScorer

            encoder = ClipEncoder(weights=clip_weights, device=device)
            scorers.append(ClipImageScorer(protocol, encoder=encoder))
            scorers.append(ClipTextScorer(protocol, encoder=encoder))
        except (ScorerUnavailable, ImportError) as e:
            for metric in ("clip_i", "clip_t"):
                skipped.append((f"{metric}/{OPENAI_IMPLEMENTATION}/{protocol}@1", str(e)))
    if "face" in wanted:
        from unifybench.scorers.faces import ArcFaceEmbedder, DlibEmbedder, FaceScorer

        backend = ArcFaceEmbedder if face_backend == "arcface" else DlibEmbedder
        try:
            if face_backend == "arcface":
                embedder = ArcFaceEmbedder(model_dir=face_model_dir, device=device)
            else:
                embedder = DlibEmbedder()
            scorers.append(FaceScorer(protocol, embedder))
        except (ScorerUnavailable, ImportError) as e:
            skipped.append((f"{backend.metric}/{backend.implementation}/{protocol}@1", str(e)))
    if "knowledge" in wanted:
        name = "judge[knowledge]"
        if vision_judge is None:
            skipped.append((name, "no vision judge configured"))
        else:
            try:
                cls = _judge_scorer("unifybench.scorers.knowledge", "KnowledgeScorer")
                scorers.append(cls(vision_judge, protocol, seed=seed))
            except ImportError as e:
                skipped.append((name, f"{NOT_IN_BUILD} ({e})"))
            except ScorerUnavailable as e:
                skipped.append((name, str(e)))
    return scorers, skipped


_DESCRIPTIONS: list[tuple[str, str, str]] = [
    (
        "rec/substring/legacy@2",
        "rec",
        "yes/no recognition, published substring rule ('know' reads as no), gold as written; "
        "weight, recall, no_recall, accuracy",
    ),
    (
        "rec/word/v2@1",
        "rec",
        "yes/no recognition, first yes/no word decides, none = wrong; weight, recall, "
        "no_recall, accuracy",
    ),
    (
        "choice/substring/legacy@2",
        "choice",
        "accuracy: gold (as written) is a substring of the answer; one accuracy[<type>] per item "
        "type as published, plus the pooled accuracy",
    ),
    ("choice/normalised/v2@1", "choice", "accuracy: normalised whole-word match of the gold"),
    (
        "bleu/char-1-2/legacy@2",
        "vqa,text_only",
        "character BLEU, 1-2-grams weights 0.7/0.3, method1 smoothing (nltk-equal), "
        "gold as written",
    ),
    (
        "bleu/char-1-2/v2@1",
        "vqa,text_only",
        "same formula as legacy (no defect to fix), stripped gold",
    ),
    (
        "clip_i/openai-vit-b32/legacy@1",
        "t2i",
        "mean cosine of generated to training images, CLIP ViT-B/32, published [0.5,1] pixels",
    ),
    (
        "clip_i/openai-vit-b32/v2@1",
        "t2i",
        "mean cosine of generated to training images, CLIP ViT-B/32, standard preprocess",
    ),
    (
        "clip_t/openai-vit-b32/legacy@1",
        "t2i",
        "cosine of generated image to prompt text, CLIP ViT-B/32, published [0.5,1] pixels",
    ),
    (
        "clip_t/openai-vit-b32/v2@1",
        "t2i",
        "cosine of generated image to prompt text, CLIP ViT-B/32, standard preprocess",
    ),
    (
        "face_sim/arcface-antelopev2/legacy@1",
        "face",
        "ArcFace cosine over (train, generated) pairs; images without a face dropped",
    ),
    (
        "face_sim/arcface-antelopev2/v2@1",
        "face",
        "ArcFace cosine over (train, generated) pairs; images without a face count 0",
    ),
    (
        "face_sim_dlib/dlib-resnet-v1/legacy@1",
        "face",
        "offline alternative: 1 - L2 of dlib descriptors; faceless dropped; not ArcFace",
    ),
    (
        "face_sim_dlib/dlib-resnet-v1/v2@1",
        "face",
        "offline alternative: 1 - L2 of dlib descriptors; faceless count 0; not ArcFace",
    ),
]

# Judge-based scorers (unifybench.scorers.judged / .knowledge) name the configured judge model in
# their id; these are the ids of the presets and of the offline approximation.
_JUDGE_DESCRIPTIONS: list[tuple[str, str, str, str]] = [
    *(
        (
            f"judge/deepseek-chat/{p}@{3 if p == 'legacy' else 1}",
            "vqa,text_only",
            "text judge (official preset deepseek-chat) grades 0/0.5/1"
            + (
                "; legacy: the published request and reading, personal system prompt shown"
                if p == "legacy"
                else ""
            ),
            "unifybench.scorers.judged",
        )
        for p in PROTOCOLS
    ),
    *(
        (
            f"judge_minilm/all-minilm-l6-v2/{p}@1",
            "vqa,text_only",
            "offline approximation: MiniLM cosine of answer and gold mapped to 0/0.5/1; "
            "never ranked with judge",
            "unifybench.scorers.judged",
        )
        for p in PROTOCOLS
    ),
    *(
        (
            f"judge/gpt-4o-image/{p}@{3 if p == 'legacy' else 1}",
            "knowledge",
            "vision judge (official preset gpt-4o) grades 0/0.5/1 whether an image shows the "
            + (
                "concept's knowledge; 4 seeded images per condition"
                if p == "legacy"
                else "concept's knowledge; all images"
            ),
            "unifybench.scorers.knowledge",
        )
        for p in PROTOCOLS
    ),
]


def list_scorers() -> list[tuple[str, str, str]]:
    """Every scorer id with its tasks and a one-line description (for ``unifybench ls``).

    Judge-based scorers are listed under their preset judge models (another configured model
    gives ``judge/<model>/...``); when their module is missing the description says so.
    """
    import importlib.util

    rows = list(_DESCRIPTIONS)
    for sid, tasks, desc, module in _JUDGE_DESCRIPTIONS:
        try:
            present = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            present = False
        rows.append((sid, tasks, desc if present else f"{desc} [{NOT_IN_BUILD}]"))
    return rows
