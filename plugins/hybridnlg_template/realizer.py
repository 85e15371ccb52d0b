"""The Jinja2 template realizer: sandboxed, strict, compiled once, user folders in front of shipped ones."""

from __future__ import annotations

import math
import os
import posixpath
import re
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    Template,
    TemplateNotFound,
    TemplateSyntaxError,
    UndefinedError,
)
from jinja2 import TemplateError as JinjaError
from jinja2.exceptions import SecurityError
from jinja2.loaders import split_template_path
from pydantic import Field

from hybridnlg import (
    Candidate,
    ComponentConfig,
    ConfigError,
    Context,
    Failure,
    Realizer,
    RealizeResult,
    Segment,
    TemplateError,
    join_clauses,
    tidy,
)

from .filters import FILTERS, GLOBALS, VARIATION_KEY, Variation, make_locale_filters
from .sandbox import LimitedSandbox

SHIPPED = Path(__file__).parent / "shipped"
FILE_SUFFIXES = (".j2", ".jinja", ".jinja2", ".txt", ".tmpl")
# One word with an extension and no Jinja syntax ("wind.jj2", "intro/summary.html"): a file name, never inline text.
_FILE_NAME = re.compile(r"^[\w\-/]+\.[A-Za-z]\w{0,5}$")


class ConfinedLoader(FileSystemLoader):
    """One template folder whose files must stay inside it, symbolic links followed: before a file is read, its
    path goes through the context's confinement check (`Context.resolve`, which lets anything through when the
    engine is trusted)."""

    def __init__(self, folder: Path, context: Context) -> None:
        super().__init__(str(folder))
        self.folder = folder
        self.context = context

    def get_source(self, environment: Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        # the file FileSystemLoader would read (split_template_path refuses `..`), checked before it is read
        filename = posixpath.join(str(self.folder), *split_template_path(template))
        if os.path.isfile(filename):
            try:
                self.context.resolve(filename, "templates", within=self.folder)
            except ConfigError as exc:
                raise TemplateError(str(exc)) from None
        return super().get_source(environment, template)


def _template_line(tb: TracebackType | None, filename: str | None) -> int | None:
    """Jinja2 rewrites tracebacks so the template's own frames carry its file name and line."""
    line = None
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename == (filename or "<template>") or (filename and code.co_filename.endswith(filename)):
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def printable(value: Any) -> Any:
    """What `{{ ... }}` may print: never a Python repr of a container, nor nan or inf."""
    if isinstance(value, (list, tuple, set, frozenset, dict)):
        kind = type(value).__name__
        raise ValueError(f"a {kind} was printed as it is ({str(value)[:60]}); use a loop, or the join_list filter "
                         "for a list of words")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"the number {value} was printed; check the data or guard it with `{{% if %}}`")
    return value


class TemplateConfig(ComponentConfig):
    trim_blocks: bool = True
    lstrip_blocks: bool = True
    max_output_chars: int = Field(20_000, gt=0, description="A segment rendering longer than this is an error.")
    timeout_s: float = Field(2.0, gt=0, description="Time limit for rendering one segment.")


class TemplateRealizer(Realizer[TemplateConfig]):
    """Renders each segment's Jinja2 template with the record, the item and the computed facts as variables."""

    name = "template"
    Config = TemplateConfig
    auto = True
    safe = True  # exact: ends fallback chains, and is published flagged when nothing passes
    priority = 90  # a fluent realizer that passes is preferred to it

    def __init__(self, config: TemplateConfig, context: Context | None = None) -> None:
        super().__init__(config, context)
        self._templates: dict[str, Template] = {}
        self._lock = threading.Lock()
        self._user_folders = self._configured_folders()
        self.env = self._environment()

    def _configured_folders(self) -> list[Path]:
        """The config's `templates` folders, each inside the config's folder unless the engine is trusted."""
        templates = self.context.config.templates
        names = [templates] if isinstance(templates, str) else list(templates or [])
        try:
            return [self.context.resolve(name, "templates").resolve() for name in names]
        except ConfigError as exc:
            raise ConfigError([f"{self.context.source}: {problem}" for problem in exc.problems]) from None

    def _folders(self) -> list[Path]:
        return [*self._user_folders, SHIPPED]

    def _environment(self) -> LimitedSandbox:
        # the user's folders check every file they serve; the shipped macros are part of the package
        loaders: list[BaseLoader] = [ConfinedLoader(folder, self.context) for folder in self._user_folders]
        env = LimitedSandbox(
            loader=ChoiceLoader([*loaders, FileSystemLoader(str(SHIPPED))]),
            undefined=StrictUndefined,
            autoescape=False,
            trim_blocks=self.config.trim_blocks,
            lstrip_blocks=self.config.lstrip_blocks,
            keep_trailing_newline=False,
            auto_reload=False,
            finalize=printable,
        )
        env.filters.update(FILTERS)
        env.filters.update(make_locale_filters(self.context.locale))
        env.globals.update(GLOBALS)
        self.context.call_hook("prepare_jinja2_environment", env=env, context=self.context)
        return env

    def template(self, source: str) -> Template:
        """A file name from the template folders, or inline Jinja2 text; compiled once."""
        compiled = self._templates.get(source)
        if compiled is not None:
            return compiled
        with self._lock:
            if source.endswith(FILE_SUFFIXES) or _FILE_NAME.match(source):
                try:
                    compiled = self.env.get_template(source)
                except TemplateNotFound:
                    searched = ", ".join(str(f) for f in self._folders())
                    hint = "" if source.endswith(FILE_SUFFIXES) else (
                        f" (it looks like a file name; template files end in {', '.join(FILE_SUFFIXES)}, and inline "
                        "templates need a space or a {{ }})")
                    raise TemplateError(f"template '{source}' not found; searched: {searched}{hint}") from None
            else:
                compiled = self.env.from_string(source)
            self._templates[source] = compiled
        return compiled

    def check(self) -> list[str]:
        problems = []
        for i, spec in enumerate(self.context.config.segments):
            if spec.template is None:
                continue
            try:
                self.template(spec.template)
            except TemplateSyntaxError as exc:
                where = f"{exc.filename or 'inline'} line {exc.lineno}"
                problems.append(f"segments[{i}] (id={spec.id}).template: {where}: {exc.message}")
            except (TemplateError, JinjaError) as exc:
                problems.append(f"segments[{i}] (id={spec.id}).template: {exc}")
        return problems

    def render_segment(self, segment: Segment, variation: Variation) -> str:
        if segment.parts:
            texts = [self.render_segment(part, variation) for part in segment.parts]
            refs = [segment.context.get("ref_full"), segment.context.get("ref")]
            forms = [*refs, *(p.context.get("ref") for p in segment.parts)]
            return join_clauses(texts, [str(f) for f in forms if f])
        if not segment.template:
            raise TemplateError("the segment has no `template`; add one or choose another realizer",
                                record=segment.record_index, segment=segment.id)
        try:
            template = self.template(segment.template)
        except TemplateSyntaxError as exc:
            raise TemplateError(exc.message or str(exc), segment=segment.id, template=exc.filename or segment.template,
                                line=exc.lineno) from None
        variables = {**segment.context, "facts": segment.fact_values(), VARIATION_KEY: variation}
        try:
            text = self.env.render_limited(template, variables, self.config.timeout_s, self.config.max_output_chars)
        except UndefinedError as exc:
            field = str(exc).split("'")[1] if "'" in str(exc) else None
            raise TemplateError(
                f"{exc.message}: add the field to the record or guard it with `{{% if ... is defined %}}`",
                record=segment.record_index, field=field, segment=segment.id,
                template=template.name or segment.template, line=_template_line(exc.__traceback__, template.filename),
            ) from None
        except TemplateNotFound as exc:
            searched = ", ".join(str(f) for f in self._folders())
            raise TemplateError(f"template '{exc.name}' not found; searched: {searched}", record=segment.record_index,
                                segment=segment.id, template=template.name or segment.template) from None
        except TemplateError as exc:  # an included file outside its folder (ConfinedLoader)
            raise TemplateError(str(exc), record=segment.record_index, segment=segment.id,
                                template=template.name or segment.template) from None
        except SecurityError as exc:
            raise TemplateError(f"blocked by the sandbox: {exc}", record=segment.record_index, segment=segment.id,
                                template=template.name or segment.template) from None
        except Exception as exc:  # noqa: BLE001 - anything else (recursion, overflow, a filter's bug) is this segment's
            raise TemplateError(
                f"{type(exc).__name__}: {exc}", record=segment.record_index, segment=segment.id,
                template=template.name or segment.template, line=_template_line(exc.__traceback__, template.filename),
            ) from None
        return tidy(text)

    def realize(self, segments: Sequence[Segment]) -> list[RealizeResult]:
        seed = self.context.seed
        variations: dict[int, Variation] = {}
        out: list[RealizeResult] = []
        for segment in segments:
            variation = variations.setdefault(segment.record_index, Variation(seed, segment.record_index))
            try:
                text = self.render_segment(segment, variation)
            except TemplateError as exc:
                out.append(Failure(str(exc), exc))
                continue
            out.append([Candidate(self.name, text)] if text else Failure("the template rendered an empty text"))
        return out
