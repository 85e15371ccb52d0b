"""The configuration: pydantic models (extra keys forbidden) and loading from YAML/JSON with located errors."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails

from .errors import ConfigError
from .yamlfile import read_yaml

OutputFormat = Literal["text", "markdown", "html", "json"]
OUTPUT_FORMATS: tuple[str, ...] = get_args(OutputFormat)
OnFailure = Literal["flag", "drop", "raise"]
ValidateMode = Literal["lazy", "all"]
ComputeOp = Literal["difference", "percent_change", "trend", "ratio", "sum"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ComputedFact(Strict):
    """A fact computed from two data paths, e.g. `{op: percent_change, of: [revenue, revenue_prev]}`."""

    op: ComputeOp
    of: list[str] = Field(min_length=1, description="Data paths of the operands (new value first).")
    digits: int = Field(1, ge=0, le=10, description="Rounding of the result.")
    threshold: float = Field(
        0.0, ge=0, description="For `trend`: relative change (in percent) below which the trend is 'flat'."
    )


class SegmentSpec(Strict):
    """One content segment of the document."""

    id: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_\-]*$")
    template: str | None = Field(None, description="Jinja2 template file (in the template folders) or inline text.")
    facts: list[str] | dict[str, str] = Field(
        default_factory=list,
        description="Facts to express: data paths (`region.revenue`) or {name: path}. Computed fact names are allowed.",
    )
    when: str | None = Field(None, description="Jinja2 expression over the record; the segment is planned when true.")
    realizer: str | None = Field(
        None, description="Any registered realizer name, or `auto` (see `routing.auto`); default: `routing.default`."
    )
    fallback: list[str] | None = Field(
        None, description="Realizers to try, in order, when no candidate passes (default: `routing.fallback`)."
    )
    foreach: str | None = Field(None, description="Data path of a list: one segment per item.")
    as_: str = Field("item", alias="as", description="Variable name of the current item in `foreach`.")
    compute: dict[str, ComputedFact] = Field(default_factory=dict)
    section: str | None = None
    paragraph: int = Field(
        0, ge=0, description="Segments with the same paragraph number in a section share a paragraph."
    )
    subject: str | None = Field(None, description="Entity (key of `entities`) the segment is about.")
    aggregate: bool = Field(False, description="Merge with adjacent aggregatable segments about the same subject.")
    verbatim: list[str] = Field(default_factory=list, description="Facts neural realizers must copy verbatim.")
    options: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Per-realizer options for this segment, e.g. {gpt2: {format: data}}."
    )

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    def fact_paths(self) -> dict[str, str]:
        if isinstance(self.facts, dict):
            return dict(self.facts)
        return {path.rsplit(".", 1)[-1].split("[", 1)[0]: path for path in self.facts}


class EntitySpec(Strict):
    """How to refer to an entity: full form on first mention, short form or pronoun after."""

    name: str = Field(description="Jinja2 expression or data path giving the full name, e.g. `name`.")
    short: str | None = Field(None, description="Jinja2 expression for later mentions (default: the pronoun).")
    pronoun: str | None = Field("it", description="Pronoun for later mentions when no short form is given.")


class SectionSpec(Strict):
    id: str
    title: str | None = Field(None, description="Heading; a Jinja2 expression string rendered with the record.")


class DocumentSpec(Strict):
    title: str | None = Field(None, description="Document title; Jinja2 text rendered with the record.")
    sections: list[SectionSpec] = Field(default_factory=list)


class OutputSpec(Strict):
    format: OutputFormat = "text"


class RoutingSpec(Strict):
    """Which realizers `auto` runs and which ones a failed segment falls back to; None: derived from the
    registered realizers (`auto` ones and `safe` ones, ordered by their `priority`)."""

    default: str | None = Field(None, description="Realizer of segments that name none; default: the first safe one.")
    auto: list[str] | None = Field(None, description="Realizers that produce candidates side by side for `auto`.")
    fallback: list[str] | None = Field(None, description="Default chain tried when no candidate passes.")


class DecisionSpec(Strict):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    prefer: list[str] | None = Field(
        None,
        description="Realizer preference among passing candidates (earlier wins a tie within `margin`); "
        "default: the registered realizers by priority.",
    )
    margin: float = Field(0.2, ge=0, le=1, description="Score gap the preferred realizer may lose by and still win.")
    validate_: ValidateMode = Field(
        "lazy",
        alias="validate",
        description="`lazy`: validate candidates best-first (preference, then the realizer's score) and stop at one "
        "that passes within `margin` of a perfect score; a validator only sees candidates every earlier one passed. "
        "`all`: every validator on every candidate (for eval and full traces).",
    )
    on_failure: OnFailure = Field(
        "flag",
        description="When nothing passes: publish a safe realizer's text flagged (`flag`), drop the segment, or raise.",
    )

    @field_validator("on_failure", mode="before")
    @classmethod
    def _old_name(cls, value: Any) -> Any:
        return "flag" if value == "template" else value  # the name before realizers declared themselves `safe`


class EngineConfig(Strict):
    """The whole configuration of an engine."""

    templates: str | list[str] | None = Field(None, description="Template folder(s), relative to the config file.")
    locale: str = "en_US"
    seed: int = 0
    output: OutputSpec = Field(default_factory=OutputSpec)
    document: DocumentSpec = Field(default_factory=DocumentSpec)
    entities: dict[str, EntitySpec] = Field(default_factory=dict)
    segments: list[SegmentSpec] = Field(min_length=1)
    plugins: list[str] = Field(default_factory=list, description="Python files with hook implementations.")
    realizers: dict[str, dict[str, Any]] = Field(default_factory=dict, description="Settings per realizer name.")
    validators: dict[str, dict[str, Any]] | None = Field(
        None, description="Validators to run with their settings; default: every registered validator."
    )
    routing: RoutingSpec = Field(default_factory=RoutingSpec)
    decision: DecisionSpec = Field(default_factory=DecisionSpec)
    strict: bool = Field(
        False, description="Fail a record when a segment is published flagged, dropped, or left out for lack of data."
    )
    timeouts: dict[str, float] = Field(
        default_factory=dict, description="Seconds a realizer or validator (by name) may take per batch call."
    )
    redact: list[str] = Field(
        default_factory=list, description="Record fields (a key name at any depth, or a data path) whose values are "
        "masked in traces, notes and logs; the text still says them."
    )

    @field_validator("segments")
    @classmethod
    def _unique_ids(cls, segments: list[SegmentSpec]) -> list[SegmentSpec]:
        seen: set[str] = set()
        for spec in segments:
            if spec.id in seen:
                raise ValueError(f"duplicate segment id '{spec.id}': segment ids must be unique")
            seen.add(spec.id)
        return segments

    @model_validator(mode="after")
    def _known_references(self) -> EngineConfig:
        sections = {s.id for s in self.document.sections}
        for spec in self.segments:
            if spec.section and sections and spec.section not in sections:
                raise ValueError(
                    f"segment '{spec.id}': unknown section '{spec.section}'. Available: {', '.join(sorted(sections))}"
                )
            if spec.subject and spec.subject not in self.entities:
                known = ", ".join(sorted(self.entities)) or "(none declared under `entities`)"
                raise ValueError(f"segment '{spec.id}': unknown subject '{spec.subject}'. Available: {known}")
        return self

    def fact_names(self) -> set[str]:
        """Every fact name a segment can carry: declared facts and computed ones."""
        return {name for spec in self.segments for name in [*spec.fact_paths(), *spec.compute]}

    def template_dirs(self, base: Path) -> list[Path]:
        folders = [self.templates] if isinstance(self.templates, str) else list(self.templates or [])
        return [(base / folder).resolve() for folder in folders]


def _location(loc: tuple[Any, ...], raw: Any) -> str:
    """`segments[0].realizer`, naming segments by id where the raw data lets us."""
    parts: list[str] = []
    node = raw
    for key in loc:
        if isinstance(key, int):
            label = f"[{key}]"
            if isinstance(node, list) and key < len(node) and isinstance(node[key], dict) and "id" in node[key]:
                label = f"[{key}] (id={node[key]['id']})"
            parts.append(label)
            node = node[key] if isinstance(node, list) and key < len(node) else None
        else:
            parts.append(("." if parts else "") + str(key))
            node = node.get(key) if isinstance(node, dict) else None
    return "".join(parts) or "(top level)"


def _line_of(loc: tuple[Any, ...], lines: dict[tuple[Any, ...], int]) -> int | None:
    for end in range(len(loc), 0, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def _yaml_lines(text: str) -> dict[tuple[Any, ...], int]:
    """Map each key path of a YAML document to its 1-based line, for error messages."""
    lines: dict[tuple[Any, ...], int] = {}
    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        return lines

    def walk(node: yaml.Node | None, path: tuple[Any, ...]) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                sub = path + (key.value,)
                lines[sub] = key.start_mark.line + 1
                walk(value, sub)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                lines[path + (i,)] = item.start_mark.line + 1
                walk(item, path + (i,))

    walk(root, ())
    return lines


def _known_keys() -> set[str]:
    models: list[type[BaseModel]] = [EngineConfig, SegmentSpec, ComputedFact, EntitySpec, SectionSpec, DocumentSpec,
                                     OutputSpec, DecisionSpec, RoutingSpec]
    return {field.alias or name for model in models for name, field in model.model_fields.items()}


# keys that moved out of the core config into the plugin that uses them
MOVED = {"lexicon": "validators.spacy.lexicon", "lexicon_files": "validators.spacy.lexicon_files"}


def _hint(error: ErrorDetails) -> str:
    if error["type"] != "extra_forbidden":
        return ""  # pydantic's own message already lists allowed values for literals
    if len(error["loc"]) == 1 and error["loc"][0] in MOVED:
        return f" (moved: put it under `{MOVED[error['loc'][0]]}`)"
    close = difflib.get_close_matches(str(error["loc"][-1]), sorted(_known_keys()), n=1)
    return f" (unknown key: did you mean '{close[0]}'?)" if close else " (unknown key: remove it)"


def parse_config(raw: Any, source: str = "<config>", text: str | None = None) -> EngineConfig:
    """Validate raw config data; every problem is reported as `source:line: location: message`."""
    if not isinstance(raw, dict):
        got = type(raw).__name__
        raise ConfigError([f"{source}: (top level): expected a mapping with at least `segments`, got {got}"])
    lines = _yaml_lines(text) if text is not None else {}
    try:
        return EngineConfig.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = tuple(error["loc"])
            line = _line_of(loc, lines)
            where = f"{source}:{line}" if line else source
            message = error["msg"].removeprefix("Value error, ")
            problems.append(f"{where}: {_location(loc, raw)}: {message}{_hint(error)}")
        raise ConfigError(problems) from None


def read_config(path: str | Path) -> tuple[EngineConfig, Path]:
    """Read a YAML or JSON config file; returns the config and the folder relative paths resolve against."""
    path = Path(path)
    raw = read_yaml(path, "YAML or JSON config")
    text = path.read_text(encoding="utf-8") if path.suffix != ".json" else None  # for the lines of errors
    return parse_config(raw, str(path), text), path.parent.resolve()


def json_schema() -> dict[str, Any]:
    return EngineConfig.model_json_schema()
