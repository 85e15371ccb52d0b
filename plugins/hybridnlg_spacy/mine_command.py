"""`hybridnlg lexicon mine`: a predicate lexicon mined from data/text pairs, for the spaCy validator."""

from __future__ import annotations

import json
from pathlib import Path

import click
import yaml

from hybridnlg import data_licence

from .aliases import AliasFile, mine_aliases
from .phrases import mine_phrases
from .predicates import PredicateFile, mine, read_relation_pairs


@click.group("lexicon", help="Lexicons mined from data/text pairs: predicate cues and entity aliases for the spaCy "
                             "validator, predicate phrases for templates.")
def lexicon_group() -> None:
    pass


@lexicon_group.command("mine")
@click.argument("pairs", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="YAML file to write (set validators.spacy.predicate_files to it).")
@click.option("--hold-out", default="", help="Categories to leave out (comma-separated), as in hybridnlg train.")
@click.option("--min-texts", default=5, show_default=True, type=click.IntRange(1),
              help="Predicates seen in fewer texts get no entry (they stay unchecked).")
def mine_command(pairs: Path, out: Path, hold_out: str, min_texts: int) -> None:
    """Mine the words that say each relation predicate from PAIRS (WebNLG JSONL as it is, or JSONL {data, text}
    whose data holds [subject, predicate, object] lists)."""
    held = frozenset(c.strip() for c in hold_out.split(",") if c.strip())
    try:
        entries = mine(read_relation_pairs(pairs, held), min_texts)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="PAIRS") from None
    licence, credit = data_licence(pairs)
    document = PredicateFile(source=f"mined by `hybridnlg lexicon mine` from {pairs.name}"
                                    + (f" without {', '.join(sorted(held))}" if held else ""),
                             licence=licence, credit=credit, predicates=entries)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(yaml.safe_dump(document.model_dump(), sort_keys=False, allow_unicode=True, width=120),
                   encoding="utf-8")
    checked = sum(1 for e in entries.values() if e.coverage >= 0.9)
    click.echo(f"{len(entries)} predicates ({checked} with cues covering at least 90% of their texts) -> {out}")


@lexicon_group.command("phrases")
@click.argument("pairs", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Jinja file to write; a template takes the table with {% from \"NAME\" import phrases %}.")
@click.option("--hold-out", default="", help="Categories to leave out (comma-separated), as in hybridnlg train.")
@click.option("--min-count", default=3, show_default=True, type=click.IntRange(1),
              help="A phrase must be seen in at least this many sentences.")
def phrases_command(pairs: Path, out: Path, hold_out: str, min_count: int) -> None:
    """Mine a verb phrase per relation predicate from PAIRS (as for `mine`): the most frequent words between a
    relation's subject and its object in sentences that say that relation alone ("is located in")."""
    held = frozenset(c.strip() for c in hold_out.split(",") if c.strip())
    try:
        phrases = mine_phrases(read_relation_pairs(pairs, held), min_count)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="PAIRS") from None
    licence, credit = data_licence(pairs)
    source = f"`hybridnlg lexicon phrases` from {pairs.name}" + (f" without {', '.join(sorted(held))}" if held else "")
    notes = [f"Mined by {source}.", *([f"Licence: {licence}."] if licence else []), *credit]
    header = "\n".join(f"   {line}" for line in notes)
    table = json.dumps(phrases, ensure_ascii=False, indent=1)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(f"{{#-\n{header}\n-#}}\n{{%- set phrases = {table} -%}}\n", encoding="utf-8")
    click.echo(f"{len(phrases)} predicate phrases -> {out}")


@lexicon_group.command("aliases")
@click.argument("pairs", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="YAML file to write (set validators.spacy.alias_files to it).")
@click.option("--hold-out", default="", help="Categories to leave out (comma-separated), as in hybridnlg train.")
@click.option("--min-count", default=3, show_default=True, type=click.IntRange(1),
              help="An alias must be seen in at least this many texts that do not name its entity.")
def aliases_command(pairs: Path, out: Path, hold_out: str, min_count: int) -> None:
    """Mine other names of the entities of PAIRS (as for `mine`): the name-like words a text writes when it does not
    name a relation's subject or object, seen mostly with that entity ("U.S." for United_States)."""
    held = frozenset(c.strip() for c in hold_out.split(",") if c.strip())
    try:
        aliases = mine_aliases(read_relation_pairs(pairs, held), min_count)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="PAIRS") from None
    licence, credit = data_licence(pairs)
    document = AliasFile(source=f"mined by `hybridnlg lexicon aliases` from {pairs.name}"
                                + (f" without {', '.join(sorted(held))}" if held else ""),
                         licence=licence, credit=credit, aliases=aliases)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(yaml.safe_dump(document.model_dump(), sort_keys=False, allow_unicode=True, width=120),
                   encoding="utf-8")
    click.echo(f"{sum(map(len, aliases.values()))} aliases of {len(aliases)} entities -> {out}")
