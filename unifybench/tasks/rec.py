"""Recognition: "Is <c> in this image?" on positives (the concept) and negatives (others)."""

from unifybench.tasks._spec import TaskSpec

TASK = TaskSpec(
    name="rec",
    display="Recognition",
    short="Rec",
    description="Yes/no questions whether the concept is in an image; positives show it, "
    "negatives (random and hard) do not. Ranked by the balanced accuracy (weight).",
    capability="understanding",
    images_per_item=1,
    scorers=("recognition",),
    metrics=("weight", "recall", "no_recall", "accuracy"),
    headline="weight",
    group="understanding",
    order=10,
)
