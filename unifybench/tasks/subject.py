"""Subject-driven generation (DreamBench++): one image per prompt of a subject or a style."""

from unifybench.tasks._spec import TaskSpec

TASK = TaskSpec(
    name="subject",
    display="Subject-driven generation",
    short="Subject",
    description="One image per prompt of a subject (an animal, a person, an object) or a style "
    "shown in one reference image. A vision judge grades concept preservation (against the "
    "reference) and prompt following on 0-4, reported divided by 4; DINO and CLIP-I compare the "
    "image with the reference, CLIP-T with the prompt.",
    capability="generation",
    images_per_item=1,
    judge_role="vision",
    # colour_hist: the offline, unofficial stand-in for dino (demo, sample boards; never ranked)
    scorers=(
        "concept_preservation",
        "prompt_following",
        "dino",
        "dino_v2",
        "clip_i",
        "clip_t",
        "colour_hist",
    ),
    metrics=(
        "concept_preservation",
        "prompt_following",
        "dino",
        "dino_v2",
        "clip_i",
        "clip_t",
        "colour_hist",
    ),
    headline="concept_preservation",
    per_type_metrics=("concept_preservation", "prompt_following"),
    group="generation",
    order=80,
)
