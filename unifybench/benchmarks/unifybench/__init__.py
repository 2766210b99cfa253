"""UnifyBench (the UniCTokens release, hub dataset ``HankYang428/unictokens_data``): the default
benchmark. The spec is here; the code is in :mod:`.adapter` (loader, check, sample, hub)."""

from unifybench.benchmarks.base import BenchmarkSpec, DatasetSpec
from unifybench.protocols import LEGACY, V2

REPO_ID = "HankYang428/unictokens_data"
SAMPLE_DATASET = "unifybench-sample"

SPEC = BenchmarkSpec(
    name="unifybench",
    display="UnifyBench",
    description="The UniCTokens dataset (arXiv 2505.14671): 20 concepts (10 human, 5 animal, "
    "5 object), understanding (recognition, VQA, text QA, choice) and generation (DreamBooth "
    "prompts, faces, knowledge-driven prompts).",
    protocols=(LEGACY, V2),
    default_protocol="v2",
    tasks=("rec", "vqa", "text_only", "choice", "t2i", "face", "knowledge"),
    datasets=(
        DatasetSpec(
            REPO_ID,
            "UnifyBench",
            "The UniCTokens dataset (arXiv 2505.14671): 20 concepts (10 human, 5 animal, "
            "5 object).",
        ),
        DatasetSpec(
            SAMPLE_DATASET,
            "UnifyBench sample set",
            "The small sample benchmark written by `unifybench data sample` (3 concepts from "
            "photos that ship with scikit-image, in the official layout): a smoke test of the "
            "pipeline, not research numbers.",
            sample=True,
        ),
    ),
    adapter="unifybench.benchmarks.unifybench.adapter:UnifyBenchAdapter",
    source_help="a dataset folder in the official layout, or a hub dataset repo id "
    f"(default {REPO_ID})",
)
BENCHMARKS = SPEC
