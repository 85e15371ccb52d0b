"""The engine: builds plugins and components from a config and runs plan → route → realize → validate → assemble."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import islice
from pathlib import Path
from typing import Any, Literal, TypeVar, overload

from pydantic import ValidationError

from .components import Component, Realizer, Validator
from .config import DecisionSpec, EngineConfig, parse_config, read_config
from .context import ENV_TRUSTED_CONFIG, Context, env_flag
from .errors import ConfigError, HybridNLGError
from .expressions import Expressions
from .pipeline.plan import Plan
from .pipeline.realize import Pipeline
from .pipeline.report import Report, SegmentResult, error_record
from .pipeline.router import AUTO, Route, leave_out_unfit, resolve_routing, unfit_notices, unknown_realizer
from .plugins import ENV_ALLOW_PLUGIN_FILES, PluginSet, build_plugins
from .redact import Redactor
from .types import Segment
from .verify import VerifyReport, verify_one

C = TypeVar("C", bound=Component[Any])


def _component_errors(kind: str, name: str, exc: ValidationError) -> list[str]:
    return [
        f"{kind}.{name}.{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
        + (" (unknown setting: remove it or check its spelling)" if err["type"] == "extra_forbidden" else "")
        for err in exc.errors()
    ]


class Engine:
    """Renders records into documents. Build once, reuse; safe to share across threads after construction.

    Trust: plugin files named by the config (`plugins: [x.py]`) are imported only with `allow_plugin_files=True`
    (default: the HYBRIDNLG_ALLOW_PLUGIN_FILES environment variable); otherwise each is reported by `check()` and
    left out. Paths in the config (templates, lexicon files, prompts, local models) must stay inside the config's
    folder, symbolic links followed, unless `trusted=True` (default: HYBRIDNLG_TRUSTED_CONFIG).
    """

    def __init__(
        self,
        config: EngineConfig,
        config_dir: Path | None = None,
        *,
        source: str = "<config>",
        plugins: list[object] | None = None,
        entrypoints: bool | None = None,
        allow_plugin_files: bool | None = None,
        trusted: bool | None = None,
    ) -> None:
        self.config_dir = (config_dir or Path.cwd()).resolve()
        self.source = source
        self.allow_plugin_files = env_flag(ENV_ALLOW_PLUGIN_FILES) if allow_plugin_files is None else allow_plugin_files
        self.trusted = env_flag(ENV_TRUSTED_CONFIG) if trusted is None else trusted
        self.expressions = Expressions()
        self.plugins: PluginSet = build_plugins(
            [self.config_dir / p for p in config.plugins], extra=plugins, entrypoints=entrypoints,
            allow_files=self.allow_plugin_files,
        )
        self.hooks = self.plugins.hooks
        self.problems: list[str] = list(self.plugins.problems)  # plugin failures found while building
        self._skipped: dict[str, str] = {}  # settings of unavailable plugins -> how to install them
        realizer_classes = self._collect("register_realizers")
        validator_classes = self._collect("register_validators")
        self.config = resolve_routing(config, realizer_classes)
        self.context = Context(self.config, self.config_dir, source, self.get_realizer, self._call_plugin_hook,
                               trusted=self.trusted)
        wanted = self.config.validators if self.config.validators is not None else {
            n: {} for n, cls in validator_classes.items() if getattr(cls, "default", True)}
        problems: list[str] = []
        self.realizers: dict[str, Realizer[Any]] = self._instantiate(
            "realizers", realizer_classes, {**{n: {} for n in realizer_classes}, **self.config.realizers}, problems
        )
        self.validators: dict[str, Validator[Any]] = self._instantiate(
            "validators", validator_classes, wanted, problems
        )
        problems += self._segment_realizer_problems()
        if problems:
            raise ConfigError(problems)
        self.pipeline = Pipeline(self)

    # construction -----------------------------------------------------------------------------------------------

    @classmethod
    def from_config(
        cls, source: str | Path | Mapping[str, Any], *, seed: int | None = None, validate: str | None = None,
        allow_plugin_files: bool | None = None, trusted: bool | None = None, **kwargs: Any,
    ) -> Engine:
        """Build an engine from a YAML/JSON file path or an already-parsed mapping; `seed` and `validate`
        (`lazy` or `all`) override the config's `seed` and `decision.validate`. `allow_plugin_files` and `trusted`
        are the engine's trust options (see `Engine`); other keywords go to `Engine` too, and `config_dir` is the
        folder of a mapping (default: the working directory; its paths stay inside it unless trusted)."""
        kwargs.update(allow_plugin_files=allow_plugin_files, trusted=trusted)
        if isinstance(source, Mapping):
            base = kwargs.pop("config_dir", None)
            config, folder = parse_config(dict(source), "<config>"), Path(base) if base else None
            kwargs["source"] = "<config>"
        else:
            config, folder = read_config(source)
            kwargs["source"] = str(source)
        if seed is not None:
            config = config.model_copy(update={"seed": seed})
        if validate is not None:
            try:
                settings = {**config.decision.model_dump(by_alias=True), "validate": validate}
                decision = DecisionSpec.model_validate(settings)
            except ValidationError as exc:
                raise ConfigError([f"validate: {e['msg']}" for e in exc.errors()]) from None
            config = config.model_copy(update={"decision": decision})
        return cls(config, folder, **kwargs)

    def _collect(self, hook: str) -> dict[str, type[Any]]:
        classes: dict[str, type[Any]] = {}
        kind = hook.removeprefix("register_")[:-1]

        def register(cls_: type[Any]) -> None:
            name = getattr(cls_, "name", "")
            if not name:
                raise HybridNLGError(f"{cls_!r} has no `name`; give the class a `name = '...'` attribute")
            if name in classes and classes[name] is not cls_:
                raise HybridNLGError(
                    f"two plugins register a {kind} named '{name}': "
                    f"{classes[name].__module__} and {cls_.__module__}; rename one"
                )
            classes[name] = cls_

        self.hooks.all(hook, self.problems, register=register)
        return classes

    def _instantiate(
        self, kind: str, classes: Mapping[str, type[C]], settings: Mapping[str, Mapping[str, Any] | None],
        problems: list[str],
    ) -> dict[str, C]:
        out: dict[str, C] = {}
        for name, options in settings.items():
            if name not in classes and name in self.plugins.unavailable:
                self._skipped[f"{kind}.{name}"] = self.plugins.unavailable[name]
                continue
            if name not in classes:
                problems.append(f"{self.source}: {kind}.{name}: no {kind[:-1]} named '{name}'. "
                                f"Available: {', '.join(sorted(classes)) or '(none)'}")
                continue
            try:
                out[name] = classes[name](classes[name].Config(**(options or {})), self.context)
            except ValidationError as exc:
                problems += [f"{self.source}: {p}" for p in _component_errors(kind, name, exc)]
        return out

    def _segment_realizer_problems(self) -> list[str]:
        problems = []
        for i, spec in enumerate(self.config.segments):
            for name in [spec.realizer or self.config.routing.default or AUTO, *(spec.fallback or [])]:
                if name != AUTO and name not in self.realizers:
                    error = unknown_realizer(name, list(self.realizers), self.plugins.unavailable)
                    problems.append(f"{self.source}: segments[{i}] (id={spec.id}).realizer: {error}")
        routing, prefer = self.config.routing, self.config.decision.prefer
        for where, names in (("routing.auto", routing.auto), ("routing.fallback", routing.fallback),
                             ("routing.default", [routing.default] if routing.default else []),
                             ("decision.prefer", prefer)):
            for name in names or []:
                if name not in self.realizers and name not in self.plugins.unavailable:
                    problems.append(f"{self.source}: {where}: {unknown_realizer(name, list(self.realizers))}")
        return problems

    # components -----------------------------------------------------------------------------------------------

    def get_realizer(self, name: str) -> Realizer[Any]:
        if name not in self.realizers:
            raise unknown_realizer(name, list(self.realizers), self.plugins.unavailable)
        realizer = self.realizers[name]
        realizer.ensure_loaded()
        return realizer

    def get_validator(self, name: str) -> Validator[Any]:
        validator = self.validators[name]
        validator.ensure_loaded()
        return validator

    def used_realizers(self) -> set[str]:
        """Realizers the config can route to: named by segments, their fallbacks, `auto`, and the default chain."""
        names = {*(self.config.routing.fallback or []), self.config.routing.default or AUTO}
        for spec in self.config.segments:
            names.update([spec.realizer or self.config.routing.default or AUTO, *(spec.fallback or [])])
        if AUTO in names:
            names.update(self.config.routing.auto or [])
        return names & set(self.realizers)

    def safe_realizers(self) -> list[str]:
        """The exact realizers, by priority: where `on_failure: flag` takes the text it publishes."""
        safe = [name for name in self.realizers if self.is_safe(name)]
        return sorted(safe, key=lambda name: (type(self.realizers[name]).priority, name))

    def is_safe(self, realizer: str) -> bool:
        """An exact realizer: published flagged when nothing passes, accepted without validators."""
        return realizer in self.realizers and type(self.realizers[realizer]).safe

    # hooks (through hybridnlg.hooks, the only caller) ------------------------------------------------------------

    def _call_plugin_hook(self, name: str, kwargs: dict[str, Any]) -> list[Any]:
        if not self.hooks.has(name):
            return []
        return self.hooks.all(name, self.problems, **kwargs)

    def plan(self, record: dict[str, Any], index: int = 0) -> Plan:
        notes: list[str] = []
        plan: Plan | None = self.hooks.first("plan_content", notes, record=record, index=index, context=self.context)
        if plan is None:
            why = "; ".join(notes) or "none returned one"
            raise HybridNLGError(f"record {index}: no planner produced a plan ({why})")
        refined: Plan = self.hooks.thread("refine_plan", "plan", plan, notes, context=self.context)
        refined.notes.extend(notes)
        return refined

    def route(self, segment: Segment, forced: str | None = None) -> Route:
        """The routing policy's route; for a `realizer: auto` segment, without the realizers that say they cannot
        take it (`Realizer.accepts`; the route's `skipped` says why), whichever policy chose them."""
        available = list(self.realizers)
        if forced is not None:
            if forced not in available:
                raise unknown_realizer(forced, available, self.plugins.unavailable)
            return Route(realizers=[forced], fallback=[])
        route: Route | None = self.hooks.first("select_realizer", segment.notes, segment=segment, available=available,
                                               context=self.context)
        if route is None:
            raise HybridNLGError(f"no routing policy chose a realizer for segment '{segment.id}'")
        return leave_out_unfit(route, segment, self.accepts)

    def accepts(self, realizer: str, segment: Segment) -> str | None:
        """Why the realizer cannot take the segment (`Realizer.accepts`, asked without loading it), or None."""
        component = self.realizers.get(realizer)
        if component is None:
            return None
        try:
            return component.accepts(segment)
        except Exception as exc:  # noqa: BLE001 - a broken plugin is left out of `auto`, never stops the render
            return f"accepts() raised {type(exc).__name__}: {exc}"

    def assemble(self, plan: Plan, results: list[SegmentResult]) -> dict[str, str]:
        outputs: dict[str, str] | None = self.hooks.first(
            "assemble_document", plan.notes, plan=plan, results=results, context=self.context
        )
        if outputs is None:
            why = "; ".join(plan.notes)
            raise HybridNLGError(f"record {plan.record_index}: no assembler produced a document ({why})")
        return outputs

    # rendering ---------------------------------------------------------------------------------------------------

    def run_window(
        self, records: list[tuple[int, Any]], *, format: str | None = None, realizer: str | None = None,
        strict: bool | None = None, redact: Sequence[str] = (),
    ) -> list[Report | HybridNLGError]:
        """Render a window of (index, record) pairs together: every realizer and validator is called once.

        Returns a Report or the error of that record, in input order; one bad record never affects another.
        `strict` (default: the config's) makes a segment published flagged, dropped or left out for lack of data
        the record's error. The values of the config's `redact` fields and of `redact` are masked in each report's
        trace and notes (hybridnlg/redact.py)."""
        outcomes = self.pipeline.run(records, format=format, forced=realizer, strict=strict)
        fields = [*self.config.redact, *redact]
        if fields:
            for (_, record), outcome in zip(records, outcomes, strict=True):
                if isinstance(outcome, Report):
                    outcome.redactor = Redactor.for_record(record, fields)
        return outcomes

    def render(self, record: dict[str, Any], *, format: str | None = None, realizer: str | None = None,
               strict: bool | None = None) -> Report:
        """Render one record; raises a HybridNLGError subclass on bad input."""
        outcome = self.run_window([(0, record)], format=format, realizer=realizer, strict=strict)[0]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    async def arender(self, record: dict[str, Any], **kwargs: Any) -> Report:
        return await asyncio.to_thread(self.render, record, **kwargs)

    @overload
    def render_many(
        self,
        records: Iterable[Any],
        *,
        format: str | None = ...,
        realizer: str | None = ...,
        window: int = ...,
        errors: Literal["raise"] = ...,
        strict: bool | None = ...,
    ) -> Iterator[Report]: ...

    @overload
    def render_many(
        self,
        records: Iterable[Any],
        *,
        format: str | None = ...,
        realizer: str | None = ...,
        window: int = ...,
        errors: str,
        strict: bool | None = ...,
    ) -> Iterator[Report | dict[str, Any]]: ...

    def render_many(
        self,
        records: Iterable[Any],
        *,
        format: str | None = None,
        realizer: str | None = None,
        window: int = 64,
        errors: str = "raise",
        strict: bool | None = None,
    ) -> Iterator[Report | dict[str, Any]]:
        """Lazily render many records, batching each window of records through the realizers together.

        errors="raise" stops at the first bad record; errors="record" yields {"index", "error"} in its place.
        A pandas DataFrame is read row by row as dicts.
        """
        if hasattr(records, "to_dict") and hasattr(records, "columns"):
            records = records.to_dict(orient="records")
        iterator = enumerate(records)
        while chunk := list(islice(iterator, window)):
            outcomes = self.run_window(chunk, format=format, realizer=realizer, strict=strict)  # one per record
            for (index, _), outcome in zip(chunk, outcomes, strict=True):
                if isinstance(outcome, Exception):
                    if errors == "raise":
                        raise outcome
                    yield error_record(index, outcome)
                else:
                    yield outcome

    def verify(self, record: dict[str, Any], text: str) -> VerifyReport:
        """Check a text someone else wrote against the record: planned as for rendering, then every validator checks
        `text` against all the facts of the plan at once. Raises a HybridNLGError on bad input, and
        NoValidatorError when no validator can run."""
        return verify_one(self, record, text)

    # checks ------------------------------------------------------------------------------------------------------

    def check(self) -> list[str]:
        """Every problem found at once: plugins, templates, models, validators."""
        problems = list(self.problems)
        used = [(n, r) for n, r in self.realizers.items() if n in self.used_realizers()]
        for name, component in [*used, *self.validators.items()]:
            try:
                problems += [f"{self.source}: {name}: {p}" for p in component.check()]
            except Exception as exc:  # noqa: BLE001 - a plugin's check must not hide the others
                problems.append(f"{name}: check failed: {type(exc).__name__}: {exc}")
        for i, spec in enumerate(self.config.segments):
            if spec.when and (problem := self.expressions.syntax_problem(spec.when)):
                problems.append(f"{self.source}: segments[{i}] (id={spec.id}).when: {problem}")
        if self.unvalidated_rejected() and (unchecked := self._unchecked_realizers()):
            problems.append(f"{self.source}: validators: none is available, so no text of {', '.join(unchecked)} "
                            "can be published; install one (pip install 'hybridnlg[spacy]') or configure one")
        return problems

    def _unchecked_realizers(self) -> list[str]:
        return sorted(n for n in self.used_realizers() if not self.is_safe(n)) if not self.validators else []

    def unvalidated_rejected(self) -> bool:
        """No validator runs (none installed, or the configured ones are unavailable): texts of realizers that are
        not `safe` are rejected rather than published unchecked. `validators: {}` opts out of validation."""
        return not self.validators and self.config.validators != {}

    def notices(self) -> list[str]:
        """What the engine cannot do with this config on this installation, without being an error."""
        notices = []
        if not self.unvalidated_rejected() and (unchecked := self._unchecked_realizers()):
            notices.append(
                f"validators: {{}} turns validation off: texts of {', '.join(unchecked)} are published unchecked"
            )
        notices += unfit_notices(self.config, self.realizers, self.accepts, self.source)
        for where, why in sorted(self._skipped.items()):
            notices.append(f"{self.source}: {where}: ignored, the plugin is unavailable: {why}")
        if any(spec.realizer == AUTO for spec in self.config.segments):
            missing = {name: why for name, why in self.plugins.unavailable.items()
                       if name not in self.realizers and name not in self.validators}
            for name, why in sorted(missing.items()):
                notices.append(f"plugin '{name}' is unavailable, `auto` runs without it: {why}")
        return notices


__all__ = ["Engine"]
