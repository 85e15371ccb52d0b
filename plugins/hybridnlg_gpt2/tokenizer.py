"""Tokenizers for training: a byte-level BPE trained on the corpus, or a pretrained one extended."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .formatting import ModelMeta, entity_placeholder, placeholder


def special_tokens(meta: ModelMeta) -> list[str]:
    return [meta.eos, *markers(meta)]


def markers(meta: ModelMeta) -> list[str]:
    """Input markers: never generated, skipped when decoding."""
    relation_markers = [meta.entity_marker, meta.triple_marker] if meta.max_entities else []
    return [meta.separator, meta.draft_marker, *relation_markers]


def placeholder_tokens(meta: ModelMeta) -> list[str]:
    entities = [entity_placeholder(number) for number in range(1, meta.max_entities + 1)]
    return [placeholder(slot) for slot in meta.verbatim] + entities


def train_bpe(texts: Iterable[str], meta: ModelMeta, vocab_size: int) -> Any:
    """A byte-level BPE (tokenizers) wrapped as a transformers fast tokenizer."""
    from tokenizers import AddedToken, ByteLevelBPETokenizer
    from transformers import PreTrainedTokenizerFast

    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(texts, vocab_size=vocab_size, min_frequency=2, special_tokens=special_tokens(meta),
                            show_progress=False)
    # Placeholders are ordinary added tokens, not special ones, so decoding with skip_special_tokens keeps them.
    bpe.add_tokens([AddedToken(token, single_word=False, normalized=False) for token in placeholder_tokens(meta)])
    tokenizer = PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
        tokenizer_object=bpe._tokenizer, eos_token=meta.eos, bos_token=meta.eos, unk_token=meta.eos, pad_token=meta.eos
    )
    tokenizer.add_special_tokens({"additional_special_tokens": markers(meta)})
    tokenizer.padding_side = "left"
    return tokenizer


def extend_pretrained(tokenizer: Any, meta: ModelMeta) -> Any:
    """Add the separator, draft marker and placeholders to a pretrained GPT-2 tokenizer."""
    from tokenizers import AddedToken

    tokenizer.add_special_tokens({"additional_special_tokens": markers(meta)})
    tokenizer.add_tokens([AddedToken(token, normalized=False) for token in placeholder_tokens(meta)])
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    meta.eos = tokenizer.eos_token
    tokenizer.padding_side = "left"
    return tokenizer
