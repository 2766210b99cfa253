"""The vanilla personalized-generation prompts (the 25 DreamBooth prompts) and the face prompt.

``<sks>`` is the subject placeholder of the DreamBooth lists; :func:`dreambooth_prompts` replaces it
by the concept's placeholder (``<bo>``). Which list applies is the concept's ``generation_type``.
"""

from __future__ import annotations

from unifybench.data.records import GenerationType

_SCENES = (
    "a <sks> in the jungle",
    "a <sks> in the snow",
    "a <sks> on the beach",
    "a <sks> on a cobblestone street",
    "a <sks> on top of pink fabric",
    "a <sks> on top of a wooden floor",
    "a <sks> with a city in the background",
    "a <sks> with a mountain in the background",
    "a <sks> with a blue house in the background",
    "a <sks> on top of a purple rug in a forest",
)
_APPEARANCE = (
    "a red <sks>",
    "a purple <sks>",
    "a shiny <sks>",
    "a wet <sks>",
    "a cube shaped <sks>",
)

OBJECT_PROMPTS: tuple[str, ...] = (
    _SCENES
    + (
        "a <sks> with a wheat field in the background",
        "a <sks> with a tree and autumn leaves in the background",
        "a <sks> with the Eiffel Tower in the background",
        "a <sks> floating on top of water",
        "a <sks> floating in an ocean of milk",
        "a <sks> on top of green grass with sunflowers around it",
        "a <sks> on top of a mirror",
        "a <sks> on top of the sidewalk in a crowded street",
        "a <sks> on top of a dirt road",
        "a <sks> on top of a white rug",
    )
    + _APPEARANCE
)

LIVE_SUBJECT_PROMPTS: tuple[str, ...] = (
    _SCENES
    + (
        "a <sks> wearing a red hat",
        "a <sks> wearing a santa hat",
        "a <sks> wearing a rainbow scarf",
        "a <sks> wearing a black top hat and a monocle",
        "a <sks> in a chef outfit",
        "a <sks> in a firefighter outfit",
        "a <sks> in a police outfit",
        "a <sks> wearing pink glasses",
        "a <sks> wearing a yellow shirt",
        "a <sks> in a purple wizard outfit",
    )
    + _APPEARANCE
)

FACE_PROMPT = "A photo of <sks>."
PLACEHOLDER = "<sks>"


def dreambooth_prompts(generation_type: GenerationType) -> tuple[str, ...]:
    """The 25 prompt templates (with ``<sks>``) for a generation type."""
    if generation_type == "object":
        return OBJECT_PROMPTS
    if generation_type == "live_subject":
        return LIVE_SUBJECT_PROMPTS
    raise ValueError(f"generation_type must be 'live_subject' or 'object', got {generation_type!r}")


def fill(template: str, text: str) -> str:
    """Put ``text`` where the template has the ``<sks>`` placeholder."""
    return template.replace(PLACEHOLDER, text)
