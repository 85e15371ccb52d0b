"""`hybridnlg eval`: BLEU against references, the validator's fact error rate, realizer shares, fallbacks, speed."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..pipeline.report import Report, SegmentResult

if TYPE_CHECKING:
    from ..engine import Engine



def _published_trace(result: SegmentResult) -> Any:
    for trace in result.candidates:
        if trace.status == "chosen" or trace.status.startswith("published"):
            return trace
    return None


def _bleu(hypotheses: list[str], references: Sequence[Sequence[str]]) -> float:
    import sacrebleu

    width = max((len(refs) for refs in references), default=0)
    streams = [[refs[i] if i < len(refs) else None for refs in references] for i in range(width)]
    # sacrebleu documents None as "no reference here" (a varying number per segment) but annotates only str
    return round(sacrebleu.corpus_bleu(hypotheses, streams).score, 2)  # type: ignore[arg-type]


def evaluate(
    engine: Engine,
    records: Sequence[dict[str, Any]],
    references: Sequence[Sequence[str]] | None = None,
    *,
    realizer: str | None = None,
    window: int = 64,
) -> dict[str, Any]:
    started = time.perf_counter()
    outputs = list(engine.render_many(records, realizer=realizer, window=window, errors="record"))
    return summarize(outputs, references, time.perf_counter() - started)


def summarize(
    outputs: Sequence[Report | dict[str, Any]], references: Sequence[Sequence[str]] | None, elapsed: float
) -> dict[str, Any]:
    """Metrics of rendered outputs (reports or error records, in input order)."""
    reports = [o for o in outputs if isinstance(o, Report)]
    facts = 0
    fact_errors: Counter[str] = Counter()
    fluency: Counter[str] = Counter()
    shares: Counter[str] = Counter()
    segments = fallbacks = flagged = dropped = validated = candidates = checked = 0
    for report in reports:
        for result in report.segments:
            segments += 1
            candidates += len(result.candidates)
            checked += sum(t.validated for t in result.candidates)
            facts += len(result.segment.facts)
            if result.realizer is None:
                dropped += 1
                continue
            shares[result.realizer] += 1
            flagged += result.flagged
            fallbacks += result.flagged or result.realizer not in result.route.realizers
            trace = _published_trace(result)
            validated += bool(trace and trace.reports)
            issues = [i for r in (trace.reports if trace else []) for i in r.issues if i.severity == "error"]
            for issue in issues:
                (fact_errors if issue.category == "fact" else fluency)[issue.code] += 1
    summary: dict[str, Any] = {
        "records": len(outputs),
        "rendered": len(reports),
        "errors": len(outputs) - len(reports),
        "segments": segments,
        "facts": facts,
        "fact_errors": dict(fact_errors),
        "fact_error_rate": round(sum(fact_errors.values()) / facts, 4) if facts else 0.0,
        "validated_segments": validated,
        "candidates": candidates,
        "validated_candidates": checked,
        "fluency_failures": dict(fluency),
        "realizer_share": {name: round(n / segments, 4) for name, n in sorted(shares.items())} if segments else {},
        "fallbacks": fallbacks,
        "flagged": flagged,
        "dropped": dropped,
        "seconds_per_record": round(elapsed / max(len(outputs), 1), 4),
    }
    if references is not None:
        # the CLI checks there is one reference line per record; from Python, extra items on either side are cut off
        paired = [(o.plain_text if isinstance(o, Report) else "", refs)
                  for o, refs in zip(outputs, references, strict=False)]
        summary["bleu"] = _bleu([h for h, _ in paired], [refs for _, refs in paired])
    return summary
