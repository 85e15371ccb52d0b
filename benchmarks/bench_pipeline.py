"""Template-only pipeline (plan + render + validate + assemble) vs bare Jinja2 render + bare `nlp.pipe`.

    python benchmarks/bench_pipeline.py [--records 400]

Same records, same templates, the same spaCy pipeline, in one process: the ratio is engine time / bare time.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from jinja2 import Environment, FileSystemLoader

from hybridnlg import Engine

ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "templates" / "e2e"
SLOTS = {
    "eatType": ["coffee shop", "pub", "restaurant"], "food": ["Chinese", "French", "Italian", "Fast food"],
    "priceRange": ["cheap", "moderate", "high", "less than £20"], "customerRating": ["low", "average", "5 out of 5"],
    "area": ["city centre", "riverside"], "familyFriendly": ["yes", "no"], "near": ["Burger King", "The Bakers"],
}


def records(n: int) -> list[dict]:
    out = []
    for i in range(n):
        record = {"name": f"Place {i}"}
        for j, (slot, values) in enumerate(SLOTS.items()):
            if (i >> j) % 3:
                record[slot] = values[(i + j) % len(values)]
        out.append(record)
    return out


def bare(data: list[dict], nlp) -> float:
    """What a hand-written script would do: render both templates, join, run spaCy over the texts."""
    env = Environment(loader=FileSystemLoader(str(PACK / "templates")))
    engine_filters = Engine.from_config(PACK / "config.yaml").get_realizer("template").env.filters
    env.filters.update(engine_filters)
    env.globals["choice"] = lambda *options: options[0]
    intro, details = env.get_template("intro.j2"), env.get_template("details.j2")
    started = time.perf_counter()
    texts = [" ".join([intro.render(ref=r["name"], **r), details.render(ref="It", **r)]) for r in data]
    list(nlp.pipe(texts, batch_size=256))
    return time.perf_counter() - started


def engine_time(data: list[dict]) -> tuple[float, Engine]:
    engine = Engine.from_config(PACK / "config.yaml")
    list(engine.render_many(data[:8], realizer="template"))  # load spaCy and compile templates outside the timing
    started = time.perf_counter()
    list(engine.render_many(data, realizer="template", window=256))
    return time.perf_counter() - started, engine


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=400)
    args = parser.parse_args()
    data = records(args.records)
    engine_s, engine = engine_time(data)
    nlp = engine.get_validator("spacy").pipeline.nlp  # the very pipeline the engine used
    bare_s = bare(data, nlp)
    print(json.dumps({"benchmark": "template_pipeline_vs_bare", "records": len(data), "engine_s": round(engine_s, 3),
                      "bare_s": round(bare_s, 3), "ratio": round(engine_s / bare_s, 3), "target": "<= 1.25"}))


if __name__ == "__main__":
    main()
