"""The spaCy validator plugin: checks candidate texts for missing, added and wrong facts and for fluency."""

from .lexicon import lexicon_problems, load_lexicon_file
from .validator import SpacyValidator, SpacyValidatorConfig

__all__ = ["SpacyValidator", "SpacyValidatorConfig", "lexicon_problems", "load_lexicon_file"]
