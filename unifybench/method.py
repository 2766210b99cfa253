"""The one interface every personalization method implements, and the registry that finds methods.

A method is a plain class with three calls::

    state = method.personalize(concept, workdir)     # learn the concept (may train, may just read)
    text = method.answer(state, question, image)     # understanding; image is a PIL image or None
    images = method.generate(state, prompt, n, seed)  # generation; list of n PIL images

plus the capabilities it declares (``"understanding"``, ``"generation"``). The runner only asks a
method for what it declares. Prompts and questions contain the concept placeholder (``<bo>``);
what a method does with it is its own business.

Optional hooks, used when present: ``params() -> dict`` (recorded in provenance),
``checkpoint_hash(state) -> str`` (per concept), ``release(state)`` (free memory),
``system_prompt(state) -> str`` (shown to the legacy text judge), ``caveat() -> str | None``
(a warning put first in the result's notes, e.g. random weights), class attributes ``version``,
``paper`` and ``kind`` ("method", "baseline" or "reference"), and ``seed_global_rngs = False`` to
skip the runner's per-item seeding of random / numpy / torch. ``flips_after_crop = True`` says that
``answer`` takes a keyword ``flip`` and applies it after its own crop, where the published
transform flips: the legacy runner then passes its random flip there instead of mirroring the
image it hands over. See docs/own-method.md.

Optional batch hooks, used by the runner for batches of two or more consecutive items of one
task (``--batch-size``; default the class attribute ``default_batch_size``, else 1)::

    texts = method.answer_batch(state, questions, images)     # list[str], one per question
    images = method.generate_batch(state, prompts, n, seeds)  # n images per prompt, per prompt

Each result must equal what the single call gives for that item alone: greedy answers token for
token, and every image drawn from noise derived from its own item's seed only (see
``methods/noise.py``), so the composition of a batch can never change an output. A batch that
fails (raises, wrong count, wrong types) is asked again item by item. A ``flips_after_crop``
method's ``answer_batch`` takes ``flips=`` (one bool per image) under a flipping protocol, or is
asked item by item there. See ``unifybench/runner/batches.py`` and docs/own-method.md.

Methods register by name with :func:`register_method`, or from other packages through the entry
point group ``unifybench.methods`` (``name = "package.module:Class"``). Built-in methods are lazy
entries of :data:`METHODS` (a :class:`unifybench.registry.Registry`), so importing this module
never imports torch.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol, runtime_checkable

from unifybench.errors import ConfigError
from unifybench.registry import Registry, import_target

if TYPE_CHECKING:
    from PIL import Image

    from unifybench.data.records import Concept

Capability = Literal["understanding", "generation"]
ENTRY_POINT_GROUP = "unifybench.methods"


@runtime_checkable
class Method(Protocol):
    """What the runner needs from a method."""

    name: ClassVar[str]
    capabilities: ClassVar[frozenset[str]]

    def personalize(self, concept: Concept, workdir: Path) -> Any: ...

    def answer(self, state: Any, question: str, image: Image.Image | None) -> str: ...

    def generate(self, state: Any, prompt: str, n: int, seed: int) -> list[Image.Image]: ...


def _check_method_class(obj: Any) -> None:
    if not isinstance(obj, type):
        raise TypeError(f"expected a class implementing the Method protocol, got {obj!r}")


# Built-in methods as "module:Class", imported only when a method is used; other packages add
# theirs through the entry point group ``unifybench.methods``.
METHODS: Registry[type] = Registry(
    "method", check=_check_method_class, entry_point_group=ENTRY_POINT_GROUP
)
for _name, _target in {
    "no-personalization": "methods.no_personalization:NoPersonalization",
    "reference-images": "methods.reference_images:ReferenceImages",
    "profile-retrieval": "methods.profile_retrieval:ProfileRetrieval",
    "openai-prompt": "methods.openai_prompt:OpenAIPrompt",
    "unictokens": "methods.unictokens:UniCTokens",
    "showo-prompt": "methods.showo_prompt:ShowoPrompt",
    "janus-prompt": "methods.janus_prompt:JanusPrompt",
    "concept-tokens": "methods.concept_tokens:ConceptTokens",
}.items():
    METHODS.lazy(_name, _target)


def register_method(name: str) -> Callable[[type], type]:
    """Class decorator: make a method available under ``name``."""

    def wrap(cls: type) -> type:
        cls.name = name  # type: ignore[attr-defined]
        METHODS.add(name, cls, source=f"{cls.__module__}:{cls.__qualname__}")
        return cls

    return wrap


def list_methods() -> list[str]:
    """Names of all known methods: built-in, registered in this process, and from entry points."""
    return sorted(METHODS.names())


def method_class(name: str) -> type:
    """Resolve a method name to its class, importing its module only now.

    ``name`` is a registered name, a built-in, an entry point of ``unifybench.methods``, or a
    ``package.module:Class`` spec (handy for a method that is not packaged yet).
    """
    found = METHODS.find(name)
    if found is not None:
        return found
    if name in METHODS.unavailable():
        raise ConfigError(f"method '{name}': {METHODS.unavailable()[name]}")
    if ":" not in name:
        known = ", ".join(list_methods())
        raise ConfigError(f"unknown method '{name}'; known methods: {known}")
    try:
        obj = import_target(name)
    except (ImportError, AttributeError) as err:
        raise ConfigError(f"method '{name}': cannot import {name}: {err}") from err
    return METHODS.add(name, obj, source=name)


def create_method(name: str, **params: Any) -> Method:
    """Instantiate a method by name with keyword parameters."""
    return method_class(name)(**params)
