"""The engine: builds plugins and components from a config and runs plan → route → realize → validate → decide → assemble."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable, Iterator, Mapping
from itertools import islice
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .components import Component, Realizer, Validator
from .config import EngineConfig, SegmentSpec, load_lexicons, parse_config, read_config
from .errors import ConfigError, HybridNLGError
from .expressions import Expressions
from .pipeline.realize import Pipeline
from .pipeline.plan import Plan
from .pipeline.planner import Planner
from .plugins import PluginSet, build_plugins
from .pipeline.report import Report
from .pipeline.router import AUTO, NEURAL, TEMPLATE, Route, unknown_realizer
from .types import Segment


def _component_errors(kind: str, name: str, exc: ValidationError) -> list[str]:
    return [
        f"{kind}.{name}.{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
        + (" (unknown setting: remove it or check its spelling)" if err["type"] == "extra_forbidden" else "")
        for err in exc.errors()
    ]


class Engine:
    """Renders records into documents. Build once, reuse; safe to share across threads after construction."""

    def __init__(
        self,
        config: EngineConfig,
        config_dir: Path | None = None,
        *,
        source: str = "<config>",
        plugins: list[object] | None = None,
        entrypoints: bool | None = None,
    ) -> None:
        self.config_dir = (config_dir or Path.cwd()).resolve()
        self.source = source
        self.config = config = load_lexicons(config, self.config_dir, source)
        self.expressions = Expressions()
        self.planner = Planner(config, self.expressions)
        self.plugins: PluginSet = build_plugins(
            [self.config_dir / p for p in config.plugins], extra=plugins, entrypoints=entrypoints
        )
        self._specs: dict[str, SegmentSpec] = {spec.id: spec for spec in config.segments}
        self._lock = threading.RLock()
        self.realizers: dict[str, Realizer] = self._build("realizers", "register_realizers", config.realizers)
        registered_validators = self._collect("register_validators")
        wanted = config.validators if config.validators is not None else {n: {} for n in registered_validators}
        self.validators: dict[str, Validator] = self._instantiate("validators", registered_validators, wanted)
        self._check_segment_realizers()
        self.pipeline = Pipeline(self)

    # construction -----------------------------------------------------------------------------------------------

    @classmethod
    def from_config(cls, source: str | Path | Mapping[str, Any], **kwargs: Any) -> Engine:
        """Build an engine from a YAML/JSON file path or an already-parsed mapping."""
        if isinstance(source, Mapping):
            base = kwargs.pop("config_dir", None)
            return cls(parse_config(dict(source), "<config>"), Path(base) if base else None, **kwargs)
        config, base = read_config(source)
        return cls(config, base, source=str(source), **kwargs)

    def _collect(self, hook: str) -> dict[str, type[Component]]:
        classes: dict[str, type[Component]] = {}

        def register(cls_: type[Component]) -> None:
            name = getattr(cls_, "name", "")
            if not name:
                raise HybridNLGError(f"{cls_!r} has no `name`; give the class a `name = '...'` attribute")
            if name in classes and classes[name] is not cls_:
                raise HybridNLGError(
                    f"two plugins register a {hook.removeprefix('register_')[:-1]} named '{name}': "
                    f"{classes[name].__module__} and {cls_.__module__}; rename one"
                )
            classes[name] = cls_

        getattr(self.plugins.pm.hook, hook)(register=register, engine=self)
        return classes

    def _instantiate(
        self, kind: str, classes: Mapping[str, type[Component]], settings: Mapping[str, Mapping[str, Any]]
    ) -> dict[str, Any]:
        problems: list[str] = []
        out: dict[str, Any] = {}
        for name, options in settings.items():
            if name not in classes:
                problems.append(f"{self.source}: {kind}.{name}: no {kind[:-1]} named '{name}'. "
                                f"Available: {', '.join(sorted(classes)) or '(none)'}")
                continue
            try:
                out[name] = classes[name](classes[name].Config(**(options or {})), self)
            except ValidationError as exc:
                problems += [f"{self.source}: {p}" for p in _component_errors(kind, name, exc)]
        if problems:
            raise ConfigError(problems)
        return out

    def _build(self, kind: str, hook: str, settings: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
        classes = self._collect(hook)
        # every registered one, with its settings; settings naming an unknown one are reported with the rest
        return self._instantiate(kind, classes, {**{n: {} for n in classes}, **settings})

    def _check_segment_realizers(self) -> None:
        problems = []
        for i, spec in enumerate(self.config.segments):
            for name in [spec.realizer, *(spec.fallback or [])]:
                if name != AUTO and name not in self.realizers:
                    problems.append(f"{self.source}: segments[{i}] (id={spec.id}).realizer: {unknown_realizer(name, list(self.realizers))}")
        if problems:
            raise ConfigError(problems)

    # components -----------------------------------------------------------------------------------------------

    def _loaded(self, component: Component) -> Component:
        if not component.loaded:
            with self._lock:
                component.ensure_loaded()
        return component

    def get_realizer(self, name: str) -> Realizer:
        if name not in self.realizers:
            raise unknown_realizer(name, list(self.realizers))
        return self._loaded(self.realizers[name])  # type: ignore[return-value]

    def get_validator(self, name: str) -> Validator:
        return self._loaded(self.validators[name])  # type: ignore[return-value]

    def used_realizers(self) -> set[str]:
        """Realizers the config can route to: named by segments, their fallbacks, `auto`, and `template`."""
        names = {"template"}
        for spec in self.config.segments:
            names.update([spec.realizer, *(spec.fallback or [])])
        if AUTO in names:
            names.update({NEURAL, TEMPLATE})
        return names & set(self.realizers)

    def fallback_for(self, segment: Segment) -> list[str] | None:
        spec_id = segment.parts[0].spec_id if segment.parts else segment.spec_id
        spec = self._specs.get(spec_id)
        return spec.fallback if spec else None

    # hooks (the only place besides the CLI that calls pm.hook) ------------------------------------------------------

    def prepare_jinja2_environment(self, env: Any) -> None:
        self.plugins.pm.hook.prepare_jinja2_environment(env=env, engine=self)

    def plan(self, record: dict[str, Any], index: int = 0) -> Plan:
        hook = self.plugins.pm.hook
        plan = hook.plan_content(record=record, index=index, config=self.config, engine=self)
        for impl in reversed(hook.refine_plan.get_hookimpls()):  # pluggy order: last registered first
            refined = impl.function(plan=plan, engine=self)
            plan = refined if refined is not None else plan
        return plan

    def route(self, segment: Segment, forced: str | None = None) -> Route:
        available = list(self.realizers)
        if forced is not None:
            if forced not in available:
                raise unknown_realizer(forced, available)
            return Route(realizers=[forced], fallback=[])
        route = self.plugins.pm.hook.select_realizer(segment=segment, available=available, engine=self)
        if route is None:
            raise HybridNLGError(f"no routing policy chose a realizer for segment '{segment.id}'")
        return route

    def assemble(self, plan: Plan, results: list[Any]) -> dict[str, str]:
        return self.plugins.pm.hook.assemble_document(plan=plan, results=results, engine=self)

    # rendering ---------------------------------------------------------------------------------------------------

    def render(self, record: dict[str, Any], *, format: str | None = None, realizer: str | None = None) -> Report:
        """Render one record; raises a HybridNLGError subclass on bad input."""
        outcome = self.pipeline.run([(0, record)], format=format, forced=realizer)[0]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    async def arender(self, record: dict[str, Any], **kwargs: Any) -> Report:
        return await asyncio.to_thread(self.render, record, **kwargs)

    def render_many(
        self,
        records: Iterable[Any],
        *,
        format: str | None = None,
        realizer: str | None = None,
        window: int = 64,
        errors: str = "raise",
    ) -> Iterator[Report | dict[str, Any]]:
        """Lazily render many records, batching each window of records through the realizers together.

        errors="raise" stops at the first bad record; errors="record" yields {"index", "error"} in its place.
        A pandas DataFrame is read row by row as dicts.
        """
        if hasattr(records, "to_dict") and hasattr(records, "columns"):
            records = records.to_dict(orient="records")  # type: ignore[union-attr]
        iterator = enumerate(records)
        while chunk := list(islice(iterator, window)):
            for (index, _), outcome in zip(chunk, self.pipeline.run(chunk, format=format, forced=realizer)):
                if isinstance(outcome, Exception):
                    if errors == "raise":
                        raise outcome
                    yield error_record(index, outcome)
                else:
                    yield outcome

    # checks ------------------------------------------------------------------------------------------------------

    def check(self) -> list[str]:
        """Every problem found at once: plugins, templates, models, lexicons."""
        problems = list(self.plugins.problems)
        used = [(n, r) for n, r in self.realizers.items() if n in self.used_realizers()]
        for name, component in [*used, *self.validators.items()]:
            try:
                problems += [f"{self.source}: {name}: {p}" for p in component.check()]
            except Exception as exc:  # noqa: BLE001 - a plugin's check must not hide the others
                problems.append(f"{name}: check failed: {type(exc).__name__}: {exc}")
        for i, spec in enumerate(self.config.segments):
            if spec.when and (problem := self.expressions.syntax_problem(spec.when)):
                problems.append(f"{self.source}: segments[{i}] (id={spec.id}).when: {problem}")
        known = self.config.fact_names()
        for slot in self.config.lexicon:
            if slot not in known:
                problems.append(
                    f"{self.source}: lexicon.{slot}: no segment has a fact named '{slot}'. "
                    f"Known facts: {', '.join(sorted(known))}"
                )
        return problems


def error_record(index: int, error: Exception) -> dict[str, Any]:
    if isinstance(error, HybridNLGError):
        return {"index": index, "error": error.to_dict()}
    return {"index": index, "error": {"type": "InternalError", "message": f"{type(error).__name__}: {error}"}}


__all__ = ["Engine", "error_record"]
