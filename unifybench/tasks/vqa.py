"""Visual question answering about the concept in an image, answered in free text."""

from unifybench.tasks._spec import TaskSpec

TASK = TaskSpec(
    name="vqa",
    display="Visual QA",
    short="VQA",
    description="Open questions about the concept as it appears in a test image; the free-text "
    "answer is compared with the gold answer (character BLEU) and graded by the text judge.",
    capability="understanding",
    images_per_item=1,
    judge_role="text",
    scorers=("bleu", "judge", "judge_minilm"),
    metrics=("judge", "bleu", "accuracy", "judge_minilm"),
    headline="judge",
    group="understanding",
    order=20,
)
