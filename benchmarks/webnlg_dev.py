"""Template only vs GPT-2 unvalidated vs hybrid `auto` on WebNLG 3.0 dev, on seen and on held-out categories.

    python benchmarks/webnlg_dev.py [--limit N] [--split seen|unseen|both] [--model DIR] [--max-relations N]
                                    [--whole-entries]
                                    [--only LABEL] [--out FILE.json] [--texts FILE.jsonl]

`--texts` writes every text with its run, split, record and realizers, one JSON object a line: what a hand check of
the texts a hybrid accepts reads (README, "WebNLG").

Records are WebNLG entries as the pack takes them (`{"triples": [{subject, predicate, object}, ...]}`, raw DBpedia
strings), with all of an entry's texts as references. `seen`: dev entries of the categories webnlg-small was trained
on; `unseen`: dev entries of the categories held out of its training and of the mined predicate lexicon (Food,
Monument, SportsTeam: see benchmarks/train_webnlg.sh), whose predicates are partly new. Per run: BLEU (sacrebleu,
multi-reference), entity coverage (an independent check, not the validator: the share of subjects and objects whose
written form appears in the text, numbers and dates in common written forms too), the realizer shares, fallbacks,
flagged segments and records/s. The GPT-2 share is given per entry and per relation (a sentence per relation may
hold the template's sentence for a relation among GPT-2's).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
import time
import unicodedata
from pathlib import Path
from typing import Any

from hybridnlg import Engine, relations_in, surface_form
from hybridnlg.cli.evaluate import summarize
from hybridnlg.config import read_config

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "templates" / "webnlg" / "config.yaml"
DEV = ROOT.parent / "shared" / "data" / "webnlg" / "dev.jsonl"
HELD_OUT = frozenset({"Food", "Monument", "SportsTeam"})
UNVALIDATED = "gpt2 top beam, no validator"


def entries(split: str, limit: int | None) -> list[tuple[dict[str, Any], list[str]]]:
    rows = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if (r["category"] in HELD_OUT) == (split == "unseen")]
    pairs = [({"triples": [{"subject": s, "predicate": p, "object": o} for s, p, o in r["triples"]]}, r["texts"])
             for r in rows]
    if not limit or limit >= len(pairs):
        return pairs
    return [pairs[i * len(pairs) // limit] for i in range(limit)]  # spread over the file: every category, every size


def _norm(text: str) -> str:
    """Lower case, without accents, punctuation as space, a dotted abbreviation as one word ("D.C." as dc), a number
    apart from a unit written onto it ("8.3m" as 8.3 m)."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"\b(?:[^\W\d_]\.){2,}", lambda m: m.group(0).replace(".", ""), text)
    text = re.sub(r"(\d)([^\W\d_])", r"\1 \2", text)
    return " ".join(re.sub(r"[^\w\s.]|\.(?!\d)", " ", text).split())


def _ordinal(day: int) -> str:
    return f"{day}{'th' if 10 <= day % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(day % 10, 'th')}"


def written_forms(value: Any) -> list[str]:
    """How an entity may be written: its surface form, without a trailing parenthetical, 25.0 as 25 (and 2,702),
    an ISO date as '20 March 1963', 'March 20, 1963' or with an ordinal day ('20th March 1963'). Accents, case and
    punctuation do not count (`_norm`)."""
    text = surface_form(value)
    forms = {text, re.sub(r"\s*\([^)]*\)$", "", text)}
    if re.fullmatch(r"-?\d+\.0", text):
        forms |= {text[:-2], f"{int(float(text)):,}"}
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        forms.add(f"{float(text):,}")
    try:
        day = dt.date.fromisoformat(text)
        for d in (str(day.day), _ordinal(day.day)):
            forms |= {f"{d} {day:%B %Y}", f"{d} of {day:%B %Y}", f"{day:%B} {d} {day.year}"}
    except ValueError:
        pass
    return [_norm(f) for f in forms if _norm(f)]


def _written(said: str, value: Any) -> bool:
    """In the normalised text `said`: a form of the value, or each part of a comma-qualified name ("Amarillo,
    Texas" in "Amarillo is part of Potter County in Texas")."""
    if any(f" {form} " in said for form in written_forms(value)):
        return True
    parts = [p for p in surface_form(value).split(",") if p.strip()]
    return len(parts) > 1 and all(_written(said, part.strip()) for part in parts)


def coverage(records: list[dict[str, Any]], texts: list[str]) -> tuple[int, int]:
    found = total = 0
    for record, text in zip(records, texts, strict=True):
        said = f" {_norm(text)} "
        ends = {surface_form(e): e for t in record["triples"] for e in (t["subject"], t["object"])}
        total += len(ends)
        found += sum(_written(said, e) for e in ends.values())
    return found, total


def relation_shares(outputs: list[Any]) -> dict[str, int]:
    """How many relations each realizer wrote: a sentence per relation may hold the template's sentence for a
    relation among GPT-2's (`meta.sources`); a whole-entry text counts for all its relations."""
    counts: dict[str, int] = {}
    for output in outputs:
        for result in getattr(output, "segments", []):
            chosen = next((t.candidate for t in result.candidates if t.status == "chosen"), None)
            relations = sum(len(relations_in(fact.value) or []) for fact in result.segment.facts.values())
            if result.realizer is None:
                continue
            sources = chosen.meta.get("sources") if chosen is not None else None
            for name in sources or [result.realizer] * relations:
                counts[name] = counts.get(name, 0) + 1
    return counts


def run_split(split: str, limit: int | None, model: str | None, only: str | None = None,
              max_relations: int | None = -1, texts_out: list[dict[str, Any]] | None = None,
              whole_entries: bool = False) -> dict[str, Any]:
    """`max_relations`: -1 keeps the pack's, None lifts the limit; `whole_entries`: an entry over the limit goes to
    the template (`over_max_relations: template`) instead of a sentence per relation; `texts_out` collects every
    text."""
    pairs = entries(split, limit)
    records = [data for data, _ in pairs]
    references = [refs for _, refs in pairs]
    config, base = read_config(CONFIG)
    gpt2 = {**config.realizers["gpt2"], **({"model": str(Path(model).resolve())} if model else {}),
            **({"max_relations": max_relations} if max_relations != -1 else {}),
            **({"over_max_relations": "template"} if whole_entries else {})}
    config = config.model_copy(update={"realizers": {"gpt2": gpt2}})
    engine = Engine(config, base, trusted=bool(model))  # a model folder given here may lie outside the pack
    # the model's own text of the entry, whatever form it writes an entity in
    gpt2_top = {**gpt2, "num_candidates": 1, "over_max_relations": "template", "entity_forms": "any"}
    unchecked = Engine(config.model_copy(update={"validators": {}, "realizers": {"gpt2": gpt2_top}}), base,
                       trusted=bool(model))
    results: dict[str, Any] = {}
    for label, runner, realizer in [("template", engine, "template"), (UNVALIDATED, unchecked, "gpt2"),
                                    ("hybrid (auto)", engine, None)]:
        if only and only not in label:
            continue
        started = time.perf_counter()
        outputs = list(runner.render_many(records, realizer=realizer, errors="record"))
        elapsed = time.perf_counter() - started
        metrics = summarize(outputs, references, elapsed)
        texts = [getattr(o, "plain_text", "") for o in outputs]
        if texts_out is not None:
            texts_out += [{"split": split, "run": label, "record": record, "text": text,
                           "realizers": [s.realizer for s in getattr(output, "segments", [])]}
                          for record, text, output in zip(records, texts, outputs, strict=True)]
        found, total = coverage(records, texts)
        relations = relation_shares(outputs)
        metrics.update(coverage=round(found / total, 4), records_per_s=round(len(records) / elapsed, 2),
                       gpt2_relations=round(relations.get("gpt2", 0) / max(sum(relations.values()), 1), 4))
        results[label] = metrics
        print(f"{split} {label}: BLEU {metrics['bleu']}, coverage {metrics['coverage']:.2%}, "
              f"share {metrics['realizer_share']}, fallbacks {metrics['fallbacks']}, flagged {metrics['flagged']}",
              flush=True)
    return {"records": len(records), "runs": results}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=None,
                        help="N entries of each split, spread evenly over it (the file is sorted by category, size).")
    parser.add_argument("--split", choices=["seen", "unseen", "both"], default="both")
    parser.add_argument("--model", default=None, help="A GPT-2 model folder instead of the pack's webnlg-small.")
    parser.add_argument("--only", default=None, help="Run only the runs whose label contains this (e.g. hybrid).")
    parser.add_argument("--max-relations", type=int, default=-1,
                        help="Override the pack's realizers.gpt2.max_relations (0: no limit).")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "webnlg_dev.json")
    parser.add_argument("--texts", type=Path, default=None, help="Write every text (JSONL) for a hand check.")
    parser.add_argument("--whole-entries", action="store_true",
                        help="An entry over max_relations goes to the template, not a sentence per relation to GPT-2.")
    args = parser.parse_args()
    if not DEV.is_file():
        sys.exit(f"no WebNLG dev data at {DEV}")
    splits = ["seen", "unseen"] if args.split == "both" else [args.split]
    limit = None if args.max_relations == 0 else args.max_relations
    texts: list[dict[str, Any]] | None = [] if args.texts else None
    results = {split: run_split(split, args.limit, args.model, args.only, limit, texts, args.whole_entries)
               for split in splits}
    if args.texts and texts is not None:
        args.texts.parent.mkdir(parents=True, exist_ok=True)
        args.texts.write_text("".join(json.dumps(t, ensure_ascii=False) + "\n" for t in texts), encoding="utf-8")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print()
    print("| categories | run | BLEU | entity coverage | GPT-2 share (entries / relations) | fallbacks | flagged "
          "| records/s |")
    print("|---|---|---|---|---|---|---|---|")
    for split, result in results.items():
        name = f"{split} ({result['records']} entries)"
        for label, m in result["runs"].items():
            print(f"| {name} | {label} | {m['bleu']:.1f} | {m['coverage']:.2%} "
                  f"| {m['realizer_share'].get('gpt2', 0.0):.0%} / {m['gpt2_relations']:.0%} | {m['fallbacks']} "
                  f"| {m['flagged']} "
                  f"| {m['records_per_s']:.1f} |")


if __name__ == "__main__":
    main()
