"""Multiple choice: questions about the concept with lettered or listed options."""

from unifybench.tasks._spec import TaskSpec

TASK = TaskSpec(
    name="choice",
    display="Multiple choice",
    short="Choice",
    description="Multiple-choice questions about the concept, with or without an image; correct "
    "when the answer picks the gold option.",
    capability="understanding",
    images_per_item=1,
    scorers=("choice_match",),
    metrics=("accuracy",),
    per_type_metrics=("accuracy",),  # legacy: one accuracy per item type, as published
    headline="accuracy",
    group="understanding",
    order=40,
)
