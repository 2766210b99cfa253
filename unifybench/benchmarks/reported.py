"""Benchmarks known here only from numbers that papers report (no adapter: they cannot be run).

Their specs say which protocols and tasks such numbers may use, so that reported submissions are
validated like measured ones and boards are titled. A benchmark that gains an adapter moves out of
this module into its own (keeping its dataset ids and its reported protocol, ``runnable=False``).
"""

from unifybench.benchmarks.base import BenchmarkSpec, DatasetSpec
from unifybench.protocols import Protocol

OMNIPERSONA = BenchmarkSpec(
    name="omnipersona",
    display="UnifyBench + editing data (OmniPersona)",
    description="The 20 UnifyBench concepts plus the editing data of the OmniPersona paper "
    "(CVPR 2026).",
    protocols=(
        Protocol(
            name="omnipersona",
            display="OmniPersona's protocol",
            description="The evaluation of the OmniPersona paper (CVPR 2026) on the 20 UnifyBench "
            "concepts plus their editing data. Its judge models and aggregation may differ from "
            "the published UnifyBench scripts.",
            runnable=False,
        ),
    ),
    tasks=("rec", "vqa", "text_only", "choice", "t2i", "face", "knowledge"),
    datasets=(
        DatasetSpec(
            "unifybench+omnipersona-editing",
            "UnifyBench + editing data (OmniPersona)",
            "The 20 UnifyBench concepts plus the editing data of the OmniPersona paper "
            "(CVPR 2026).",
        ),
    ),
)

DREAMBENCH = BenchmarkSpec(
    name="dreambench",
    display="DreamBench",
    description="DreamBooth's benchmark: 30 subjects, 25 prompts each, 4 images per prompt.",
    protocols=(
        Protocol(
            name="dreambench",
            display="DreamBench protocol",
            description="DreamBooth's DreamBench evaluation: 30 subjects x 25 prompts x 4 images, "
            "DINO and CLIP-I against the subject's real images, CLIP-T against the prompt.",
            runnable=False,
        ),
    ),
    tasks=("t2i",),
    datasets=(
        DatasetSpec(
            "dreambench",
            "DreamBench",
            "DreamBooth's benchmark: 30 subjects, 25 prompts each, 4 images per prompt.",
        ),
    ),
)

YOLLAVA = BenchmarkSpec(
    name="yollava",
    display="Yo'LLaVA benchmark",
    description="The Yo'LLaVA personalisation benchmark (40 subjects): recognition, visual and "
    "text-only QA.",
    protocols=(
        Protocol(
            name="yollava",
            display="Yo'LLaVA protocol",
            description="The Yo'LLaVA benchmark evaluation (40 subjects): recognition accuracy on "
            "positives and negatives (weighted = their mean) and multiple-choice question "
            "answering with and without an image.",
            runnable=False,
        ),
    ),
    tasks=("rec", "vqa", "text_only"),
    datasets=(
        DatasetSpec(
            "yollava",
            "Yo'LLaVA benchmark",
            "The Yo'LLaVA personalisation benchmark (40 subjects): recognition, visual and "
            "text-only QA.",
        ),
    ),
)

BENCHMARKS = (OMNIPERSONA, DREAMBENCH, YOLLAVA)
