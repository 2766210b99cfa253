"""Personalized generation: the 25 DreamBooth prompts with the concept in them."""

from unifybench.tasks._spec import TaskSpec

TASK = TaskSpec(
    name="t2i",
    display="Personalized generation",
    short="T2I",
    description="Images of the concept for each DreamBooth prompt (4 per prompt), compared with "
    "the concept's training images (CLIP-I) and with the prompt (CLIP-T).",
    capability="generation",
    images_per_item=4,
    scorers=("clip_i", "clip_t"),
    metrics=("clip_i", "clip_t", "dino"),
    headline="clip_i",
    group="generation",
    order=50,
)
