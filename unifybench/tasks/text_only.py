"""Text-only question answering: facts of the concept's profile, asked without a real image."""

from unifybench.tasks._spec import TaskSpec

TASK = TaskSpec(
    name="text_only",
    display="Text-only QA",
    short="Text QA",
    description="Questions about facts of the concept that no image shows (its profile); the "
    "official data still passes a black placeholder image. Character BLEU and the text judge.",
    capability="understanding",
    images_per_item=0,
    judge_role="text",
    scorers=("bleu", "judge", "judge_minilm"),
    metrics=("judge", "bleu", "accuracy", "judge_minilm"),
    headline="judge",
    group="understanding",
    order=30,
)
