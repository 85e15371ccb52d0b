"""hybridnlg: plugin-based hybrid data-to-text generation (templates + GPT-2 + a fact-checking validator).

Everything a plugin, a hook implementation or an embedding program needs is importable from here; the
submodules are internal. docs/plugins.md lists this API.
"""

from typing import TYPE_CHECKING, Any

from .components import Component, ComponentConfig, Realizer, Validator
from .config import OUTPUT_FORMATS, EngineConfig, SegmentSpec
from .context import Context
from .deps import MissingDependencyError, require
from .english import inflect_engine
from .errors import (
    ConfigError,
    DataError,
    HybridNLGError,
    PluginError,
    RealizationError,
    TemplateError,
    UnknownRealizerError,
)
from .hookspecs import hookimpl, hookspec
from .licence import data_licence
from .pipeline.plan import Plan
from .pipeline.report import CandidateTrace, Report, SegmentResult
from .pipeline.router import Route
from .surface import (
    as_triple,
    by_subject,
    predicate_words,
    relation_triples,
    relations_in,
    surface_form,
    triple_problem,
    without_disambiguator,
)
from .text import capitalize_first, join_clauses, sentence, tidy
from .types import Candidate, Fact, Failure, Issue, RealizeResult, Segment, ValidationReport
from .yamlfile import read_yaml

if TYPE_CHECKING:
    from .engine import Engine
    from .limits import LimitedEnvironment, LimitError
    from .verify import FactVerdict, NoValidatorError, VerifyIssue, VerifyReport

__version__ = "0.1.0"

__all__ = [
    "OUTPUT_FORMATS",
    "Candidate",
    "CandidateTrace",
    "Component",
    "ComponentConfig",
    "ConfigError",
    "Context",
    "DataError",
    "Engine",
    "EngineConfig",
    "Failure",
    "Fact",
    "FactVerdict",
    "HybridNLGError",
    "Issue",
    "LimitError",
    "LimitedEnvironment",
    "MissingDependencyError",
    "NoValidatorError",
    "Plan",
    "PluginError",
    "RealizationError",
    "RealizeResult",
    "Realizer",
    "Report",
    "Route",
    "SegmentResult",
    "Segment",
    "SegmentSpec",
    "TemplateError",
    "UnknownRealizerError",
    "ValidationReport",
    "Validator",
    "VerifyIssue",
    "VerifyReport",
    "capitalize_first",
    "data_licence",
    "hookimpl",
    "hookspec",
    "inflect_engine",
    "join_clauses",
    "predicate_words",
    "read_yaml",
    "require",
    "sentence",
    "surface_form",
    "without_disambiguator",
    "as_triple",
    "by_subject",
    "relation_triples",
    "relations_in",
    "triple_problem",
    "tidy",
]


def __getattr__(name: str) -> Any:
    # Engine pulls in the plugin machinery; plugins importing `hookimpl` should not pay for it.
    if name == "Engine":
        from .engine import Engine

        return Engine
    if name in ("LimitedEnvironment", "LimitError"):  # Jinja2's compiler and sandbox: only for those who render
        from . import limits

        return getattr(limits, name)
    if name in ("FactVerdict", "NoValidatorError", "VerifyIssue", "VerifyReport"):  # for those who verify
        from . import verify

        return getattr(verify, name)
    raise AttributeError(name)
