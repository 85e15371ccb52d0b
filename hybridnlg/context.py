"""What every component and hook implementation gets: the validated config, its folder, and access to the others."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import EngineConfig
from .errors import ConfigError, UnknownRealizerError

if TYPE_CHECKING:
    from .components import Realizer


ENV_TRUSTED_CONFIG = "HYBRIDNLG_TRUSTED_CONFIG"  # set to 1: paths in configs may point anywhere (trusted=True)
TRUST_HINT = "keep the files beside the config, or build the engine with trusted=True (HYBRIDNLG_TRUSTED_CONFIG=1)"


def env_flag(name: str) -> bool:
    """An on/off environment variable: 1, true, yes or on (any case) is on."""
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


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
    trusted: bool = False  # paths in the config may point anywhere; otherwise `resolve` keeps them in config_dir

    @classmethod
    def standalone(
        cls,
        config_dir: str | Path | None = None,
        *,
        seed: int = 0,
        locale: str = "en_US",
        realizers: Mapping[str, Realizer[Any]] | None = None,
        trusted: bool | None = None,
    ) -> Context:
        """A context with no segments and no plugins, for components used without an engine (benchmarks,
        notebooks, unit tests); `realizers` are the other components `realizer(name)` can return. Paths stay inside
        `config_dir` (default: the working directory) unless `trusted` (default: HYBRIDNLG_TRUSTED_CONFIG)."""
        config = EngineConfig.model_construct(segments=[], seed=seed, locale=locale)
        known = dict(realizers or {})

        def realizer(name: str) -> Realizer[Any]:
            if name not in known:
                return _no_realizers(name)
            return known[name]

        folder = Path(config_dir or Path.cwd()).resolve()
        return cls(config, folder, "<standalone>", realizer, trusted=env_flag(ENV_TRUSTED_CONFIG) if trusted is None
                   else trusted)

    @property
    def seed(self) -> int:
        return self.config.seed

    @property
    def locale(self) -> str:
        return self.config.locale

    def resolve(self, path: str | Path, what: str = "path", *, within: str | Path | None = None) -> Path:
        """A file or folder named by the config, relative to the config's folder (or to `within`) unless absolute.

        The one confinement check of the trust model: unless the engine is trusted, the real path (every symbolic
        link followed) must lie inside the config's folder, or inside `within` (a folder that was resolved here
        itself, e.g. a template folder for the files found in it); otherwise a ConfigError names the field (`what`),
        the path, the folder and how to fix it. Returns the real path; a trusted context returns the path as named.
        Shipped resources (packaged files, installed pipelines, hub ids) are not paths of the config: don't pass them.
        """
        root = self.config_dir if within is None else Path(within)
        target = root / Path(path).expanduser()  # an absolute path stays as it is
        if self.trusted:
            return target
        place = "the config's folder" if within is None else "its folder"
        try:
            real, real_root = target.resolve(), root.resolve()
        except (OSError, RuntimeError) as exc:  # a loop of links, a path too long
            raise ConfigError([f"{what}: {path} cannot be resolved ({exc}); {TRUST_HINT}"]) from None
        if not real.is_relative_to(real_root):
            link = f" (it leads to {real})" if real != Path(os.path.normpath(target)) else ""
            raise ConfigError([f"{what}: {path}{link} is outside {place} {real_root}; {TRUST_HINT}"])
        return real

    def realizer(self, name: str) -> Realizer[Any]:
        """Another registered realizer of the same engine, loaded (e.g. the template draft for GPT-2)."""
        return self._realizer(name)

    def call_hook(self, name: str, **kwargs: Any) -> list[Any]:
        """Call a hook a plugin declared through `register_hookspecs`; every non-None result, in call order."""
        return self._call_hook(name, kwargs)
