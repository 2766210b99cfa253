"""The UniCTokens method behind UnifyBench's Method interface (see README.md next to this file)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from methods.showo.shared import ShowoBacked
from methods.unictokens.params import UniCTokensParams
from methods.unictokens.tokens import (
    CONCEPT_SLOT,
    TokenCounts,
    generation_phrase,
    system_prompt,
    t2i_caption,
    training_system_prompt,
    transition_prompt,
)

if TYPE_CHECKING:
    from PIL import Image

    from methods.showo.backbone import ShowoBackbone
    from methods.showo.model import ConceptRows
    from methods.unictokens.checkpoint import ConceptWeights
    from unifybench.data.records import Concept


@dataclass
class UniCTokensState:
    """A personalised concept: its learned rows and how they were obtained."""

    concept_id: str
    concept_token: str
    weights: ConceptWeights
    stage: int
    source: str  # "trained" or "imported:<folder>#epoch_<N>"
    losses: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    face_init: str | None = None

    def summary(self) -> dict[str, Any]:
        """JSON-serialisable description (no tensors)."""
        return {
            "concept": self.concept_id,
            "stage": self.stage,
            "rows": self.weights.rows,
            "source": self.source,
            "losses": self.losses,
            "notes": self.notes,
            "face_init": self.face_init,
            "checkpoint_sha256": self.weights.digest(),
        }


class UniCTokens(ShowoBacked):
    """UniCTokens (arXiv 2505.14671) on a Show-o backbone: three-stage concept-token training."""

    name: ClassVar[str] = "unictokens"
    capabilities: ClassVar[frozenset[str]] = frozenset({"understanding", "generation"})
    version: ClassVar[str] = "1"
    paper: ClassVar[str] = "arXiv:2505.14671 (UniCTokens, NeurIPS 2025)"

    def __init__(self, **params: Any) -> None:
        self.p = UniCTokensParams.from_kwargs(**params)
        self.counts = TokenCounts(self.p.n_shared, self.p.n_generation, self.p.n_understanding)
        self._bb: ShowoBackbone | None = None
        self._slot_start = 0
        self._base: ConceptWeights | None = None

    # -- provenance ---------------------------------------------------------------------------
    def params(self) -> dict[str, Any]:
        """Every parameter, JSON-serialisable (for the run record)."""
        out = self.p.to_json()
        out["random_weights"] = self.random_weights
        return out

    def checkpoint_hash(self, state: UniCTokensState) -> str:
        """sha256 of the concept rows (embedding, LM-head weight and bias)."""
        return state.weights.digest()

    # -- backbone -----------------------------------------------------------------------------
    @property
    def backbone(self) -> ShowoBackbone:
        """The shared backbone with one concept slot and the learnable tokens added (lazy)."""
        if self._bb is None:
            from methods.showo.backbone import ShowoBackbone

            self.use_backbone(
                ShowoBackbone.create(
                    self.p.config,
                    device=self.p.device,
                    dtype=self.p.dtype,
                    init_seed=self.p.init_seed,
                )
            )
        return self._bb

    def use_backbone(self, bb: ShowoBackbone) -> None:
        """Adopt ``bb`` (fresh, without concept tokens): add the slot and the learnable tokens."""
        from methods.unictokens.trainer import rows_weights

        ids = bb.add_tokens([CONCEPT_SLOT, *self.counts.all_tokens()])
        self._slot_start = ids[0]
        self._bb = bb
        self._base = rows_weights(self._slot_rows())

    def _slot_rows(self) -> ConceptRows:
        from methods.showo.model import ConceptRows

        bb = self._bb
        s, k = self._slot_start, self.counts.total
        table = bb.lm.showo.model.embed_tokens.weight
        head = bb.lm.showo.lm_head
        return ConceptRows(
            start=s,
            embed=table[s : s + k].detach().float().clone(),
            head_weight=head.weight[s : s + k].detach().float().clone(),
            head_bias=head.bias[s : s + k].detach().float().clone(),
        )

    def rows_for(self, weights: ConceptWeights) -> ConceptRows:
        """Full-size concept rows: ``weights`` first, the untouched slot rows after them."""
        from methods.unictokens.trainer import load_rows

        _ = self.backbone
        rows = self._slot_rows()
        if weights.rows > rows.k or weights.embed.shape[1] != rows.embed.shape[1]:
            from unifybench.errors import ConfigError

            raise ConfigError(
                f"concept rows {tuple(weights.embed.shape)} do not fit {rows.k} tokens of width "
                f"{rows.embed.shape[1]}"
            )
        load_rows(rows, weights)
        rows.active = weights.rows
        return rows

    def _slot_text(self, concept_token: str):
        return lambda text: text.replace(concept_token, CONCEPT_SLOT)

    # -- Method interface ---------------------------------------------------------------------
    def personalize(self, concept: Concept, workdir: Path) -> UniCTokensState:
        """Import released rows (``checkpoint_dir``) or train the three stages into ``workdir``."""
        if self.p.checkpoint_dir is not None:
            return self.import_checkpoint(concept, self.p.checkpoint_dir, self.p.checkpoint_epoch)
        if self.p.reuse_workdir:
            done = self.reuse_trained(concept, Path(workdir))
            if done is not None:
                return done
        return self.train(concept, Path(workdir))

    def _training_key(self) -> dict[str, Any]:
        """Parameters that change training results (a finished run is reused only if equal)."""
        skip = {
            "device",
            "checkpoint_dir",
            "checkpoint_epoch",
            "reuse_workdir",
            "gen_batch_size",
            "output_size",
            "max_new_tokens",
        }
        return {k: v for k, v in self.p.to_json().items() if k not in skip}

    def reuse_trained(self, concept: Concept, workdir: Path) -> UniCTokensState | None:
        """A finished training of ``concept`` in ``workdir`` with the same parameters, or None.

        Lets an interrupted run resume without retraining concepts already done; the rows are
        checked against the sha256 recorded when they were trained.
        """
        from methods.unictokens.checkpoint import load_epoch

        record_path = workdir / "unictokens_state.json"
        if not record_path.is_file():
            return None
        try:
            record = json.loads(record_path.read_text())
            final = record["final_checkpoint"]
            if record.get("training_params") != self._training_key():
                return None
            _, weights = load_epoch(workdir / final["folder"], int(final["epoch"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if weights.digest() != record.get("checkpoint_sha256"):
            return None
        self.rows_for(weights)
        return UniCTokensState(
            concept_id=concept.id,
            concept_token=concept.token,
            weights=weights,
            stage=int(record["stage"]),
            source=f"trained (reused from {workdir})",
            losses=record.get("losses", {}),
            notes=[*record.get("notes", []), "reused a finished training from the work folder"],
            face_init=record.get("face_init"),
        )

    def answer(
        self,
        state: UniCTokensState,
        question: str,
        image: Image.Image | None,
        *,
        flip: bool = False,
    ) -> str:
        """Greedy answer with the personal system prompt (the published inference prompt).

        ``flip`` flips the test image after the crop, where the published evaluation does.
        """
        bb = self.backbone
        out = bb.answer(
            self.model_text(state, self.question_text(state, question)),
            image,
            rows=self.rows_for(state.weights),
            max_new_tokens=self.p.max_new_tokens,
            flip=flip,
        )
        return out.replace(CONCEPT_SLOT, state.concept_token)

    def question_text(self, state: UniCTokensState, question: str) -> str:
        """The question as the published evaluation builds it: system prompt + question."""
        return self.system_prompt(state) + question

    def model_text(self, state: UniCTokensState, text: str) -> str:
        """``text`` with the concept placeholder rewritten to the backbone's concept slot."""
        return self._slot_text(state.concept_token)(text)

    def answer_batch(
        self,
        state: UniCTokensState,
        questions: Sequence[str],
        images: Sequence[Image.Image | None],
        *,
        flips: Sequence[bool] | None = None,
    ) -> list[str]:
        """Greedy answers in one left-padded batch; each equals :meth:`answer` for it alone
        (``flips[i]``: flip image ``i`` after the crop, as ``answer(..., flip=)``)."""
        out = self.backbone.answer_batch(
            [self.model_text(state, self.question_text(state, q)) for q in questions],
            images,
            flips=flips,
            rows=self.rows_for(state.weights),
            max_new_tokens=self.p.max_new_tokens,
        )
        return [a.replace(CONCEPT_SLOT, state.concept_token) for a in out]

    def system_prompt(self, state: UniCTokensState) -> str:
        """The personal system prompt put before every question (shown to legacy judges)."""
        return system_prompt(state.concept_token, self.counts, state.stage)

    def release(self, state: UniCTokensState) -> None:
        """Nothing to free per concept (rows live in the state); return cached GPU memory."""
        import torch

        if torch.cuda.is_available():
            torch.cuda.empty_cache()

    def generation_prompt(self, state: UniCTokensState, prompt: str) -> str:
        """The prompt as the model sees it: the concept replaced by ``<token_0..23> <c>``."""
        phrase = generation_phrase(state.concept_token, self.counts, state.stage)
        return prompt.replace(state.concept_token, phrase)

    def generate(self, state: UniCTokensState, prompt: str, n: int, seed: int) -> list[Image.Image]:
        """``n`` images for ``prompt`` (MaskGIT, guidance 5, 50 steps by default); image k is
        drawn from ``image_seed(seed, k)`` alone."""
        return self.generate_batch(state, [prompt], n, [seed])[0]

    def generate_batch(
        self, state: UniCTokensState, prompts: Sequence[str], n: int, seeds: Sequence[int]
    ) -> list[list[Image.Image]]:
        """``n`` images per prompt, ``gen_batch_size`` images per sampler call; each image
        depends only on its item's seed and its index (per-image noise streams)."""
        texts = [
            self._slot_text(state.concept_token)(self.generation_prompt(state, p)) for p in prompts
        ]
        return self.backbone.generate_images(
            texts,
            n,
            seeds,
            batch_size=self.p.gen_batch_size,
            rows=self.rows_for(state.weights),
            steps=self.p.generation_steps,
            guidance_scale=self.p.guidance_scale,
            output_size=self.p.output_size,
        )

    # -- checkpoints ----------------------------------------------------------------------------
    def import_checkpoint(
        self, concept: Concept, root: Path, epoch: int | None = None
    ) -> UniCTokensState:
        """Load released rows (``epoch_<N>_*.pt``) for ``concept`` from ``root``."""
        from methods.unictokens.checkpoint import find_checkpoint_folder, load_epoch
        from unifybench.errors import ConfigError

        folder = find_checkpoint_folder(Path(root), concept.id)
        epoch, weights = load_epoch(folder, epoch)
        try:
            stage = self.counts.stage_of_rows(weights.rows)
        except ValueError as exc:
            raise ConfigError(f"{folder}/epoch_{epoch}_embed.pt: {exc}") from exc
        self.rows_for(weights)  # checks the width against the backbone
        return UniCTokensState(
            concept_id=concept.id,
            concept_token=concept.token,
            weights=weights,
            stage=stage,
            source=f"imported:{folder}#epoch_{epoch}",
        )

    def export_checkpoint(self, state: UniCTokensState, folder: Path, epoch: int) -> list[Path]:
        """Write ``state``'s rows in the published format (``epoch_<epoch>_*.pt``)."""
        from methods.unictokens.checkpoint import save_epoch

        return save_epoch(Path(folder), epoch, state.weights)

    # -- training -------------------------------------------------------------------------------
    def _stage_settings(self, stage: int):
        from methods.unictokens.trainer import StageSettings

        p = self.p
        if stage == 1:
            return StageSettings(
                stage=1,
                epochs=p.epochs_stage1,
                lr=p.lr,
                weight_decay=p.stage1_weight_decay,
                eps=p.stage1_eps,
                mmu_batch=p.stage1_mmu_batch,
                save_every=p.save_every,
                max_steps_per_epoch=p.max_steps_per_epoch,
            )
        return StageSettings(
            stage=stage,
            epochs=p.epochs_stage2 if stage == 2 else p.epochs_stage3,
            lr=p.lr,
            weight_decay=p.stage23_weight_decay,
            eps=p.stage23_eps,
            mmu_batch=p.mmu_batch,
            t2i_batch=p.t2i_batch,
            save_every=p.save_every,
            max_steps_per_epoch=p.max_steps_per_epoch,
        )

    @staticmethod
    def _pick_epoch(snapshots: dict[int, Any], wanted: int, notes: list[str], what: str) -> int:
        if wanted in snapshots:
            return wanted
        earlier = [e for e in snapshots if e <= wanted]
        chosen = max(earlier) if earlier else max(snapshots)
        notes.append(f"{what}: epoch {wanted} not saved, used epoch {chosen}")
        return chosen

    def train(self, concept: Concept, workdir: Path) -> UniCTokensState:
        """The three published stages for ``concept``; checkpoints go to ``workdir/stage_<k>``."""
        import torch

        from methods.common.training_data import mmu_examples, t2i_examples
        from methods.unictokens.init import (
            class_noun_embedding,
            face_rows,
            kmeans_image_code_embeddings,
            mean_face_embedding,
        )
        from methods.unictokens.trainer import ConceptTrainer, load_rows
        from methods.unictokens.transition import difference_images
        from unifybench.data.records import load_image

        bb = self.backbone
        c = self.counts
        tok = concept.token
        rows = self.rows_for(self._base)
        dev = bb.device
        for t in rows.parameters():
            t.data = t.data.to(dev)
        trainer = ConceptTrainer(bb, rows, self._slot_text(tok), self.p.seed)
        notes: list[str] = []
        losses: dict[str, Any] = {}
        mmu = mmu_examples(concept)
        n1 = c.rows_after(1)

        # Stage 1: <c> from the class noun, shared tokens from k-means over image codes.
        with torch.no_grad():
            rows.embed[0] = class_noun_embedding(bb, concept.class_noun).to(dev)
            train_imgs = [load_image(p) for p in concept.train_images]
            rows.embed[1:n1] = kmeans_image_code_embeddings(bb, train_imgs, c.shared).to(dev)
        rows.active = n1
        sys1 = training_system_prompt(tok, c, 1)
        losses["stage1_eval_before"] = trainer.eval_mmu_loss(mmu, sys1)
        trainable = torch.zeros(c.total, dtype=torch.bool)
        trainable[:n1] = True
        r1 = trainer.train_stage(
            self._stage_settings(1),
            trainable=trainable,
            mmu=mmu,
            system=sys1,
            t2i=None,
            out_dir=workdir / "stage_1",
            save_rows=n1,
        )
        losses["stage1_eval_after"] = trainer.eval_mmu_loss(mmu, sys1)
        losses["stage1_epochs"] = r1.epoch_losses
        stage, final = 1, r1.snapshots[max(r1.snapshots)]
        final_at = {"folder": "stage_1", "epoch": max(r1.snapshots)}
        face_backend = None

        if self.p.stages >= 2:
            n2 = c.rows_after(2)
            e = self._pick_epoch(r1.snapshots, self.p.stage2_from_epoch, notes, "stage 2 start")
            load_rows(rows, r1.snapshots[e])
            if concept.category == "human" and self.p.face_backend != "none" and c.generation:
                emb, face_backend = mean_face_embedding(
                    list(concept.train_images), self.p.face_backend, self.p.face_model_dir
                )
                if emb is None:
                    notes.append("face init: no face found in any training image; rows kept")
                    face_backend = None
                else:
                    hidden = rows.embed.shape[1]
                    with torch.no_grad():
                        rows.embed[n1:n2] = face_rows(emb, c.generation, hidden).to(dev)
            rows.active = n2
            caption = t2i_caption(tok, c)
            trainable = torch.zeros(c.total, dtype=torch.bool)
            trainable[:n2] = True
            r2 = trainer.train_stage(
                self._stage_settings(2),
                trainable=trainable,
                mmu=mmu,
                system=sys1,
                t2i=t2i_examples(concept, caption, use_cropped=True),
                out_dir=workdir / "stage_2",
                save_rows=n2,
            )
            losses["stage2_epochs"] = r2.epoch_losses
            stage, final = 2, r2.snapshots[max(r2.snapshots)]
            final_at = {"folder": "stage_2", "epoch": max(r2.snapshots)}

            if self.p.stages >= 3 and c.understanding:
                n3 = c.rows_after(3)
                e = self._pick_epoch(r2.snapshots, self.p.stage3_from_epoch, notes, "stage 3 start")
                load_rows(rows, r2.snapshots[e])
                steps = self.p.generation_steps or bb.config.generation_steps
                diffs = difference_images(
                    bb,
                    self._slot_text(tok)(transition_prompt(tok, c, concept.category == "human")),
                    rows,
                    count=self.p.transition_images,
                    steps=steps,
                    guidance_scale=(
                        bb.config.guidance_scale
                        if self.p.guidance_scale is None
                        else self.p.guidance_scale
                    ),
                    end_step=self.p.transition_end_step,
                    seed=self.p.seed,
                )
                with torch.no_grad():
                    rows.embed[n2:n3] = kmeans_image_code_embeddings(bb, diffs, c.understanding).to(
                        dev
                    )
                rows.active = n3
                trainable = torch.zeros(c.total, dtype=torch.bool)
                trainable[0] = True
                trainable[n2:n3] = True
                r3 = trainer.train_stage(
                    self._stage_settings(3),
                    trainable=trainable,
                    mmu=mmu,
                    system=training_system_prompt(tok, c, 3),
                    t2i=t2i_examples(concept, caption, use_cropped=False),
                    out_dir=workdir / "stage_3",
                    save_rows=n3,
                )
                losses["stage3_epochs"] = r3.epoch_losses
                stage, final = 3, r3.snapshots[max(r3.snapshots)]
                final_at = {"folder": "stage_3", "epoch": max(r3.snapshots)}

        state = UniCTokensState(
            concept_id=concept.id,
            concept_token=tok,
            weights=final,
            stage=stage,
            source="trained",
            losses=losses,
            notes=notes,
            face_init=face_backend,
        )
        workdir.mkdir(parents=True, exist_ok=True)
        record = {
            **state.summary(),
            "final_checkpoint": final_at,
            "training_params": self._training_key(),
        }
        (workdir / "unictokens_state.json").write_text(json.dumps(record, indent=2) + "\n")
        return state


__all__ = ["UniCTokens", "UniCTokensState"]
