"""DreamBench++ (github yuangpeng/dreambench_plus; hub dataset ``yuangpeng/dreambench_plus``):
subject-driven generation judged by a multimodal judge, with DINO, CLIP-I and CLIP-T beside it.

``--data dreambench++:SOURCE`` where SOURCE is a folder in the release layout, the release's
``data.zip``, or the hub repo id. The spec is here; the code is in :mod:`.adapter` (loader,
check, sample, hub) and :mod:`.agreement` (how a judge agrees with the release's human ratings).
"""

from dataclasses import replace

from unifybench.benchmarks.base import BenchmarkSpec, DatasetSpec
from unifybench.protocols import V2, JudgeRequests

NAME = "dreambench++"
REPO_ID = "yuangpeng/dreambench_plus"
SAMPLE_DATASET = "dreambench-plus-sample"

V2_PROTOCOL = replace(
    V2,
    name="v2",
    tag="dbpp-v2",
    display="v2 (fixed)",
    description="DreamBench++ with stateless, deterministic judging: temperature 0, a strict "
    'reading of "Score: N" (N an integer 0..4, one re-ask), images sent as stored, each concept '
    "weighing the same. Same tasks, prompts and similarity models as the published protocol.",
    # The prompt is the judge preset's; the subject scorers pick dreambench-subject / -style /
    # -text per item (docs/judges.md) and keep the request settings and reader given here.
    vision_judge=JudgeRequests(
        prompt="dreambench-subject", temperature=0.0, max_tokens=512, reader="score-0-4"
    ),
)

LEGACY_PROTOCOL = replace(
    V2_PROTOCOL,
    name="legacy",
    tag="dbpp-legacy",
    display="legacy (published)",
    description="The published DreamBench++ evaluation (dreambench_plus/eval_*.py, "
    "benchmarking.py, metrics/*_score.py): one image per prompt, the judge at temperature 1 with "
    "images resized to 512x512 JPEG, its reply read as published (one 'score: N' match, the "
    "request repeated up to 3 times, else the item left out), scores divided by 4, every mean "
    "pooled over all images of all subjects. The judge prompts are this project's wording of the "
    "published scoring rules, so judge numbers are close to, not equal to, the paper's.",
    vision_judge=JudgeRequests(
        prompt="dreambench-subject",
        temperature=1.0,
        max_tokens=None,
        reader="legacy-dreambench",
        image_encoding="square512-jpeg-q75",
    ),
    clip_pooling="images",
    image_score_pooling="images",
)

DESCRIPTION = (
    "DreamBench++ (ICLR 2025, arXiv 2406.16855): 150 reference images (live subjects: animals "
    "and humans; objects; styles), 9 prompts each (4 photorealistic, 3 style, 2 imaginative), one "
    "image per prompt; concept preservation and prompt following graded 0-4 by a multimodal "
    "judge, with DINO, CLIP-I and CLIP-T."
)

SPEC = BenchmarkSpec(
    name=NAME,
    display="DreamBench++",
    description=DESCRIPTION,
    protocols=(LEGACY_PROTOCOL, V2_PROTOCOL),
    default_protocol="v2",
    tasks=("subject",),
    datasets=(
        DatasetSpec(REPO_ID, "DreamBench++", DESCRIPTION),
        DatasetSpec(
            SAMPLE_DATASET,
            "DreamBench++ sample set",
            "The small sample written by `unifybench data sample --benchmark dreambench++` (4 "
            "references from photos that ship with scikit-image and scikit-learn, in the release "
            "layout): a smoke test of the pipeline, not research numbers.",
            sample=True,
        ),
    ),
    adapter="unifybench.benchmarks.dreambench_plus.adapter:DreamBenchPlusAdapter",
    source_help=f"a folder in the release layout (images/, captions/), the release's data.zip, "
    f"or the hub dataset repo id (default {REPO_ID})",
)
BENCHMARKS = SPEC
