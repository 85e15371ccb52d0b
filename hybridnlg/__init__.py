"""hybridnlg: plugin-based hybrid data-to-text generation (templates + GPT-2 + a fact-checking validator)."""

from .components import ComponentConfig, Realizer, Validator
from .errors import (
    ConfigError,
    DataError,
    HybridNLGError,
    PluginError,
    RealizationError,
    TemplateError,
    UnknownRealizerError,
)
from .hookspecs import hookimpl
from .types import Candidate, Failure, Fact, Issue, Segment, ValidationReport

__version__ = "0.1.0"

__all__ = [
    "Candidate",
    "ComponentConfig",
    "ConfigError",
    "DataError",
    "Engine",
    "Failure",
    "Fact",
    "HybridNLGError",
    "Issue",
    "PluginError",
    "RealizationError",
    "Realizer",
    "Segment",
    "TemplateError",
    "UnknownRealizerError",
    "ValidationReport",
    "Validator",
    "hookimpl",
]


def __getattr__(name: str) -> object:
    # Engine pulls in the config and plugin machinery; plugins importing `hookimpl` should not pay for it.
    if name == "Engine":
        from .engine import Engine

        return Engine
    raise AttributeError(name)
