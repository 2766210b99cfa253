"""The Show-o transformer: Phi-1.5 (transformers) with the extended vocabulary under ``showo.``.

Parameter names match the published ``showlab/show-o-512x512`` checkpoint:
``showo.model.embed_tokens``, ``showo.model.layers.N.self_attn.{q,k,v}_proj``,
``...self_attn.dense``, ``...self_attn.{q,k}_layernorm``, ``...mlp.fc1/fc2``,
``...input_layernorm``, ``showo.model.final_layernorm``, ``showo.lm_head.weight`` and
``showo.lm_head.bias``. Show-o's Phi always has the q/k LayerNorms (weight and bias, over the
head dimension, applied before the rotary embedding); transformers' Phi does the same with
``qk_layernorm=True``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from methods.showo.attention import to_additive
from methods.showo.config import ShowoConfig


def phi_config(config: ShowoConfig, vocab_size: int | None = None):
    """A transformers ``PhiConfig`` of the backbone's shape (vocabulary already extended)."""
    from transformers import PhiConfig

    p = config.phi
    cfg = PhiConfig(
        vocab_size=vocab_size or config.vocab_size,
        hidden_size=p.hidden_size,
        intermediate_size=p.intermediate_size,
        num_hidden_layers=p.num_hidden_layers,
        num_attention_heads=p.num_attention_heads,
        num_key_value_heads=p.num_attention_heads,
        partial_rotary_factor=p.partial_rotary_factor,
        rope_theta=p.rope_theta,
        layer_norm_eps=p.layer_norm_eps,
        max_position_embeddings=p.max_position_embeddings,
        hidden_act=p.hidden_act,
        qk_layernorm=True,  # Show-o's Phi forces it on, whatever the phi-1.5 config says
        resid_pdrop=0.0,
        embd_pdrop=0.0,
        attention_dropout=0.0,
        tie_word_embeddings=False,
    )
    cfg._attn_implementation = "sdpa"
    return cfg


@dataclass
class ConceptRows:
    """Trainable rows of new tokens that override the frozen embedding / LM-head rows.

    ``start`` is the id of the first new token; rows ``start .. start+k-1`` of the vocabulary.
    ``active`` rows exist for the model; columns of later rows get no probability (as if those
    tokens were not in the vocabulary yet).
    """

    start: int
    embed: torch.Tensor  # (k, hidden)
    head_weight: torch.Tensor  # (k, hidden)
    head_bias: torch.Tensor  # (k,)
    active: int | None = None

    def __post_init__(self) -> None:
        if self.active is None:
            self.active = int(self.embed.shape[0])

    @property
    def k(self) -> int:
        return int(self.embed.shape[0])

    def parameters(self) -> list[torch.Tensor]:
        return [self.embed, self.head_weight, self.head_bias]


class ShowoLM(nn.Module):
    """Phi-1.5 decoder + LM head over text, special, image-code and mask tokens."""

    def __init__(self, config: ShowoConfig) -> None:
        super().__init__()
        from transformers import PhiForCausalLM

        self.config = config
        self.showo = PhiForCausalLM(phi_config(config))

    # -- vocabulary ---------------------------------------------------------------------------
    @property
    def num_rows(self) -> int:
        return int(self.showo.model.embed_tokens.weight.shape[0])

    @property
    def mask_token_id(self) -> int:
        """The mask token is the last row."""
        return self.num_rows - 1

    def insert_rows(self, at: int, k: int) -> None:
        """Insert ``k`` rows at id ``at`` in the embedding and LM head; later ids shift up by k.

        The new rows start as copies of the rows that were at ``at .. at+k-1`` before the shift
        (what the UniCTokens scripts leave there before initialising them).
        """
        emb = self.showo.model.embed_tokens.weight.data
        head = self.showo.lm_head
        with torch.no_grad():
            new_emb = torch.cat([emb[:at], emb[at : at + k], emb[at:]])
            new_w = torch.cat(
                [head.weight.data[:at], head.weight.data[at : at + k], head.weight.data[at:]]
            )
            new_b = torch.cat(
                [head.bias.data[:at], head.bias.data[at : at + k], head.bias.data[at:]]
            )
        self.showo.model.embed_tokens = nn.Embedding.from_pretrained(new_emb, freeze=False)
        self.showo.model.embed_tokens.padding_idx = None
        lm_head = nn.Linear(
            new_w.shape[1], new_w.shape[0], bias=True, device=new_w.device, dtype=new_w.dtype
        )
        lm_head.weight = nn.Parameter(new_w)
        lm_head.bias = nn.Parameter(new_b)
        self.showo.lm_head = lm_head
        self.showo.config.vocab_size = int(new_emb.shape[0])

    # -- forward --------------------------------------------------------------------------------
    def embed(self, ids: torch.Tensor, rows: ConceptRows | None = None) -> torch.Tensor:
        """Input embeddings of ``ids``, with ``rows`` overriding the new-token rows if given."""
        table = self.showo.model.embed_tokens.weight
        out = F.embedding(ids, table)
        if rows is not None:
            sel = (ids >= rows.start) & (ids < rows.start + rows.k)
            local = (ids - rows.start).clamp(0, rows.k - 1)
            out = torch.where(sel[..., None], rows.embed[local].to(out.dtype), out)
        return out

    def head(self, hidden: torch.Tensor, rows: ConceptRows | None = None) -> torch.Tensor:
        """Logits over the whole vocabulary, with ``rows`` overriding the new-token columns."""
        logits = self.showo.lm_head(hidden)
        if rows is None:
            return logits
        new = F.linear(hidden, rows.head_weight.to(hidden.dtype), rows.head_bias.to(hidden.dtype))
        if rows.active < rows.k:
            new = new.clone()
            new[..., rows.active :] = torch.finfo(new.dtype).min
        s, e = rows.start, rows.start + rows.k
        return torch.cat([logits[..., :s], new, logits[..., e:]], dim=-1)

    def forward(
        self,
        ids: torch.Tensor,
        mask: torch.Tensor | None,
        rows: ConceptRows | None = None,
        past=None,
        use_cache: bool = False,
        position_ids: torch.Tensor | None = None,
    ):
        """Logits for ``ids`` under boolean attention ``mask`` (B, 1, L, L), plus the KV cache.

        ``position_ids`` (B, L) default to 0.. (after the cache); left-padded batches pass them.
        """
        emb = self.embed(ids, rows)
        additive = None if mask is None else to_additive(mask, emb.dtype)
        kwargs = {_cache_kwarg(self.showo.model): past} if past is not None else {}
        if position_ids is not None:
            kwargs["position_ids"] = position_ids
        out = self.showo.model(
            inputs_embeds=emb, attention_mask=additive, use_cache=use_cache, **kwargs
        )
        return self.head(out[0], rows), (out[1] if use_cache else None)

    # -- weights --------------------------------------------------------------------------------
    def load_published(self, folder: Path) -> None:
        """Load a Show-o checkpoint folder (safetensors or ``.bin``); every key must match."""
        load_strict(self, read_state_dict(folder), f"checkpoint in {folder}", "the Show-o module")


def load_strict(module: nn.Module, state: dict, source: str, target: str, assign: bool = False):
    """``module.load_state_dict(state, strict=True)`` with an error that names the keys.

    Nothing is dropped: the published checkpoints hold exactly the module's persistent tensors
    (their rotary tables are non-persistent buffers, as ours are).
    """
    own = module.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    shapes = [
        f"{k}: {tuple(state[k].shape)} != {tuple(own[k].shape)}"
        for k in sorted(set(own) & set(state))
        if tuple(state[k].shape) != tuple(own[k].shape)
    ]
    if missing or unexpected or shapes:
        from unifybench.errors import ConfigError

        raise ConfigError(
            f"{source} does not match {target}: missing {missing[:5]} ({len(missing)}), "
            f"unexpected {unexpected[:5]} ({len(unexpected)}), wrong shapes {shapes[:3]} "
            f"({len(shapes)})"
        )
    module.load_state_dict(state, strict=True, assign=assign)


def _cache_kwarg(module: nn.Module) -> str:
    """The KV-cache argument is ``past_key_values`` in transformers 4 and ``cache`` in 5."""
    import inspect

    params = inspect.signature(module.forward).parameters
    return "cache" if "cache" in params else "past_key_values"


def read_state_dict(folder: Path) -> dict[str, torch.Tensor]:
    """All tensors of a hub model folder (safetensors preferred, sharded or not)."""
    from unifybench.errors import ConfigError

    folder = Path(folder)
    files = sorted(folder.glob("*.safetensors"))
    if files:
        from safetensors.torch import load_file

        state: dict[str, torch.Tensor] = {}
        for f in files:
            state.update(load_file(str(f)))
        return state
    files = sorted(folder.glob("*.bin"))
    if files:
        state = {}
        for f in files:
            state.update(torch.load(f, map_location="cpu", weights_only=True))
        return state
    raise ConfigError(f"no *.safetensors or *.bin weights in {folder}")
