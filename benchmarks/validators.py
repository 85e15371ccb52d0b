"""Precision, recall and F1 of the validators at catching unfaithful texts: spaCy alone, fidelity alone, both.

    python benchmarks/validators.py --set e2e-human            # (a) E2E dev human texts against their original MRs
    python benchmarks/validators.py --set e2e-gpt2             # (b) the shipped GPT-2's greedy and sampled outputs
    python benchmarks/validators.py --set webnlg-perturbed     # (c) WebNLG dev texts with perturbed triples
                                                               #     (and relations that exchanged their values)

A text counts as flagged when a validator reports an error of category `fact` (missing, added or wrong); fluency
issues are left out, since the labels are about facts. Labels: (a) the cleaning of E2E (`fixed` = 1: the original MR
does not match the text; pattern-based, with its own errors, so disagreements are sampled for a hand check with
--disagreements N); (b) the independent lexicon slot checker of benchmarks/gpt2_common.py; (c) the perturbation.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gpt2_common import E2E, ROOT, dev_records, make_segment, slot_errors

from hybridnlg import Engine, Failure
from hybridnlg.verify import VerifyReport, verify_window
from hybridnlg_fidelity.examples import Perturber, read_sources
from hybridnlg_gpt2.data import parse_mr

WEBNLG = ROOT.parent / "shared" / "data" / "webnlg"
Item = tuple[dict[str, Any], str, bool, str]  # record, text, unfaithful (gold), kind


def _window(rows: list[Any], limit: int | None, offset: int) -> list[Any]:
    """rows[offset:offset + limit]: `--offset` gives a slice disjoint from the one a setting was chosen on."""
    return rows[offset:offset + limit] if limit else rows[offset:]


def e2e_human(limit: int | None, offset: int = 0) -> list[Item]:
    with (E2E / "dev-cleaned.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    random.Random(0).shuffle(rows)
    rows = _window(rows, limit, offset)
    return [(parse_mr(row["orig_mr"]), row["ref"], row["fixed"] == "1", "fixed" if row["fixed"] == "1" else "kept")
            for row in rows]


def e2e_gpt2(limit: int | None, offset: int = 0) -> list[Item]:
    from hybridnlg_gpt2.realizer import GPT2Realizer

    records = [data for data, _ in _window(dev_records(E2E / "devset.csv"), limit, offset)]
    names = {data[slot] for data in records for slot in ("name", "near") if slot in data}
    items: list[Item] = []
    for kind, settings in (("greedy", {"num_beams": 1}), ("sampled", {"do_sample": True, "top_p": 0.9})):
        realizer = GPT2Realizer(GPT2Realizer.Config(model="e2e-small", max_new_tokens=90, local_files_only=True,
                                                    seed=0, **settings))
        results = realizer.realize([make_segment(data, i) for i, data in enumerate(records)])
        for data, result in zip(records, results, strict=True):
            if isinstance(result, Failure) or not result:
                continue
            text = result[0].text
            _, missing, added = slot_errors(data, text, names)
            items.append((data, text, missing + added > 0, kind))
    return items


def webnlg_perturbed(limit: int | None, offset: int = 0) -> list[Item]:
    sources = read_sources(WEBNLG / "dev.jsonl")
    random.Random(0).shuffle(sources)
    sources = _window(sources, limit, offset)
    perturber = Perturber(sources, seed=5, faithful_per_pair=0)
    items: list[Item] = []
    for source in sources:
        for example in perturber.examples(source):
            if example.kind in {"wrong value (added)", "exchanged values"}:
                continue  # the same data as "wrong value"; exchanges are made below, from these dev texts' own draws
            triples = [{"subject": i.subject, "predicate": i.predicate, "object": i.value} for i in example.data]
            items.append(({"triples": triples}, example.source_text, example.label != 0, example.kind))
    return items + exchanged(sources)


def webnlg_faithful(limit: int | None, offset: int = 0) -> list[Item]:
    """WebNLG dev human texts with their own triples, in a fixed random order: every text is faithful by the corpus,
    so what a validator flags is its cost (precision and recall are 0 here; read `by_kind`)."""
    sources = read_sources(WEBNLG / "dev.jsonl")
    random.Random(1).shuffle(sources)
    sources = _window(sources, limit, offset)
    return [({"triples": [{"subject": i.subject, "predicate": i.predicate, "object": i.value} for i in s.items]},
             s.text, False, "faithful") for s in sources]


def exchanged(sources: list[Any]) -> list[Item]:
    """The GPT-2 realizer's typical error, made from human texts: two relations of an entry exchange their objects
    in the data, so that the text, unchanged, writes each value by the other relation's words ("was born in Maine and
    died in West Roxbury" for birth place West Roxbury, death place Maine). Both values must be in the text, the two
    predicates and values must differ, and neither value may become its own subject. Appended after the
    perturbations, so that those stay as they were."""
    rng = random.Random(7)
    items: list[Item] = []
    for source in sources:
        relations = [i for i, item in enumerate(source.items) if item.subject is not None
                     and item.value.lower() in source.text.lower()]
        items_ = source.items
        pairs = [(a, b) for a in relations for b in relations if a < b
                 and items_[a].predicate != items_[b].predicate and items_[a].value.lower() != items_[b].value.lower()
                 and items_[a].value != items_[b].subject and items_[b].value != items_[a].subject]
        if not pairs:
            continue
        a, b = rng.choice(pairs)
        data = list(source.items)
        first, second = source.items[a], source.items[b]
        data[a], data[b] = replace(first, value=second.value), replace(second, value=first.value)
        triples = [{"subject": i.subject, "predicate": i.predicate, "object": i.value} for i in data]
        items.append(({"triples": triples}, source.text, True, "values exchanged between relations"))
    return items


SETS: dict[str, tuple[Callable[[int | None, int], list[Item]], Path, str]] = {
    "e2e-human": (e2e_human, ROOT / "templates" / "e2e" / "config.yaml", "e2e-fidelity"),
    "e2e-gpt2": (e2e_gpt2, ROOT / "templates" / "e2e" / "config.yaml", "e2e-fidelity"),
    "webnlg-perturbed": (webnlg_perturbed, ROOT / "templates" / "webnlg" / "config.yaml", "webnlg-fidelity"),
    "webnlg-faithful": (webnlg_faithful, ROOT / "templates" / "webnlg" / "config.yaml", "webnlg-fidelity"),
}


def engine(config_path: Path, validators: dict[str, Any]) -> Engine:
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    spacy = dict((config.get("validators") or {}).get("spacy") or {})
    chosen = {name: spacy if name == "spacy" else settings for name, settings in validators.items()}
    return Engine.from_config({**config, "validators": chosen}, config_dir=config_path.parent, entrypoints=False,
                              trusted=True)  # our own configs; --fidelity-model may name any folder


def windows(items: list[Item], size: int = 64) -> Iterator[list[Item]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def flagged(report: VerifyReport | Exception) -> bool:
    if isinstance(report, Exception):
        return True
    return any(i.category == "fact" and i.severity == "error" and i.code != "validator_error" for i in report.issues)


def run(e: Engine, items: list[Item]) -> tuple[list[bool], float]:
    started = time.perf_counter()
    out: list[bool] = []
    for window in windows(items):
        out += [flagged(r) for r in verify_window(e, [(i, rec, text) for i, (rec, text, _, _) in enumerate(window)])]
    return out, time.perf_counter() - started


def scores(gold: list[bool], predicted: list[bool]) -> dict[str, float]:
    tp = sum(g and p for g, p in zip(gold, predicted, strict=True))
    fp = sum(p and not g for g, p in zip(gold, predicted, strict=True))
    fn = sum(g and not p for g, p in zip(gold, predicted, strict=True))
    precision, recall = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
    return {"precision": round(precision, 3), "recall": round(recall, 3),
            "f1": round(2 * precision * recall / max(precision + recall, 1e-9), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=SETS, required=True)
    parser.add_argument("--limit", type=int, default=None, help="Use only this many pairs (records for e2e-gpt2).")
    parser.add_argument("--offset", type=int, default=0,
                        help="Skip this many pairs first (after the set's fixed shuffle): a slice disjoint from the "
                             "default one, on which the packs' settings were chosen.")
    parser.add_argument("--fidelity-model", default=None, help="Default: the shipped checkpoint for the set.")
    parser.add_argument("--threshold", type=float, default=0.8)
    parser.add_argument("--disagreements", type=int, default=0, help="Print this many label/validator disagreements.")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    make, config, model = SETS[args.set]
    items = make(args.limit, args.offset)
    gold = [unfaithful for _, _, unfaithful, _ in items]
    chosen = args.fidelity_model or model
    if Path(chosen).exists():  # a folder named from here, not from the config's folder (where it would not be found)
        chosen = str(Path(chosen).resolve())
    fidelity = {"model": chosen, "threshold": args.threshold, "severity": "error"}
    rows: dict[str, Any] = {"set": args.set, "pairs": len(items), "unfaithful": sum(gold),
                            "kinds": dict(Counter(kind for *_, kind in items))}
    predictions: dict[str, list[bool]] = {}
    for name, validators in (("spacy", {"spacy": {}}), ("fidelity", {"fidelity": fidelity})):
        predictions[name], seconds = run(engine(config, validators), items)
        rows[name] = {**scores(gold, predictions[name]), "ms_per_text": round(1000 * seconds / len(items), 2)}
    both = [a or b for a, b in zip(predictions["spacy"], predictions["fidelity"], strict=True)]
    rows["both"] = scores(gold, both)
    for name, predicted in (*predictions.items(), ("both", both)):
        caught: dict[str, str] = {}
        for kind in rows["kinds"]:
            picked = [p for p, (*_, k) in zip(predicted, items, strict=True) if k == kind]
            caught[kind] = f"{sum(picked)}/{len(picked)} flagged"
        rows[name]["by_kind"] = caught
    print(json.dumps(rows, indent=2, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if args.disagreements:
        wrong = [(i, name) for name in ("spacy", "fidelity") for i, (g, p) in enumerate(zip(gold, predictions[name],
                 strict=True)) if g != p]
        for i, name in random.Random(1).sample(wrong, min(args.disagreements, len(wrong))):
            record, text, unfaithful, kind = items[i]
            print(f"- [{name} says {'unfaithful' if not unfaithful else 'faithful'}; label {kind}] {record} :: {text}")


if __name__ == "__main__":
    main()
