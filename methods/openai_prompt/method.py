"""A GPT-4o-style API baseline: the profile in the prompt, the images API for generation."""

from __future__ import annotations

import base64
import hashlib
import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from methods.openai_prompt.prompts import (
    generation_prompt,
    image_data_url,
    system_prompt,
    user_content,
)
from unifybench.errors import ConfigError, DataError

if TYPE_CHECKING:
    from PIL import Image

    from unifybench.data.records import Concept

DEFAULT_BASE_URL = "https://api.openai.com/v1"


@dataclass(frozen=True)
class OpenAIPromptState:
    """The prompt material of one concept."""

    concept: Concept
    system: str
    reference_url: str | None  # data URL of the first training image, when reference_image


class OpenAIPrompt:
    """Prompting an OpenAI-compatible API with the concept profile.

    * ``answer``: one chat completion (``model``, temperature ``temperature``, at most
      ``max_tokens`` tokens). The system message holds the profile (``info`` and ``extra_info``)
      and asks for exactly "Yes." / "No." on recognition questions; the user message holds the
      question and its image (JPEG data URL, long side at most ``image_max_side``), preceded by
      the first training image when ``reference_image`` is true.
    * ``generate``: the images API (``image_model``, ``api_size``, ``response_format``), with the
      placeholder replaced by the class noun and the profile appended as a description; each
      request asks for ``images_per_request`` images; results are decoded, centre-cropped and
      resized to ``size``. The images API takes no seed, so with a real service the same seed does
      not give the same images (the loopback test server is deterministic).

    The API key is read from the environment variable named by ``api_key_env`` when the method is
    constructed (a missing key raises :class:`ConfigError` naming it, before any request) and again
    when the client is made; it is never kept on this object, in ``params()`` or in ``repr``.
    Transient failures (429, 5xx, timeouts, connection errors) are retried ``max_retries`` times by
    the ``openai`` client, with exponential backoff (0.5 s doubling, honouring ``Retry-After``).
    """

    name: ClassVar[str] = "openai-prompt"
    capabilities: ClassVar[frozenset[str]] = frozenset({"understanding", "generation"})

    def __init__(
        self,
        *,
        base_url: str = DEFAULT_BASE_URL,
        model: str = "gpt-4o",
        image_model: str = "dall-e-3",
        api_key_env: str = "OPENAI_API_KEY",
        reference_image: bool = False,
        temperature: float = 0.0,
        max_tokens: int = 100,
        image_detail: str = "auto",
        image_max_side: int = 512,
        size: int = 512,
        api_size: str = "1024x1024",
        response_format: str | None = "b64_json",
        images_per_request: int = 1,
        max_retries: int = 2,
        timeout: float = 60.0,
    ):
        if not isinstance(size, int) or size < 8:
            raise ConfigError(f"openai-prompt: size must be an integer >= 8, got {size!r}")
        if not isinstance(images_per_request, int) or images_per_request < 1:
            raise ConfigError("openai-prompt: images_per_request must be an integer >= 1")
        if response_format not in ("b64_json", None):
            raise ConfigError(
                "openai-prompt: response_format must be 'b64_json' or None (omit it for image "
                "models that always return base64); image URLs are not fetched"
            )
        self.base_url = base_url
        self.model = model
        self.image_model = image_model
        self.api_key_env = api_key_env
        self.reference_image = bool(reference_image)
        self.temperature = float(temperature)
        self.max_tokens = int(max_tokens)
        self.image_detail = image_detail
        self.image_max_side = int(image_max_side)
        self.size = size
        self.api_size = api_size
        self.response_format = response_format
        self.images_per_request = images_per_request
        self.max_retries = int(max_retries)
        self.timeout = float(timeout)
        self._client: Any = None
        self.check_ready()

    def params(self) -> dict[str, Any]:
        """Constructor parameters for provenance (the key variable's name, never the key)."""
        return {
            "base_url": self.base_url,
            "model": self.model,
            "image_model": self.image_model,
            "api_key_env": self.api_key_env,
            "reference_image": self.reference_image,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "image_detail": self.image_detail,
            "image_max_side": self.image_max_side,
            "size": self.size,
            "api_size": self.api_size,
            "response_format": self.response_format,
            "images_per_request": self.images_per_request,
            "max_retries": self.max_retries,
            "timeout": self.timeout,
        }

    def __repr__(self) -> str:
        return f"OpenAIPrompt({self.params()})"

    def check_ready(self) -> None:
        """Raise ConfigError naming ``api_key_env`` when the key is not in the environment."""
        if not os.environ.get(self.api_key_env, "").strip():
            raise ConfigError(
                f"openai-prompt: the API key is read from the environment variable "
                f"{self.api_key_env}, which is not set; export {self.api_key_env}=... "
                f"(or choose another variable with api_key_env)"
            )

    def _api(self) -> Any:
        if self._client is None:
            self.check_ready()
            try:
                import openai
            except ImportError as exc:
                raise ConfigError(
                    "openai-prompt needs the openai package: pip install 'unifybench[judges]'"
                ) from exc
            self._client = openai.OpenAI(
                base_url=self.base_url,
                api_key=os.environ[self.api_key_env].strip(),
                max_retries=self.max_retries,
                timeout=self.timeout,
            )
        return self._client

    def checkpoint_hash(self, state: OpenAIPromptState) -> str | None:
        """SHA-256 of the prompt material (system prompt and reference image)."""
        digest = hashlib.sha256(state.system.encode())
        digest.update((state.reference_url or "").encode())
        return digest.hexdigest()

    def personalize(self, concept: Concept, workdir: Path) -> OpenAIPromptState:
        """Build the system prompt (and reference image); checks the key, sends nothing."""
        from unifybench.data.records import load_image

        self.check_ready()
        reference_url = None
        if self.reference_image:
            if not concept.train_images:
                raise DataError(
                    f"concept/train/{concept.id}", "train_images", "a training image to show"
                )
            reference = load_image(concept.train_images[0])
            reference_url = image_data_url(reference, self.image_max_side)
        return OpenAIPromptState(concept, system_prompt(concept), reference_url)

    def answer(self, state: OpenAIPromptState, question: str, image: Image.Image | None) -> str:
        """One chat completion with the profile as system prompt."""
        image_url = None if image is None else image_data_url(image, self.image_max_side)
        content = user_content(
            question, image_url, state.reference_url, state.concept.token, self.image_detail
        )
        reply = (
            self._api()
            .chat.completions.create(
                model=self.model,
                messages=[
                    {"role": "system", "content": state.system},
                    {"role": "user", "content": content},
                ],
                temperature=self.temperature,
                max_tokens=self.max_tokens,
            )
            .choices[0]
            .message.content
        )
        if not reply or not reply.strip():
            raise RuntimeError(f"openai-prompt: {self.model} returned an empty reply")
        return reply.strip()

    def generate(
        self, state: OpenAIPromptState, prompt: str, n: int, seed: int
    ) -> list[Image.Image]:
        """``n`` images from the images API for the described prompt (``seed`` is not sent)."""
        from PIL import Image as PILImage

        from methods.common.images import square_resize

        text = generation_prompt(prompt, state.concept)
        images: list[Image.Image] = []
        while len(images) < n:
            count = min(self.images_per_request, n - len(images))
            extra: dict[str, Any] = {}
            if self.response_format is not None:
                extra["response_format"] = self.response_format
            result = self._api().images.generate(
                model=self.image_model, prompt=text, n=count, size=self.api_size, **extra
            )
            data = list(result.data or [])
            if len(data) != count or any(not d.b64_json for d in data):
                raise RuntimeError(
                    f"openai-prompt: the images API returned {len(data)} images for n={count}, "
                    "or no b64_json data"
                )
            for item in data:
                with PILImage.open(io.BytesIO(base64.b64decode(item.b64_json))) as img:
                    images.append(square_resize(img, self.size))
        return images
