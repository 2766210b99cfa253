"""Text tokenizers of the backbone: Phi-1.5's from the hub, or a tiny byte-level one built offline.

Both end up with Show-o's layout: the base vocabulary, then ``[PAD]`` and the nine task tokens
(``<|soi|> <|eoi|> <|sov|> <|eov|> <|t2i|> <|mmu|> <|t2v|> <|v2v|> <|lvg|>``), so that
``len(tokenizer) == llm_vocab_size + 10`` and image codes start right after.

The tiny tokenizer (used with :func:`methods.showo.config.tiny`) is a byte-level BPE without merges:
every UTF-8 byte is one token (the 256 byte symbols of GPT-2's byte-to-unicode map) plus
``<|endoftext|>`` as BOS/EOS, as in Phi-1.5. It is built in memory and never reads a file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from methods.showo.config import PAD_TOKEN, SPECIAL_TOKENS, ShowoConfig
from methods.showo.hub import hub_call

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

EOT = "<|endoftext|>"


def _byte_symbols() -> list[str]:
    """GPT-2's reversible map from the 256 byte values to printable unicode characters."""
    keep = list(range(ord("!"), ord("~") + 1))
    keep += list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    symbols = {b: chr(b) for b in keep}
    extra = 0
    for b in range(256):
        if b not in symbols:
            symbols[b] = chr(256 + extra)
            extra += 1
    return [symbols[b] for b in range(256)]


def build_byte_tokenizer() -> PreTrainedTokenizerBase:
    """The tiny offline tokenizer: 256 byte tokens + ``<|endoftext|>`` (257 entries)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {sym: i for i, sym in enumerate(_byte_symbols())}
    vocab[EOT] = len(vocab)
    core = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    core.decoder = decoders.ByteLevel()
    tok = PreTrainedTokenizerFast(
        tokenizer_object=core,
        bos_token=EOT,
        eos_token=EOT,
        unk_token=EOT,
        padding_side="left",
        model_max_length=4096,
    )
    return tok


def add_showo_tokens(tokenizer: PreTrainedTokenizerBase) -> PreTrainedTokenizerBase:
    """Append ``[PAD]`` and the nine task tokens in Show-o's order (in place; returns it)."""
    tokenizer.add_special_tokens({"pad_token": PAD_TOKEN})
    tokenizer.add_tokens(list(SPECIAL_TOKENS))
    return tokenizer


def load_text_tokenizer(config: ShowoConfig) -> PreTrainedTokenizerBase:
    """The text tokenizer of ``config`` with Show-o's special tokens added.

    Published configs download ``config.tokenizer_repo`` (``microsoft/phi-1_5``) through the hub;
    the tiny config builds :func:`build_byte_tokenizer` offline.
    """
    if config.tokenizer_repo is None:
        tok = build_byte_tokenizer()
    else:
        from transformers import AutoTokenizer

        repo = config.tokenizer_repo
        tok = hub_call(repo, lambda: AutoTokenizer.from_pretrained(repo, padding_side="left"))
    base = len(tok)
    if base != config.llm_vocab_size:
        from unifybench.errors import ConfigError

        raise ConfigError(
            f"tokenizer of {config.tokenizer_repo or 'tiny config'} has {base} entries, "
            f"config llm_vocab_size expects {config.llm_vocab_size}"
        )
    return add_showo_tokens(tok)
