"""What every component and hook implementation gets: the validated config, its folder, and access to the others."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import EngineConfig
from .errors import UnknownRealizerError

if TYPE_CHECKING:
    from .components import Realizer


def _no_realizers(name: str) -> Realizer[Any]:
    raise UnknownRealizerError(f"No realizer named '{name}': this component runs outside an engine")


def _no_hooks(name: str, kwargs: dict[str, Any]) -> list[Any]:
    return []


@dataclass(frozen=True, eq=False)  # identity equality: a context can key caches
class Context:
    """Always present (never None): `Context.standalone()` serves components used without an engine."""

    config: EngineConfig
    config_dir: Path
    source: str = "<config>"
    _realizer: Callable[[str], Realizer[Any]] = field(default=_no_realizers, repr=False)
    _call_hook: Callable[[str, dict[str, Any]], list[Any]] = field(default=_no_hooks, repr=False)

    @classmethod
    def standalone(
        cls,
        config_dir: str | Path | None = None,
        *,
        seed: int = 0,
        locale: str = "en_US",
        realizers: Mapping[str, Realizer[Any]] | None = None,
    ) -> Context:
        """A context with no segments and no plugins, for components used without an engine (benchmarks,
        notebooks, unit tests); `realizers` are the other components `realizer(name)` can return."""
        config = EngineConfig.model_construct(segments=[], seed=seed, locale=locale)
        known = dict(realizers or {})

        def realizer(name: str) -> Realizer[Any]:
            if name not in known:
                return _no_realizers(name)
            return known[name]

        return cls(config, Path(config_dir or Path.cwd()).resolve(), "<standalone>", realizer)

    @property
    def seed(self) -> int:
        return self.config.seed

    @property
    def locale(self) -> str:
        return self.config.locale

    def resolve(self, path: str | Path) -> Path:
        """A path from the config, relative to the config's folder unless absolute."""
        return self.config_dir / Path(path).expanduser()

    def realizer(self, name: str) -> Realizer[Any]:
        """Another registered realizer of the same engine, loaded (e.g. the template draft for GPT-2)."""
        return self._realizer(name)

    def call_hook(self, name: str, **kwargs: Any) -> list[Any]:
        """Call a hook a plugin declared through `register_hookspecs`; every non-None result, in call order."""
        return self._call_hook(name, kwargs)
