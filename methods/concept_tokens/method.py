"""concept-tokens: learnable concept tokens on any supported backbone (see README.md here)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from methods.concept_tokens.params import ConceptTokensParams
from methods.concept_tokens.tokens import (
    SLOT,
    all_tokens,
    caption,
    generation_phrase,
    system_prompt,
)
from unifybench.errors import ConfigError

if TYPE_CHECKING:
    from PIL import Image

    from methods.concept_tokens.backends.base import ConceptBackend
    from methods.concept_tokens.checkpoint import LearnedRows
    from unifybench.data.records import Concept

STATE_FILE = "concept_tokens_state.json"


@dataclass
class ConceptTokensState:
    """A personalised concept: its rows (float32, CPU) and where they came from."""

    concept_id: str
    concept_token: str
    rows: LearnedRows
    source: str  # "trained", "trained (reused ...)" or "imported:<file>"
    losses: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """JSON-serialisable description (no tensors)."""
        return {
            "concept": self.concept_id,
            "rows": self.rows.rows,
            "tensors": {k: list(v.shape) for k, v in self.rows.named().items()},
            "source": self.source,
            "losses": self.losses,
            "checkpoint_sha256": self.rows.digest(),
        }


class ConceptTokens:
    """New vocabulary rows for a concept, trained with the rest of the backbone frozen."""

    name: ClassVar[str] = "concept-tokens"
    capabilities: ClassVar[frozenset[str]] = frozenset({"understanding", "generation"})
    version: ClassVar[str] = "1"
    paper: ClassVar[str] = (
        "concept tokens in the vocabulary (Yo'LLaVA arXiv:2406.09400, Yo'Chameleon "
        "arXiv:2504.20998, UniCTokens arXiv:2505.14671), backbone-agnostic recipe of this project"
    )
    default_batch_size: ClassVar[int] = 8

    def __init__(self, **params: Any) -> None:
        self.p = ConceptTokensParams.from_kwargs(**params)
        self._backbone_caveat()  # an unknown config name fails here, before any loading
        self._backend: ConceptBackend | None = None

    # -- provenance ---------------------------------------------------------------------------
    def params(self) -> dict[str, Any]:
        """Every parameter, JSON-serialisable, and whether the weights are random."""
        out = self.p.to_json()
        out["random_weights"] = self.random_weights
        return out

    def checkpoint_hash(self, state: ConceptTokensState) -> str:
        """sha256 of the concept's rows (see ``checkpoint.LearnedRows.digest``)."""
        return state.rows.digest()

    @property
    def random_weights(self) -> bool:
        """True for offline configs: the backbone is random and scores mean nothing."""
        return self._backbone_caveat() is not None

    def _backbone_caveat(self) -> str | None:
        if self.p.backbone == "janus":
            from methods.janus.config import random_weights_caveat
        else:
            from methods.showo.config import random_weights_caveat
        return random_weights_caveat(self.p.config)

    def caveat(self) -> str | None:
        """Said in every result of a random-weight configuration: its numbers mean nothing."""
        return self._backbone_caveat()

    @property
    def resources(self) -> dict[str, float]:
        """Ray resources of one unit: a GPU for published weights, none for tiny or CPU."""
        if self.p.backbone == "janus":
            from methods.janus.config import unit_resources
        else:
            from methods.showo.config import unit_resources
        return unit_resources(self.p.config, self.p.device)

    # -- backend ------------------------------------------------------------------------------
    @property
    def backend(self) -> ConceptBackend:
        """The backbone with the slot and learnable tokens added (lazy, once per process)."""
        if self._backend is None:
            from methods.concept_tokens.backends import make_backend

            be = make_backend(self.p)
            be.add_tokens(all_tokens(self.p.n_tokens))
            self._backend = be
        return self._backend

    @staticmethod
    def _to_slot(token: str, text: str) -> str:
        return text.replace(token, SLOT)

    # -- personalize --------------------------------------------------------------------------
    def personalize(self, concept: Concept, workdir: Path) -> ConceptTokensState:
        """Import rows (``checkpoint_dir``), reuse a finished training, or train in ``workdir``."""
        workdir = Path(workdir)
        if self.p.checkpoint_dir is not None:
            return self.import_checkpoint(concept, self.p.checkpoint_dir)
        if self.p.reuse_workdir:
            done = self.reuse_trained(concept, workdir)
            if done is not None:
                return done
        return self.train(concept, workdir)

    def _check_rows(self, rows: LearnedRows, where: str) -> None:
        """Rows must fit the token count and the backbone's width (a ConfigError if not)."""
        want = 1 + self.p.n_tokens
        width = self.backend.width
        if rows.rows != want or rows.embed.shape[1] != width:
            raise ConfigError(
                f"{where}: rows {tuple(rows.embed.shape)} do not fit {want} tokens of width "
                f"{width} on backbone {self.p.backbone} (config {self.p.config})"
            )

    def import_checkpoint(self, concept: Concept, root: Path) -> ConceptTokensState:
        """Rows saved by an earlier run: ``root/<concept>/`` or ``root`` itself."""
        from methods.concept_tokens.checkpoint import FILE_NAME, load_rows

        root = Path(root)
        path = root / concept.id / FILE_NAME
        if not path.is_file():
            path = root / FILE_NAME
        rows, meta = load_rows(path)
        if meta.get("backbone", self.p.backbone) != self.p.backbone:
            raise ConfigError(
                f"{path}: rows were trained on backbone {meta.get('backbone')!r}, "
                f"this run uses {self.p.backbone!r}"
            )
        self._check_rows(rows, str(path))
        return ConceptTokensState(concept.id, concept.token, rows, f"imported:{path}")

    def reuse_trained(self, concept: Concept, workdir: Path) -> ConceptTokensState | None:
        """A finished training of ``concept`` in ``workdir`` with the same parameters, or None.

        The rows must hash to the sha256 recorded when they were trained.
        """
        from methods.concept_tokens.checkpoint import FILE_NAME, load_rows

        record_path = workdir / STATE_FILE
        if not record_path.is_file():
            return None
        try:
            record = json.loads(record_path.read_text())
            if record.get("training_params") != self.p.training_key():
                return None
            rows, _ = load_rows(workdir / FILE_NAME)
        except (OSError, ValueError, KeyError, TypeError, ConfigError):
            return None
        if rows.digest() != record.get("checkpoint_sha256"):
            return None
        return ConceptTokensState(
            concept.id,
            concept.token,
            rows,
            f"trained (reused from {workdir})",
            record.get("losses", {}),
        )

    def train(self, concept: Concept, workdir: Path) -> ConceptTokensState:
        """Initialise the rows from the class noun and train them; save and record them."""
        import torch

        from methods.common.training_data import MMUExample
        from methods.concept_tokens.checkpoint import save_rows
        from methods.concept_tokens.data import generation_images, understanding_examples
        from methods.concept_tokens.trainer import train_rows

        be = self.backend
        tok, n = concept.token, self.p.n_tokens
        gen = torch.Generator().manual_seed(self.p.seed)
        rows = be.initial_rows(concept.class_noun, 1 + n, self.p.init_noise, gen).to(be.device)
        system = system_prompt(tok, n)
        mmu = [
            MMUExample(
                e.image, self._to_slot(tok, system + e.question), self._to_slot(tok, e.answer)
            )
            for e in understanding_examples(concept)
        ]
        log = train_rows(
            be, rows, mmu, generation_images(concept), self._to_slot(tok, caption(tok, n)), self.p
        )
        state = ConceptTokensState(concept.id, tok, rows.detached(), "trained", log.to_json())
        meta = {
            "concept": concept.id,
            "backbone": self.p.backbone,
            "config": self.p.config,
            "tokens": all_tokens(n),
        }
        path = save_rows(workdir, state.rows, meta)
        record = {
            **state.summary(),
            **be.record(),
            "checkpoint_file": path.name,
            "training_params": self.p.training_key(),
        }
        (workdir / STATE_FILE).write_text(json.dumps(record, indent=2) + "\n")
        return state

    # -- understanding --------------------------------------------------------------------------
    def system_prompt(self, state: ConceptTokensState) -> str:
        """The personal system prompt put before every question (shown to legacy judges)."""
        return system_prompt(state.concept_token, self.p.n_tokens)

    def answer(self, state: ConceptTokensState, question: str, image: Image.Image | None) -> str:
        """Greedy answer with the personal system prompt."""
        return self.answer_batch(state, [question], [image])[0]

    def answer_batch(
        self,
        state: ConceptTokensState,
        questions: Sequence[str],
        images: Sequence[Image.Image | None],
    ) -> list[str]:
        """Greedy answers; each equals what :meth:`answer` gives for it alone."""
        from methods.batching import chunks

        if len(questions) != len(images):
            raise ValueError(f"{len(questions)} questions but {len(images)} images")
        tok = state.concept_token
        texts = [self._to_slot(tok, self.system_prompt(state) + q) for q in questions]
        out: list[str] = []
        size = self.p.answer_batch_size
        for qs, ims in zip(chunks(texts, size), chunks(list(images), size), strict=True):
            out += self.backend.answer_batch(
                state.rows, qs, ims, max_new_tokens=self.p.max_new_tokens
            )
        return [a.replace(SLOT, tok) for a in out]

    # -- generation ---------------------------------------------------------------------------
    def generation_prompt(self, state: ConceptTokensState, prompt: str) -> str:
        """The prompt as the model sees it: the concept replaced by the tokens and its slot."""
        phrase = generation_phrase(state.concept_token, self.p.n_tokens)
        return self._to_slot(state.concept_token, prompt.replace(state.concept_token, phrase))

    def generate(
        self, state: ConceptTokensState, prompt: str, n: int, seed: int
    ) -> list[Image.Image]:
        """``n`` images; image k is drawn from the seed derived from (seed, k)."""
        return self.generate_batch(state, [prompt], n, [seed])[0]

    def generate_batch(
        self, state: ConceptTokensState, prompts: Sequence[str], n: int, seeds: Sequence[int]
    ) -> list[list[Image.Image]]:
        """``n`` images per prompt; the same images :meth:`generate` gives per prompt."""
        texts = [self.generation_prompt(state, p) for p in prompts]
        return self.backend.generate_batch(state.rows, texts, n, seeds)

    def release(self, state: ConceptTokensState) -> None:
        """Rows live in the state; return cached GPU memory."""
        import torch

        if torch.cuda.is_available():
            torch.cuda.empty_cache()
