"""Face similarity: "A photo of <c>." for people, compared with their training photos."""

from unifybench.tasks._spec import TaskSpec

TASK = TaskSpec(
    name="face",
    display="Face similarity",
    short="Face",
    description='100 images of "A photo of <c>." for each human concept; the largest face of '
    "each is compared with the faces of the training images.",
    capability="generation",
    images_per_item=100,
    scorers=("face_sim", "face_sim_dlib"),
    metrics=("face_sim", "face_sim_dlib"),
    headline="face_sim",
    group="generation",
    order=60,
)
