"""`hybridnlg lexicon mine|phrases|aliases`: predicate cues, predicate phrases and entity aliases mined from
data/text pairs."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar, cast

import click
import yaml
from pydantic import BaseModel

from hybridnlg import data_licence

from .aliases import AliasFile, mine_aliases, mine_class_words
from .common_values import mine_common_values
from .contexts import ValueContexts, mine_contexts
from .phrases import mine_phrases
from .pipeline import load_pipeline
from .predicates import PredicateEntry, PredicateFile, mine, read_relation_pairs
from .related_names import mine_related, spacy_tagger


@click.group("lexicon", help="Lexicons mined from data/text pairs: predicate cues and entity aliases for the spaCy "
                             "validator, predicate phrases for templates.")
def lexicon_group() -> None:
    pass


F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")
Mined = tuple[dict[str, PredicateEntry], ValueContexts, dict[str, list[str]]]


def _pairs_command(name: str, out_help: str) -> Callable[[F], F]:
    """A `lexicon` subcommand reading PAIRS, with --out and --hold-out."""
    def decorate(function: F) -> F:
        function = click.option("--hold-out", default="",
                                help="Categories to leave out (comma-separated), as in hybridnlg train.")(function)
        function = click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
                                help=out_help)(function)
        function = click.argument("pairs", type=click.Path(exists=True, dir_okay=False, path_type=Path))(function)
        return cast(F, lexicon_group.command(name)(function))
    return decorate


def _mine(pairs: Path, hold_out: str, miner: Callable[[Iterator[tuple[list[Any], str]]], T]) -> tuple[T, str]:
    """What `miner` makes of PAIRS without the held-out categories, and a source line naming the command's input."""
    held = frozenset(c.strip() for c in hold_out.split(",") if c.strip())
    try:
        mined = miner(read_relation_pairs(pairs, held))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="PAIRS") from None
    return mined, f"{pairs.name}" + (f" without {', '.join(sorted(held))}" if held else "")


def _write_yaml(out: Path, document: BaseModel) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(yaml.safe_dump(document.model_dump(), sort_keys=False, allow_unicode=True, width=120),
                   encoding="utf-8")


@_pairs_command("mine", "YAML file to write (set validators.spacy.predicate_files to it).")
@click.option("--min-texts", default=5, show_default=True, type=click.IntRange(1),
              help="Predicates seen in fewer texts get no entry (they stay unchecked).")
def mine_command(pairs: Path, out: Path, hold_out: str, min_texts: int) -> None:
    """Mine the words that say each relation predicate from PAIRS (WebNLG JSONL as it is, or JSONL {data, text}
    whose data holds [subject, predicate, object] lists), the words written by each predicate's values, and the
    values texts write in lower case."""
    def all_three(read: Iterator[tuple[list[Any], str]]) -> Mined:
        rows = list(read)
        return mine(rows, min_texts), mine_contexts(rows), mine_common_values(rows)

    (entries, contexts, common), source = _mine(pairs, hold_out, all_three)
    licence, credit = data_licence(pairs)
    _write_yaml(out, PredicateFile(source=f"mined by `hybridnlg lexicon mine` from {source}", licence=licence,
                                   credit=credit, predicates=entries, value_contexts=contexts, common_values=common))
    checked = sum(1 for e in entries.values() if e.coverage >= 0.9)
    click.echo(f"{len(entries)} predicates ({checked} with cues covering at least 90% of their texts), "
               f"{len(contexts.before.names) + len(contexts.before.literals)} contexts before values and "
               f"{len(contexts.after.names) + len(contexts.after.literals)} after, {len(common)} values written "
               f"in lower case -> {out}")


@_pairs_command("phrases", "Jinja file to write; a template takes the table with "
                           "{% from \"NAME\" import phrases %}.")
@click.option("--min-count", default=3, show_default=True, type=click.IntRange(1),
              help="A phrase must be seen in at least this many sentences.")
def phrases_command(pairs: Path, out: Path, hold_out: str, min_count: int) -> None:
    """Mine a verb phrase per relation predicate from PAIRS (as for `mine`): the most frequent words between a
    relation's subject and its object in sentences that say that relation alone ("is located in")."""
    phrases, source = _mine(pairs, hold_out, lambda read: mine_phrases(read, min_count))
    licence, credit = data_licence(pairs)
    notes = [f"Mined by `hybridnlg lexicon phrases` from {source}.", *([f"Licence: {licence}."] if licence else []),
             *credit]
    header = "\n".join(f"   {line}" for line in notes)
    table = json.dumps(phrases, ensure_ascii=False, indent=1)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(f"{{#-\n{header}\n-#}}\n{{%- set phrases = {table} -%}}\n", encoding="utf-8")
    click.echo(f"{len(phrases)} predicate phrases -> {out}")


@_pairs_command("aliases", "YAML file to write (set validators.spacy.alias_files to it).")
@click.option("--min-count", default=3, show_default=True, type=click.IntRange(1),
              help="An alias must be seen in at least this many texts that do not name its entity.")
def aliases_command(pairs: Path, out: Path, hold_out: str, min_count: int) -> None:
    """Mine other names of the entities of PAIRS (as for `mine`): the name-like words a text writes when it does not
    name a relation's subject or object, seen mostly with that entity ("U.S." for United_States); the class
    words texts leave out of names ("music" of Rock_music); and the words for an entity's people ("American")."""
    def three(read: Iterator[tuple[list[Any], str]]) -> tuple[dict[str, list[str]], list[str], dict[str, list[str]]]:
        rows = list(read)
        pipeline = load_pipeline("auto")
        related = mine_related(rows, spacy_tagger(pipeline.nlp)) if pipeline.statistical else {}
        return mine_aliases(rows, min_count), mine_class_words(rows), related

    (aliases, class_words, related), source = _mine(pairs, hold_out, three)
    licence, credit = data_licence(pairs)
    _write_yaml(out, AliasFile(source=f"mined by `hybridnlg lexicon aliases` from {source}", licence=licence,
                               credit=credit, aliases=aliases, class_words=class_words,
                               related=related))
    click.echo(f"{sum(map(len, aliases.values()))} aliases of {len(aliases)} entities, class words "
               f"{', '.join(class_words) or '(none)'}, {sum(map(len, related.values()))} related words -> {out}")
