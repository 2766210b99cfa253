"""Knowledge-driven generation: prompts that need the concept's non-visible facts."""

from unifybench.tasks._spec import TaskSpec

TASK = TaskSpec(
    name="knowledge",
    display="Knowledge-driven generation",
    short="Knowledge",
    description="Images for prompts that refer to facts of the concept's profile (\"<c>'s "
    'favourite drink"); a vision judge grades whether an image shows the fact.',
    capability="generation",
    images_per_item=100,
    judge_role="vision",
    scorers=("judge_image",),
    metrics=("judge",),
    headline="judge",
    group="knowledge",
    order=70,
)
