"""The text openai-prompt sends: the profile as a system prompt, image parts, generation prompts.

Everything here is pure (no network) so that the exact request content can be tested and hashed.
"""

from __future__ import annotations

import base64
import io
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image

    from unifybench.data.records import Concept

SYSTEM_TEMPLATE = (
    "You are a personal assistant who knows {token}, a {noun} that belongs to the user. "
    "Everything you know about {token}:\n{facts}\n"
    'When asked whether {token} is in an image, answer exactly "Yes." or "No.". '
    "Answer any other question briefly, in one sentence, using what you know about {token}."
)
REFERENCE_CAPTION = "A reference photo of {token}:"
QUESTION_IMAGE_CAPTION = "The image the question is about:"
# Words after which a bare placeholder needs an article ("a photo of <c>" -> "of the man").
_NEEDS_ARTICLE = r"(?:^|\b(?:of|with|at|in|on|by|for|to|from|near|and|shows?|see|behind|beside))\s*"


def profile_facts(concept: Concept) -> list[str]:
    """The profile sentences: ``info`` then each ``extra_info`` entry, placeholder kept."""
    return [s.strip() for s in (concept.info, *concept.extra_info) if s and s.strip()]


def system_prompt(concept: Concept) -> str:
    """The system message carrying the whole profile."""
    facts = "\n".join(f"- {fact}" for fact in profile_facts(concept))
    return SYSTEM_TEMPLATE.format(token=concept.token, noun=concept.class_noun, facts=facts)


def image_data_url(image: Image.Image, max_side: int) -> str:
    """A JPEG (quality 90) data URL of the image, downscaled to ``max_side`` on the long side."""
    from PIL import Image as PILImage

    image = image.convert("RGB")
    if max(image.size) > max_side:
        scale = max_side / max(image.size)
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, PILImage.Resampling.BICUBIC)
    buf = io.BytesIO()
    image.save(buf, format="JPEG", quality=90)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def user_content(
    question: str,
    question_image_url: str | None,
    reference_url: str | None,
    token: str,
    detail: str,
) -> str | list[dict[str, object]]:
    """The user message: optional reference photo, optional question image, the question."""
    question = question.replace("<image>", " ").strip()
    if question_image_url is None and reference_url is None:
        return question
    parts: list[dict[str, object]] = []
    if reference_url is not None:
        parts.append({"type": "text", "text": REFERENCE_CAPTION.format(token=token)})
        parts.append({"type": "image_url", "image_url": {"url": reference_url, "detail": detail}})
    if question_image_url is not None:
        parts.append({"type": "text", "text": QUESTION_IMAGE_CAPTION})
        parts.append(
            {"type": "image_url", "image_url": {"url": question_image_url, "detail": detail}}
        )
    parts.append({"type": "text", "text": question})
    return parts


def describe_subject(text: str, token: str, noun: str) -> str:
    """Replace the placeholder by the class noun, adding "the" where a bare name stood.

    "a <bo> in the snow" -> "a dog in the snow"; "A photo of <c>." -> "A photo of the man.";
    "<bo> has a red hat." -> "The dog has a red hat."
    """
    tok = re.escape(token)
    text = re.sub(rf"({_NEEDS_ARTICLE}){tok}", rf"\g<1>the {noun}", text)
    text = re.sub(tok, noun, text)
    return text[:1].upper() + text[1:] if text.startswith("the ") else text


def generation_prompt(prompt: str, concept: Concept) -> str:
    """The images-API prompt: the benchmark prompt about the class noun, then the profile."""
    noun = concept.class_noun
    subject = describe_subject(prompt.strip(), concept.token, noun).rstrip(".")
    facts = " ".join(
        describe_subject(f, concept.token, noun).rstrip(".") + "." for f in profile_facts(concept)
    )
    return f"{subject}. About the {noun} shown: {facts}"
