"""Whether a model can take a segment's facts, judged from its meta file alone (no weights are loaded)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from hybridnlg import relations_in

from .formatting import META_FILE, ModelMeta

PROMPT_HINT = "options.gpt2.prompt or realizers.gpt2.prompt"
TRAIN_HINT = "train one on this domain (hybridnlg train) or point realizers.gpt2.model at one"
SHOWN_SLOTS = 12


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _unknown(facts: Iterable[str], meta: ModelMeta) -> list[str]:
    """Fact names the model never saw, each with the slot it probably meant ('customer rating' -> customerRating)."""
    known = set(meta.slot_order)
    near = {_key(slot): slot for slot in meta.slot_order}
    return [f"{name} (its slot is {near[_key(name)]})" if _key(name) in near else name
            for name in facts if name not in known]


def unseen_predicates(values: Iterable[object], meta: ModelMeta) -> list[str]:
    """The predicates of these relation lists the model was never trained on (none when its meta lists none)."""
    if not meta.predicates:
        return []
    known = set(meta.predicates)
    unseen = {str(p) for value in values for _, p, _ in relations_in(value) or [] if str(p) not in known}
    return sorted(unseen)


def misfit(facts: Iterable[str], meta: ModelMeta | None, fmt: str, prompt: str | None, model: str) -> str | None:
    """Why `model` cannot realize these facts in input format `fmt`, or None when it can.

    `prompt`: the prompt template is written for the config's facts, so it is judged by having one. `data` and
    `template-guided`: the model must have been trained on hybridnlg's linearisation (it has a meta file) and know
    every fact name among its slots (`slot_order`), unless its meta says `any_schema`. An unknown format is left to
    the realizer, which reports it.
    """
    if fmt == "prompt":
        if prompt:
            return None
        if meta is None:
            return (f"model {model!r} has no {META_FILE} (it was not trained with hybridnlg train), so it needs a "
                    f"prompt template ({PROMPT_HINT}), and none is configured")
        return f"format 'prompt' needs a prompt template ({PROMPT_HINT}), and none is configured"
    if fmt not in {"data", "template-guided"}:
        return None
    if meta is None:
        return (f"model {model!r} has no {META_FILE}, so it was not trained on the {fmt!r} input format; give it a "
                f"prompt template (format: prompt, {PROMPT_HINT}) or {TRAIN_HINT}")
    if meta.any_schema:
        return None
    unknown = _unknown(facts, meta)
    if not unknown:
        return None
    slots = meta.slot_order[:SHOWN_SLOTS]
    more = f", … ({len(meta.slot_order)} in all)" if len(meta.slot_order) > SHOWN_SLOTS else ""
    return (f"model {model!r} was trained on other facts: it does not know {', '.join(unknown)} (its slots: "
            f"{', '.join(slots) or 'none'}{more}); {TRAIN_HINT}")
